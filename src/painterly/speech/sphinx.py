"""Speech to text with CMU PocketSphinx (Huggins-Daines et al. 2006, "PocketSphinx: a free,
real-time continuous speech recognition system for hand-held devices"), fully offline.

The acoustic model, dictionary (CMUdict) and general trigram language model are the US-English
ones shipped inside the ``pocketsphinx`` wheel. Two language models decode:

* ``style``: a small trigram model of spoken style prompts (:mod:`painterly.speech.vocabulary`);
* ``general``: the wheel's general English model.

``vocabulary="auto"`` (the default) decodes with the style model and keeps its hypothesis when
the recogniser is confident in it: the mean word posterior probability (from the word lattice;
Wessel et al. 2001, "Confidence measures for large vocabulary continuous speech recognition")
is at least ``SpeechConfig.min_confidence``. Speech outside the style vocabulary makes the style
model force words it knows onto the sound, with low posteriors; then the general model decodes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from painterly.errors import InputError, MissingExtraError
from painterly.speech.audio import DEFAULT_AUDIO_LIMITS, AudioLimits, AudioSource, load_audio

SAMPLE_RATE = 16_000  # the en-us acoustic model's rate (16 kHz, 16-bit, mono)
VOCABULARIES = ("auto", "style", "general")


@dataclass(frozen=True)
class SpeechConfig:
    vocabulary: str = "auto"  # "auto": style model, general model as fallback; or one of them only
    # Digital silence (exact zeros, common in synthesised or edited audio) gives -inf log energy
    # and throws off the recogniser's cepstral normalisation; a noise floor at -60 dBFS, far below
    # any microphone's, fixes it without audible change. Seeded: the same file, the same text.
    dither: float = 1e-3
    seed: int = 0
    # Mean word posterior under which "auto" falls back to the general model. On synthesised
    # speech (3 voices) style prompts scored 0.44-0.99, out-of-vocabulary sentences 0.06-0.43;
    # see benchmarks/results/speech.md.
    min_confidence: float = 0.45


@dataclass(frozen=True)
class Transcript:
    text: str  # lower-case words, single spaces; "" if no word was recognised
    vocabulary: str  # "style" or "general": the model whose hypothesis was kept
    seconds: float  # duration of the decoded audio
    confidence: float  # mean word posterior of the kept hypothesis, 0..1
    candidates: tuple[tuple[str, str, float], ...] = ()  # (model, text, confidence) decoded


def _pocketsphinx():
    try:
        import pocketsphinx
    except ImportError:
        raise MissingExtraError("speech", "pocketsphinx") from None
    return pocketsphinx


class _Recognizer:
    """One PocketSphinx decoder holding both searches. Decoders are stateful: one lock each."""

    def __init__(self) -> None:
        ps = _pocketsphinx()
        from painterly.models.packaged import model_path

        en = model_path("pocketsphinx-en-us")  # the registry's entry, sizes and sha256 checked
        self.decoder = ps.Decoder(loglevel="FATAL", samprate=SAMPLE_RATE, hmm=str(en / "en-us"),
                                  lm=str(en / "en-us.lm.bin"), dict=str(en / "cmudict-en-us.dict"))
        self.general = self.decoder.current_search()
        self.key = ""  # vocabulary_key of the phrases the style model was built from
        self.words: list[str] = []
        self.lock = threading.Lock()

    def _ensure_style_model(self, phrases: list[str]) -> None:
        """(Re)build the style language model when the catalogue's phrases changed. Under lock."""
        import os
        import tempfile

        from painterly.speech.vocabulary import COMMON_WORDS, build_arpa, corpus, vocabulary_key

        key = vocabulary_key(phrases)
        if key == self.key:
            return
        known = self.decoder.lookup_word
        sentences = [s for s in corpus(phrases) if all(known(w) for w in s.split())]
        fd, path = tempfile.mkstemp(suffix=".arpa", prefix="painterly-speech-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(build_arpa(sentences, words=tuple(w for w in COMMON_WORDS if known(w))))
            if self.key:  # replace the old model: the general search stays active meanwhile
                self.decoder.activate_search(self.general)
                self.decoder.remove_search("style")
            self.decoder.add_lm_file("style", path)
        finally:
            os.unlink(path)
        self.words = sorted({w for s in sentences for w in s.split()})
        self.key = key

    def _run(self, search: str, pcm: bytes) -> tuple[str, float]:
        d = self.decoder
        d.activate_search(search)
        d.start_utt()
        d.process_raw(pcm, no_search=False, full_utt=True)
        d.end_utt()
        if d.hyp() is None:
            return "", 0.0
        # fillers (<s>, <sil>, [NOISE], ++...++) are not words
        words = [s for s in d.seg() if s.word[:1] not in "<[+"]
        if not words:
            return "", 0.0
        text = " ".join(_strip_variant(s.word) for s in words)
        return text, float(sum(min(1.0, s.prob) for s in words) / len(words))

    def decode(
        self, pcm: bytes, vocabulary: str, min_confidence: float, phrases: list[str] | None = None
    ) -> tuple[str, str, float, tuple]:
        with self.lock:
            if vocabulary in ("auto", "style"):
                from painterly.speech.vocabulary import style_phrases

                self._ensure_style_model(style_phrases() if phrases is None else phrases)
            cands = []
            if vocabulary in ("auto", "style"):
                cands.append(("style", *self._run("style", pcm)))
            if vocabulary == "general" or (vocabulary == "auto" and cands[0][2] < min_confidence):
                cands.append(("general", *self._run(self.general, pcm)))
        used, text, conf = cands[-1]
        return text, used, conf, tuple(cands)


def _strip_variant(word: str) -> str:
    """CMUdict alternates are spelled 'word(2)'."""
    return word.split("(", 1)[0]


_RECOGNIZER: _Recognizer | None = None
_INIT_LOCK = threading.Lock()


def _recognizer() -> _Recognizer:
    global _RECOGNIZER
    with _INIT_LOCK:
        if _RECOGNIZER is None:
            _RECOGNIZER = _Recognizer()
        return _RECOGNIZER


def to_pcm16(samples: np.ndarray, *, dither: float = 0.0, seed: int = 0) -> bytes:
    """Mono float32 in [-1, 1] -> little-endian int16 bytes, with optional Gaussian dither."""
    x = np.asarray(samples, dtype=np.float64)
    if dither > 0:
        x = x + dither * np.random.default_rng(seed).standard_normal(x.shape)
    return (np.clip(x, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def recognize(
    audio: AudioSource | np.ndarray,
    *,
    config: SpeechConfig = SpeechConfig(),
    limits: AudioLimits = DEFAULT_AUDIO_LIMITS,
) -> Transcript:
    """Transcribe speech; ``audio`` is a file (path/bytes/binary file) or 16 kHz mono float32.

    Raises :class:`~painterly.speech.audio.AudioError` (an InputError) on unusable audio and
    :class:`~painterly.errors.MissingExtraError` when the ``speech`` extra is not installed.
    """
    if config.vocabulary not in VOCABULARIES:
        raise InputError(
            f"unknown vocabulary {config.vocabulary!r}; valid: {', '.join(VOCABULARIES)}"
        )
    if isinstance(audio, np.ndarray):
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1 or samples.size == 0:
            raise InputError(
                f"audio array must be 1-D 16 kHz mono and non-empty; got shape {samples.shape}"
            )
        if samples.size > limits.max_seconds * SAMPLE_RATE:
            from painterly.speech.audio import AudioLimitError

            raise AudioLimitError(f"audio array is longer than {limits.max_seconds:g} s")
    else:
        samples, _ = load_audio(audio, sample_rate=SAMPLE_RATE, limits=limits)
    pcm = to_pcm16(samples, dither=config.dither, seed=config.seed)
    text, used, conf, cands = _recognizer().decode(pcm, config.vocabulary, config.min_confidence)
    return Transcript(text, used, samples.size / SAMPLE_RATE, conf, cands)


def transcribe(
    audio: AudioSource | np.ndarray,
    *,
    vocabulary: str = "auto",
    max_seconds: float = DEFAULT_AUDIO_LIMITS.max_seconds,
) -> str:
    """The words spoken in ``audio`` as lower-case text ("" if none were recognised)."""
    limits = AudioLimits(**{**DEFAULT_AUDIO_LIMITS.__dict__, "max_seconds": float(max_seconds)})
    return recognize(audio, config=SpeechConfig(vocabulary=vocabulary), limits=limits).text
