"""Audio input: formats, sources, mono mix, resampling, limits, audio bombs, broken files."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest

sf = pytest.importorskip("soundfile")

from painterly.errors import InputError, LimitError, UnsupportedFormatError  # noqa: E402
from painterly.speech.audio import (  # noqa: E402
    AudioError,
    AudioFormatError,
    AudioLimitError,
    AudioLimits,
    load_audio,
    resample,
)


def sine(freq: float, rate: int, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(samples: np.ndarray, rate: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def wav_header(rate: int, channels: int, data_bytes: int, bits: int = 16) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes & 0xFFFFFFFF)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
    )


# --- formats, sources, contract ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["WAV", "FLAC", "OGG"])
def test_formats_decode_to_mono_float32_at_16k(fmt):
    x = sine(440, 16000)
    y, rate = load_audio(encode(x, 16000, fmt))
    assert rate == 16000 and y.dtype == np.float32 and y.ndim == 1 and y.flags.c_contiguous
    assert abs(len(y) - len(x)) <= 64 and np.abs(y).max() <= 1.0
    assert abs(peak_hz(y, rate) - 440) < 2
    if fmt != "OGG":  # lossless: the same samples
        np.testing.assert_allclose(y, x, atol=1e-4)


def test_path_bytes_and_file_object_agree(tmp_path):
    data = encode(sine(300, 16000, 0.5), 16000, "FLAC")
    path = tmp_path / "a.audio"  # the name says nothing: the format is detected from content
    path.write_bytes(data)
    a, _ = load_audio(path)
    b, _ = load_audio(data)
    with open(path, "rb") as f:
        c, _ = load_audio(f)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_stereo_44k1_is_mixed_and_resampled_frequency_preserved():
    left, right = sine(1000, 44100, amp=0.6), np.zeros(44100, np.float32)
    y, rate = load_audio(encode(np.stack([left, right], axis=1), 44100))
    assert rate == 16000 and abs(len(y) - 16000) <= 1
    assert abs(peak_hz(y, 16000) - 1000) < 2
    mid = y[2000:-2000]  # away from the filter's edges
    assert abs(np.abs(mid).max() - 0.3) < 0.01  # (0.6 + 0) / 2: channels are averaged


def test_opposite_channels_cancel_when_mixed():
    x = sine(500, 16000)
    y, _ = load_audio(encode(np.stack([x, -x], axis=1), 16000, subtype="FLOAT"))
    assert np.abs(y).max() < 1e-6


def test_resample_removes_content_above_new_nyquist():
    rate = 48000
    y = resample(sine(440, rate) + sine(12000, rate), rate, 16000)  # 12 kHz > 8 kHz Nyquist
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    freqs = np.fft.rfftfreq(len(y), 1 / 16000)
    assert abs(freqs[np.argmax(spectrum)] - 440) < 2
    alias = spectrum[np.abs(freqs - 4000) < 20].max()  # 12 kHz would fold to 4 kHz
    assert alias < 1e-3 * spectrum.max()


def test_keep_native_rate_when_asked():
    y, rate = load_audio(encode(sine(440, 22050), 22050), sample_rate=None)
    assert rate == 22050 and len(y) == 22050


# --- limits and audio bombs -------------------------------------------------------------------


def test_wav_header_claiming_hours_is_refused_before_decoding(monkeypatch):
    # A valid 16 kHz header whose data chunk claims ~37 h, followed by 1000 bytes.
    bomb = wav_header(16000, 1, 0xFFFFFF00) + b"\x00" * 1000
    monkeypatch.setattr(sf, "SoundFile", lambda *a, **k: pytest.fail("decoder was opened"))
    with pytest.raises(AudioLimitError, match=r"claims 37\.3 h") as e:
        load_audio(bomb)
    assert isinstance(e.value, LimitError) and isinstance(e.value, InputError)


def test_flac_header_claiming_hours_is_refused_before_decoding(monkeypatch):
    raw = bytearray(encode(sine(440, 16000), 16000, "FLAC"))
    assert raw[:4] == b"fLaC"
    # STREAMINFO: 36-bit total-samples field ends the 64 bits at offset 18
    v = struct.unpack(">Q", raw[18:26])[0]
    raw[18:26] = struct.pack(">Q", (v & ~(2**36 - 1)) | (16000 * 3600 * 5))
    monkeypatch.setattr(sf.SoundFile, "read", lambda *a, **k: pytest.fail("samples were decoded"))
    with pytest.raises(AudioLimitError, match=r"5\.0 h"):
        load_audio(bytes(raw))


def test_duration_cap_is_configurable():
    long = encode(np.zeros(8000 * 61, np.float32), 8000, "FLAC")  # 61 s of silence, a few kB
    with pytest.raises(AudioLimitError, match="60 s"):
        load_audio(long)
    y, _ = load_audio(long, limits=AudioLimits(max_seconds=62))
    assert len(y) == 16000 * 61


def test_byte_limit(tmp_path):
    data = encode(sine(440, 16000), 16000)
    small = AudioLimits(max_bytes=1000)
    p = tmp_path / "a.wav"
    p.write_bytes(data)
    for src in (data, p, io.BytesIO(data)):
        with pytest.raises(AudioLimitError, match="1000"):
            load_audio(src, limits=small)


@pytest.mark.parametrize("rate,channels", [(100, 1), (10_000_000, 1), (16000, 300)])
def test_absurd_rate_or_channels_refused(rate, channels):
    data = wav_header(rate, channels, 2 * channels * 10) + b"\x00" * (2 * channels * 10)
    with pytest.raises(AudioError):
        load_audio(data)


# --- broken input -----------------------------------------------------------------------------


def test_empty_random_and_text_input_are_typed_errors(tmp_path):
    with pytest.raises(AudioError, match="empty"):
        load_audio(b"")
    rnd = np.random.default_rng(0).bytes(5000)
    with pytest.raises(AudioFormatError) as e:
        load_audio(rnd)
    assert isinstance(e.value, UnsupportedFormatError)
    with pytest.raises(AudioFormatError):
        load_audio(b"hello, this is not audio" * 10)
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "missing.wav")
    with pytest.raises(AudioError, match="not a regular file"):
        load_audio(tmp_path)
    with pytest.raises(AudioError, match="accepted"):
        load_audio(12345)


def test_text_mode_file_object_refused(tmp_path):
    p = tmp_path / "a.wav"
    p.write_bytes(encode(sine(440, 16000, 0.1), 16000))
    with open(p, encoding="latin-1") as f, pytest.raises(AudioError, match="binary"):
        load_audio(f)


@pytest.mark.parametrize("fmt", ["WAV", "FLAC"])
def test_truncated_files_are_typed_errors(fmt):
    data = encode(sine(440, 16000), 16000, fmt)
    for cut in (len(data) // 2, len(data) - 10, 30):
        with pytest.raises(AudioError):
            load_audio(data[:cut])


def test_wav_with_no_samples():
    with pytest.raises(AudioError, match="no audio samples"):
        load_audio(wav_header(16000, 1, 0))
