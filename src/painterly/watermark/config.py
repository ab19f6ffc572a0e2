"""Configuration and result types of the watermark."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Public on purpose: anyone can detect (and read the payload of) marks made with it, as with
# SDXL's published dwtDct bits. Set your own key to make marks only you can find.
PUBLIC_KEY = "painterly-public-watermark-v1"


@dataclass(frozen=True)
class WatermarkConfig:
    # Seeds the spreading sequences and keys the 24-bit tag: detection needs the embedding key.
    key: str = PUBLIC_KEY
    # Embedding strength as the PSNR of the marked image against the unmarked one. The issue
    # asks for >= 40 dB; 41 leaves room for rounding to 8 bits.
    psnr_db: float = 40.2
    # Shorter image side of the working grid, where the pattern is defined and detected: marks
    # live at a fixed fraction of the image, so a resized copy maps back onto the same grid.
    work_side: int = 512
    # Tiles along the shorter side. The mark repeats every tile; the repetition lets detection
    # measure the scale (autocorrelation peaks) and sum all tiles before decoding.
    tiles_short_side: int = 4
    # Chips per tile side: 32 gives 4-pixel chips at the working size (8 px at 1024 px), coarse
    # enough for JPEG 50 and a 50% resize, fine enough to stay a texture rather than blotches.
    tile_chips: int = 32
    # Share of chips carrying the known sync pattern that locates the tile after a crop.
    sync_fraction: float = 0.25
    # Perceptual masking exponent: the mark's amplitude goes as (local contrast + floor)^gamma,
    # stronger in texture where it is invisible, weaker in flat sky (0 = uniform).
    mask_gamma: float = 0.0
    # Informed embedding: per-bit amplitudes that cancel the image's own interference with the
    # detector (costs two detector passes at embedding, gains most of the margin).
    informed: bool = True
    # Bounds of a bit's amplitude relative to uniform: a floor so every bit keeps some mark of
    # its own after an attack changes the image's interference; a cap so a few bits the image
    # strongly opposes do not drain the budget (the code corrects them instead).
    min_amplitude: float = 0.4
    max_amplitude: float = 2.5
    # Scale search range, as the tile period over its unattacked value: < 1 after padding or
    # zooming out, > 1 after crops (1.25 = 10% cut from both edges of the shorter side).
    min_period: float = 0.8
    max_period: float = 2.1
    # Rotation search: turned lattices up to this many degrees either way, the best few kept.
    max_angle: float = 3.0
    angle_candidates: int = 3
    # Search breadth: square period candidates from the autocorrelation (each costs a fold and
    # a sync correlation, ~2 ms; the sync peak tells the true period better than the
    # autocorrelation ranks it), tile origins kept per period, and (period, origin) pairs
    # decoded, best sync peak first. Only decodes count toward false positives: each that fails
    # its tag could have matched with probability 2^-24, so 4 keep the rate below 2.4e-7.
    period_candidates: int = 10
    sync_candidates: int = 2
    decode_tries: int = 8
    # When no tag checks: scan the square period on the sync peak alone (~100 folds, for a crop
    # the autocorrelation missed) and decode the best few. Each decode could pass the tag
    # by chance with probability 2^-24: 1 + decode_tries + scan_decodes = 13 bound the
    # false positives per image at 13 * 2^-24 = 7.7e-7.
    scan: bool = True
    scan_decodes: int = 4
    # Sync z-score above which a candidate's period is polished (+-0.25 %) before decoding:
    # unmarked images peak at 3-4.5, marked ones at 5-12. Only a matter of speed.
    refine_z: float = 4.5
    # embed_checked: the share of coded bits that must read back right from the 8-bit marked
    # image (clean marks read 1.0) for the mark to count as embedded.
    min_margin: float = 0.9

    @property
    def tile_px(self) -> int:
        return self.work_side // self.tiles_short_side


@dataclass(frozen=True)
class Embedding:
    """What :func:`painterly.watermark.embed_checked` did: the image to save, and whether the
    payload reads back from it (rounded to 8 bits, as saved) with margin."""

    image: np.ndarray  # marked when ``embedded``, else the input unchanged
    embedded: bool
    # Why not, in words, when not embedded (an image too small, or too flat or saturated to
    # carry the mark readably); None when embedded.
    reason: str | None
    # Share of coded bits read back right at the embedding geometry (1.0: all of them).
    margin: float


@dataclass(frozen=True)
class Detection:
    detected: bool
    # The 6-byte payload (see make_payload) when detected, else None.
    payload: bytes | None
    # Share of the coded bits that agree with the decoded codeword: ~1 for a clean mark, a
    # median of 0.72 and at most 0.82 on 15,000 unmarked images (the Viterbi path always fits
    # somewhat). Detection itself rests on the keyed tag, not on this.
    confidence: float
