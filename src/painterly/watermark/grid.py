"""The working grid shared by embedding and detection: luminance, size, detector residual, fold."""

from __future__ import annotations

import cv2
import numpy as np

from painterly.errors import InputError
from painterly.watermark.config import WatermarkConfig


def check_image(image: np.ndarray) -> None:
    if (
        not isinstance(image, np.ndarray)
        or image.ndim != 3
        or image.shape[2] != 3
        or image.dtype != np.float32
    ):
        what = (
            f"shape {image.shape}, dtype {image.dtype}"
            if isinstance(image, np.ndarray)
            else type(image).__name__
        )
        raise InputError(
            f"expected a float32 HxWx3 image in [0, 1], got {what}; "
            "convert with painterly.io.to_image"
        )
    if min(image.shape[:2]) < 32:
        raise InputError(
            f"image too small to carry a watermark: {image.shape[1]}x{image.shape[0]}; "
            "needs at least 32 px a side"
        )


def luma(image: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma (OpenCV's RGB to grey weights 0.299, 0.587, 0.114)."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def work_size(h: int, w: int, config: WatermarkConfig) -> tuple[int, int]:
    """(height, width) of the working grid: the shorter side becomes config.work_side."""
    g = config.work_side / min(h, w)
    return max(1, round(h * g)), max(1, round(w * g))


def to_work(plane: np.ndarray, config: WatermarkConfig) -> np.ndarray:
    h, w = plane.shape
    hw, ww = work_size(h, w, config)
    interp = cv2.INTER_AREA if hw < h else cv2.INTER_LINEAR
    return cv2.resize(plane, (ww, hw), interpolation=interp)


def bandpass(y: np.ndarray) -> np.ndarray:
    """The detector's prefilter: a difference of Gaussians that keeps the chips' band and drops
    the image's low frequencies (most of its energy) and the finest detail (JPEG noise)."""
    return cv2.GaussianBlur(y, (0, 0), 0.7) - cv2.GaussianBlur(y, (0, 0), 3.0)


def residual(y_work: np.ndarray) -> np.ndarray:
    """Band-passed luminance normalised by its local energy: a cheap whitening, so textured
    areas, where the image itself is loud, count less than flat ones."""
    r = bandpass(y_work)
    energy = cv2.GaussianBlur(r * r, (0, 0), 4.0)
    return np.clip(r / (np.sqrt(energy) + 1e-3), -4.0, 4.0)


def fold(r: np.ndarray, py: float, px: float, t: int) -> np.ndarray:
    """Resample so one period is t pixels, then sum all tiles into one t x t tile."""
    h, w = r.shape
    nh, nw = max(t, round(h * t / py)), max(t, round(w * t / px))
    if (nh, nw) != (h, w):
        r = cv2.resize(r, (nw, nh), interpolation=cv2.INTER_LINEAR)
    r = np.pad(r, ((0, -nh % t), (0, -nw % t)))
    return r.reshape(r.shape[0] // t, t, r.shape[1] // t, t).sum(axis=(0, 2))
