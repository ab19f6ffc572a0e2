"""Test clips made from test photos with real codecs (PyAV's FFmpeg): a slow pan across a
photo, optional sine-tone audio, rotation, odd sizes, GIF and WebP."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def pan_frames(photo: np.ndarray, n: int, size: tuple[int, int], speed: float = 2.0):
    """``n`` uint8 frames of ``size`` (w, h): a crop of ``photo`` moving ``speed`` px a frame."""
    import cv2

    w, h = size
    ph, pw = photo.shape[:2]
    scale = max((w + speed * n + 4) / pw, (h + 4) / ph)
    big = cv2.resize(photo, (int(pw * scale) + 1, int(ph * scale) + 1), interpolation=cv2.INTER_AREA)
    big = (np.clip(big, 0, 1) * 255 + 0.5).astype(np.uint8)
    for i in range(n):
        x = i * speed
        x0 = int(x)
        crop = big[2:2 + h, x0:x0 + w + 1].astype(np.float32)
        f = x - x0  # sub-pixel motion: a real pan, not whole-pixel shifts
        yield np.ascontiguousarray(((1 - f) * crop[:, :w] + f * crop[:, 1:w + 1] + 0.5).astype(np.uint8))


def make_clip(path: Path, photo: np.ndarray, *, seconds: float = 1.0, fps: int = 24,
              size: tuple[int, int] = (160, 120), audio: bool = True, rotation: int = 0,
              codec: str | None = None, pix_fmt: str = "yuv420p", audio_codec: str | None = None,
              video: bool = True, timestamps: list[float] | None = None) -> Path:
    """Write a clip; the container and codecs follow the extension (mp4: H.264 + AAC, webm: VP9 +
    Opus, mov: HEVC, mkv: AV1 ... or ``codec``). ``timestamps`` (s): a variable frame rate."""
    import av

    path = Path(path)
    ext = path.suffix.lower()
    n = len(timestamps) if timestamps is not None else round(seconds * fps)
    fmt = {".mp4": "mp4", ".mov": "mov", ".webm": "webm", ".mkv": "matroska", ".gif": "gif",
           ".webp": "webp", ".m4a": "mp4"}[ext]
    vcodec = codec or {".mp4": "libx264", ".mov": "libx264", ".webm": "libvpx-vp9",
                       ".mkv": "libsvtav1", ".gif": "gif", ".webp": "libwebp_anim"}.get(ext)
    tb = Fraction(1, 1000) if timestamps is not None else Fraction(1, fps)
    with av.open(str(path), "w", format=fmt) as out:
        vs = None
        if video:
            vs = out.add_stream(vcodec, rate=fps)
            vs.width, vs.height = size
            vs.pix_fmt = "rgb8" if fmt == "gif" else pix_fmt
            vs.time_base = tb
            vs.codec_context.time_base = tb
            if vcodec == "libx264":
                vs.options = {"preset": "ultrafast"}
            if rotation:
                vs.set_display_rotation(rotation)
        aus = None
        if audio and fmt not in ("gif", "webp"):
            aus = out.add_stream(audio_codec or ("libopus" if fmt in ("webm", "matroska") else "aac"),
                                 rate=48000)
        if vs is not None:
            for i, rgb in enumerate(pan_frames(photo, n, size)):
                fr = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                fr.pts = round(timestamps[i] * 1000) if timestamps is not None else i
                fr.time_base = tb
                for p in vs.encode(fr):
                    out.mux(p)
            for p in vs.encode(None):
                out.mux(p)
        if aus is not None:
            total = int(48000 * (timestamps[-1] if timestamps else seconds))
            for k in range(0, total, 960):
                t = (np.arange(960) + k) / 48000
                a = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
                af = av.AudioFrame.from_ndarray(a, format="flt", layout="mono")
                af.sample_rate, af.pts = 48000, k
                for p in aus.encode(af):
                    out.mux(p)
            for p in aus.encode(None):
                out.mux(p)
    return path


def probe(path: Path) -> dict:
    """What FFmpeg sees in a clip: size, frames, fps, duration, codecs, audio packets."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        frames = [f for f in c.decode(v)] if v is not None else []
        out = {"frames": len(frames), "container": c.format.name,
               "duration": c.duration / 1e6 if c.duration else 0.0,
               "video": v.codec_context.name if v is not None else None,
               "audio": a.codec_context.name if a is not None else None,
               "metadata": dict(c.metadata)}
        if frames:
            out.update(width=frames[0].width, height=frames[0].height,
                       rotation=frames[0].rotation,
                       times=[float(f.time) for f in frames],
                       first=frames[0].to_ndarray(format="rgb24"),
                       last=frames[-1].to_ndarray(format="rgb24"))
    return out
