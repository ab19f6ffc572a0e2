"""Cartoon / anime look: smooth surfaces, flat colour regions, clean lines, faces drawn by hand.

Method: the three cartoon representations of White-box Cartoonization (Wang & Yu, CVPR 2020),
built here with classical operators instead of a trained network, and the portrait practice of
drawing the facial features as strokes from landmarks:

1. surface: edge-preserving smoothing, an iterated bilateral filter in CIELAB (Tomasi &
   Manduchi 1998; Winnemöller, Olsen & Gooch 2006 iterate it), at a reduced working size,
2. structure: regions of a seeded CIELAB k-means (lightness weighted fully, so light and
   shadow sides become separate flat areas, as in cel shading), cut from a slightly blurred
   copy (a region follows a form, not the texture inside it), cleaned by a majority filter and
   flattened to each connected region's mean colour (White-box's superpixel colouring), then
   mixed with the surface so large regions keep a little of their shading,
3. lines: XDoG on the smoothed luminance (Winnemöller, Kyprianidis & Olsen 2012), small pieces
   dropped, smoothed and re-thresholded softly after enlarging (smooth, anti-aliased outlines),
4. faces (``painterly.faces`` landmarks, see :mod:`painterly.filters._people`): the skin is the
   photo's own, blurred at pore scale, so its shading (nose, cheekbones, the folds of a smile)
   stays, softly cel-shaded and flattened less than the rest (a face, not a mask); skin past
   the face outline (neck, ears) likewise; the eyes, brows and lips are the photo's, lightly
   smoothed; the photo's lines inside the skin are kept faintly, and drawn on top: a tapered
   lash line, light lower lids and brows, the mouth line, a short stroke under the nose tip
   (never an outline round the nose, which floats on the face as an oval),
5. colours made more vivid (not on the skin, which would turn orange), upsampled, ink multiplied in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from painterly.errors import InputError
from painterly.filters import _people, _util
from painterly.styles import as_filter

_F32 = np.float32


@dataclass(frozen=True)
class CartoonConfig:
    work_side: int = 720  # long side processed; outlines are ~3 px at 1080p, regions stay smooth
    bilateral_passes: int = 2  # surface: Winnemöller 2006 iterate the bilateral 2-4 times
    bilateral_d: int = 7  # neighbourhood diameter at the working size
    bilateral_sigma_color: float = 10.0  # CIELAB units (~ a just-noticeable step x 4)
    bilateral_sigma_space: float = 4.0
    colors: int = 14  # structure palette: few enough to look flat, enough for light and shade
    lightness_weight: float = 1.0  # L vs. a/b in clustering: 1 keeps light and shadow apart
    chroma_weight: float = 1.3  # a/b weight: hue changes (skin vs. shirt) split regions first
    mode_ksize: int = 7  # majority filter box: rounds region borders, removes specks
    region_scale: float = 2.0  # Gaussian sigma (working px) of the copy the regions are cut from
    structure_mix: float = 0.5  # flat region colour vs. smooth surface (White-box blends both)
    skin_mix: float = 0.3  # the same on skin: a face keeps its soft shading (no mask look)
    region_softness: float = 0.7  # Gaussian sigma (px) antialiasing region borders
    saturation: float = 1.25  # chroma gain: cartoons are more vivid than photos
    skin_saturation: float = 1.05  # on faces: more turns skin orange
    line_sigma: float = 0.8  # XDoG inner Gaussian at the working size (line width)
    line_epsilon: float = 0.008  # contrast an edge needs to be inked (0..1 luminance)
    line_phi: float = 80.0  # softness of the ink threshold
    line_min_area: float = 2.5e-4  # line pieces under this fraction of the image are dropped
    line_darkness: float = 0.8  # 1 = pure black outlines; lines multiply, so they keep a hue
    line_smooth: float = 0.6  # Gaussian sigma (working px) before the full-size re-threshold
    skin_lines: float = 0.18  # share of the photo's lines kept inside the skin (nose side, smile)
    skin_sigma_space: float = 0.02  # skin blur, in eye distances: pores go, shading stays
    skin_sigma_color: float = 6.0  # CIELAB units, the skin's one bilateral pass after the blur
    skin_step: float = 7.0  # cel-shading step of the skin's lightness (CIELAB L units)
    skin_cel: float = 0.4  # share of the stepped lightness (the rest keeps the smooth forms)
    lid_width: float = 0.045  # upper-lid stroke, in eye distances
    brow_width: float = 0.05  # brow stroke, in eye distances
    mouth_width: float = 0.03  # mouth line, in eye distances
    face_tones: float = 0.6  # photo's facial light and shade pressed into small faces


def _smooth_skin(lab: np.ndarray, photo: np.ndarray, parts: _people.FaceParts, cfg: CartoonConfig) -> np.ndarray:
    """``lab`` (the surface) with the skin of every face replaced by a smooth version of the
    photo's (``photo``, CIELAB at the working size), face boxes only.

    The surface's bilateral filter flattens everything under its colour sigma, and on a face
    that is the shading: the nose's shadow side, the cheekbones, the folds of a smile, which
    are what make a face a face and not a mask. Skin here is the photo's own, blurred at a few
    hundredths of the eye distance (pores, stubble and blemishes go; the shading, a gradient
    over a tenth of the face, stays), then gently edge-preserved by one bilateral pass."""
    out = lab.copy()
    h, w = lab.shape[:2]
    for g in parts.faces:
        pad = 0.6 * g.iod
        x0, y0 = (max(0, int(v - pad)) for v in g.oval.min(0))
        x1, y1 = int(min(w, g.oval[:, 0].max() + pad + 1)), int(min(h, g.oval[:, 1].max() + pad + 1))
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        crop = photo[y0:y1, x0:x1]
        skin = cv2.GaussianBlur(crop, (0, 0), max(0.5, cfg.skin_sigma_space * g.iod))
        skin = cv2.bilateralFilter(skin, 5, cfg.skin_sigma_color, 2.0)
        if cfg.skin_cel > 0:
            # Cel shading, softly: lightness in steps with short ramps between them, mixed
            # with the smooth skin so the forms read in both.
            L = skin[..., 0] * _F32(1.0 / cfg.skin_step)
            q = np.floor(L)
            cel = (q + np.clip((L - q - 0.5) * 3.0 + 0.5, 0.0, 1.0)) * _F32(cfg.skin_step)
            skin[..., 0] += (cel - skin[..., 0]) * _F32(cfg.skin_cel)
        # The features: the photo's, one light bilateral pass (the surface's two blur an eye
        # 10 px wide into a smudge).
        feat = cv2.bilateralFilter(crop, 5, cfg.bilateral_sigma_color, 1.5)
        m = parts.skin[y0:y1, x0:x1, None]
        f = parts.features[y0:y1, x0:x1, None]
        o = out[y0:y1, x0:x1]
        o += (skin - o) * m
        o += (feat - o) * f
    return out


def _skin_like(lab: np.ndarray, parts: _people.FaceParts) -> np.ndarray:
    """Where the skin goes on past the face outline (neck, ears, a bald head, hands near the
    face): pixels near a face with the face skin's hue and some of its chroma, (h, w) in
    [0, 1]. There the structure step flattens as little as on the face, so a neck does not
    break into flat patches beside a shaded face."""
    h, w = lab.shape[:2]
    sel = parts.skin > 0.5
    if sel.sum() < 16:
        return np.zeros((h, w), _F32)
    # Hue, not chroma: the same skin in shadow (under the jaw, the neck) is less saturated.
    ab = lab[..., 1:][sel].astype(np.float64)
    hue0 = np.arctan2(ab[:, 1].mean(), ab[:, 0].mean())
    c0 = float(np.hypot(ab[:, 0], ab[:, 1]).mean())
    near = np.zeros((h, w), np.uint8)
    for g in parts.faces:
        (cx, cy), (fw, fh) = g.oval.mean(0), np.ptp(g.oval, 0)
        cv2.ellipse(near, (round(cx), round(cy + 0.4 * fh)), (round(1.1 * fw), round(1.3 * fh)), 0, 0, 360, 1, -1)
    like = np.zeros((h, w), _F32)
    x, y, bw, bh = cv2.boundingRect(near)  # the hue test only where skin may be
    if bw == 0 or bh == 0:
        return like
    a, b = lab[y:y + bh, x:x + bw, 1], lab[y:y + bh, x:x + bw, 2]
    dh = np.abs((np.arctan2(b, a) - _F32(hue0 - np.pi)) % _F32(2 * np.pi) - _F32(np.pi))  # hue distance
    c = np.hypot(a, b)
    box = np.clip(1.5 - dh * _F32(1 / 0.35), 0.0, 1.0) * np.clip(c * _F32(3.0 / max(c0, 1.0)) - 0.5, 0.0, 1.0)
    like[y:y + bh, x:x + bw] = box * near[y:y + bh, x:x + bw]
    return cv2.GaussianBlur(like, (0, 0), 2.0)


def _feature_strokes(parts: _people.FaceParts, shape: tuple[int, int], cfg: CartoonConfig) -> np.ndarray:
    """Ink map (h, w) of the drawn features of every face: lash lines, brows, mouth, a short
    stroke under the nose tip (no outline around the nose: that floats as an oval)."""
    ink = np.zeros(shape, _F32)
    for g in parts.faces:
        _people.feature_ink(g, ink, lids=cfg.lid_width, brows=cfg.brow_width, mouth=cfg.mouth_width, min_width=1.2,
                            lower_value=0.2, brow_value=0.35, nose="tip", lip_value=0.2, mouth_value=0.7)
    return ink


def _smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - _F32(lo)) * _F32(1.0 / (hi - lo)), 0.0, 1.0)
    return t * t * (_F32(3.0) - _F32(2.0) * t)


def cartoon(
    image: np.ndarray,
    *,
    seed: int = 0,
    colors: int | None = None,
    line_width: float = 1.0,
    line_darkness: float | None = None,
    faces: Sequence | None = None,
    config: CartoonConfig | None = None,
) -> np.ndarray:
    """Cartoon (surface + structure + lines after White-box, features drawn from landmarks).

    Parameters
    ----------
    image : (H, W, 3) float32 in [0, 1]
    seed : seeds the k-means palette (pixel subsample and k-means++ start).
    colors : number of structure colours (2-32); None: ``config.colors``.
    line_width : outline width multiplier (0 disables outlines and drawn features).
    line_darkness : 0 (no lines) to 1 (black lines); None: ``config.line_darkness``.
    faces : the photo's faces (``painterly.faces.find_faces``); None finds them, ``()`` skips.

    Returns (H, W, 3) float32 in [0, 1].
    """
    cfg = config or CartoonConfig()
    colors = cfg.colors if colors is None else colors
    line_darkness = cfg.line_darkness if line_darkness is None else line_darkness
    if not 2 <= int(colors) <= 32:
        raise InputError(f"colors must be between 2 and 32, got {colors}")
    if line_width < 0 or not 0.0 <= line_darkness <= 1.0:
        raise InputError("line_width must be >= 0 and line_darkness between 0 and 1")
    h, w = image.shape[:2]
    size, scale = _util.work_size(image.shape, cfg.work_side)

    # 1. Surface: smooth at the working size, in CIELAB so the colour sigma is perceptual.
    lab0 = _util.rgb_to_lab(_util.resize_to(image, size))
    lab = lab0
    for _ in range(cfg.bilateral_passes):
        lab = cv2.bilateralFilter(lab, cfg.bilateral_d, cfg.bilateral_sigma_color, cfg.bilateral_sigma_space)
    found = _people.find(image, faces)
    parts = _people.face_parts(found, scale, (size[1], size[0]))
    surface = lab if parts is None else _smooth_skin(lab, lab0, parts, cfg)

    # 2. Structure: flat regions, mixed with the surface.
    feat = surface * np.array([cfg.lightness_weight, cfg.chroma_weight, cfg.chroma_weight], _F32)
    centres = _util.kmeans_palette(feat, int(colors), seed=seed)
    # Labels from a blurred copy: a region follows a form (a lock of hair, a cheek), not the
    # texture inside it, which would break into a camouflage of light and dark specks.
    if cfg.region_scale > 0:
        feat = cv2.GaussianBlur(feat, (0, 0), cfg.region_scale)
    labels = _util.majority_filter(_util.assign_palette(feat, centres), len(centres), ksize=cfg.mode_ksize)
    region, means = _util.region_stats(surface, labels, len(centres))
    mix = np.full((size[1], size[0]), cfg.structure_mix, _F32)
    gain = np.full((size[1], size[0]), cfg.saturation, _F32)
    if parts is not None:
        # Skin is only lightly flattened (its shading is what makes it a face, not a mask);
        # the eyes, brows and lips keep the surface.
        skin = np.maximum(parts.skin, _skin_like(surface, parts))
        mix -= skin * _F32(cfg.structure_mix - cfg.skin_mix)
        mix *= 1.0 - parts.features
        gain -= parts.face * _F32(cfg.saturation - cfg.skin_saturation)
    out = means[region]
    out -= surface
    out *= mix[..., None]
    out += surface
    out[..., 1:] *= gain[..., None]
    flat = _util.lab_to_rgb(out)
    # Soften the staircase where two flat regions meet (visible in skies after upsampling).
    soft = cv2.GaussianBlur(flat, (0, 0), cfg.region_softness)
    if parts is None:
        flat = soft
    else:  # not on faces: their regions are mostly unflattened surface, and blur is all it adds
        flat += (soft - flat) * (1.0 - parts.face)[..., None]

    # 3-4. Lines from the smoothed luminance, speckles removed; drawn features on faces.
    ink = None
    if line_width > 0 and line_darkness > 0:
        ink = _util.xdog(lab[..., 0] * _F32(0.01), sigma=cfg.line_sigma * line_width,
                         epsilon=cfg.line_epsilon, phi=cfg.line_phi)
        min_area = max(4, int(cfg.line_min_area * size[0] * size[1]))
        keep = _util.remove_small_components(ink > 0.3, min_area=min_area).astype(_F32)
        if parts is not None:
            # On a face, small pieces are the features (nostrils, the corners of the mouth).
            np.maximum(keep, parts.face, out=keep)
        # A soft keep mask: a dropped speck goes, a kept line keeps its anti-aliased rim.
        ink *= cv2.dilate(keep, np.ones((3, 3), np.uint8))
        if parts is not None:
            # Inside the skin, the photo's lines are mostly wrinkles and pores: keep a light
            # share of them (the nose's side, the smile fold), which the face's shading needs.
            # The face's own outline (jaw, hairline) lies outside the shrunk skin and stays.
            grow = max(1, round(0.12 * float(np.median([g.iod for g in parts.faces]))))
            inner = cv2.erode(parts.skin, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
            ink *= 1.0 - _F32(1.0 - cfg.skin_lines) * inner
            # In the eyes and mouth the photo's lines are halved: the drawn lids and mouth line
            # lead, so a squint or a smile does not turn into a black slab.
            ink *= 1.0 - _F32(0.5) * parts.features
            np.maximum(ink, _feature_strokes(parts, ink.shape, cfg), out=ink)
        if cfg.line_smooth > 0:
            ink = cv2.GaussianBlur(ink, (0, 0), cfg.line_smooth)

    # 5. Back to full size and ink the lines in. The ink map is enlarged smoothly and then
    # re-thresholded softly at full size: outlines come out with smooth, anti-aliased edges
    # instead of the working size's enlarged pixel steps.
    out = _util.resize_to(flat, (w, h))
    if out is flat:
        out = out.copy()
    if ink is not None:
        big = ink if (w, h) == size else cv2.resize(ink, (w, h), interpolation=cv2.INTER_CUBIC)
        big = _smoothstep(big, 0.08, 0.55) * big.clip(0.0, 1.0) ** 0.25
        out *= (1.0 - np.float32(line_darkness) * big)[..., None]
    # Small faces have no room for drawn features: the photo's facial tones carry them.
    _people.refine_small_faces(out, image, found, lambda c, fs: cartoon(
        c, seed=seed, colors=colors, line_width=line_width, line_darkness=line_darkness, faces=fs, config=cfg))
    _people.imprint(out, image, found, small=cfg.face_tones, large=0.0)
    return np.ascontiguousarray(out, dtype=np.float32)


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "cartoon",
        cartoon,
        "Cartoon / anime: smooth flat colours, clean dark outlines, faces drawn with clean strokes",
        details=(
            "Cartoon look: flat areas of bright colour with bold black outlines, like a comic, an "
            "animated film or anime cel shading"
        ),
        tags=(
            "cartoon", "anime", "manga", "comic", "toon", "cel", "cel-shading", "flat colours",
            "outline", "illustration", "disney", "pixar", "ghibli", "卡通", "动漫", "动画", "漫画", "二次元",
            "日漫", "插画", "手绘", "线条", "comic book", "animation", "cel shading", "flat colors",
            "bold outlines", "cute", "卡通画", "可爱",
        ),
        method=(
            "White-box cartoon representations (Wang & Yu 2020) by classical operators: bilateral "
            "surface, k-means region structure, XDoG lines (Winnemöller 2012); facial features "
            "drawn from landmarks"
        ),
        aliases=("anime", "toon", "comic"),
    ),
)
