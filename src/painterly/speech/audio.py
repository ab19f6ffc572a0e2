"""The one place where audio comes in: decode, check limits, mix to mono, resample.

Every audio signal inside painterly is a ``numpy.ndarray`` of shape ``(N,)``, dtype
``float32``, values in ``[-1, 1]``, mono, at the sample rate the caller asked for
(16 kHz for the speech recogniser). :func:`load_audio` converts any accepted source to that.

Decoding is libsndfile's (through ``soundfile``): WAV, FLAC, OGG/Vorbis, AIFF, MP3 and the rest
of what the installed libsndfile reads. The format is detected from the content, never from the
file name.

Safety, in order, before any sample is decoded:

1. the encoded size is checked (:attr:`AudioLimits.max_bytes`);
2. the header's sample rate, channel count and length are checked: a header claiming more
   than :attr:`AudioLimits.max_seconds` (60 s by default) is refused as an audio bomb;
3. for RIFF/WAVE files the declared ``data`` chunk size is compared with the bytes really
   there, because libsndfile silently clamps a lying size: a header claiming hours is refused
   as a bomb, a shorter shortfall as a truncated file.

Decoding then reads at most ``max_seconds`` of frames, whatever the header said.
"""

from __future__ import annotations

import io as _io
import os
import struct
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import IO

import numpy as np

from painterly.errors import InputError, LimitError, MissingExtraError, UnsupportedFormatError

AudioSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes]


class AudioError(InputError):
    """The audio cannot be used: empty, corrupt, truncated, or not decodable."""


class AudioFormatError(AudioError, UnsupportedFormatError):
    """The content is not an audio format libsndfile can decode."""


class AudioLimitError(AudioError, LimitError):
    """The audio is over the limits (duration, bytes, sample rate, channels)."""


@dataclass(frozen=True)
class AudioLimits:
    """Input limits, checked from the header before any sample is decoded."""

    max_seconds: float = 60.0  # a spoken prompt takes seconds; an hour-long header is a bomb
    max_bytes: int = (
        100 * 1024 * 1024
    )  # 60 s of 8-channel 96 kHz float32 is ~184 MB; 100 MB is ample for speech
    min_sample_rate: int = 4_000  # below telephone band nothing intelligible survives
    max_sample_rate: int = 384_000  # the highest rate audio interfaces ship with
    max_channels: int = 32  # more than any real microphone array file; refuses absurd headers


DEFAULT_AUDIO_LIMITS = AudioLimits()


def _soundfile():
    try:
        import soundfile
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise MissingExtraError("speech", "soundfile") from None
    except OSError as e:  # pragma: no cover - the wheel ships libsndfile; a broken system one
        raise MissingExtraError("speech", f"soundfile (libsndfile failed to load: {e})") from None
    return soundfile


