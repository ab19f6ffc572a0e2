"""Tiled inference for images larger than memory allows, without seams.

Two things make tiles disagree, and each has its fix:

1. Instance normalisation is global: a tile alone would be normalised with its own statistics
   and come out in another tone. The statistics of the whole image are taken first, on a copy
   scaled down to ``stats_side`` (the network's statistics barely move with scale), and every
   tile runs with them injected (:func:`painterly.neural.graphs.split_norm_stats`).
2. A tile's border lacks the context its receptive field needs (about 100 px for these
   networks). Each tile is run with ``margin`` extra pixels of real image around it, and
   neighbouring tiles overlap by ``overlap`` pixels, cross-faded with linear ramps.

Memory is bounded by one tile of ``(tile + 2 * margin)`` px a side, whatever the image size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# run(image, stats) -> (output, exported stats or None); stats: "export" or list of arrays
RunFn = Callable[[np.ndarray, object], tuple[np.ndarray, object]]


@dataclass(frozen=True)
class TileConfig:
    tile: int = 1024  # core tile side in px: memory grows with its square
    overlap: int = 64  # cross-fade width between neighbouring tiles
    margin: int = 64  # context around each tile; > half the receptive field hides borders
    stats_side: int = 1024  # longer side of the copy the global norm statistics are taken on
    max_side: int = 2048  # images whose longer side is at most this run whole when tile=None


def grid(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """Start/end of tiles covering [0, length) with the given overlap."""
    if length <= tile:
        return [(0, length)]
    step = tile - overlap
    starts = list(range(0, length - tile, step)) + [length - tile]
    return [(s, s + tile) for s in starts]


def _ramp(length: int, lo_fade: int, hi_fade: int) -> np.ndarray:
    w = np.ones(length, np.float32)
    if lo_fade:
        w[:lo_fade] = (np.arange(lo_fade, dtype=np.float32) + 0.5) / lo_fade
    if hi_fade:
        w[length - hi_fade:] = np.minimum(w[length - hi_fade:],
                                          (np.arange(hi_fade, 0, -1, dtype=np.float32) - 0.5) / hi_fade)
    return w


def global_stats(image: np.ndarray, run: RunFn, stats_side: int) -> list[np.ndarray]:
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, stats_side / max(h, w))
    small = image
    if scale < 1.0:
        small = cv2.resize(image, (max(8, round(w * scale)), max(8, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
    _, stats = run(np.ascontiguousarray(small), "export")
    return stats


def run_tiled(image: np.ndarray, run: RunFn, cfg: TileConfig = TileConfig(),
              progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Run ``run`` over tiles of ``image`` with whole-image norm statistics; blend seam-free."""
    h, w = image.shape[:2]
    overlap = min(cfg.overlap, cfg.tile // 2)
    stats = global_stats(image, run, cfg.stats_side)
    acc = np.zeros((h, w, 3), np.float32)
    wsum = np.zeros((h, w, 1), np.float32)
    ys, xs = grid(h, cfg.tile, overlap), grid(w, cfg.tile, overlap)
    total, done = len(ys) * len(xs), 0
    for y0, y1 in ys:
        for x0, x1 in xs:
            cy0, cy1 = max(0, y0 - cfg.margin), min(h, y1 + cfg.margin)
            cx0, cx1 = max(0, x0 - cfg.margin), min(w, x1 + cfg.margin)
            out, _ = run(np.ascontiguousarray(image[cy0:cy1, cx0:cx1]), stats)
            core = out[y0 - cy0:y1 - cy0, x0 - cx0:x1 - cx0]
            wy = _ramp(y1 - y0, overlap if y0 > 0 else 0, overlap if y1 < h else 0)
            wx = _ramp(x1 - x0, overlap if x0 > 0 else 0, overlap if x1 < w else 0)
            wt = (wy[:, None] * wx[None, :])[..., None]
            acc[y0:y1, x0:x1] += core * wt
            wsum[y0:y1, x0:x1] += wt
            done += 1
            if progress:
                progress(done, total)
    return np.ascontiguousarray(np.clip(acc / np.maximum(wsum, 1e-8), 0.0, 1.0), dtype=np.float32)
