"""Clips in and out: the video counterpart of :mod:`painterly.io`, on the same ground floor.

Reading (:class:`ClipReader`) and writing (:class:`ClipWriter`) go through PyAV, which ships its
own FFmpeg (the ``video`` extra; README: the binding, its FFmpeg build and their licences). Frames
are streamed: one decoded frame at a time comes out as a contract image (float32 HxWx3 in
[0, 1], upright: the container's rotation is applied to the pixels), so memory does not grow with
the clip's length. Audio packets come out as they are, for the writer to copy into the new file
(remuxed, not re-encoded, when the output container takes the codec).

Accepted: MP4/MOV (H.264, HEVC), WebM/Matroska (VP8, VP9, AV1), animated GIF and animated WebP,
detected from content. Written: MP4 (H.264 + AAC), WebM (VP9 + Opus), animated GIF and WebP.

Limits (:class:`ClipLimits`: duration, pixels per frame, frames) are checked from the header
before any frame is decoded, and the frame count again while decoding (a GIF's header does not
say how many frames it has). Output is written under a temporary name in the destination folder
and renamed when complete: an error or Ctrl-C leaves no partial file.

Like :mod:`painterly.io`, this module takes metadata as ready blocks (an XMP packet, container
tags) and knows nothing of what they say: :mod:`painterly.provenance` builds them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from painterly.errors import InputError, LimitError, MissingExtraError, UnsupportedFormatError

#: Output containers by file extension.
CLIP_OUTPUTS = {".mp4": "mp4", ".webm": "webm", ".gif": "gif", ".webp": "webp"}
#: Extensions that name a clip when given as input (content decides; these only help the CLI).
CLIP_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".gif", ".webp"})
#: The XMP box of ISO base media files (Adobe XMP Specification Part 3, 1.2.7: a top-level
#: ``uuid`` box with this UUID holds the XMP packet).
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
#: Audio codecs each output container takes as they are (else the audio is re-encoded).
_AUDIO_COPY = {"mp4": {"aac", "mp3", "alac", "ac3", "eac3", "opus"}, "webm": {"opus", "vorbis"}}
_AUDIO_ENCODER = {"mp4": "aac", "webm": "libopus"}
_VIDEO_ENCODER = {"mp4": "libx264", "webm": "libvpx-vp9", "gif": "gif", "webp": "libwebp_anim"}
#: Transfer characteristics of HDR video (PQ, HLG): painted without tone mapping they would look
#: washed out, so they are refused with a clear message.
_HDR_TRC = {16, 18}


@dataclass(frozen=True)
class ClipLimits:
    """Input limits for clips, checked before decoding (duration, frame size) and while
    decoding (frames)."""

    max_seconds: float = 1800.0  # 30 min: a 10-min 1080p clip fits; an hour-long film does not
    max_pixels: int = 3840 * 2160  # 4K UHD per frame; 8K (33 MP per frame) is refused
    max_side: int = 4096  # px on either side (DCI 4K)
    max_frames: int = 108_000  # 30 min at 60 fps; also bounds GIFs, whose length is not in the header


DEFAULT_CLIP_LIMITS = ClipLimits()


@dataclass(frozen=True)
class ClipInfo:
    """What the header says about a clip (display size: after rotation)."""

    width: int
    height: int
    fps: Fraction  # average frame rate
    duration: float  # seconds (0 when the container does not say)
    frames: int  # frame count from the header (0: unknown)
    rotation: int  # degrees counter-clockwise applied to the pixels to display them
    codec: str
    container: str
    has_audio: bool
    audio_codec: str | None


@dataclass(frozen=True)
class Frame:
    """One decoded frame: ``image`` (contract image, upright), ``time`` in seconds from the
    clip's start, ``pts`` in ``time_base`` units."""

    image: np.ndarray
    time: float
    pts: int
    time_base: Fraction


