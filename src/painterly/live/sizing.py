"""Painted resolution that keeps up: when painting a frame takes longer than the frame budget,
a live viewer's frames are painted smaller, and larger again once there is room.

The cost of painting (decode, style, stabiliser, encode) grows about with the pixel count, so the
next side is ``side * sqrt(budget / time)``, snapped to a multiple of 16 and kept between
``min_side`` and ``max_side``. The time is an exponential moving average of the painting times
measured at the current side (the first frames after a change are a new size's cold start and are
not counted). Going down happens after a few slow frames; going up needs a clear margin over many
frames, so that a noisy, shared machine does not make the size swing back and forth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SNAP = 16  # px: network-friendly sides (the transformers pad to a multiple of 4)


@dataclass(frozen=True)
class SizingConfig:
    # the smallest side frames are painted at: below this a painting says little
    min_side: int = 128
    # frames per second a viewer should get, by style family: a neural style's target (15) and a
    # filter's (25), the live view's targets (docs/studio.md)
    target_fps_neural: float = 15.0
    target_fps_filter: float = 25.0
    # lower the size when the average time is above the budget by this factor...
    slow: float = 1.1
    # ...and raise it when the larger size's estimated time is below this share of the budget
    fast: float = 0.75
    # frames measured at a side before it may go down / up again
    down_after: int = 4
    up_after: int = 20
    # weight of the newest frame's time in the moving average
    smoothing: float = 0.3
    # frames after a change that are not measured (a new size warms the network's caches)
    settle: int = 1


class SizeGovernor:
    """One viewer's painted side. Not thread-safe: a viewer is painted by one thread at a time."""

    def __init__(self, max_side: int, config: SizingConfig = SizingConfig()):
        self.config = config
        self.max_side = max_side
        self.side = max_side
        self._avg: float | None = None
        self._frames = 0  # measured at the current side

    def budget(self, family: str) -> float:
        fps = self.config.target_fps_filter if family == "filter" else self.config.target_fps_neural
        return 1.0 / fps

    def reset(self) -> None:
        """Back to the full size (a new style: its cost is another)."""
        self.side, self._avg, self._frames = self.max_side, None, 0

    def update(self, seconds: float, family: str, share: float = 1.0) -> bool:
        """Record one frame's painting time; ``share``: how many frames of other viewers the
        painting threads paint per frame of this one (1 when it is alone). Returns True when
        the side changed."""
        c = self.config
        self._frames += 1
        if self._frames <= c.settle:
            return False
        cost = seconds * max(share, 1.0)
        self._avg = cost if self._avg is None else (1 - c.smoothing) * self._avg + c.smoothing * cost
        measured = self._frames - c.settle
        budget = self.budget(family)
        new = self.side
        if self._avg > c.slow * budget and measured >= c.down_after and self.side > c.min_side:
            new = self._snap(self.side * math.sqrt(budget / self._avg), down=True)
        elif measured >= c.up_after and self.side < self.max_side:
            bigger = min(self.max_side, self._snap(self.side * 1.25, down=False))
            if self._avg * (bigger / self.side) ** 2 < c.fast * budget:
                new = bigger
        if new == self.side:
            return False
        self.side, self._avg, self._frames = new, None, 0
        return True

    def _snap(self, side: float, *, down: bool) -> int:
        snapped = (math.floor if down else math.ceil)(side / SNAP) * SNAP
        if down and snapped >= self.side:  # always a real step down
            snapped = self.side - SNAP
        return int(min(self.max_side, max(self.config.min_side, snapped)))
