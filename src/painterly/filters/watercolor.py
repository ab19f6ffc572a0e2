"""Watercolour: abstraction, then pigment-density modification over procedural paper.

Method: Bousseau, Kaplan, Thollot, Sillion 2006, "Interactive watercolor rendering with temporal
coherence and abstraction" (NPAR). The photo is first abstracted (edge-preserving smoothing and
colour simplification), edges wobble along the paper grain, and the colour is then modified with
their pigment-density model ``C' = C (1 - (1 - C)(d - 1))`` where the density ``d`` gathers

* turbulent flow: low-frequency noise, uneven pigment across a wash;
* pigment dispersion / granulation: the paper's high-frequency tooth;
* edge darkening (wet edges): pigment pools at the rim of a wash. Like Montesdeoca et al. 2017
  ("Art-directed watercolor stylization of 3D animations in real-time") we take it from a
  difference of Gaussians, so it darkens the *inside* rim of the darker region only.

Everything that depends on image geometry runs on a small working copy (long side
``work_size``); only the paper texture is applied at full resolution, so the cost stays low.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from painterly.filters import _people
from painterly.filters.paper import flow_noise, watercolor_paper
from painterly.styles import as_filter


@dataclass(frozen=True)
class WatercolorConfig:
    work_size: int = 800  # long side of the abstraction pass; washes need no more detail
    face_lines: float = 0.5  # darkness of the features drawn into faces before painting
    face_tones: float = 0.8  # photo's facial light and shade pressed into small faces
    max_scale: float = 0.8  # small photos are still reduced: washes never carry full detail
    smoothing: int = 3  # bilateral passes: more passes, flatter washes (Bousseau's abstraction)
    levels: int = 12  # colour levels per channel after smoothing: flat washes, not gradients
    wobble: float = 1.2  # px (at work size) of edge displacement along the paper grain
    flow: float = 0.22  # turbulent-flow density amplitude (Bousseau's beta for the flow texture)
    granulation: float = 0.07  # paper-grain density amplitude at full resolution
    edge_darkening: float = 4.0  # gain on the DoG rim: pigment pooling at wash borders
    edge_threshold: float = 0.015  # luminance step below which a border gets no dark rim
    edge_width: float = 2.5  # px (at work size) of the pooled rim
    lightness: float = 0.18  # watercolour is transparent: lift darks towards the paper
    gamma: float = 0.85  # < 1 brightens mid-tones: washes are thin layers over white paper
    saturation: float = 1.25  # thin washes of pure pigment read more saturated than a photo
    paper_tint: tuple[float, float, float] = (0.985, 0.975, 0.945)  # warm cotton paper, RGB


def _to_work(image: np.ndarray, size: int, min_factor: float) -> np.ndarray:
    h, w = image.shape[:2]
    s = min(1.0, size / max(h, w), min_factor)
    if s >= 1.0:
        return image
    return cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _density(c: np.ndarray, d_minus_1: np.ndarray) -> np.ndarray:
    """Bousseau et al.'s pigment density: C' = C - C(1 - C)(d - 1), d - 1 given per pixel."""
    k = cv2.multiply(c, 1.0 - c)
    if d_minus_1.ndim == 2:
        d_minus_1 = cv2.merge([d_minus_1, d_minus_1, d_minus_1])
    return cv2.subtract(c, cv2.multiply(k, d_minus_1))


@lru_cache(maxsize=2)  # two 1080p sheets are ~100 MB: keep few, they are cheap to remake
def _paper_maps(
    h: int, w: int, seed: int, granulation: float, tint: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Full-size paper terms: granulation density ``d - 1`` and relief x tint, 3 channels each."""
    paper = watercolor_paper((h, w), seed=seed)
    g = paper * np.float32(granulation)
    grain3 = cv2.merge([g, g, g])
    # Paper relief lit from the top-left: a directional derivative of the height map.
    relief = cv2.subtract(paper, np.roll(paper, (1, 1), axis=(0, 1))) * np.float32(0.025)
    shade3 = cv2.merge([relief + np.float32(t) for t in tint])
    for a in (grain3, shade3):
        a.setflags(write=False)
    return grain3, shade3


