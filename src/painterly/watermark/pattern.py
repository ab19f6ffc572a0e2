"""The key's tile: a grid of +-1 chips (sync chips and data chips), upsampled to a smooth tile.

Every chip is a pseudo-random sign drawn from the key. A share of them (the sync chips) is fixed
by the key alone; the others are spread over the coded bits, each coded bit multiplying its
chips' signs (direct-sequence spread spectrum, Cox et al. 1997; tiled as in Kalker et al. 1999).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import cv2
import numpy as np

from painterly.watermark.code import CODED_BITS
from painterly.watermark.config import WatermarkConfig
from painterly.watermark.grid import bandpass


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


def _bandpass_wrap(tile: np.ndarray) -> np.ndarray:
    pad = tile.shape[0] // 4
    return bandpass(np.pad(tile, pad, mode="wrap"))[pad:-pad, pad:-pad]


@dataclass(frozen=True)
class Layout:
    signs: np.ndarray  # (n, n) the key's +-1 sign of every chip
    bit_of: np.ndarray  # (n, n) the coded bit each chip carries, -1 for a sync chip
    sync_f: np.ndarray  # conj. spectrum of the band-passed sync tile (cyclic correlation)
    chip_f: np.ndarray  # conj. spectrum of one band-passed chip at the origin


@functools.lru_cache(maxsize=8)
def layout(config: WatermarkConfig) -> Layout:
    """The key's chips and the detector's matched filters (cached per config: pure, read-only)."""
    n, t = config.tile_chips, config.tile_px
    rng = _rng(config.key)
    signs = rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, n))
    order = rng.permutation(n * n)
    n_sync = round(config.sync_fraction * n * n)
    bit_of = np.full(n * n, -1, np.int64)
    bit_of[order[n_sync:]] = np.arange(n * n - n_sync) % CODED_BITS
    bit_of = bit_of.reshape(n, n)
    sync = _bandpass_wrap(_smooth(np.where(bit_of < 0, signs, 0).astype(np.float32), t))
    one = np.zeros((n, n), np.float32)
    one[0, 0] = 1.0
    chip = _bandpass_wrap(_smooth(one, t))
    out = Layout(signs, bit_of, np.conj(np.fft.rfft2(sync)), np.conj(np.fft.rfft2(chip)))
    for a in (out.signs, out.bit_of, out.sync_f, out.chip_f):
        a.setflags(write=False)
    return out


def soft_values(folded: np.ndarray, dy: int, dx: int, config: WatermarkConfig) -> np.ndarray:
    """Matched-filter output of every coded bit in a folded tile whose origin is at (dy, dx).

    Every bit's template is a sum of shifted copies of one chip, and filtering is linear and
    shift-invariant, so one cyclic correlation with the chip gives every chip's response;
    each bit sums its chips' responses times their signs."""
    lay = layout(config)
    n, t = config.tile_chips, config.tile_px
    resp = np.fft.irfft2(np.fft.rfft2(folded) * lay.chip_f, s=folded.shape)
    pos = np.arange(n) * (t // n)
    at = resp[np.ix_((pos + dy) % t, (pos + dx) % t)] * lay.signs
    data = lay.bit_of >= 0
    return np.bincount(lay.bit_of[data], weights=at[data], minlength=CODED_BITS)


def tile(config: WatermarkConfig, symbols: np.ndarray) -> np.ndarray:
    """The tile carrying the coded symbols (+-1) times their amplitudes, tile_px x tile_px."""
    lay = layout(config)
    chips = np.where(lay.bit_of < 0, 1.0, symbols[np.maximum(lay.bit_of, 0)]) * lay.signs
    return _smooth(chips.astype(np.float32), config.tile_px)
