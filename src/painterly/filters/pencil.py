"""Pencil sketch and colour pencil: stroke map x hatched tone map.

Method: Lu, Xu, Jia 2012, "Combining sketch and tone for pencil drawing production" (NPAR).

* Stroke map: gradient magnitude ``G``; 8 line-segment kernels ``L_i``; each pixel is classified
  to the direction of its largest response ``argmax_i (L_i * G)``; the strokes are
  ``S = 1 - sum_i L_i * C_i`` where ``C_i`` keeps ``G`` on the pixels of class ``i``. Convolving
  along the local direction lengthens and crosses lines at corners like a hand-drawn sketch.
* Tone map: the grey image's histogram is matched to their three-layer parametric model of
  pencil drawings (bright Laplacian layer, uniform mid layer, Gaussian dark layer).
* Pencil texture: the tone ``J`` is drawn with a hatching texture ``P`` as ``P ** beta``. Lu et al.
  solve a smoothed least-squares problem for ``beta``; we take the closed form
  ``beta = log(J) / log(mean(P))`` (the same value for a flat texture, no sparse solve), and add a
  second, crossed hatching layer for the darkest tones. The hatching is procedural: white noise
  smeared along one direction (seeded, cached per shape).

Colour pencil follows the paper's colour extension: the pencil result replaces the luminance
(Y of YCrCb) of a simplified colour image, so the hue stays in the strokes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from painterly.filters import _people
from painterly.filters.paper import drawing_paper
from painterly.styles import as_filter


@dataclass(frozen=True)
class PencilConfig:
    work_size: int = 1024  # long side of the stroke pass; lines stay crisp after upsampling
    directions: int = 8  # line kernels, as in Lu et al.
    line_frac: float = 1 / 60  # kernel length as a fraction of the long side (Lu et al.: ~1/30)
    stroke_gamma: float = 1.6  # > 1 keeps only confident strokes; weak gradients fade out
    stroke_gain: float = 1.4  # how dark strokes get
    # Tone model layer weights (bright, mid, dark). Lu et al. fit 52:37:11 on their drawings;
    # 76:22:2, common in re-implementations, leaves more white paper, which reads as a sketch.
    tone_weights: tuple[float, float, float] = (0.76, 0.22, 0.02)
    hatch_angle: float = 45.0  # degrees of the main hatching; the cross layer is at -45
    hatch_length: int = 19  # px smear of the hatching noise (at half resolution)
    grain: float = 0.06  # paper tooth: graphite skips the valleys
    white_point: float = 0.9  # tones above this are left as bare paper
    tone_blend: float = 0.85  # mix of the matched tone with a blurred tone (simplify detail)
    face_lines: float = 0.45  # darkness of the features drawn into faces before drawing
    face_tones: float = 1.0  # photo's facial light and shade pressed into small faces
    face_tone: float = 0.82  # the skin's mean tone in a drawn face (1 = bare paper: a blank face)
    face_shading: float = 1.2  # contrast of the face's light and shade around that tone


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _line_kernels(n: int, size: int) -> list[np.ndarray]:
    size = max(3, size | 1)
    c = size // 2
    out = []
    for i in range(n):
        k = np.zeros((size, size), np.float32)
        a = np.pi * i / n
        dx, dy = np.cos(a) * c, np.sin(a) * c
        cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
        out.append(k / k.sum())
    return out


def stroke_map(
    gray: np.ndarray, cfg: PencilConfig = PencilConfig(), *, scale: float | None = None
) -> np.ndarray:
    """Lu et al.'s stroke map of a grey image: float32, 1 = paper, darker = strokes.

    The line response is normalised by its 99.5th percentile (relative, as in the paper), or by
    ``scale`` when given (absolute: only gradients near ``scale`` per pixel draw full strokes).
    """
    g = cv2.GaussianBlur(gray, (0, 0), 1.0)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=1)
    grad = cv2.magnitude(gx, gy)
    size = int(max(gray.shape) * cfg.line_frac)
    kernels = _line_kernels(cfg.directions, size)
    # Classification only needs the dominant direction, which varies slowly: find it at half
    # resolution with half-length kernels (4x fewer pixels), then look it up per pixel.
    h, w = grad.shape
    half = cv2.resize(grad, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    resp = np.stack([cv2.filter2D(half, -1, k) for k in _line_kernels(cfg.directions, size // 2)])
    cls = cv2.resize(resp.argmax(axis=0).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    s = np.zeros_like(grad)
    for i, k in enumerate(kernels):
        c = np.where(cls == i, grad, np.float32(0.0))
        s += cv2.filter2D(c, -1, k)
    # Normalise by a high percentile rather than the max, so a single hot pixel cannot wash out
    # the whole map.
    hi = float(scale) if scale is not None else (float(np.percentile(s, 99.5)) or 1.0)
    s = np.clip(s * (1.0 / hi), 0.0, 1.0)
    return 1.0 - np.clip(cfg.stroke_gain * cv2.pow(s, cfg.stroke_gamma), 0.0, 1.0)


def _tone_lut(weights: tuple[float, float, float]) -> np.ndarray:
    """Histogram of Lu et al.'s three-layer tone model on 256 bins (their eqs. 3-5)."""
    v = np.arange(256, dtype=np.float64) / 255.0
    bright = (1 / 9.0) * np.exp(-(1.0 - v) * 255.0 / 9.0)  # sigma_b = 9 on the 0..255 scale
    mid = ((v >= 105 / 255.0) & (v <= 225 / 255.0)).astype(np.float64) / (120 / 255.0)
    dark = np.exp(-((v - 90 / 255.0) ** 2) / (2 * (11 / 255.0) ** 2))
    p = weights[0] * bright / bright.sum() + weights[1] * mid / mid.sum() + weights[2] * dark / dark.sum()
    return np.cumsum(p) / p.sum()


