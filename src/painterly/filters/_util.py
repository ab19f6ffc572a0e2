"""Fast building blocks shared by the filters (stable API: other filter modules import these).

Every function takes and returns float32 arrays and leaves its inputs untouched. Colour images
follow the contract of :mod:`painterly.io` (``(H, W, 3)`` float32 sRGB in ``[0, 1]``); single
channel maps are ``(H, W)`` float32. The heavy lifting is done by OpenCV primitives (separable
Gaussians, Sobel, ``remap``, connected components), which run in C and release the GIL; numpy
only glues them together. Hand-written pieces say why in a comment.

Public API
----------
``work_size(shape, max_side)``            size ``(w, h)`` to process at, and the scale factor
``resize_to(img, (w, h))``                area-downscale / linear-upscale with cv2
``rgb_to_lab(img)`` / ``lab_to_rgb(lab)`` CIELAB (L in [0, 100]) via cv2, float32
``luminance(img)``                        Rec. 709 luma of the sRGB values, ``(H, W)``
``structure_tensor_flow(img, sigma)``     edge tangent field ``(tx, ty)`` and anisotropy ``A``
``xdog(gray, ...)``                       eXtended Difference of Gaussians ink map (Winnemöller 2012)
``remove_small_components(mask, ...)``    drop connected blobs smaller than an area
``line_integral_convolution(field, ...)`` smear a map along a vector field (Cabral & Leedom 1993)
``relief_shading(height, ...)``           emboss-style lighting factor from a height map
``kmeans_palette(lab, k, seed)``          seeded k-means colour palette on a pixel subsample
``assign_palette(lab, centres)``          nearest-palette labels
``majority_filter(labels, k, ksize)``     mode filter of a label map (cleans speckles)
``region_means(img, labels, k)``          flatten: every connected region of a label gets its mean
``region_stats(img, labels, k)``          the region id map and per-region means behind it
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "assign_palette",
    "kmeans_palette",
    "lab_to_rgb",
    "line_integral_convolution",
    "luminance",
    "majority_filter",
    "region_means",
    "region_stats",
    "relief_shading",
    "remove_small_components",
    "resize_to",
    "rgb_to_lab",
    "structure_tensor_flow",
    "work_size",
    "xdog",
]

_F32 = np.float32


def work_size(shape: tuple[int, ...], max_side: int) -> tuple[tuple[int, int], float]:
    """The ``(w, h)`` at which to process an image of ``shape`` so its long side is ``<= max_side``.

    Returns the size and the scale factor (<= 1; 1 means the image is already small enough).
    Filters do their expensive, low-frequency work at this size and upsample the result.
    """
    h, w = shape[:2]
    s = min(1.0, max_side / max(h, w))
    return (max(1, round(w * s)), max(1, round(h * s))), s


def resize_to(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize to ``size = (w, h)``: area averaging when shrinking, bilinear when enlarging."""
    h, w = img.shape[:2]
    if (w, h) == tuple(size):
        return img
    interp = cv2.INTER_AREA if size[0] * size[1] < w * h else cv2.INTER_LINEAR
    return cv2.resize(img, size, interpolation=interp)


