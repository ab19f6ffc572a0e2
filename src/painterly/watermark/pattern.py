"""The key's tile: a grid of +-1 chips (sync chips and data chips), upsampled to a smooth tile.

Every chip is a pseudo-random sign drawn from the key. A share of them (the sync chips) is fixed
by the key alone; the others are spread over the coded bits, each coded bit multiplying its
chips' signs (direct-sequence spread spectrum, Cox et al. 1997; tiled as in Kalker et al. 1999).
"""

from __future__ import annotations

import functools
import hashlib

import cv2
import numpy as np

from painterly.watermark.code import CODED_BITS
from painterly.watermark.config import WatermarkConfig


def _rng(key: str) -> np.random.Generator:
    seed = int.from_bytes(hashlib.sha256(b"painterly-watermark-chips|" + key.encode()).digest()[:8])
    return np.random.default_rng(seed)


def _smooth(chips: np.ndarray, tile_px: int) -> np.ndarray:
    """Chip grid -> periodic tile_px x tile_px tile: box upsampling, then a circular blur that
    rounds the chips off (less visible, less high-frequency energy for JPEG to remove)."""
    c = tile_px // chips.shape[0]
    tile = np.kron(chips, np.ones((c, c), np.float32))
    pad = 2 * c
    wrapped = np.pad(tile, pad, mode="wrap")
    return cv2.GaussianBlur(wrapped, (0, 0), c / 3.0)[pad:-pad, pad:-pad]


def bandpass(y: np.ndarray) -> np.ndarray:
    """The detector's prefilter: a difference of Gaussians that keeps the chips' band and drops
    the image's low frequencies (most of its energy) and the finest detail (JPEG noise)."""
    return cv2.GaussianBlur(y, (0, 0), 0.7) - cv2.GaussianBlur(y, (0, 0), 3.0)


def _bandpass_wrap(tile: np.ndarray) -> np.ndarray:
    pad = tile.shape[0] // 4
    return bandpass(np.pad(tile, pad, mode="wrap"))[pad:-pad, pad:-pad]


@functools.lru_cache(maxsize=8)
def layout(config: WatermarkConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sign of each chip, coded-bit index of each chip (-1 = sync), sync template, data
    templates): templates are the band-passed tiles the detector correlates with."""
    n = config.tile_chips
    rng = _rng(config.key)
    signs = rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, n))
    order = rng.permutation(n * n)
    n_sync = round(config.sync_fraction * n * n)
    bit_of = np.full(n * n, -1, np.int64)
    bit_of[order[n_sync:]] = np.arange(n * n - n_sync) % CODED_BITS
    bit_of = bit_of.reshape(n, n)
    sync = _bandpass_wrap(_smooth(np.where(bit_of < 0, signs, 0).astype(np.float32), config.tile_px))
    # One template per coded bit, flattened: soft values are one matrix product.
    data = np.empty((CODED_BITS, config.tile_px**2), np.float32)
    for b in range(CODED_BITS):
        chips = np.where(bit_of == b, signs, 0).astype(np.float32)
        data[b] = _bandpass_wrap(_smooth(chips, config.tile_px)).ravel()
    for a in (signs, bit_of, sync, data):
        a.setflags(write=False)
    return signs, bit_of, sync, data


def tile(config: WatermarkConfig, symbols: np.ndarray) -> np.ndarray:
    """The tile carrying the coded symbols (+-1), unit peak amplitude, tile_px x tile_px."""
    signs, bit_of, _, _ = layout(config)
    chips = np.where(bit_of < 0, 1.0, symbols[np.maximum(bit_of, 0)]) * signs
    return _smooth(chips.astype(np.float32), config.tile_px)