def watercolor(
    image: np.ndarray,
    *,
    seed: int = 0,
    edge_darkening: float | None = None,
    granulation: float | None = None,
    faces: Sequence | None = None,
    config: WatercolorConfig = WatercolorConfig(),
) -> np.ndarray:
    """Watercolour painting (Bousseau et al. 2006 abstraction + pigment-density model).

    ``image``: float32 HxWx3 in [0, 1]. ``seed`` picks the paper and the turbulence.
    ``edge_darkening`` and ``granulation`` override the config's amounts (0 turns them off).
    Returns float32 HxWx3 in [0, 1].

    Precision: the abstraction pass (bilateral smoothing and colour levels) runs on an 8-bit
    copy at the working size, as OpenCV's bilateral filter is fastest on uint8 and the colour
    levels quantise anyway; the later passes are float32.
    """
    cfg = config
    edge_k = cfg.edge_darkening if edge_darkening is None else float(edge_darkening)
    gran = cfg.granulation if granulation is None else float(granulation)
    h, w = image.shape[:2]
    # Faces: features drawn in first, so the washes keep the eyes, brows and mouth.
    photo, found = image, _people.find(image, faces)
    image = _people.emphasise(image, found, strength=cfg.face_lines,
                              min_width=1.5 * max(1.0, max(h, w) / cfg.work_size))
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**31, size=3)

    # 1. Abstraction on the working copy: bilateral passes then a colour quantisation that makes
    #    flat washes; a median removes the specks quantisation leaves.
    small = _to_work(image, cfg.work_size, cfg.max_scale)
    sh, sw = small.shape[:2]
    u8 = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
    for _ in range(cfg.smoothing):
        u8 = cv2.bilateralFilter(u8, 7, 40, 5)
    step = 256 // cfg.levels
    lut = np.clip((np.arange(256) // step) * step + step // 2, 0, 255).astype(np.uint8)
    u8 = cv2.LUT(u8, lut)
    u8 = cv2.medianBlur(u8, 7)
    abst = u8.astype(np.float32) / 255.0
    abst = cv2.GaussianBlur(abst, (0, 0), 0.8)

    # 2. Wobbling: displace edges by the gradient of a paper-scale noise (hand-painted borders).
    wob = flow_noise((sh, sw), seed=int(seeds[0]), scale=max(sh, sw) / 40)
    gx = cv2.Sobel(wob, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(wob, cv2.CV_32F, 0, 1, ksize=3)
    norm = cfg.wobble / (float(np.abs(gx).mean() + np.abs(gy).mean()) + 1e-6)
    xs, ys = np.meshgrid(np.arange(sw, dtype=np.float32), np.arange(sh, dtype=np.float32))
    abst = cv2.remap(abst, xs + gx * norm, ys + gy * norm, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    # 3. Transparent pigment: saturate a little, lift the darks and mid-tones towards the paper.
    grey = cv2.cvtColor(cv2.cvtColor(abst, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    abst = np.clip(grey + (abst - grey) * np.float32(cfg.saturation), 1e-4, 1.0)
    abst = cv2.pow(abst, cfg.gamma) * np.float32(1.0 - cfg.lightness) + np.float32(cfg.lightness)

    # 4. Density at work size: turbulent flow + wet-edge darkening (DoG rim inside darker washes).
    lum = cv2.cvtColor(abst, cv2.COLOR_RGB2GRAY)
    rim = cv2.GaussianBlur(lum, (0, 0), cfg.edge_width) - lum
    # Small steps (one colour level) pool no visible pigment: only real wash borders get a rim.
    rim = np.maximum(rim - np.float32(cfg.edge_threshold), 0.0)
    # Pooled pigment sits in a thin line at the rim: sharpen the rim profile slightly.
    d = flow_noise((sh, sw), seed=int(seeds[1])) * cfg.flow + rim * (edge_k * 4.0)
    abst = _density(abst, d.astype(np.float32))

    # 5. Full resolution: upsample, then granulation and paper relief from the paper height map.
    out = cv2.resize(abst, (w, h), interpolation=cv2.INTER_LINEAR) if (sh, sw) != (h, w) else abst
    grain3, shade3 = _paper_maps(h, w, int(seeds[2]), gran, cfg.paper_tint)
    out = np.clip(out, 0.0, 1.0)
    out = cv2.subtract(out, cv2.multiply(cv2.multiply(out, 1.0 - out), grain3))
    out = cv2.multiply(out, shade3)
    np.clip(out, 0.0, 1.0, out=out)
    # Washes blur a small face away: the photo's facial tones carry it.
    _people.refine_small_faces(out, photo, found, lambda c, fs: watercolor(
        c, seed=seed, edge_darkening=edge_darkening, granulation=granulation, faces=fs, config=cfg))
    _people.imprint(out, photo, found, small=cfg.face_tones, large=0.2)
    return np.ascontiguousarray(out, dtype=np.float32)


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "watercolor",
        watercolor,
        (
            "Watercolour painting: soft washes, darker wet edges, pigment granulation on cold-press "
            "paper"
        ),
        details=(
            "Watercolour painting: soft transparent washes of colour that bleed into each other, "
            "darker wet edges and paper texture; light, dreamy and delicate"
        ),
        tags=(
            "watercolor", "watercolour", "water colour", "aquarelle", "wash", "painting", "paint",
            "soft", "wet", "pastel", "水彩", "水彩画", "淡彩", "transparent", "dreamy", "delicate",
            "light", "airy", "bleeding colors", "gentle", "paper", "清新", "柔和", "梦幻", "透明",
        ),
        method=(
            "Bousseau et al. 2006, Interactive watercolor rendering with temporal coherence and "
            "abstraction"
        ),
        aliases=("watercolour", "aquarelle", "water-color", "water-colour"),
    ),
)
