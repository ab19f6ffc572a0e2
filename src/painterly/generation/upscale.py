"""Upscalers that need no model, and AUTOMATIC1111's *SD upscale*: upscale, then repaint in tiles.

    upscale(image, size, "Lanczos") -> image        # Pillow's Lanczos or Nearest resampling
    upscale_latents(latents, size, "Latent") -> t   # A1111's latent upscale modes (torch interpolate)
    sd_upscale(prompt, image, scale=2, upscaler="Lanczos", overlap=64, tile=(512, 512), ...)

SD upscale (A1111's built-in script, after Ho's "SD upscale" 2022): the picture is enlarged with
a plain upscaler, cut into overlapping tiles of the model's size, each tile repainted by image to
image with the same prompt and seed, and the tiles blended back over their overlaps.
"""

from __future__ import annotations

import math

import numpy as np

from painterly.errors import InputError
from painterly.io import ImageSource, load_image

PIXEL_UPSCALERS = ("None", "Lanczos", "Nearest")  # A1111's built-in ones; "None": no upscaling
# A1111's latent upscale modes: name -> (torch interpolate mode, antialias)
LATENT_MODES = {
    "Latent": ("bilinear", False),
    "Latent (antialiased)": ("bilinear", True),
    "Latent (bicubic)": ("bicubic", False),
    "Latent (bicubic antialiased)": ("bicubic", True),
    "Latent (nearest)": ("nearest", False),
    "Latent (nearest-exact)": ("nearest-exact", False),
}
MAX_UPSCALED_SIDE = 8192  # px: an SD upscale of this size already takes hours on a CPU


def find_upscaler(name: str, *, latent: bool = False) -> str:
    """The canonical name of an upscaler (any case); InputError lists the available ones.
    ``latent=True`` also accepts A1111's latent modes (hires fix only)."""
    names = list(PIXEL_UPSCALERS) + (list(LATENT_MODES) if latent else [])
    for n in names:
        if str(name).strip().lower() == n.lower():
            return n
    raise InputError(f"upscaler {name!r} is not available on this server; upscalers: "
                     f"{', '.join(names)} (model upscalers such as ESRGAN are not installed)")


def upscale(image: ImageSource, size: tuple[int, int], upscaler: str = "Lanczos") -> np.ndarray:
    """Resize to ``size`` (width, height) with Pillow's Lanczos (a=3) or nearest-neighbour
    resampling, as A1111's built-in upscalers do; "None" resizes with Lanczos too (what A1111
    does where a size must be reached). Returns float32 HxWx3 in [0, 1]."""
    from PIL import Image

    name = find_upscaler(upscaler)
    img = load_image(image)
    w, h = int(size[0]), int(size[1])
    if not (1 <= w <= MAX_UPSCALED_SIDE and 1 <= h <= MAX_UPSCALED_SIDE):
        raise InputError(f"upscaled size {w}x{h}: each side must be from 1 to {MAX_UPSCALED_SIDE}")
    if (img.shape[1], img.shape[0]) == (w, h):
        return img.copy()
    resample = Image.NEAREST if name == "Nearest" else Image.LANCZOS
    # per channel in Pillow's 32-bit float mode: the same kernels as on 8-bit pictures, without
    # rounding the contract's float pixels to 256 levels
    out = np.stack([np.asarray(Image.fromarray(img[..., c], mode="F").resize((w, h), resample))
                    for c in range(3)], axis=2)
    return np.ascontiguousarray(np.clip(out, 0.0, 1.0), dtype=np.float32)


