"""Paint a clip: decode, paint, stabilise and encode frame by frame (:func:`stylize_clip`).

Any per-frame painter works (a filter, a neural style, a blend, what a prompt or a voice chose):
``paint(frame) -> painted``, both contract images. Neural styles flicker when each frame is
painted on its own; the flow-guided stabiliser of :mod:`painterly.video.stabilizer` (the one
live mode uses) blends each painting with the previous output warped onto it, and is on by
default for them. Memory stays bounded: one frame is in flight, whatever the clip's length.

The output is written under a temporary name and renamed when complete (see
:class:`painterly.videoio.ClipWriter`): an error or Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from painterly.errors import CancelledError
from painterly.video.stabilizer import Stabilizer, StabilizerConfig
from painterly.videoio import DEFAULT_CLIP_LIMITS, ClipLimits, ClipReader, ClipWriter

Painter = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ClipBlocks:
    """Ready metadata for the writer, made when the clip is complete (built by
    :mod:`painterly.provenance`): an XMP packet for MP4's XMP box, and a step run on the
    finished temporary file (C2PA signing)."""

    xmp: str | None = None
    finish: Callable[[Path], None] | None = None


@dataclass
class ClipResult:
    """What was written, and where the time went (seconds per stage)."""

    path: Path
    frames: int
    size: tuple[int, int]  # (width, height)
    fps: float
    duration: float  # seconds painted
    audio: str  # "copied", "re-encoded" or "none"
    corrupt_packets: int  # video packets the decoder could not read (their frames are missing)
    stabilized: bool
    # seconds: decode, paint, stabilise, finish (main thread); encode (its own thread, overlapped
    # with painting); wait (the main thread waiting for the encoder)
    timings: dict[str, float] = field(default_factory=dict)


def stylize_clip(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    paint: Painter,
    *,
    stabilize: bool | StabilizerConfig = False,
    finish_frame: Painter | None = None,
    tags: dict[str, str] | None = None,
    blocks: Callable[[ClipResult], ClipBlocks] | None = None,
    start: float | None = None,
    end: float | None = None,
    max_size: int | None = None,
    fps: float | None = None,
    crf: int = 20,
    limits: ClipLimits = DEFAULT_CLIP_LIMITS,
    progress: Callable[[int, int], Any] | None = None,
) -> ClipResult:
    """Paint every frame of ``src`` (or of ``[start, end)`` seconds) with ``paint`` and write
    ``dst`` (.mp4, .webm, .gif or .webp), keeping the timestamps (frame rate, duration, variable
    rate), the display rotation (applied to the pixels) and the audio (copied when ``dst``'s
    container takes its codec, else re-encoded; GIF and WebP have none).

    ``stabilize``: True or a :class:`StabilizerConfig` for flow-guided temporal blending (use
    it for neural styles). ``finish_frame``: run on each final frame before encoding (the
    watermark, a visible label). ``tags``: container metadata written with the header;
    ``blocks(result) -> ClipBlocks``: the metadata written at the end.
    ``progress(done, total)`` after each frame (``total`` 0 when unknown); returning False
    cancels (:class:`CancelledError`, no file written). Raises :class:`InputError` /
    :class:`LimitError` on bad or oversized input, before or while decoding.
    """
    # 1. open and check the input (limits, streams, first frame)
    t = {"decode": 0.0, "paint": 0.0, "stabilise": 0.0, "finish": 0.0, "encode": 0.0,
         "wait": 0.0}  # encode: on its own thread, overlapped; wait: painting waited for it
    with ClipReader(src, start=start, end=end, max_size=max_size, fps=fps, limits=limits) as rd:
        total = rd.expected_frames()
        # 2. the writer, under a temporary name
        with ClipWriter(dst, size=rd.size, fps=rd.fps, time_base=rd.time_base,
                        audio=rd.audio_stream, crf=crf, tags=tags) as wr:
            stab = None
            if stabilize:
                stab = Stabilizer(stabilize if isinstance(stabilize, StabilizerConfig)
                                  else StabilizerConfig())
            # 3. frame by frame; encoding and muxing on their own thread
            enc = _EncodeThread(wr)
            try:
                done, last_time = _paint_frames(rd, enc, paint, stab, finish_frame, progress,
                                                total, t)
            finally:
                failed = enc.stop()
            if failed is not None:
                raise failed
            t["encode"] += enc.seconds
            audio = {True: "copied", False: "re-encoded", None: "none"}[wr.audio_copied]
            result = ClipResult(
                path=Path(dst), frames=done, size=rd.size, fps=float(rd.fps),
                duration=last_time + 1.0 / float(rd.fps), audio=audio,
                corrupt_packets=rd.corrupt, stabilized=stab is not None, timings=t)
            # 4. metadata, then rename into place
            b = blocks(result) if blocks is not None else ClipBlocks()
            t0 = time.perf_counter()
            wr.close(xmp=b.xmp, finish=b.finish)
            t["encode"] += time.perf_counter() - t0
    return result


def _paint_frames(rd, enc, paint, stab, finish_frame, progress, total, t) -> tuple[int, float]:
    events = rd.events()
    done, last_time = 0, 0.0
    while True:
        t0 = time.perf_counter()
        item = next(events, None)
        t["decode"] += time.perf_counter() - t0
        if item is None:
            return done, last_time
        kind, x = item
        if kind == "audio":
            enc.put("audio", x, rd.origin)
            continue
        t0 = time.perf_counter()
        out = paint(x.image)
        t1 = time.perf_counter()
        if stab is not None:
            out = stab(x.image, out)
        t2 = time.perf_counter()
        if finish_frame is not None:
            out = finish_frame(out)
        t3 = time.perf_counter()
        enc.put("video", out, x.pts)
        t["paint"] += t1 - t0
        t["stabilise"] += t2 - t1
        t["finish"] += t3 - t2
        t["wait"] += time.perf_counter() - t3
        done += 1
        last_time = x.time
        if progress is not None and progress(done, max(total, done)) is False:
            raise CancelledError(f"cancelled after {done} frames; nothing was written")


class _EncodeThread:
    """Encodes and muxes (frames and audio packets, in order) on a thread of its own, so the
    next frame is painted meanwhile (FFmpeg's encoders run without the GIL). At most ``depth``
    frames wait: memory stays bounded. Its first error is raised by the next :meth:`put`."""

    def __init__(self, writer: ClipWriter, depth: int = 2):
        self.writer, self.seconds, self.error = writer, 0.0, None
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="painterly-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            if self.error is not None:
                continue  # drain: the painting side stops at its next put
            kind, x, arg = item
            t0 = time.perf_counter()
            try:
                if kind == "video":
                    self.writer.write(x, arg)
                else:
                    self.writer.write_audio(x, arg)
            except BaseException as e:
                self.error = e
            self.seconds += time.perf_counter() - t0

    def put(self, kind: str, x, arg) -> None:
        if self.error is not None:
            raise self.error
        self._q.put((kind, x, arg))

    def stop(self) -> BaseException | None:
        """Let the queued work finish and the thread end (before the writer is closed or
        aborted); returns its error, if any."""
        self._q.put(None)
        self._thread.join()
        return self.error
