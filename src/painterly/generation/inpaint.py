"""Inpainting of the masked region only (AUTOMATIC1111's "Inpaint area: Only masked").

The mask's bounding box, grown by ``padding`` and then to the aspect ratio of the model's working
size, is cut out, inpainted at that size (so a small region gets the model's full resolution),
scaled back and pasted into the untouched picture through the feathered mask. The result has the
input's size; pixels outside the mask are the input's exactly.
"""

from __future__ import annotations

import numpy as np

from painterly.io import ImageSource, load_image


def mask_box(mask: np.ndarray, padding: int, aspect: float) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around the mask's non-zero pixels, ``padding`` px more on each side, grown
    to ``aspect`` (width / height) about its centre and kept inside the picture; None for an
    empty mask."""
    ys, xs = np.nonzero(mask > 0)
    if xs.size == 0:
        return None
    H, W = mask.shape[:2]
    x0, x1 = max(0, xs.min() - padding), min(W, xs.max() + 1 + padding)
    y0, y1 = max(0, ys.min() - padding), min(H, ys.max() + 1 + padding)
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        w = min(W, round(h * aspect))
    else:
        h = min(H, round(w / aspect))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x0 = int(min(max(0, round(cx - w / 2)), W - w))
    y0 = int(min(max(0, round(cy - h / 2)), H - h))
    return x0, y0, x0 + w, y0 + h


def inpaint_masked(prompt: str, image: ImageSource, mask: ImageSource, *, size: tuple[int, int],
                   padding: int = 32, **generate_options) -> np.ndarray:
    """Inpaint only the region around ``mask`` (white = repaint) at ``size`` (the model's working
    width, height); ``generate_options`` go to :func:`~painterly.generation.generate`. Returns
    float32 HxWx3 in [0, 1] at the input's size."""
    import cv2

    from painterly.generation.generate import feather_inside, generate

    img = load_image(image)
    H, W = img.shape[:2]
    m = load_image(mask).mean(axis=2)
    if m.shape != (H, W):
        m = cv2.resize(m, (W, H), interpolation=cv2.INTER_AREA)
    box = mask_box(m, int(padding), size[0] / size[1])
    if box is None:  # nothing masked: A1111 inpaints the whole picture then
        return generate(prompt, init=img, mask=np.repeat(m[..., None], 3, 2), size=size,
                        **generate_options)
    x0, y0, x1, y1 = box
    crop, crop_mask = img[y0:y1, x0:x1], m[y0:y1, x0:x1]
    out = generate(prompt, init=crop, mask=np.repeat(crop_mask[..., None], 3, 2), size=size,
                   **generate_options)
    back = cv2.resize(out, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    w = feather_inside(np.clip(crop_mask, 0.0, 1.0).astype(np.float32))[..., None]
    result = img.copy()
    result[y0:y1, x0:x1] = w * back + (1.0 - w) * crop
    return np.ascontiguousarray(result, dtype=np.float32)
