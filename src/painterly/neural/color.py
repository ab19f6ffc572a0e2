"""Colour preservation: keep the photo's colours, take the texture from the stylised image.

Luminance-only transfer (Gatys, Bethge, Hertzmann, Shechtman 2016, "Preserving color in neural
artistic style transfer"): the stylised luminance, with its mean and spread matched to the
photo's, is recombined with the photo's chroma in YCrCb (OpenCV's BT.601 conversion).
"""

from __future__ import annotations

import numpy as np


def preserve_color(stylised: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Stylised luminance (matched to the photo's mean/std) + the photo's Cr/Cb."""
    import cv2

    ys = cv2.cvtColor(stylised, cv2.COLOR_RGB2YCrCb)
    yp = cv2.cvtColor(photo, cv2.COLOR_RGB2YCrCb)
    lum = ys[..., 0]
    sd = float(lum.std())
    lum = (lum - lum.mean()) * (float(yp[..., 0].std()) / sd if sd > 1e-6 else 1.0) + yp[..., 0].mean()
    out = np.dstack([lum, yp[..., 1], yp[..., 2]]).astype(np.float32)
    rgb = cv2.cvtColor(out, cv2.COLOR_YCrCb2RGB)
    return np.ascontiguousarray(np.clip(rgb, 0.0, 1.0), dtype=np.float32)
