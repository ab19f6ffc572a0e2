"""Temporal stabiliser for frame-by-frame painting: each painted frame is blended with the
previous *output* frame warped onto it by optical flow, except where the flow's forward-backward
check finds an occlusion (there the fresh painting is kept).

This is the flow-guided temporal blending used for live style transfer: the temporal constraint
of Ruder, Dosovitskiy, Brox 2016 ("Artistic style transfer for videos": warp the previous
stylised frame with the flow, trust it only where the forward-backward check passes) applied as a
closed-form blend instead of an optimisation, in the spirit of Bonneel et al. 2015 ("Blind video
temporal consistency"), which enforces consistency with the warped previous output on any
per-frame process. Written by hand because no maintained library offers it; OpenCV does the
flow (DIS) and the warping.

``out_t = P_t + a * M_t * (warp(out_{t-1}) - P_t)`` with P_t the frame painted on its own,
M_t the consistency mask and a the blend weight: a recursive (exponential) average along motion
trajectories, which leaves occluded and newly visible regions freshly painted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from painterly.video.flow import FlowConfig, FlowEstimator, warp


@dataclass(frozen=True)
class StabilizerConfig:
    # Weight of the warped previous output where the flow is trusted. 0.6 cuts the warping error
    # of a painted clip to about a fifth (see benchmarks/bench_live.py) while a new painting
    # still shows through within a few frames (0.6**5 < 8 %).
    alpha: float = 0.6
    # When fewer than this fraction of pixels pass the consistency check (a cut, a jump, the
    # camera covered), start again from the fresh painting rather than blending a wrong warp.
    min_valid: float = 0.3
    flow: FlowConfig = field(default_factory=FlowConfig)


class Stabilizer:
    """Per-stream state: the previous input frame (grey, low resolution) and previous output.

    Make one per video stream (per live viewer); it is not shared between streams or threads.
    ``stabilizer(frame, painted) -> stabilised`` takes the camera frame and its painting.
    """

    def __init__(self, config: StabilizerConfig = StabilizerConfig()):
        if not 0.0 <= config.alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {config.alpha}")
        self.config = config
        self._flow = FlowEstimator(config.flow)
        self._prev_grey: np.ndarray | None = None
        self._prev_out: np.ndarray | None = None
        self.last_valid = 0.0  # fraction of the last frame that was blended (for diagnostics)

    def reset(self) -> None:
        self._prev_grey = None
        self._prev_out = None

    def __call__(self, frame: np.ndarray, painted: np.ndarray) -> np.ndarray:
        if frame.shape != painted.shape:
            raise ValueError(f"frame {frame.shape} and painted {painted.shape} differ in shape")
        grey = self._flow.grey(frame)
        prev_grey, prev_out = self._prev_grey, self._prev_out
        self._prev_grey = grey
        if prev_out is None or prev_out.shape != painted.shape or prev_grey.shape != grey.shape:
            self._prev_out = painted
            self.last_valid = 0.0
            return painted
        back, mask = self._flow.flow_and_mask(grey, prev_grey, painted.shape[:2])
        self.last_valid = float(mask.mean())
        if self.last_valid < self.config.min_valid:
            self._prev_out = painted
            return painted
        warped = warp(prev_out, back)
        weight = np.float32(self.config.alpha) * mask
        # a convex combination of two images in [0, 1] stays in [0, 1]: no clipping needed
        out = cv2.blendLinear(warped, painted, weight, np.float32(1.0) - weight)
        self._prev_out = out
        return out


def stabilize(frames, painted, config: StabilizerConfig = StabilizerConfig()) -> list[np.ndarray]:
    """Stabilise a whole clip: ``frames`` (the input video) and ``painted`` (each frame painted on
    its own), both sequences of contract images of one size. Returns the stabilised frames."""
    stab = Stabilizer(config)
    return [stab(f, p) for f, p in zip(frames, painted, strict=True)]
