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
    timings: dict[str, float] = field(default_factory=dict)  # decode, paint, stabilise, finish, encode


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
    ``blocks(result) -> ClipBlocks``: the metadata written at the end. ``progress(done, total)`` after each frame (``total`` 0 when unknown); returning False
    cancels (:class:`CancelledError`, no file written). Raises :class:`InputError` /
    :class:`LimitError` on bad or oversized input, before or while decoding.
    """
    # 1. open and check the input (limits, streams, first frame)
    t = {"decode": 0.0, "paint": 0.0, "stabilise": 0.0, "finish": 0.0, "encode": 0.0}
    with ClipReader(src, start=start, end=end, max_size=max_size, fps=fps, limits=limits) as rd:
        total = rd.expected_frames()
        # 2. the writer, under a temporary name
        with ClipWriter(dst, size=rd.size, fps=rd.fps, time_base=rd.time_base,
                        audio=rd.audio_stream, crf=crf, tags=tags) as wr:
            stab = None
            if stabilize:
                stab = Stabilizer(stabilize if isinstance(stabilize, StabilizerConfig)
                                  else StabilizerConfig())
            # 3. frame by frame
            events = rd.events()
            done, last_time = 0, 0.0
            while True:
                t0 = time.perf_counter()
                item = next(events, None)
                t["decode"] += time.perf_counter() - t0
                if item is None:
                    break
                kind, x = item
                if kind == "audio":
                    t0 = time.perf_counter()
                    wr.write_audio(x, rd.origin)
                    t["encode"] += time.perf_counter() - t0
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
                wr.write(out, x.pts)
                t4 = time.perf_counter()
                t["paint"] += t1 - t0
                t["stabilise"] += t2 - t1
                t["finish"] += t3 - t2
                t["encode"] += t4 - t3
                done += 1
                last_time = x.time
                if progress is not None and progress(done, max(total, done)) is False:
                    raise CancelledError(f"cancelled after {done} frames; nothing was written")
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
