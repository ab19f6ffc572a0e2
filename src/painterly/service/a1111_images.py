"""The pictures of A1111 requests: base64 in, and img2img's init images and masks prepared as A1111
prepares them (resize modes, mask blur, inverted masks, masked-content fill) before they are
queued as the job's files."""

from __future__ import annotations

import base64
import binascii
import io
import re

import numpy as np

from painterly.errors import InputError

_DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


def decode_image(text: str, what: str) -> bytes:
    """Base64 or a ``data:`` URL -> bytes. URLs are refused: the server fetches nothing."""
    if not isinstance(text, str) or not text:
        raise InputError(f"{what}: expected a base64 image")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text.strip(), re.IGNORECASE):
        raise InputError(f"{what}: remote URLs are refused (the server fetches nothing); "
                         "send the image as base64")
    body = _DATA_URL.sub("", text.strip(), count=1)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{what}: not valid base64 (raw base64 or a data:image/...;base64, URL)") from None


def _png(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _pil(data: bytes, limits):
    from painterly.io import load_image, to_pil

    return to_pil(load_image(data, limits=limits))


def resize(data: bytes, mode: int, size: tuple[int, int], limits, *, grey: bool = False) -> bytes:
    """A1111's resize modes to ``size`` (width, height): 0 just resize, 1 crop and resize (cover,
    centre crop), 2 resize and fill (fit, the empty bands filled with the picture's stretched
    edges). Mode 3 (resize in latent space) is done as mode 0 by the caller, with a note."""
    from PIL import Image

    im = _pil(data, limits)
    if grey:
        im = im.convert("L")
    w, h = size
    if mode in (0, 3) or im.size == (w, h):
        out = im.resize((w, h), Image.LANCZOS)
    elif mode == 1:
        from painterly.generation.upscale import cover_crop

        (sw, sh), (x, y) = cover_crop(im.size, (w, h))
        out = im.resize((sw, sh), Image.LANCZOS).crop((x, y, x + w, y + h))
    else:
        scale = min(w / im.width, h / im.height)
        sw, sh = max(1, round(im.width * scale)), max(1, round(im.height * scale))
        fitted = im.resize((sw, sh), Image.LANCZOS)
        out = fitted.resize((w, h), Image.LANCZOS)  # the stretched picture under the bands
        out.paste(fitted, ((w - sw) // 2, (h - sh) // 2))
    return _png(np.asarray(out))


def prepare_mask(data: bytes, size: tuple[int, int], *, invert: bool, blur: tuple[int, int],
                 limits) -> tuple[bytes, np.ndarray]:
    """A1111's mask handling: greyscale at the init's size, inverted when asked (then black is
    repainted), Gaussian-blurred by ``blur`` = (x, y) sigmas in px. Returns PNG bytes and the
    mask as float HxW in [0, 1]."""
    import cv2

    m = np.asarray(_pil(data, limits).convert("L").resize(size), dtype=np.float32) / 255.0
    if invert:
        m = 1.0 - m
    bx, by = blur
    if bx > 0 or by > 0:
        m = cv2.GaussianBlur(m, (0, 0), sigmaX=max(bx, 1e-3), sigmaY=max(by, 1e-3))
    m = np.clip(m, 0.0, 1.0)
    return _png((m * 255 + 0.5).astype(np.uint8)), m


def fill_masked(init: bytes, mask: np.ndarray, limits) -> bytes:
    """A1111's "fill" masked content: the masked part of the picture replaced by colours flowing in
    from its surroundings before it is repainted. Done with OpenCV's Telea inpainting (a fast
    marching fill, Telea 2004) where A1111 stacks Gaussian blurs: the same idea, a library's
    well-kept implementation."""
    import cv2

    img = np.asarray(_pil(init, limits).convert("RGB"))
    if img.shape[:2] != mask.shape:
        mask = cv2.resize(mask, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
    holes = (mask > 0.5).astype(np.uint8)
    if not holes.any():
        return init
    return _png(cv2.inpaint(img, holes, 3, cv2.INPAINT_TELEA))