def tone_map(gray: np.ndarray, cfg: PencilConfig = PencilConfig()) -> np.ndarray:
    """Histogram-match a grey image to Lu et al.'s pencil tone model; float32 in [0, 1]."""
    u8 = np.clip(gray * 255.0 + 0.5, 0, 255).astype(np.uint8)
    lo, hi = np.percentile(u8, (1, 99))
    if hi - lo < 26:  # (nearly) flat picture: matching would send it all to one end; keep it
        return gray.astype(np.float32, copy=True)
    hist = cv2.calcHist([u8], [0], None, [256], [0, 256]).ravel()
    src_cdf = np.cumsum(hist) / max(hist.sum(), 1.0)
    target = _tone_lut(cfg.tone_weights)
    lut = np.searchsorted(target, src_cdf).clip(0, 255).astype(np.float32) / 255.0
    return lut[u8]


@lru_cache(maxsize=8)
def _hatch(h: int, w: int, seed: int, angle: float, length: int) -> np.ndarray:
    """Procedural hatching texture in (0, 1]: noise smeared along ``angle``, made at half size."""
    rng = np.random.default_rng(seed)
    hs, ws = max(4, h // 2), max(4, w // 2)
    noise = rng.random((hs, ws), dtype=np.float32)
    k = np.zeros((length, length), np.float32)
    c = length // 2
    dx, dy = np.cos(np.radians(angle)) * c, -np.sin(np.radians(angle)) * c
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    streak = cv2.filter2D(noise, -1, k / k.sum(), borderType=cv2.BORDER_REFLECT)
    streak = cv2.resize(streak, (w, h), interpolation=cv2.INTER_LINEAR)
    # Contrast-stretch the streaks into strokes: mean about 0.75, darkest strokes near 0.25.
    z = (streak - streak.mean()) / (streak.std() + 1e-6)
    tex = np.clip(0.75 + 0.13 * z, 0.3, 1.0).astype(np.float32)
    tex.setflags(write=False)
    return tex


@lru_cache(maxsize=8)
def _log_hatch(h: int, w: int, seed: int, angle: float, length: int) -> np.ndarray:
    lg = cv2.log(_hatch(h, w, seed, angle, length))
    lg.setflags(write=False)
    return lg


def _render_tone(tone: np.ndarray, shape: tuple[int, int], seed: int, cfg: PencilConfig) -> np.ndarray:
    """Draw ``tone`` with hatching: P1 ** beta1 for all tones, crossed P2 ** beta2 in the darks.

    The exponents are computed on the (small) tone map and upsampled; only the texture lookups
    run at full resolution ``shape``.
    """
    h, w = shape
    # The lightest tones become bare paper (an artist leaves them white).
    t = np.clip(tone * np.float32(1.0 / cfg.white_point), 0.02, 1.0)
    # Split the darkness: the first layer takes tones down to 0.55, the cross layer the rest.
    t1 = np.maximum(t, np.float32(0.55))
    t2 = np.minimum(t * np.float32(1 / 0.55), np.float32(1.0))
    inv = np.float32(1.0 / np.log(0.75))  # log of the textures' mean tone
    b1, b2 = cv2.log(t1) * inv, cv2.log(t2) * inv
    if tone.shape != (h, w):
        b1 = cv2.resize(b1, (w, h), interpolation=cv2.INTER_LINEAR)
        b2 = cv2.resize(b2, (w, h), interpolation=cv2.INTER_LINEAR)
    r1 = cv2.exp(cv2.multiply(b1, _log_hatch(h, w, seed, cfg.hatch_angle, cfg.hatch_length)))
    r2 = cv2.exp(cv2.multiply(b2, _log_hatch(h, w, seed + 1, -cfg.hatch_angle, cfg.hatch_length)))
    return cv2.multiply(r1, r2)


def _face_tone(tone: np.ndarray, small: np.ndarray, faces: Sequence, scale: float,
               cfg: PencilConfig) -> np.ndarray:
    """``tone`` with each face shaded as a portrait draughtsman shades it: the tone model leaves
    light skin as bare paper (a blank face with a few lines); here the skin gets a light tone
    of its own and its form (eye sockets, the nose's shadow side, under the lip and the jaw) is
    the photo's light and shade around the skin's mean, so the hatching models the face."""
    parts = _people.face_parts(faces, scale, small.shape[:2])
    if parts is None:
        return tone
    iod = float(np.median([g.iod for g in parts.faces]))
    form = cv2.GaussianBlur(small, (0, 0), max(0.7, 0.04 * iod))
    sel = parts.skin > 0.5
    if sel.sum() < 8:
        return tone
    mean = float(form[sel].mean())
    shaded = np.clip(np.float32(cfg.face_tone) + np.float32(cfg.face_shading) * (form - np.float32(mean)),
                     0.25, 0.98)
    m = parts.face
    return tone + m * (np.minimum(shaded, np.maximum(tone, np.float32(0.25))) - tone)


def _pencil_grey(image: np.ndarray, seed: int, cfg: PencilConfig, faces: Sequence = ()) -> np.ndarray:
    h, w = image.shape[:2]
    gray = _gray(image)
    # 1. Strokes on a working copy, upsampled.
    s_scale = min(1.0, cfg.work_size / max(h, w))
    small = gray if s_scale >= 1.0 else cv2.resize(
        gray, (max(1, round(w * s_scale)), max(1, round(h * s_scale))), interpolation=cv2.INTER_AREA
    )
    strokes = stroke_map(small, cfg)
    if strokes.shape != (h, w):
        strokes = cv2.resize(strokes, (w, h), interpolation=cv2.INTER_LINEAR)
    # 2. Tone: matched to the pencil model, slightly simplified so hatching reads as areas.
    blur = cv2.GaussianBlur(small, (0, 0), 2.0)
    tone = tone_map(cv2.addWeighted(small, 1 - cfg.tone_blend, blur, cfg.tone_blend, 0), cfg)
    if faces:
        tone = _face_tone(tone, small, faces, s_scale, cfg)
    rendered = _render_tone(tone, (h, w), seed, cfg)
    # 3. Paper tooth: graphite skips the valleys, so the grain shows more where it is darker.
    paper = drawing_paper((h, w), seed=seed + 2)
    out = cv2.multiply(strokes, rendered)
    out = out + cv2.multiply(1.0 - out, paper * np.float32(cfg.grain * 2.0)) - np.float32(cfg.grain * 0.5) * paper
    return np.clip(out, 0.0, 1.0)


def _with_faces(image: np.ndarray, faces: Sequence, cfg: PencilConfig) -> np.ndarray:
    """The photo with its faces' features drawn in (so the stroke map keeps them)."""
    h, w = image.shape[:2]
    return _people.emphasise(image, faces, strength=cfg.face_lines,
                             min_width=1.5 * max(1.0, max(h, w) / cfg.work_size))


def pencil(
    image: np.ndarray,
    *,
    seed: int = 0,
    faces: Sequence | None = None,
    config: PencilConfig = PencilConfig(),
) -> np.ndarray:
    """Graphite pencil sketch (Lu, Xu, Jia 2012: line-convolved stroke map x hatched tone map).

    ``image``: float32 HxWx3 in [0, 1]; ``seed`` picks the hatching and paper grain.
    Returns float32 HxWx3 in [0, 1], grey (a faint warm graphite/paper tint).

    Precision: the tone map is a histogram match on 256 bins, so the grey tones are quantised to
    8 bits inside (the strokes and the hatching are float32).
    """
    found = _people.find(image, faces)
    g = _pencil_grey(_with_faces(image, found, config), seed, config, found)
    # Graphite is a cool grey on a slightly warm paper.
    paper = np.float32((0.985, 0.98, 0.965))
    lead = np.float32((0.16, 0.165, 0.18))
    out = cv2.merge([g * (p - q) + q for p, q in zip(paper, lead)])
    # Small faces are drawn again at a larger scale (a finer pencil), then shaded as the photo.
    _people.refine_small_faces(out, image, found, lambda c, fs: pencil(c, seed=seed, faces=fs, config=config))
    _people.imprint(out, image, found, small=config.face_tones, large=0.3)
    return np.ascontiguousarray(out, dtype=np.float32)


def color_pencil(
    image: np.ndarray,
    *,
    seed: int = 0,
    saturation: float = 1.3,
    faces: Sequence | None = None,
    config: PencilConfig = PencilConfig(),
) -> np.ndarray:
    """Colour-pencil drawing: coloured hatching under the pencil sketch.

    Lu, Xu, Jia 2012 colour the sketch through its luminance; that alone loses flat bright colours
    (the tone model maps them to bare paper), so here the simplified photo colour is laid down
    with the same hatching texture, ``1 - (1 - colour) * coverage``, and multiplied by the grey
    pencil drawing (strokes and shading). ``saturation`` boosts chroma a little because pencil
    pigment on white paper reads brighter than a photo. Returns float32 HxWx3 in [0, 1].
    Like :func:`pencil`, its tone map quantises the grey tones to 8 bits inside.
    """
    cfg = config
    photo, found = image, _people.find(image, faces)
    image = _with_faces(image, found, cfg)
    g = _pencil_grey(image, seed, cfg, found)
    h, w = image.shape[:2]
    # Colour simplification at low resolution: pencils lay flat colour, not photo detail.
    s = min(1.0, 512 / max(h, w))
    small = image if s >= 1.0 else cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    small = cv2.bilateralFilter(small, 7, 0.15, 4)
    grey = cv2.cvtColor(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    colour = np.clip(grey + (small - grey) * np.float32(saturation), 0.0, 1.0)
    if small.shape[:2] != (h, w):
        colour = cv2.resize(colour, (w, h), interpolation=cv2.INTER_LINEAR)
    # Coverage from the hatching texture: pigment sits on the strokes, paper shows between them.
    p1 = _hatch(h, w, seed, cfg.hatch_angle, cfg.hatch_length)
    cover = np.clip(np.float32(1.45) - p1 * np.float32(1.3), 0.15, 0.95)
    # The pencil drawing darkens the colour but keeps its hue: lighten it so colour dominates.
    shade = np.float32(0.45) + np.float32(0.55) * g
    chans = [cv2.multiply(np.float32(1.0) - cv2.multiply(np.float32(1.0) - colour[..., c], cover), shade)
             for c in range(3)]
    out = cv2.merge(chans)
    np.clip(out, 0.0, 1.0, out=out)
    _people.refine_small_faces(out, photo, found, lambda c, fs: color_pencil(
        c, seed=seed, saturation=saturation, faces=fs, config=cfg))
    _people.imprint(out, photo, found, small=cfg.face_tones, large=0.3)
    return np.ascontiguousarray(out, dtype=np.float32)


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "pencil",
        pencil,
        "Graphite pencil sketch: hand-drawn strokes along edges and hatched shading on paper",
        details=(
            "Graphite pencil sketch: grey hand-drawn lines and hatched shading on white paper, black "
            "and white, like a drawing in a sketchbook"
        ),
        tags=(
            "pencil", "sketch", "drawing", "graphite", "hatching", "black and white", "line art",
            "charcoal", "素描", "铅笔", "铅笔画", "速写", "手绘", "monochrome", "hand drawn", "sketchbook",
            "draft", "grayscale", "lines", "线稿", "黑白", "炭笔",
        ),
        method="Lu, Xu, Jia 2012, Combining sketch and tone for pencil drawing production",
        aliases=("pencil-sketch", "sketch", "graphite"),
    ),
    as_filter(
        "color-pencil",
        color_pencil,
        "Colour-pencil drawing: coloured hatched strokes on white paper",
        details=(
            "Colour pencil drawing: coloured hand-drawn hatched strokes on white paper, like a crayon"
            " or coloured pencil illustration in a children's book"
        ),
        tags=(
            "color pencil", "colour pencil", "colored pencil", "crayon", "pencil", "sketch",
            "drawing", "hatching", "colorful", "彩铅", "彩色铅笔", "彩铅画", "彩色素描", "crayons",
            "pencil crayon", "colorful sketch", "colored drawing", "hand drawn",
            "children's drawing", "pastel drawing", "chalk", "蜡笔", "蜡笔画", "儿童画", "粉笔",
        ),
        method="Lu, Xu, Jia 2012, Combining sketch and tone for pencil drawing production (colour)",
        aliases=("colour-pencil", "colored-pencil", "coloured-pencil", "pencil-color"),
    ),
)