def _read_source(src: AudioSource, limits: AudioLimits) -> tuple[bytes, str]:
    """Return the encoded bytes and a label for messages, enforcing ``max_bytes``."""
    if isinstance(src, (bytes, bytearray, memoryview)):
        data, label = bytes(src), "<bytes>"
        if len(data) > limits.max_bytes:
            raise AudioLimitError(
                f"{label}: {len(data)} bytes; at most {limits.max_bytes} accepted"
            )
    elif isinstance(src, (str, os.PathLike)):
        path = Path(src)
        label = str(path)
        if not path.exists():
            raise AudioError(f"{label}: no such file")
        if not path.is_file():
            raise AudioError(f"{label}: not a regular file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise AudioLimitError(
                f"{label}: file is {size} bytes; at most {limits.max_bytes} accepted"
            )
        data = path.read_bytes()
    elif hasattr(src, "read"):
        label = str(getattr(src, "name", "<stream>"))
        data = src.read(limits.max_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise AudioError(f"{label}: file object must be opened in binary mode")
        if len(data) > limits.max_bytes:
            raise AudioLimitError(f"{label}: stream exceeds {limits.max_bytes} bytes")
        data = bytes(data)
    else:
        raise AudioError(
            f"cannot read audio from {type(src).__name__}; "
            "accepted: path, bytes, binary file object"
        )
    if not data:
        raise AudioError(f"{label}: empty file (0 bytes)")
    return data, label


def _riff_data_claim(data: bytes) -> tuple[int, int, int] | None:
    """For a RIFF/WAVE file: (declared data bytes, bytes really present, bytes per second).

    Hand-written because libsndfile clamps a ``data`` chunk size larger than the file and
    reports the clamped length, so its header info cannot reveal a lying (bomb) header.
    Returns None for anything that is not a plain RIFF/WAVE with ``fmt `` before ``data``.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if chunk == b"fmt " and body + 12 <= len(data):
            byte_rate = struct.unpack("<I", data[body + 8 : body + 12])[0]
        if chunk == b"data":
            return size, len(data) - body, byte_rate
        pos = body + size + (size & 1)  # chunks are word-aligned
    return None


def _check_header(info, label: str, limits: AudioLimits) -> None:
    if not limits.min_sample_rate <= info.samplerate <= limits.max_sample_rate:
        raise AudioLimitError(
            f"{label}: sample rate {info.samplerate} Hz is outside "
            f"{limits.min_sample_rate}..{limits.max_sample_rate} Hz"
        )
    if not 1 <= info.channels <= limits.max_channels:
        raise AudioLimitError(
            f"{label}: {info.channels} channels; 1..{limits.max_channels} accepted"
        )
    seconds = info.frames / info.samplerate
    if seconds > limits.max_seconds:
        raise AudioLimitError(
            f"{label}: header says {_duration(seconds)}; at most {limits.max_seconds:g} s accepted "
            "(configurable with max_seconds)"
        )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def load_audio(
    src: AudioSource,
    *,
    sample_rate: int | None = 16_000,
    limits: AudioLimits = DEFAULT_AUDIO_LIMITS,
) -> tuple[np.ndarray, int]:
    """Decode audio from a path, bytes or binary file object into mono float32.

    Parameters
    ----------
    src : path, bytes or binary file object
        Any format the installed libsndfile reads (WAV, FLAC, OGG/Vorbis, AIFF, MP3, ...),
        detected from the content.
    sample_rate : int or None
        Resample to this rate (polyphase, :func:`resample`); None keeps the file's rate.
    limits : AudioLimits
        Checked from the header before decoding; see the module docstring.

    Returns
    -------
    (samples, rate): numpy.ndarray float32 of shape (N,) in [-1, 1], mono (channels averaged),
    and its sample rate in Hz.

    Raises
    ------
    AudioError, AudioFormatError, AudioLimitError (all :class:`~painterly.errors.InputError`)
    """
    sf = _soundfile()
    data, label = _read_source(src, limits)
    claim = _riff_data_claim(data)
    if claim is not None:
        declared, present, byte_rate = claim
        if byte_rate > 0 and declared / byte_rate > limits.max_seconds:
            raise AudioLimitError(
                f"{label}: WAV header claims {_duration(declared / byte_rate)} of audio; at most "
                f"{limits.max_seconds:g} s accepted (configurable with max_seconds)"
            )
        if declared > present:
            raise AudioError(
                f"{label}: truncated WAV file: header declares {declared} bytes of samples, "
                f"{present} present"
            )
    try:
        with sf.SoundFile(_io.BytesIO(data)) as f:
            if f.format == "RAW":  # defensive: RAW needs explicit parameters, never auto-detected
                raise AudioFormatError(f"{label}: header-less audio is not accepted")
            _check_header(f, label, limits)
            cap = int(limits.max_seconds * f.samplerate)
            frames = f.read(frames=cap + 1, dtype="float32", always_2d=True)
            rate, fmt = f.samplerate, f.format
            # MP3 lengths in headers are estimates (encoder delay, VBR); others are exact.
            expected = f.frames if fmt != "MP3" else 0
    except AudioError:
        raise
    except sf.LibsndfileError as e:
        msg = e.error_string if hasattr(e, "error_string") else str(e)
        if "not recognised" in msg.lower() or "unknown format" in msg.lower():
            raise AudioFormatError(
                f"{label}: not a recognised audio file; accepted: WAV, FLAC, OGG and the other "
                "formats libsndfile reads (detected from content, not from the file name)"
            ) from None
        raise AudioError(f"{label}: cannot decode audio ({msg})") from None
    except (RuntimeError, ValueError, TypeError, OSError, MemoryError) as e:
        raise AudioError(f"{label}: cannot decode audio ({e})") from None
    if len(frames) > cap:  # length unknown or understated in the header
        raise AudioLimitError(
            f"{label}: longer than {limits.max_seconds:g} s (configurable with max_seconds)"
        )
    if len(frames) == 0:
        raise AudioError(f"{label}: contains no audio samples")
    if 0 < expected < 2**62 and len(frames) < expected:
        raise AudioError(
            f"{label}: truncated audio: header declares {expected} frames, {len(frames)} decoded"
        )
    mono = frames.mean(axis=1, dtype=np.float64).astype(np.float32)
    mono = np.clip(np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    if sample_rate is not None and sample_rate != rate:
        mono = resample(mono, rate, sample_rate)
        rate = sample_rate
    return np.ascontiguousarray(mono, dtype=np.float32), rate


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling (scipy.signal.resample_poly: FIR low-pass, Kaiser window).

    The anti-aliasing filter removes content above the new Nyquist frequency before
    decimation, so 44.1 kHz speech becomes clean 16 kHz input for the recogniser.
    """
    if rate_in <= 0 or rate_out <= 0:
        raise InputError(f"sample rates must be positive, got {rate_in} -> {rate_out}")
    if rate_in == rate_out:
        return np.asarray(samples, dtype=np.float32)
    from scipy.signal import resample_poly

    g = gcd(int(rate_in), int(rate_out))
    out = resample_poly(np.asarray(samples, dtype=np.float32), rate_out // g, rate_in // g)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
