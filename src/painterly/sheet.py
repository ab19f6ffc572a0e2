"""Contact sheets: many images with captions on one canvas (styles overview, curation results)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from painterly.io import to_pil, to_uint8


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def fit(img: np.ndarray, cell: int, cell_h: int | None = None) -> np.ndarray:
    """Resize (area) to fit a ``cell x cell_h`` box, then pad it on white."""
    cell_h = cell_h or cell
    h, w = img.shape[:2]
    s = min(cell / w, cell_h / h)
    small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    out = np.ones((cell_h, cell, 3), np.float32)
    y, x = (cell_h - small.shape[0]) // 2, (cell - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def contact_sheet(
    items: Sequence[tuple[str, np.ndarray]],
    *,
    cols: int | None = None,
    cell: int = 256,
    caption_px: int = 34,
    title: str | None = None,
) -> np.ndarray:
    """Lay out ``(caption, image)`` pairs in a grid; returns a contract image."""
    if not items:
        raise ValueError("contact_sheet needs at least one image")
    n = len(items)
    # cells take the first image's aspect (clamped), so a row of landscape photos has no white bands
    h0, w0 = items[0][1].shape[:2]
    cell_h = int(round(cell * min(1.5, max(0.5, h0 / w0))))
    cols = cols or min(n, max(1, math.ceil(math.sqrt(n * 1.5))))
    rows = math.ceil(n / cols)
    pad = 8
    top = caption_px + pad if title else 0
    W = cols * (cell + pad) + pad
    H = top + rows * (cell_h + caption_px + pad) + pad
    canvas = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = _font(max(12, caption_px // 2))
    if title:
        draw.text((pad, pad // 2), title, fill=(20, 20, 20), font=_font(max(14, caption_px * 2 // 3)))
    for i, (caption, img) in enumerate(items):
        r, c = divmod(i, cols)
        x = pad + c * (cell + pad)
        y = top + pad + r * (cell_h + caption_px + pad)
        canvas.paste(to_pil(fit(img, cell, cell_h)), (x, y))
        draw.text((x + 2, y + cell_h + 4), caption, fill=(20, 20, 20), font=font)
    return np.asarray(canvas, dtype=np.float32) / np.float32(255.0)


__all__ = ["contact_sheet", "fit", "to_uint8"]