def rgb_to_lab(img: np.ndarray) -> np.ndarray:
    """sRGB ``[0, 1]`` -> CIELAB (D65), float32: L in ``[0, 100]``, a and b roughly ``[-128, 127]``."""
    return cv2.cvtColor(np.ascontiguousarray(img, dtype=_F32), cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB -> sRGB float32 clipped to ``[0, 1]``."""
    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=_F32), cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def luminance(img: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of the sRGB-coded values, ``(H, W)`` float32 in ``[0, 1]``."""
    y = cv2.transform(
        np.ascontiguousarray(img, dtype=_F32), np.array([[0.2126, 0.7152, 0.0722]], _F32)
    )
    return y if y.ndim == 2 else y[..., 0]


def structure_tensor_flow(
    img: np.ndarray, *, sigma: float = 2.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge tangent field from the smoothed colour structure tensor (Brox et al. 2006).

    Following Kyprianidis et al. 2009 ("Image and video abstraction by anisotropic Kuwahara
    filtering"): Sobel derivatives of all channels are summed into the tensor ``(E, F, G)``,
    smoothed by a Gaussian of ``sigma``; the eigenvector of the smaller eigenvalue is the local
    edge direction (the tangent) and ``A = (l1 - l2) / (l1 + l2)`` in ``[0, 1]`` is how
    strongly oriented the neighbourhood is (0 flat/isotropic, 1 a clean edge).

    Returns ``(tx, ty, A)``, each ``(H, W)`` float32, ``tx**2 + ty**2 == 1``.
    """
    img = np.ascontiguousarray(img, dtype=_F32)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    if gx.ndim == 3:
        # Channel sums written out: einsum's SIMD sum of products varies in the last bit with
        # the buffers' alignment, which made a seeded filter (ink-wash) differ between calls.
        n = gx.shape[2]
        e = sum(gx[..., c] * gx[..., c] for c in range(n))
        f = sum(gx[..., c] * gy[..., c] for c in range(n))
        g = sum(gy[..., c] * gy[..., c] for c in range(n))
    else:
        e, f, g = gx * gx, gx * gy, gy * gy
    e = cv2.GaussianBlur(e, (0, 0), sigma)
    f = cv2.GaussianBlur(f, (0, 0), sigma)
    g = cv2.GaussianBlur(g, (0, 0), sigma)
    root = np.sqrt((e - g) ** 2 + 4.0 * f * f)
    l1 = 0.5 * (e + g + root)
    l2 = 0.5 * (e + g - root)
    tx = l1 - e
    ty = -f
    norm = np.sqrt(tx * tx + ty * ty)
    flat = norm < 1e-9
    # Where the tensor is degenerate (perfectly flat or axis-aligned) pick the axis tangent.
    tx = np.where(flat, np.where(e >= g, 0.0, 1.0), tx / np.maximum(norm, 1e-9)).astype(_F32)
    ty = np.where(flat, np.where(e >= g, 1.0, 0.0), ty / np.maximum(norm, 1e-9)).astype(_F32)
    a = ((l1 - l2) / np.maximum(l1 + l2, 1e-9)).astype(_F32)
    return tx, ty, a


def xdog(
    gray: np.ndarray,
    *,
    sigma: float = 1.0,
    k: float = 1.6,
    tau: float = 1.0,
    epsilon: float = 0.01,
    phi: float = 100.0,
) -> np.ndarray:
    """Ink map of the eXtended Difference of Gaussians (Winnemöller, Kyprianidis & Olsen 2012).

    ``D = G_sigma(I) - tau * G_{k sigma}(I)``; ink is ``0`` where ``D >= -epsilon`` and rises
    smoothly as ``tanh(phi * (-epsilon - D))`` below it (the paper's soft threshold, written for
    ink = 1 - paper tone). ``tau = 1`` draws lines only on the dark side of edges; ``tau < 1``
    also fills dark areas (the paper's tonal mode). ``gray`` is ``(H, W)`` float32 in ``[0, 1]``.

    Returns ``(H, W)`` float32 in ``[0, 1]``: 1 is full ink, 0 is paper.
    """
    g1 = cv2.GaussianBlur(gray, (0, 0), sigma)
    g2 = cv2.GaussianBlur(gray, (0, 0), sigma * k)
    d = g1 - _F32(tau) * g2
    d += _F32(epsilon)
    np.negative(d, out=d)
    np.maximum(d, 0.0, out=d)
    d *= _F32(phi)
    return np.tanh(d, out=d)


def remove_small_components(
    mask: np.ndarray, *, min_area: int, connectivity: int = 8
) -> np.ndarray:
    """Keep only connected components of the boolean ``mask`` with at least ``min_area`` pixels.

    Used to drop speckle edges (skin pores, sky noise, leaves) from line drawings.
    """
    m = mask.astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=connectivity)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False  # background
    return keep[labels]


def line_integral_convolution(
    field: np.ndarray, tx: np.ndarray, ty: np.ndarray, *, length: int = 8, step: float = 1.0
) -> np.ndarray:
    """Average ``field`` along the local direction ``(tx, ty)`` (LIC, Cabral & Leedom 1993).

    Each pixel averages ``2 * length + 1`` samples on the straight segment through it along its
    own direction (a first-order streamline, exact where the field is locally straight, which
    holds over the short lengths used for brush and pencil strokes). Weights fall off linearly
    (a tent kernel), which looks like a stroke that thins at its ends. One ``cv2.remap`` per
    sample; ``field`` may be ``(H, W)`` or ``(H, W, C)``; the sign of ``(tx, ty)`` is irrelevant.
    """
    h, w = tx.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=_F32), np.arange(h, dtype=_F32))
    acc = field.astype(_F32) * _F32(length + 1)
    total = float(length + 1)
    for i in range(1, length + 1):
        wgt = _F32(length + 1 - i)
        ox, oy = tx * _F32(i * step), ty * _F32(i * step)
        for sgn in (1.0, -1.0):
            acc += wgt * cv2.remap(
                field,
                gx + _F32(sgn) * ox,
                gy + _F32(sgn) * oy,
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT,
            )
            total += float(wgt)
    acc *= _F32(1.0 / total)
    return acc


def relief_shading(
    height: np.ndarray, *, strength: float = 1.0, azimuth: float = 315.0, elevation: float = 45.0
) -> np.ndarray:
    """Lambert shading factor of a height map lit from ``azimuth``/``elevation`` degrees.

    Returns ``(H, W)`` float32 around 1 (1 on flat ground): multiply a colour image by it to
    emboss the height map into the paint (impasto, paper grain).
    """
    dx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3) * _F32(strength)
    dy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3) * _F32(strength)
    az, el = np.deg2rad(azimuth), np.deg2rad(elevation)
    lx, ly, lz = np.cos(el) * np.cos(az), -np.cos(el) * np.sin(az), np.sin(el)
    # n = (-dx, -dy, 1) / |n|; shade = n . l normalised so flat ground gives 1.
    shade = (-dx * _F32(lx) - dy * _F32(ly) + _F32(lz)) / np.sqrt(dx * dx + dy * dy + 1.0)
    shade *= _F32(1.0 / lz)
    return shade.astype(_F32, copy=False)


def kmeans_palette(
    lab: np.ndarray, k: int, *, seed: int = 0, samples: int = 20000, iters: int = 12
) -> np.ndarray:
    """``k`` palette colours (``(k, 3)`` float32) by seeded k-means on a random pixel subsample.

    Uses ``cv2.kmeans`` with k-means++ seeding; OpenCV's RNG is seeded from ``seed`` so the same
    image and seed give the same palette (``cv2.setRNGSeed`` sets the calling thread's RNG, so
    concurrent calls in other threads are unaffected). ``lab`` is ``(H, W, 3)`` (any colour space).
    """
    px = lab.reshape(-1, 3)
    rng = np.random.default_rng(seed)
    if px.shape[0] > samples:
        px = px[rng.choice(px.shape[0], samples, replace=False)]
    px = np.ascontiguousarray(px, dtype=_F32)
    if px.shape[0] <= k:  # tiny image: every pixel is its own palette colour
        return px.copy()
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, iters, 0.1)
    _, _, centres = cv2.kmeans(px, k, None, crit, 1, cv2.KMEANS_PP_CENTERS)
    return centres.astype(_F32)


def assign_palette(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index (``(H, W)`` uint8) of the nearest palette colour for every pixel (k <= 255)."""
    h, w = lab.shape[:2]
    px = lab.reshape(-1, 3)
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 is the same for every centre, so drop it.
    scores = cv2.gemm(px, centres, -2.0, None, 0.0, flags=cv2.GEMM_2_T)
    scores += (centres * centres).sum(1)[None, :]
    return scores.argmin(1).astype(np.uint8).reshape(h, w)


def majority_filter(labels: np.ndarray, k: int, *, ksize: int = 5) -> np.ndarray:
    """Mode filter of a label map: each pixel takes the most common label in a ``ksize`` box.

    One box filter per label (``k`` cheap passes) then an argmax; removes isolated pixels and
    ragged borders between flat colour regions without inventing new labels.
    """
    best = np.zeros(labels.shape, _F32)
    out = labels.copy()
    for i in range(k):
        score = cv2.boxFilter((labels == i).astype(_F32), -1, (ksize, ksize), normalize=False)
        better = score > best
        best[better] = score[better]
        out[better] = i
    return out


def region_stats(img: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected regions of equal label and their mean colours.

    Regions are the 4-connected components of each label in ``labels`` (``(H, W)`` ints in
    ``[0, k)``). Returns ``(region, means)``: an ``(H, W)`` int32 region id map and the
    ``(n_regions, C)`` float32 mean of ``img`` (``(H, W, C)``) over each region, so that
    ``means[region]`` is the flattened image.
    """
    h, w = labels.shape
    region = np.zeros((h, w), np.int32)
    offset = 0
    for i in range(k):
        mask = (labels == i).astype(np.uint8)
        n, cc = cv2.connectedComponents(mask, connectivity=4, ltype=cv2.CV_32S)
        if n > 1:
            sel = cc > 0
            region[sel] = cc[sel] + (offset - 1)
            offset += n - 1
    flat_ids = region.ravel()
    counts = np.maximum(np.bincount(flat_ids, minlength=offset), 1).astype(np.float64)
    chans = img.reshape(-1, img.shape[2])
    means = (
        np.stack(
            [
                np.bincount(flat_ids, weights=chans[:, c], minlength=offset)
                for c in range(img.shape[2])
            ],
            1,
        )
        / counts[:, None]
    )
    return region, means.astype(_F32)


def region_means(img: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Replace every connected region of equal label by its mean colour (superpixel flattening).

    See :func:`region_stats` for what a region is. Unlike a global palette, each region keeps
    its own local hue (a face stays skin-coloured even when it shares a palette label with a
    wooden wall).
    """
    region, means = region_stats(img, labels, k)
    return means[region]