def _av():
    try:
        import av
    except ImportError:
        raise MissingExtraError("video", "av") from None
    return av


def sniff_clip(head: bytes) -> str | None:
    """The kind of clip a file's first bytes show ("mp4", "matroska", "gif", "webp") or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def is_clip(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds a clip: an MP4/MOV or Matroska/WebM file, or a GIF or WebP with
    more than one frame (a still GIF or WebP is an image)."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    kind = sniff_clip(head)
    if kind in ("mp4", "matroska"):
        return True
    if kind in ("gif", "webp"):
        from PIL import Image

        try:
            with Image.open(p) as im:
                return bool(getattr(im, "is_animated", False))
        except Exception:
            return False
    return False


def _rotation(stream, first_frame=None) -> int:
    """Display rotation in degrees counter-clockwise, a multiple of 90."""
    r = 0.0
    if first_frame is not None and getattr(first_frame, "rotation", None):
        r = float(first_frame.rotation)
    return int(round(r / 90.0)) % 4 * 90


class ClipReader:
    """Decode a clip frame by frame.

    ``with ClipReader(path, start=2, end=5, max_size=720) as clip:`` then ``clip.info`` and
    ``for kind, item in clip.events()``: ``("video", Frame)`` and ``("audio", packet)`` in file
    order (the packets for :meth:`ClipWriter.write_audio`). ``max_size`` downscales so the longer
    side is at most that (even sizes, as 4:2:0 encoders need; an odd side loses its last pixel
    row or column). ``fps`` keeps at most that many frames per second (never more than the
    clip's own).
    """

    def __init__(self, path: str | os.PathLike, *, start: float | None = None,
                 end: float | None = None, max_size: int | None = None, fps: float | None = None,
                 limits: ClipLimits = DEFAULT_CLIP_LIMITS):
        self.path = Path(path)
        label = str(self.path)
        if not self.path.is_file():
            raise InputError(f"{label}: no such file")
        if self.path.stat().st_size == 0:
            raise InputError(f"{label}: empty file (0 bytes)")
        for name, v in (("--start", start), ("--end", end)):
            if v is not None and v < 0:
                raise InputError(f"{name} must be a time in seconds >= 0, got {v}")
        if start is not None and end is not None and end <= start:
            raise InputError(f"--end ({end}) must be after --start ({start})")
        if max_size is not None and max_size < 16:
            raise InputError(f"--max-size must be at least 16 px for a clip, got {max_size}")
        if fps is not None and fps <= 0:
            raise InputError(f"--fps must be a positive number, got {fps}")
        self.start, self.end, self.limits = start or 0.0, end, limits
        self.corrupt = 0  # video packets the decoder could not decode (their frames are missing)
        self._pil = None
        with open(self.path, "rb") as f:
            kind = sniff_clip(f.read(64))
        if kind == "webp":  # FFmpeg's WebP decoder reads still images only: Pillow reads
            self._open_webp(label)  # animated WebP frame by frame
        else:
            self._open_av(label)
        w, h = self.info.width, self.info.height
        if max_size is not None and max(w, h) > max_size:
            s = max_size / max(w, h)
            w, h = max(2, round(w * s)), max(2, round(h * s))
        self.size = (w - w % 2, h - h % 2)  # (width, height) of the frames given out
        self.step = None if fps is None or fps >= float(self.info.fps or fps) else 1.0 / fps
        self.fps = Fraction(fps).limit_denominator(1001) if self.step else self.info.fps
        self.label = label
        if self._pil is not None:
            self.origin, self.time_base = self.start, Fraction(1, 1000)
            return
        v = self.video_stream
        self.time_base = Fraction(v.time_base)
        #: Seconds of the source's clock at which the painted part starts (its video stream's
        #: start plus ``start``): what :meth:`ClipWriter.write_audio` shifts the audio by.
        self.origin = self.start + (float(v.start_time * v.time_base)
                                    if v.start_time is not None else 0.0)

    def _open_webp(self, label: str) -> None:
        from PIL import Image

        try:
            im = Image.open(self.path, formats=["WEBP"])
        except Exception as e:
            raise InputError(f"{label}: not a readable WebP ({e})") from None
        n = int(getattr(im, "n_frames", 1))
        lim = self.limits
        if max(im.size) > lim.max_side or im.width * im.height > lim.max_pixels:
            im.close()
            raise LimitError(f"{label}: frames of {im.width}x{im.height} px are over the limit "
                             f"({lim.max_side} px per side, {lim.max_pixels / 1e6:.1f} MP)")
        if n > lim.max_frames:
            im.close()
            raise LimitError(f"{label}: {n} frames; at most {lim.max_frames} accepted "
                             "(limit max_frames)")
        ms = float(im.info.get("duration") or 100) or 100.0
        self._pil = im
        self.info = ClipInfo(width=im.width, height=im.height,
                             fps=Fraction(1000 / ms).limit_denominator(1001), duration=n * ms / 1000,
                             frames=n, rotation=0, codec="webp", container="webp",
                             has_audio=False, audio_codec=None)

    def _open_av(self, label: str) -> None:
        av = _av()
        try:
            self._c = av.open(str(self.path), metadata_errors="replace")
        except av.error.FFmpegError as e:
            raise InputError(f"{label}: not a readable clip ({_why(e)}); accepted: MP4/MOV, "
                             "WebM/MKV, animated GIF and WebP") from None
        try:
            self.info = self._probe(label)
        except BaseException:
            self._c.close()
            raise

    def _probe(self, label: str) -> ClipInfo:
        c = self._c
        if not c.streams.video:
            raise InputError(f"{label}: no video stream (an audio-only file?); painterly paints "
                             "clips with pictures")
        v = c.streams.video[0]
        v.thread_type = "AUTO"  # frame threads: decoding keeps up with painting on every core
        cc = v.codec_context
        if cc.width <= 0 or cc.height <= 0:
            raise InputError(f"{label}: the video stream has no picture size (damaged header?)")
        duration = float(c.duration / 1_000_000) if c.duration else (
            float(v.duration * v.time_base) if v.duration and v.time_base else 0.0)
        fps = v.average_rate or v.guessed_rate or v.base_rate or Fraction(25)
        lim = self.limits
        if duration > lim.max_seconds:
            raise LimitError(f"{label}: the clip lasts {duration:.0f} s; at most "
                             f"{lim.max_seconds:.0f} s accepted (limit max_seconds; use --start/--end "
                             "to paint a part)")
        side, px = max(cc.width, cc.height), cc.width * cc.height
        if side > lim.max_side or px > lim.max_pixels:
            raise LimitError(f"{label}: frames of {cc.width}x{cc.height} px are over the limit "
                             f"({lim.max_side} px per side, {lim.max_pixels / 1e6:.1f} MP: limits "
                             "max_side, max_pixels); --max-size does not help, as every frame is "
                             "decoded at full size first")
        if v.frames and v.frames > lim.max_frames:
            raise LimitError(f"{label}: {v.frames} frames; at most {lim.max_frames} accepted "
                             "(limit max_frames)")
        if getattr(cc, "color_trc", None) in _HDR_TRC:
            raise InputError(f"{label}: HDR video (PQ or HLG transfer) is not supported: painting "
                             "needs SDR frames; convert it to SDR first")
        first = self._first_frame(v)  # opens the file again: c and v are closed
        c = self._c
        v = c.streams.video[0]
        rot = _rotation(v, first)
        w, h = (cc.height, cc.width) if rot in (90, 270) else (cc.width, cc.height)
        a = c.streams.audio[0] if c.streams.audio else None
        return ClipInfo(width=w, height=h, fps=Fraction(fps), duration=duration,
                        frames=int(v.frames or 0), rotation=rot, codec=cc.name,
                        container=c.format.name, has_audio=a is not None,
                        audio_codec=a.codec_context.name if a is not None else None)

    def _first_frame(self, v):
        """Decode the first frame (for its rotation and to find 0-frame clips), then rewind."""
        av = _av()
        try:
            frame = next(iter(self._c.decode(v)), None)
            if frame is None:
                raise InputError(f"{self.path}: the clip has no frames")
        except av.error.FFmpegError as e:
            raise InputError(f"{self.path}: cannot decode the first frame ({_why(e)})") from None
        # open it again rather than seek to 0: a seek lands on the first video key frame and
        # would skip what comes before it (AAC's priming packet, at a negative time)
        self._c.close()
        self._c = av.open(str(self.path), metadata_errors="replace")
        self._c.streams.video[0].thread_type = "AUTO"
        return frame

    def __enter__(self) -> ClipReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pil is not None:
            self._pil.close()
        else:
            self._c.close()

    @property
    def video_stream(self):
        return self._c.streams.video[0]

    @property
    def audio_stream(self):
        """The audio stream (for :class:`ClipWriter`), or None."""
        if self._pil is not None:
            return None
        return self._c.streams.audio[0] if self._c.streams.audio else None

    def _webp_events(self) -> Iterator[tuple[str, Any]]:
        im, t, next_time, count, last = self._pil, 0.0, self.start, 0, 0.0
        for i in range(int(getattr(im, "n_frames", 1))):
            try:
                im.seek(i)
                rgb = np.asarray(im.convert("RGB"))
            except Exception as e:
                raise InputError(f"{self.label}: damaged WebP frame {i} ({e})") from None
            now, t = t, t + float(im.info.get("duration") or 100) / 1000
            if now < self.start - 1e-6 or (self.step is not None and now < next_time - 1e-6):
                continue
            if self.end is not None and now >= self.end:
                break
            if self.step is not None:
                next_time = max(next_time + self.step, now)
            count, last = count + 1, now
            img = _resize_rgb(rgb, self.size)
            yield "video", Frame(img, now - self.start, round((now - self.start) * 1000),
                                 Fraction(1, 1000))
        if count == 0:
            raise InputError(f"{self.label}: no frames between {self.start:g} s and "
                             f"{self.end if self.end is not None else 'the end'}")
        del last

    def expected_frames(self) -> int:
        """Frames the painted part should have (for progress; 0 when unknown)."""
        total = self.info.duration or (self.info.frames / float(self.info.fps) if self.info.frames
                                       else 0.0)
        end = min(self.end, total) if self.end is not None and total else (self.end or total)
        return max(0, round((end - self.start) * float(self.fps))) if end else 0

    def events(self) -> Iterator[tuple[str, Any]]:
        """``("video", Frame)`` and ``("audio", av.Packet)`` in file order, within
        [start, end)."""
        if self._pil is not None:
            yield from self._webp_events()
            return
        av = _av()
        c, v, a = self._c, self.video_stream, self.audio_stream
        if self.start > 0:
            with contextlib.suppress(av.error.FFmpegError):
                c.seek(int(self.start * 1_000_000), any_frame=False, backward=True)
        streams = [s for s in (v, a) if s is not None]
        next_time, count, last = self.start, 0, None
        v_start = self.origin - self.start
        try:
            for packet in c.demux(*streams):
                if packet.stream.type == "audio":
                    if packet.pts is None or packet.dts is None:
                        continue
                    t = float(packet.pts * packet.time_base) - v_start
                    # from the start, every packet (AAC's priming packet has a negative time)
                    if (self.start <= 0 or t >= self.start - 1e-6) and (
                            self.end is None or t < self.end):
                        yield "audio", packet
                    continue
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    self.corrupt += 1
                    continue
                for frame in frames:
                    if frame.pts is None:
                        continue
                    t = float(frame.pts * frame.time_base) - v_start
                    if t < self.start - 1e-6:
                        continue
                    if self.end is not None and t >= self.end:
                        return
                    last = t  # decoded up to here (frames left out by --fps included)
                    if self.step is not None and t < next_time - 1e-6:
                        continue
                    if self.step is not None:
                        next_time = max(next_time + self.step, t)
                    count += 1
                    if count > self.limits.max_frames:
                        raise LimitError(f"{self.label}: more than {self.limits.max_frames} frames "
                                         "(limit max_frames)")
                    yield "video", Frame(self._image(frame), t - self.start,
                                         round((t - self.start) / float(frame.time_base)),
                                         Fraction(frame.time_base))
        except av.error.FFmpegError as e:
            raise InputError(f"{self.label}: the clip is damaged at "
                             f"{(last or 0.0):.2f} s ({_why(e)})") from None
        if count == 0:
            raise InputError(f"{self.label}: no frames between {self.start:g} s and "
                             f"{self.end if self.end is not None else 'the end'}")
        self._check_complete(last or 0.0)

    def _check_complete(self, last: float) -> None:
        """A file cut short decodes without error up to the cut: compare with the header."""
        total = self.info.duration
        end = total if self.end is None else min(self.end, total)
        if total and end - last > max(1.0, 5.0 / float(self.info.fps)):
            raise InputError(f"{self.label}: truncated: the frames stop at "
                             f"{last:.2f} s, the header says {total:.2f} s")

    def _image(self, frame) -> np.ndarray:
        """A decoded frame as an upright contract image of :attr:`size`."""
        rot = _rotation(None, frame)
        w, h = self.size
        fw, fh = (h, w) if rot in (90, 270) else (w, h)
        if (frame.width, frame.height) != (fw, fh) or frame.format.name != "rgb24":
            frame = frame.reformat(width=fw, height=fh, format="rgb24", interpolation="AREA")
        rgb = frame.to_ndarray()
        if rot:
            rgb = np.rot90(rgb, k=rot // 90)
        out = np.empty(rgb.shape, np.float32)
        np.multiply(rgb, np.float32(1.0 / 255.0), out=out, casting="unsafe")
        return out


def _resize_rgb(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 RGB -> contract image of ``size`` (area interpolation when smaller)."""
    import cv2

    w, h = size
    if rgb.shape[1] != w or rgb.shape[0] != h:
        rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    return rgb.astype(np.float32) * np.float32(1.0 / 255.0)


def _why(e: BaseException) -> str:
    return getattr(e, "strerror", None) or str(e)


class ClipWriter:
    """Encode frames into ``path`` (format from the extension: :data:`CLIP_OUTPUTS`), written
    under a temporary name and renamed by :meth:`close`; :meth:`abort` (or leaving the ``with``
    block on an error) removes it.

    ``size``: (width, height), even; ``fps``: the nominal rate; ``time_base``: the unit of the
    ``pts`` given to :meth:`write` (the source's timestamps are kept, so a variable frame rate
    stays as it was). ``audio``: the reader's audio stream, copied packet by packet when the
    container takes its codec, else re-encoded (AAC in MP4, Opus in WebM); GIF and WebP have no
    sound. ``crf``: the quality of H.264/VP9 (lower is better). ``tags``: container metadata
    (MP4 ``mdta`` keys, Matroska tags), written with the header.
    """

    def __init__(self, path: str | os.PathLike, *, size: tuple[int, int], fps: Fraction,
                 time_base: Fraction, audio=None, crf: int = 20, preset: str = "veryfast",
                 tags: Mapping[str, str] | None = None):
        av = _av()
        from painterly.io import temp_path

        self.path = Path(path)
        ext = self.path.suffix.lower()
        if ext not in CLIP_OUTPUTS:
            raise InputError(f"cannot write {self.path.name!r}: a clip's output extension must be "
                             f"one of {', '.join(sorted(CLIP_OUTPUTS))}")
        self.fmt = CLIP_OUTPUTS[ext]
        w, h = size
        if w % 2 or h % 2:
            raise InputError(f"clip frames need even sizes, got {w}x{h}")
        self.size, self.time_base = (w, h), Fraction(time_base)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_path(self.path)
        # MP4: tags under their own names ("mdta" keys), so that the AIGC tag keeps its name
        options = {"movflags": "use_metadata_tags"} if self.fmt == "mp4" else {}
        self._c = av.open(str(self.tmp), "w", format=self.fmt, options=options)
        try:
            for k, val in (tags or {}).items():
                self._c.metadata[k] = val
            self._setup_video(fps, crf, preset)
            self._setup_audio(audio)
        except BaseException:
            self.abort()
            raise
        self.frames = 0
        self._last_pts = -1

    def _setup_video(self, fps: Fraction, crf: int, preset: str) -> None:
        name = _VIDEO_ENCODER[self.fmt]
        rate = Fraction(fps).limit_denominator(1001)
        v = self._c.add_stream(name, rate=rate)
        v.width, v.height = self.size
        v.time_base = self.time_base
        v.codec_context.time_base = self.time_base
        if self.fmt == "mp4":
            v.pix_fmt = "yuv420p"
            v.options = {"crf": str(crf), "preset": preset}
            self._colour(v)
        elif self.fmt == "webm":
            v.pix_fmt = "yuv420p"
            v.options = {"crf": str(crf + 12), "b": "0", "deadline": "realtime", "cpu-used": "8",
                         "row-mt": "1"}
            self._colour(v)
        elif self.fmt == "gif":
            v.pix_fmt = "pal8"  # each frame with its own 256-colour palette (see write)
        else:  # webp
            v.pix_fmt = "yuv420p"
            v.options = {"quality": "80", "loop": "0"}
        self._v = v

    @staticmethod
    def _colour(v) -> None:
        """Tag BT.709 (what HD players assume), the matrix the frames are converted with."""
        cc = v.codec_context
        with contextlib.suppress(AttributeError, ValueError):
            cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 1, 1, 1, 1

    def _setup_audio(self, audio) -> None:
        self._a, self._a_copy, self._a_in = None, False, audio
        if audio is None or self.fmt not in _AUDIO_COPY:
            return
        if audio.codec_context.name in _AUDIO_COPY[self.fmt]:
            self._a = self._c.add_stream_from_template(audio)
            self._a_copy = True
        else:
            rate = audio.codec_context.sample_rate or 48000
            if self.fmt == "webm" and rate not in (8000, 12000, 16000, 24000, 48000):
                rate = 48000
            self._a = self._c.add_stream(_AUDIO_ENCODER[self.fmt], rate=rate)
            with contextlib.suppress(Exception):
                self._a.layout = audio.codec_context.layout if audio.codec_context.channels <= 2 \
                    else "stereo"

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:
            self.abort()

    def write(self, image: np.ndarray, pts: int) -> None:
        """One frame (contract image, or HxWx3 uint8) at ``pts`` (in ``time_base``)."""
        av = _av()
        from painterly.io import to_uint8

        rgb = image if image.dtype == np.uint8 else to_uint8(image)
        if rgb.shape[:2] != (self.size[1], self.size[0]):
            raise InputError(f"frame of {rgb.shape[1]}x{rgb.shape[0]} px in a clip of "
                             f"{self.size[0]}x{self.size[1]}")
        pts = max(int(pts), self._last_pts + 1)  # strictly increasing, as muxers need
        self._last_pts = pts
        if self.fmt == "gif":
            frame = av.VideoFrame.from_ndarray(_palette_frame(rgb), format="pal8")
        else:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if self.fmt in ("mp4", "webm"):
            frame = frame.reformat(format="yuv420p", dst_colorspace="ITU709")
        frame.pts, frame.time_base = pts, self.time_base
        for p in self._v.encode(frame):
            self._c.mux(p)
        self.frames += 1

    def write_audio(self, packet, offset: float = 0.0) -> None:
        """An audio packet from the reader, ``offset`` seconds earlier in the new file (the
        painted part's start)."""
        if self._a is None:
            return
        if self._a_copy:
            shift = round(offset / float(packet.time_base))
            if shift > 0 and packet.pts - shift < 0:
                return
            packet.pts -= shift
            packet.dts -= shift
            packet.stream = self._a
            self._c.mux(packet)
            return
        for frame in packet.decode():
            frame.pts = None
            for p in self._a.encode(frame):
                self._c.mux(p)

    @property
    def audio_copied(self) -> bool | None:
        """True: the audio was remuxed as it was; False: re-encoded; None: no audio written."""
        return None if self._a is None else self._a_copy

    def close(self, *, xmp: str | None = None, finish=None) -> Path:
        """Flush the encoders, write the container, add ``xmp`` (MP4 only: a top-level XMP
        ``uuid`` box after the media; other containers take XMP as a tag, given to the
        constructor), run ``finish(tmp_path)`` (e.g. C2PA signing, in place), then rename into
        place."""
        if self.frames == 0:
            self.abort()
            raise InputError(f"{self.path}: no frames to write")
        try:
            for p in self._v.encode(None):
                self._c.mux(p)
            if self._a is not None and not self._a_copy:
                for p in self._a.encode(None):
                    self._c.mux(p)
            self._c.close()
            if xmp is not None and self.fmt == "mp4":
                append_xmp_box(self.tmp, xmp)
            if finish is not None:
                finish(self.tmp)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        """Close and remove the temporary file (nothing is left at ``path``)."""
        with contextlib.suppress(Exception):
            self._c.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


def _palette_frame(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An RGB frame as 256 palette indices and its palette: Pillow's median-cut quantiser,
    Floyd-Steinberg dithered."""
    from PIL import Image

    q = Image.fromarray(rgb, mode="RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                  dither=Image.Dither.FLOYDSTEINBERG)
    pal = np.zeros((256, 4), np.uint8)  # PyAV's PAL8 rows read as A, R, G, B (checked in tests)
    colours = np.frombuffer(bytes(q.getpalette()[:768]), np.uint8).reshape(-1, 3)
    pal[: len(colours), 1:] = colours
    pal[:, 0] = 255
    return np.ascontiguousarray(np.asarray(q, dtype=np.uint8)), pal


def append_xmp_box(path: str | os.PathLike, xmp: str) -> None:
    """Append the XMP packet as a top-level ``uuid`` box (Adobe XMP Specification Part 3,
    "MPEG-4"): after the media data, so no chunk offset moves."""
    payload = XMP_UUID + xmp.encode("utf-8")
    size = 8 + len(payload)
    with open(path, "ab") as f:
        f.write(size.to_bytes(4, "big") + b"uuid" + payload)


def read_xmp_box(path: str | os.PathLike) -> str | None:
    """The XMP packet of an MP4/MOV file (its top-level XMP ``uuid`` box), or None. Walks the
    top-level boxes only (no media data is read)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        pos = 0
        while pos + 8 <= end:
            f.seek(pos)
            head = f.read(8)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            hdr = 8
            if size == 1:
                size, hdr = int.from_bytes(f.read(8), "big"), 16
            elif size == 0:
                size = end - pos
            if size < hdr:
                return None
            if kind == b"uuid" and f.read(16) == XMP_UUID:
                return f.read(size - hdr - 16).decode("utf-8", "replace")
            pos += size
    return None


def read_tags(path: str | os.PathLike) -> dict[str, str]:
    """A clip's container metadata tags (FFmpeg's view: MP4 ``udta``/``mdta``, Matroska tags)."""
    av = _av()
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            return dict(c.metadata)
    except av.error.FFmpegError as e:
        raise UnsupportedFormatError(f"{path}: not a readable clip ({_why(e)})") from None
