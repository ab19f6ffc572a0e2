"""Speech to text, offline: audio in (:mod:`.audio`), PocketSphinx US English out
(:mod:`.sphinx`).

``transcribe(path_or_bytes) -> str`` is what commands call to turn a spoken prompt into text
(``painterly listen``, ``stylize --voice``, ``paint --voice``).
"""

from painterly.speech.audio import (
    AudioError,
    AudioFormatError,
    AudioLimitError,
    AudioLimits,
    load_audio,
    resample,
)
from painterly.speech.sphinx import SpeechConfig, Transcript, recognize, transcribe

__all__ = [
    "AudioError",
    "AudioFormatError",
    "AudioLimitError",
    "AudioLimits",
    "SpeechConfig",
    "Transcript",
    "load_audio",
    "recognize",
    "resample",
    "transcribe",
]
