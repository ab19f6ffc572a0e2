"""Procedural paper textures (watercolour paper, drawing paper, rice paper), seeded and cached.

Every texture is a float32 ``(H, W)`` map generated from ``np.random.default_rng(seed)``, so the
same ``(shape, seed)`` always gives the same paper. Noise is made at low resolution and upsampled
(fractal value noise: a sum of octaves of bilinearly upsampled white noise, Perlin 1985 style
without gradients), which keeps a 1920x1080 sheet within a few milliseconds. Results are kept in a
small LRU cache and returned read-only, so callers cannot mutate a shared array and the functions
stay pure and thread-safe.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

_CACHE = 8  # a few sheets: one per (shape, seed, kind) in use; each is H*W*4 bytes


def _resize(a: np.ndarray, h: int, w: int) -> np.ndarray:
    return cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)


def fractal_noise(
    shape: tuple[int, int],
    rng: np.random.Generator,
    *,
    scale: float = 64.0,
    octaves: int = 4,
    persistence: float = 0.5,
) -> np.ndarray:
    """Zero-mean fractal value noise, unit standard deviation, float32 ``shape``.

    ``scale`` is the size in pixels of the coarsest octave's cells; each further octave halves it.
    """
    h, w = shape
    # Sum the octaves on a grid just fine enough for the finest octave, then upsample once:
    # every octave is smooth at that scale, so this is the same noise at a fraction of the cost.
    finest = scale / 2 ** (octaves - 1)
    f = max(1, int(finest // 2))
    lh, lw = max(2, -(-h // f)), max(2, -(-w // f))
    out = np.zeros((lh, lw), np.float32)
    amp, cell = 1.0, float(scale) / f
    for _ in range(octaves):
        gh, gw = max(2, int(np.ceil(lh / cell)) + 1), max(2, int(np.ceil(lw / cell)) + 1)
        grid = rng.standard_normal((gh, gw), dtype=np.float32)
        up = cv2.resize(grid, (lw, lh), interpolation=cv2.INTER_CUBIC)
        cv2.scaleAdd(up, amp, out, dst=out)
        amp *= persistence
        cell = max(1.0, cell / 2)
    if (lh, lw) != (h, w):
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    # float64 statistics: numpy's float32 sums vary in the last bit with the buffer's
    # alignment (SIMD), which would make a seeded texture differ between two calls.
    out -= np.float32(out.mean(dtype=np.float64))
    std = float(out.std(dtype=np.float64))
    if std > 0:
        out /= std
    return out


def _grain(shape: tuple[int, int], rng: np.random.Generator, blur: float) -> np.ndarray:
    """Pixel-scale grain: white noise made at half size, softened, upsampled, unit std."""
    h, w = shape
    hs, ws = max(2, (h + 1) // 2), max(2, (w + 1) // 2)
    g = rng.standard_normal((hs, ws), dtype=np.float32)
    g = cv2.GaussianBlur(g, (0, 0), blur)
    g = _resize(g, h, w)
    g -= np.float32(g.mean(dtype=np.float64))
    std = float(g.std(dtype=np.float64))
    return g / std if std > 0 else g


@lru_cache(maxsize=_CACHE)
def _watercolor_paper(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Cold-press paper: pits and bumps a few pixels wide plus a faint cloudy unevenness.
    tooth = _grain((h, w), rng, 1.1)
    cloud = fractal_noise((h, w), rng, scale=max(h, w) / 6, octaves=3)
    paper = 0.8 * tooth + 0.35 * cloud
    paper /= float(paper.std(dtype=np.float64)) or 1.0
    paper.setflags(write=False)
    return paper


def watercolor_paper(shape: tuple[int, int], *, seed: int = 0) -> np.ndarray:
    """Cold-press watercolour paper height map: float32 ``shape``, zero mean, unit std, read-only."""
    return _watercolor_paper(int(shape[0]), int(shape[1]), int(seed))


@lru_cache(maxsize=_CACHE)
def _drawing_paper(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Drawing paper tooth: finer than watercolour paper, slightly stretched horizontally as the
    # fibres of machine-made paper are; graphite catches on the high points.
    hs, ws = max(2, h // 2), max(2, w // 2)
    g = rng.standard_normal((hs, ws), dtype=np.float32)
    g = cv2.GaussianBlur(g, (0, 0), sigmaX=1.2, sigmaY=0.6)
    g = _resize(g, h, w)
    g -= np.float32(g.mean(dtype=np.float64))
    g /= float(g.std(dtype=np.float64)) or 1.0
    g.setflags(write=False)
    return g


def drawing_paper(shape: tuple[int, int], *, seed: int = 0) -> np.ndarray:
    """Drawing-paper tooth: float32 ``shape``, zero mean, unit std, read-only."""
    return _drawing_paper(int(shape[0]), int(shape[1]), int(seed))


@lru_cache(maxsize=_CACHE)
def _rice_paper(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Xuan (rice) paper: long, thin, wandering fibres of bark pulp over a mottled sheet. Fibres
    # are anti-aliased polylines (a random walk with slowly turning heading), drawn in three
    # batched calls; the mottling is low-frequency fractal noise.
    hs, ws = max(8, h // 2), max(8, w // 2)  # fibre count and length are set at half size
    fib = np.zeros((h, w), np.float32)
    n = int(hs * ws / 700)
    length = max(8, int(max(hs, ws) / 18))
    starts = rng.uniform((0, 0), (ws, hs), size=(n, 2))
    headings = rng.uniform(0, np.pi, n)
    turns = rng.normal(0, 0.25, (n, length // 4 + 1)).cumsum(axis=1)
    group = rng.integers(0, 3, n)  # three fibre strengths, drawn in one call each
    ang = headings[:, None] + turns
    steps = np.stack([np.cos(ang), np.sin(ang)], axis=2) * 8.0
    pts = 2.0 * starts[:, None, :] + np.concatenate([np.zeros((n, 1, 2)), steps.cumsum(axis=1)], axis=1)
    pts = np.round(pts * 4).astype(np.int32)
    for g, weight in enumerate((0.3, 0.6, 1.0)):
        cv2.polylines(fib, list(pts[group == g]), False, weight, 1, cv2.LINE_AA, shift=2)
    fib = cv2.GaussianBlur(fib, (0, 0), 0.5)
    mottle = fractal_noise((h, w), rng, scale=max(h, w) / 10, octaves=4)
    grain = _grain((h, w), rng, 0.7)
    # Fibres are sparse: scale by their peak, not their std, so a thread stays a faint thread.
    fib *= 2.0 / (float(fib.max()) or 1.0)
    paper = fib + 0.3 * mottle + 0.12 * grain
    paper -= np.float32(paper.mean(dtype=np.float64))
    paper /= float(paper.std(dtype=np.float64)) or 1.0
    paper.setflags(write=False)
    return paper


def rice_paper(shape: tuple[int, int], *, seed: int = 0) -> np.ndarray:
    """Xuan rice-paper texture with fibres: float32 ``shape``, zero mean, unit std, read-only.

    Positive values are fibres (denser, they absorb more ink); negative are thin spots.
    """
    return _rice_paper(int(shape[0]), int(shape[1]), int(seed))


def flow_noise(shape: tuple[int, int], *, seed: int = 0, scale: float = 0.0) -> np.ndarray:
    """Low-frequency turbulence (Bousseau et al. 2006 "turbulent flow" pigment density), unit std.

    ``scale`` is the cell size in pixels (0 picks a fifth of the longer side). Not cached: it is
    meant for the small working images filters use, where it costs well under a millisecond.
    """
    h, w = shape
    rng = np.random.default_rng(seed)
    return fractal_noise((h, w), rng, scale=scale or max(h, w) / 5, octaves=4, persistence=0.55)
