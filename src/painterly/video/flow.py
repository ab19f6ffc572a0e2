"""Optical flow and occlusion masks for video: OpenCV's DIS flow (Kroeger et al. 2016, "Fast
Optical Flow using Dense Inverse Search") and the forward-backward consistency check of
Sundaram, Brox, Keutzer 2010 as used for video style transfer by Ruder, Dosovitskiy, Brox 2016
("Artistic style transfer for videos").

Frames here are the image contract (float32 HxWx3 in [0, 1]); flow fields are float32 HxWx2 in
pixels, ``flow[y, x] = (dx, dy)`` such that frame ``a`` at ``(x, y)`` matches frame ``b`` at
``(x + dx, y + dy)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

_PRESETS = {
    "ultrafast": cv2.DISOpticalFlow_PRESET_ULTRAFAST,
    "fast": cv2.DISOpticalFlow_PRESET_FAST,
    "medium": cv2.DISOpticalFlow_PRESET_MEDIUM,
}


@dataclass(frozen=True)
class FlowConfig:
    # Flow is estimated on a downscaled grey frame and scaled back up: DIS at 1/2 of 384x288 costs
    # about a millisecond, and camera motion is smooth enough that the loss of detail only shows
    # at thin structures, which the occlusion check then excludes.
    scale: float = 0.5
    # "ultrafast" is DIS's real-time preset (Kroeger 2016 table 1); "medium" for offline metrics.
    preset: str = "ultrafast"
    # Forward-backward check of Sundaram 2010 / Ruder 2016 eq. 7:
    # |w + w'|^2 > alpha * (|w|^2 + |w'|^2) + beta  ->  occluded.
    fb_alpha: float = 0.01
    fb_beta: float = 0.5
    # Motion-boundary check of Ruder 2016: |grad u|^2 + |grad v|^2 > alpha * |w|^2 + beta.
    mb_alpha: float = 0.01
    mb_beta: float = 0.002


def to_grey(frame: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Contract frame -> uint8 grey at ``scale`` (what DIS takes)."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale != 1.0:
        h, w = grey.shape
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return np.clip(grey * 255.0 + 0.5, 0, 255).astype(np.uint8)


class FlowEstimator:
    """One DIS instance. Not thread-safe (OpenCV's DIS object keeps buffers): make one per viewer
    or per thread, never share one between concurrent callers."""

    def __init__(self, config: FlowConfig = FlowConfig()):
        if config.preset not in _PRESETS:
            raise ValueError(f"unknown DIS preset {config.preset!r}; valid: {sorted(_PRESETS)}")
        self.config = config
        self._dis = cv2.DISOpticalFlow_create(_PRESETS[config.preset])

    def grey(self, frame: np.ndarray) -> np.ndarray:
        return to_grey(frame, self.config.scale)

    def flow(self, grey_a: np.ndarray, grey_b: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """Flow a -> b from two grey frames made by :meth:`grey`, at full ``size`` = (h, w)."""
        f = self._dis.calc(grey_a, grey_b, None)
        return upscale_flow(f, size)

    def flow_and_mask(
        self, grey_cur: np.ndarray, grey_prev: np.ndarray, size: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Backward flow (current -> previous) at full size and its validity mask (1 where the
        previous frame sees the same point, 0 at occlusions and motion boundaries)."""
        cfg = self.config
        back = self._dis.calc(grey_cur, grey_prev, None)
        fwd = self._dis.calc(grey_prev, grey_cur, None)
        mask = consistency_mask(back, fwd, cfg)
        h, w = size
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        return upscale_flow(back, size), mask


def upscale_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    fh, fw = flow.shape[:2]
    if (fh, fw) == (h, w):
        return flow
    up = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
    up[..., 0] *= w / fw
    up[..., 1] *= h / fh
    return up


@lru_cache(maxsize=8)
def _grid(h: int, w: int) -> np.ndarray:
    """Pixel coordinates (x, y) as float32 HxWx2, read-only; a few frame sizes are in use at once."""
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    grid = np.ascontiguousarray(np.stack([gx, gy], -1))
    grid.flags.writeable = False
    return grid


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample ``image`` at ``(x, y) + flow[y, x]`` (bilinear; outside the frame -> edge pixels).
    With the backward flow current -> previous this brings the previous frame onto the current."""
    h, w = flow.shape[:2]
    return cv2.remap(image, _grid(h, w) + flow, None, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def consistency_mask(back: np.ndarray, fwd: np.ndarray, cfg: FlowConfig = FlowConfig()) -> np.ndarray:
    """float32 mask in {0, 1} on ``back``'s grid: 1 where following ``back`` then ``fwd`` returns
    to the start (Sundaram 2010) and there is no motion boundary, and the point stays in frame."""
    h, w = back.shape[:2]
    fwd_at = warp(fwd, back)  # the forward flow read where the backward flow lands
    err = _sq(back + fwd_at)
    ok = err <= cfg.fb_alpha * (_sq(back) + _sq(fwd_at)) + cfg.fb_beta
    # central differences (as np.gradient) of both flow channels at once
    gx = cv2.Sobel(back, cv2.CV_32F, 1, 0, ksize=1, scale=0.5)
    gy = cv2.Sobel(back, cv2.CV_32F, 0, 1, ksize=1, scale=0.5)
    ok &= _sq(gx) + _sq(gy) <= cfg.mb_alpha * _sq(back) + cfg.mb_beta
    land = _grid(h, w) + back
    ok &= (land[..., 0] >= 0) & (land[..., 0] <= w - 1) & (land[..., 1] >= 0) & (land[..., 1] <= h - 1)
    return ok.astype(np.float32)


def _sq(v: np.ndarray) -> np.ndarray:
    """Squared length of 2-vectors, HxWx2 -> HxW (channel by channel: ``(v**2).sum(-1)`` is ten
    times slower on a last axis of two)."""
    return v[..., 0] * v[..., 0] + v[..., 1] * v[..., 1]
