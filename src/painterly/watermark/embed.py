"""Embedding: add the tiled pattern to the luminance, masked by local contrast, at a set PSNR."""

from __future__ import annotations

import cv2
import numpy as np

from painterly.errors import InputError
from painterly.watermark import code, pattern
from painterly.watermark.config import WatermarkConfig

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601


def check_image(image: np.ndarray) -> None:
    if (
        not isinstance(image, np.ndarray)
        or image.ndim != 3
        or image.shape[2] != 3
        or image.dtype != np.float32
    ):
        what = f"shape {image.shape}, dtype {image.dtype}" if isinstance(image, np.ndarray) else type(image).__name__
        raise InputError(
            f"expected a float32 HxWx3 image in [0, 1], got {what}; convert with painterly.io.to_image"
        )
    if min(image.shape[:2]) < 32:
        raise InputError(f"image too small to carry a watermark: {image.shape[1]}x{image.shape[0]}; needs 32 px a side")


def luma(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image @ _LUMA)


def work_size(h: int, w: int, config: WatermarkConfig) -> tuple[int, int]:
    """(height, width) of the working grid: the shorter side becomes config.work_side."""
    g = config.work_side / min(h, w)
    return max(1, round(h * g)), max(1, round(w * g))


def embed(image: np.ndarray, payload: bytes, *, config: WatermarkConfig = WatermarkConfig()) -> np.ndarray:
    """Mark ``image`` (float32 HxWx3 in [0, 1]) with the 6-byte ``payload``; returns a new image.

    Method: tiled direct-sequence spread spectrum in the luminance (see painterly.watermark).
    """
    check_image(image)
    symbols = code.encode(code.check_payload(payload), config.key)
    h, w = image.shape[:2]
    # 1. The pattern on the working grid, tiled from the top-left corner, resampled to the image.
    hw, ww = work_size(h, w, config)
    t = pattern.tile(config, symbols)
    reps = (-(-hw // t.shape[0]), -(-ww // t.shape[1]))
    grid = np.tile(t, reps)[:hw, :ww]
    interp = cv2.INTER_LINEAR if hw <= h else cv2.INTER_AREA
    mark = cv2.resize(grid, (w, h), interpolation=interp)
    # 2. Perceptual mask: local contrast of the luminance (Watson-style contrast masking, in its
    # simplest form), with a floor so flat areas still carry some of the mark.
    y = luma(image)
    sigma = max(1.0, 2.0 * h / hw)
    mean = cv2.GaussianBlur(y, (0, 0), sigma)
    var = np.maximum(cv2.GaussianBlur(y * y, (0, 0), sigma) - mean * mean, 0.0)
    mask = (np.sqrt(var) + 0.02) ** config.mask_gamma
    delta = mark * mask
    # 3. Scale to the target PSNR (peak 1): rms(delta) = 10^(-psnr/20).
    rms = float(np.sqrt(np.mean(delta * delta))) or 1.0
    delta *= np.float32(10 ** (-config.psnr_db / 20) / rms)
    return np.ascontiguousarray(np.clip(image + delta[..., None], 0.0, 1.0), dtype=np.float32)
