"""The live painting engine: viewers send camera frames, painting threads paint the newest frame
of each viewer in turn and hand the painted frame back.

- Latest frame wins: each viewer has one :class:`~painterly.live.slot.LatestSlot`; a frame that
  arrives while another waits replaces it, so the delay never grows (stale frames are dropped).
- Fair: painting threads serve viewers round-robin, one frame per turn, and never two frames of
  the same viewer at once (its stabiliser state is sequential), so N busy viewers each get 1/N.
- State is per viewer (settings, slot, stabiliser, painted size); the engine holds no global
  painting state, and the styles themselves are pure functions.
- Keeps up: when a viewer's frames take longer to paint than its frame budget (15 frames/s for a
  neural style, 25 for a filter), they are painted smaller (:mod:`painterly.live.sizing`), and
  larger again when there is room; the painted frame's size tells the viewer.

Frames are decoded in the painting thread (a dropped frame costs nothing but its receipt) through
:func:`painterly.io.load_image` with small limits, and encoded there as JPEG.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from painterly.errors import InputError, LimitError, PainterlyError
from painterly.io import Limits, load_image
from painterly.live.sizing import SizeGovernor, SizingConfig
from painterly.live.slot import LatestSlot
from painterly.provenance.artwork import encode_artwork
from painterly.styles import Style, check_strength, get_style
from painterly.video import Stabilizer, StabilizerConfig

OnPainted = Callable[[int, int, bytes], None]  # (frame id, server microseconds, JPEG)
OnError = Callable[[PainterlyError], None]


@dataclass(frozen=True)
class LiveConfig:
    # Frames are painted with their longer side at most this: 384x288 is the live resolution
    # the targets are set at (a 4:3 camera frame), small enough for a CPU to paint at 15+ fps.
    max_side: int = 384
    # Painting threads. On a 2-core machine one thread, with onnxruntime's own two intra-op
    # threads, paints faster than two threads that fight over the cores.
    workers: int = 1
    # JPEG quality of painted frames: 80 keeps a 384x288 frame near 25 kB (a 30 fps stream is
    # then ~6 Mbit/s) with no visible blocking on painted textures.
    jpeg_quality: int = 80
    # Refuse more viewers than this: each one shares the same painting threads.
    max_viewers: int = 8
    # Limits for an incoming frame, checked from its header before it is decoded.
    limits: Limits = field(default_factory=lambda: Limits(max_pixels=4_000_000, max_side=4096,
                                                          max_bytes=4 * 1024 * 1024))
    stabilizer: StabilizerConfig = field(default_factory=StabilizerConfig)
    # how the painted size follows the painting speed (viewers may turn it off: auto_size)
    sizing: SizingConfig = field(default_factory=SizingConfig)


@dataclass(frozen=True)
class LiveSettings:
    style: str = "starry-swirls"  # any registered style name (filters, neural built-ins, library)
    strength: float = 1.0
    stabilize: bool = True  # temporal stabiliser (painterly.video) on by default: less flicker
    auto_size: bool = True  # paint smaller frames when painting cannot keep up (see sizing.py)


class Viewer:
    """One live stream. Made by :meth:`LiveEngine.connect`; its callbacks run on a painting thread."""

    def __init__(self, vid: int, on_painted: OnPainted, on_error: OnError, config: LiveConfig):
        self.id = vid
        self.settings = LiveSettings()
        self.slot: LatestSlot[tuple[int, bytes, float]] = LatestSlot()
        self.stabilizer = Stabilizer(config.stabilizer)
        self.sizer = SizeGovernor(config.max_side, config.sizing)
        self.painted_size: tuple[int, int] | None = None  # (width, height) of the last frame
        self.on_painted = on_painted
        self.on_error = on_error
        self.painted = 0
        self.paint_ms = 0.0  # the last frame's painting time (decode + style + stabilise + encode)
        self.busy = False  # a painting thread holds this viewer's frame now
        self.closed = False

    @property
    def dropped(self) -> int:
        return self.slot.dropped


class LiveEngine:
    def __init__(self, config: LiveConfig = LiveConfig()):
        self.config = config
        self._viewers: list[Viewer] = []
        self._cursor = 0  # round-robin position in _viewers
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # -- viewers ---------------------------------------------------------------------------------
    def connect(self, on_painted: OnPainted, on_error: OnError) -> Viewer:
        with self._cond:
            if len(self._viewers) >= self.config.max_viewers:
                raise LimitError(
                    f"the live view already has {self.config.max_viewers} viewers; try again later"
                )
            viewer = Viewer(next(self._ids), on_painted, on_error, self.config)
            self._viewers.append(viewer)
            self._start_locked()
            return viewer

    def disconnect(self, viewer: Viewer) -> None:
        with self._cond:
            viewer.closed = True
            if viewer in self._viewers:
                i = self._viewers.index(viewer)
                self._viewers.remove(viewer)
                if i < self._cursor:
                    self._cursor -= 1
            viewer.slot.take()
            self._cond.notify_all()  # idle painting threads end when no viewer is left

    def configure(self, viewer: Viewer, **changes) -> LiveSettings:
        """Change a viewer's settings; unknown keys and bad values raise :class:`InputError`."""
        known = set(LiveSettings.__dataclass_fields__)
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InputError(f"unknown live setting(s) {unknown}; valid: {sorted(known)}")
        new = replace(viewer.settings, **changes)
        if not isinstance(new.style, str):
            raise InputError("style must be a style name (see GET /v1/styles)")
        style = get_style(new.style)  # UnknownStyleError lists the valid names
        try:
            strength = check_strength(float(new.strength))
        except (TypeError, ValueError) as e:
            raise InputError(f"strength must be a number between 0 and 1, got {new.strength!r}") from e
        new = replace(new, style=style.name, strength=strength, stabilize=bool(new.stabilize),
                      auto_size=bool(new.auto_size))
        with self._cond:
            if (new.style, new.strength) != (viewer.settings.style, viewer.settings.strength):
                viewer.stabilizer.reset()  # never blend the old style into the new one
            if new.style != viewer.settings.style or not new.auto_size:
                viewer.sizer.reset()  # another style costs another time: start from full size
            viewer.settings = new
        return new

    def submit(self, viewer: Viewer, frame_id: int, data: bytes) -> bool:
        """Offer a camera frame (encoded bytes); returns True when it replaced a waiting frame."""
        if len(data) > self.config.limits.max_bytes:
            raise LimitError(f"a live frame may be at most {self.config.limits.max_bytes} bytes")
        with self._cond:
            replaced = viewer.slot.put((frame_id, data, time.perf_counter()))
            self._cond.notify()
        return replaced

    @property
    def viewers(self) -> int:
        return len(self._viewers)

    # -- painting threads ------------------------------------------------------------------------
    def _start_locked(self) -> None:
        self._stopping = False
        while len(self._threads) < self.config.workers:
            t = threading.Thread(target=self._work, name=f"painterly-live-{len(self._threads)}",
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for t in list(self._threads):
            t.join(timeout=5)

    def _next_locked(self) -> Viewer | None:
        """Round robin: the first viewer after the cursor with a frame waiting and not busy."""
        n = len(self._viewers)
        for k in range(n):
            v = self._viewers[(self._cursor + k) % n]
            if v.slot.pending and not v.busy:
                self._cursor = (self._cursor + k + 1) % n
                return v
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                viewer = self._next_locked()
                while viewer is None and not self._stopping and self._viewers:
                    self._cond.wait()
                    viewer = self._next_locked()
                if viewer is None or self._stopping:  # or the last viewer left: connect() starts anew
                    self._threads.remove(threading.current_thread())
                    return
                viewer.busy = True
                job = viewer.slot.take()
                settings = viewer.settings
            try:
                if job is not None:
                    self._paint(viewer, settings, *job)
            finally:
                with self._cond:
                    viewer.busy = False
                    self._cond.notify()

    def _paint(self, viewer: Viewer, settings: LiveSettings, frame_id: int, data: bytes,
               received: float) -> None:
        side = viewer.sizer.side if settings.auto_size else self.config.max_side
        start = time.perf_counter()
        try:
            frame = load_image(data, max_size=side, limits=self.config.limits)
            style = get_style(settings.style)
            painted = paint_frame(frame, style, settings.strength)
            if settings.stabilize:
                painted = viewer.stabilizer(frame, painted)
            jpeg = encode_artwork(painted, "JPEG", quality=self.config.jpeg_quality)
        except PainterlyError as e:
            if not viewer.closed:
                viewer.on_error(e)
            return
        except Exception as e:  # a painting thread must outlive one bad frame
            if not viewer.closed:
                viewer.on_error(PainterlyError(f"painting this frame failed ({type(e).__name__}: {e})"))
            return
        if settings.auto_size:
            with self._cond:  # viewers with frames to paint share the painting threads
                waiting = sum(1 for v in self._viewers if v.slot.pending or v.busy)
            viewer.sizer.update(time.perf_counter() - start, style.family,
                                share=waiting / self.config.workers)
        elapsed = time.perf_counter() - received
        viewer.painted_size = (painted.shape[1], painted.shape[0])
        viewer.painted += 1
        viewer.paint_ms = 1000 * elapsed
        if not viewer.closed:
            viewer.on_painted(frame_id, int(elapsed * 1e6), jpeg)


def paint_frame(frame: np.ndarray, style: Style, strength: float = 1.0) -> np.ndarray:
    """Paint one frame with a registered style (never a path: live names come from the network)."""
    out = style.apply(frame, strength=strength, seed=0)
    assert out.shape == frame.shape and out.dtype == np.float32, f"{style.name} broke the contract"
    return out