def cover_crop(src: tuple[int, int], dst: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Scale ``src`` (w, h) to cover ``dst`` keeping its aspect, then centre-crop: returns the
    scaled size and the crop's top-left corner (A1111's "crop and resize")."""
    scale = max(dst[0] / src[0], dst[1] / src[1])
    sw, sh = max(dst[0], round(src[0] * scale)), max(dst[1], round(src[1] * scale))
    return (sw, sh), ((sw - dst[0]) // 2, (sh - dst[1]) // 2)


def upscale_latents(latents, size: tuple[int, int], mode: str = "Latent"):
    """Latents (N, C, h, w) -> (N, C, size[1], size[0]) by A1111's latent mode (cover and crop
    when the aspect changes)."""
    import torch.nn.functional as F

    interp, antialias = LATENT_MODES[find_upscaler(mode, latent=True)]
    src = (latents.shape[-1], latents.shape[-2])
    (sw, sh), (x, y) = cover_crop(src, size)
    kw = {"antialias": antialias} if interp in ("bilinear", "bicubic") else {}
    out = F.interpolate(latents.float(), size=(sh, sw), mode=interp, **kw).to(latents.dtype)
    return out[..., y:y + size[1], x:x + size[0]]


def tile_origins(length: int, tile: int, overlap: int) -> list[int]:
    """Where tiles of ``tile`` px start along a side of ``length`` px so that neighbours overlap
    by at least ``overlap`` px, spread evenly (A1111's split_grid)."""
    if length <= tile:
        return [0]
    n = math.ceil((length - overlap) / max(tile - overlap, 1))
    n = max(n, 2)
    step = (length - tile) / (n - 1)
    return [round(i * step) for i in range(n)]


def _ramp(length: int, overlap: int, start: bool, end: bool) -> np.ndarray:
    """Blend weights along one side of a tile: rising over the overlap where a neighbour is."""
    w = np.ones(length, np.float32)
    if overlap > 0:
        r = (np.arange(length, dtype=np.float32) + 0.5) / overlap
        if start:
            w = np.minimum(w, r)
        if end:
            w = np.minimum(w, r[::-1])
    return np.clip(w, 1e-3, 1.0)


def sd_upscale(prompt: str, image: ImageSource, *, scale: float = 2.0, upscaler: str = "Lanczos",
               overlap: int = 64, tile: tuple[int, int] = (512, 512), progress=None,
               **generate_options) -> np.ndarray:
    """A1111's SD upscale: enlarge ``image`` by ``scale`` with ``upscaler``, repaint it tile by
    tile (``tile`` = (width, height), multiples of 8) with :func:`~painterly.generation.generate`
    (``generate_options``: model, steps, seed, strength, negative, guidance, sampler...), and
    blend the tiles over ``overlap`` px. ``progress(done, total)`` counts steps over all tiles;
    answering :data:`~painterly.generation.FINISH` stops after the current tile (the tiles not
    yet repainted stay as upscaled)."""
    from painterly.generation.denoise import FINISH
    from painterly.generation.generate import generate

    if not 1.0 <= float(scale) <= 8.0:
        raise InputError(f"SD upscale scale {scale}: give a factor from 1 to 8")
    if not 0 <= int(overlap) < min(tile):
        raise InputError(f"SD upscale overlap {overlap}: from 0 to less than the tile size {min(tile)}")
    img = load_image(image)
    h, w = img.shape[:2]
    size = (max(1, round(w * float(scale))), max(1, round(h * float(scale))))
    name = find_upscaler(upscaler)
    big = img.copy() if name == "None" else upscale(img, size, name)
    H, W = big.shape[:2]
    tw, th = min(tile[0], W), min(tile[1], H)
    boxes = [(x, y) for y in tile_origins(H, th, overlap) for x in tile_origins(W, tw, overlap)]
    acc = np.zeros_like(big)
    weight = np.zeros((H, W, 1), np.float32)
    stopped = False

    for k, (x, y) in enumerate(boxes):
        crop = big[y:y + th, x:x + tw]
        if stopped:
            out = crop
        else:
            def tile_progress(done, total, k=k):
                nonlocal stopped
                answer = progress(k * total + done, len(boxes) * total) if progress else None
                if answer == FINISH:
                    stopped = True
                return answer

            out = generate(prompt, init=crop, size=tuple(tile), progress=tile_progress,
                           **generate_options)
            if out.shape[:2] != crop.shape[:2]:
                out = upscale(out, (crop.shape[1], crop.shape[0]), "Lanczos")
        wy = _ramp(th, overlap, y > 0, y + th < H)
        wx = _ramp(tw, overlap, x > 0, x + tw < W)
        wt = (wy[:, None] * wx[None, :])[..., None]
        acc[y:y + th, x:x + tw] += wt * out
        weight[y:y + th, x:x + tw] += wt
    return np.ascontiguousarray(np.clip(acc / weight, 0.0, 1.0), dtype=np.float32)
