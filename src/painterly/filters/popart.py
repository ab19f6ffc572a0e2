"""Pop art in the manner of Roy Lichtenstein: primary colours, Ben-Day dots, bold black outlines.

Method: the abstraction of Winnemöller et al. 2006 (bilateral smoothing, then flat colour
regions from a seeded CIELAB k-means, as in :mod:`painterly.filters.cartoon`), followed by a
palette reduction to printing inks and an amplitude-modulated halftone screen (the classic
clustered-dot screen of offset printing, Ulichney 1987, "Digital Halftoning"):

* every region's colour is snapped by hue angle in CIELAB to the nearest ink of a pop palette
  (red, yellow, blue, green), or to black/white when it has little chroma;
* regions lighter than their ink print as dots of the ink on white paper whose radius grows
  with the darkness (Ben-Day dots); darker ones as black dots on solid ink; the 45-degree
  screen is rendered at full resolution with anti-aliased dot edges;
* XDoG outlines (Winnemöller 2012), thick and black, over everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from painterly.errors import InputError
from painterly.filters import _people, _util
from painterly.styles import as_filter

_F32 = np.float32

#: Printing inks (sRGB): the pop palette the regions snap to.
INKS = {
    "red": (0.89, 0.11, 0.16),
    "yellow": (1.0, 0.85, 0.05),
    "blue": (0.05, 0.40, 0.80),
    "green": (0.05, 0.62, 0.35),
}
_PAPER = (1.0, 0.98, 0.94)  # slightly warm newsprint white
_BLACK = (0.06, 0.05, 0.07)


@dataclass(frozen=True)
class PopArtConfig:
    work_side: int = 640  # long side for smoothing/regions: pop art wants big simple shapes
    bilateral_passes: int = 2
    colors: int = 8  # k-means regions before snapping to inks
    black_level: float = 20.0  # CIELAB L below which a region prints black
    neutral_chroma: float = 6.0  # chroma under which a region is grey (black dots / white)
    dots_per_side: float = 150.0  # dot screen frequency: dots along the long side
    line_sigma: float = 1.3  # XDoG outline width at the working size
    line_epsilon: float = 0.012
    line_min_area: float = 4e-4  # drop outline pieces smaller than this fraction of the image
    skin_cover: tuple[float, float] = (0.18, 0.6)  # red-dot coverage of the palest, darkest skin
    face_tones: float = 1.0  # photo's facial light and shade pressed into small faces
    face_dots: float = 30.0  # dots across a face at least (small faces get a finer screen; at 14
    # a 30 px face had 14 dots and the detector found 9 of the 15 crowd faces, at 30: 11)
    face_line_width: float = 0.045  # black feature lines, in eye distances


def _ink_plan(lab: np.ndarray, cfg: PopArtConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel background colour, dot colour (both ``(H, W, 3)``) and dot coverage ``(H, W)``.

    A region lighter than its ink prints ink dots on paper (coverage matches its lightness);
    a region darker than its ink prints black dots on solid ink (dark yellow becomes yellow
    with black dots, not flat yellow); a grey region prints sparse black dots on paper.
    """
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma = np.sqrt(a * a + b * b)
    inks = np.array(list(INKS.values()), _F32)
    ink_lab = _util.rgb_to_lab(inks[None])[0]
    hue = ink_lab[:, 1:] / np.linalg.norm(ink_lab[:, 1:], axis=1, keepdims=True)
    # Nearest ink by hue angle: largest cosine between (a, b) and the ink's (a, b).
    cos = (a[..., None] * hue[:, 0] + b[..., None] * hue[:, 1]) / np.maximum(chroma, 1e-6)[
        ..., None
    ]
    idx = cos.argmax(-1)
    ink = inks[idx]
    ink_l = ink_lab[idx, 0] - 10.0  # a little darker than the ink still reads as the ink
    paper = np.array(_PAPER, _F32)
    black = np.array(_BLACK, _F32)

    light = ink_l <= L
    bg = np.where(light[..., None], paper, ink)
    fg = np.where(light[..., None], ink, black)
    cover_light = (95.0 - L) / np.maximum(95.0 - ink_l, 1.0)
    cover_dark = 0.7 * (ink_l - L) / np.maximum(ink_l - cfg.black_level, 1.0)
    cover = np.clip(np.where(light, cover_light, cover_dark), 0.0, 1.0).astype(_F32)

    neutral = chroma < cfg.neutral_chroma
    bg[neutral], fg[neutral] = paper, black
    # Grey regions print as sparse black dots: half the coverage, else mid-greys turn black.
    cover[neutral] = np.clip((80.0 - L[neutral]) / 80.0, 0.0, 1.0) * 0.5
    dark = cfg.black_level > L
    bg[dark], fg[dark], cover[dark] = black, black, 1.0
    return bg.astype(_F32), fg.astype(_F32), cover


@lru_cache(maxsize=2)  # a 1080p map is 8 MB; keep the last two sizes
def _screen_distance(h: int, w: int, period: float) -> np.ndarray:
    """Distance (px) to the nearest dot centre of a 45-degree screen; cached, read-only."""
    sc = _F32(np.sqrt(0.5) / period)
    x = np.arange(w, dtype=_F32)[None, :] * sc
    y = np.arange(h, dtype=_F32)[:, None] * sc
    u = x + y
    v = x - y
    u -= np.floor(u + _F32(0.5))
    v -= np.floor(v + _F32(0.5))
    dist = np.sqrt(u * u + v * v) * _F32(period)
    dist.setflags(write=False)
    return dist


def _dot_screen(cover: np.ndarray, period: float) -> np.ndarray:
    """Anti-aliased clustered-dot mask (1 = ink) for ``cover`` on a 45-degree screen."""
    dist = _screen_distance(*cover.shape, float(period))
    # Radius for area coverage c: pi r^2 = c p^2 while dots are apart; above c = 0.85 it grows
    # on to 0.75 p at c = 1, past p / sqrt(2), so a solid tone closes the gaps completely.
    radius = np.sqrt(cover * _F32(1.0 / np.pi))
    radius += _F32(0.19 / 0.15) * np.maximum(cover - _F32(0.85), _F32(0.0))
    radius *= _F32(period)
    radius += _F32(0.5)
    radius -= dist
    return np.clip(radius, 0.0, 1.0, out=radius)


def _finer_dots(mask: np.ndarray, cover: np.ndarray, face, period: float, dots: float) -> None:
    """Within ``face``'s box, redraw the dot screen so the face spans at least ``dots`` dots
    across (in place); faces already that large keep the page's screen."""
    x0, y0, x1, y1 = face.box
    fw = max(1.0, x1 - x0)
    fine = max(2.0, fw / dots)
    if fine >= period * 0.9:
        return
    h, w = mask.shape
    pad = 0.3 * fw
    cx0, cy0 = max(0, int(x0 - pad)), max(0, int(y0 - 2 * pad))
    cx1, cy1 = min(w, int(x1 + pad) + 1), min(h, int(y1 + pad) + 1)
    if cx1 - cx0 < 4 or cy1 - cy0 < 4:
        return
    sub = np.ascontiguousarray(cover[cy0:cy1, cx0:cx1])
    fine_mask = _dot_screen(sub, fine)
    m = np.zeros(sub.shape, _F32)
    cv2.ellipse(m, (round((x0 + x1) / 2 - cx0), round((y0 + y1) / 2 - 0.1 * (y1 - y0) - cy0)),
                (round(0.65 * fw), round(0.85 * (y1 - y0))), 0, 0, 360, 1.0, -1)
    m = cv2.GaussianBlur(m, (0, 0), max(0.5, 0.1 * fw))
    region = mask[cy0:cy1, cx0:cx1]
    region += m * (fine_mask - region)


def _face_plan(bg: np.ndarray, fg: np.ndarray, cover: np.ndarray, lab: np.ndarray,
               parts: _people.FaceParts, cfg: PopArtConfig) -> None:
    """Print plan of the faces, in place: skin as red dots on paper, lips solid red.

    Dot coverage follows the skin's smoothed lightness (shading survives as denser dots)
    between ``cfg.skin_cover`` for the palest and the darkest skin."""
    red = np.array(INKS["red"], _F32)
    paper = np.array(_PAPER, _F32)
    skin = parts.skin[..., None]
    lo, hi = cfg.skin_cover
    L = cv2.GaussianBlur(lab[..., 0], (0, 0), 2.0)
    c = lo + (hi - lo) * np.clip((85.0 - L) / 60.0, 0.0, 1.0)
    bg += skin * (paper - bg)
    fg += skin * (red - fg)
    cover += parts.skin * (c - cover)
    lips = np.clip(parts.lips - parts.mouth, 0.0, 1.0)
    fg += lips[..., None] * (red - fg)
    cover += lips * (1.0 - cover)
    eyes = parts.eyes[..., None]  # white eyes; the lids and pupils are drawn in black
    bg += eyes * (paper - bg)
    cover -= parts.eyes * cover


def popart(
    image: np.ndarray,
    *,
    seed: int = 0,
    dot_size: float = 1.0,
    outline: bool = True,
    faces: Sequence | None = None,
    config: PopArtConfig | None = None,
) -> np.ndarray:
    """Lichtenstein-style pop art: ink palette, Ben-Day halftone dots and black outlines.

    Parameters
    ----------
    image : (H, W, 3) float32 in [0, 1]
    seed : seeds the k-means region palette.
    dot_size : halftone dot spacing multiplier (0.5-4).
    outline : draw the black XDoG outlines.
    faces : the photo's faces (``painterly.faces.find_faces``); None finds them, ``()`` skips.
      Skin prints as Lichtenstein printed it, sparse red Ben-Day dots on white (never a solid
      red plate), lips in solid red, and the eyes, brows, nose and mouth in black lines.

    Returns (H, W, 3) float32 in [0, 1].
    """
    cfg = config or PopArtConfig()
    if not 0.5 <= dot_size <= 4.0:
        raise InputError(f"dot_size must be between 0.5 and 4, got {dot_size}")
    h, w = image.shape[:2]
    size, scale = _util.work_size(image.shape, cfg.work_side)

    # 1. Flat regions (as in the cartoon filter).
    lab = _util.rgb_to_lab(_util.resize_to(image, size))
    for _ in range(cfg.bilateral_passes):
        lab = cv2.bilateralFilter(lab, 7, 14.0, 4.0)
    centres = _util.kmeans_palette(lab, cfg.colors, seed=seed)
    labels = _util.majority_filter(_util.assign_palette(lab, centres), len(centres), ksize=5)
    flat = _util.region_means(lab, labels, len(centres))

    # 2. Inks and coverage per region, upsampled; the dot screen is drawn at full size.
    bg, fg, cover = _ink_plan(flat, cfg)
    found = _people.find(image, faces)
    # Faces big enough to draw (eyes 12 px apart at the working size) print as Lichtenstein's.
    parts = _people.face_parts(found, scale, (size[1], size[0]), min_iod=12.0)
    if parts is not None:
        _face_plan(bg, fg, cover, lab, parts, cfg)
    # Bilinear upsampling is linear, so upsampling fg - bg equals the difference of the
    # upsampled planes; it saves a full-size subtraction and its buffer.
    diff = _util.resize_to(fg - bg, (w, h))
    bg, cover = _util.resize_to(bg, (w, h)), _util.resize_to(cover, (w, h))
    period = max(3.0, max(h, w) / cfg.dots_per_side * dot_size)
    mask = _dot_screen(cover, period)
    for f in found:  # a small face gets a finer screen: a few coarse dots cannot draw a face
        _finer_dots(mask, cover, f, period, cfg.face_dots)
    # Convex blends of colours in [0, 1] stay in [0, 1]: no clip needed below.
    diff *= mask[..., None]
    diff += bg
    out = diff

    # 3. Bold outlines.
    if outline:
        ink = _util.xdog(
            lab[..., 0] * _F32(0.01), sigma=cfg.line_sigma, epsilon=cfg.line_epsilon, phi=80.0
        )
        keep = _util.remove_small_components(
            ink > 0.3, min_area=max(4, int(cfg.line_min_area * size[0] * size[1]))
        )
        ink = np.clip(ink * keep * _F32(1.5), 0.0, 1.0)
        if parts is not None:
            # Shading lines inside the skin would cut the dotted face up: drawn lines instead.
            inner = cv2.erode(parts.skin, np.ones((3, 3), np.uint8), iterations=2)
            ink *= 1.0 - inner
            lines = np.zeros_like(ink)
            for g in parts.faces:
                w_ = cfg.face_line_width
                _people.feature_ink(g, lines, min_width=1.0, lids=w_, brows=1.5 * w_, mouth=w_,
                                    lower_value=0.5, brow_value=1.0)
                for name in _people.EYES:
                    for p in g.lines.get(name, []):
                        c = _people.darkest_point(lab[..., 0], p)
                        if c is not None:
                            r = round(max(0.8, 0.09 * g.iod) * 16)
                            cv2.circle(lines, (round(c[0] * 16), round(c[1] * 16)), r, 1.0, -1,
                                       cv2.LINE_AA, shift=4)
            np.maximum(ink, lines, out=ink)
        # Solid black cores, soft edges; multiplied in as a single "paper left" factor.
        left = 1.0 - ink
        out *= _util.resize_to(left, (w, h))[..., None]
    # Halftone dots hide a small face's features: painted again larger, with the photo's tones.
    def repaint(crop: np.ndarray, fs: list) -> np.ndarray:  # cfg.face_dots across the face
        per_side = max(crop.shape[:2]) * cfg.face_dots / 128.0
        return popart(crop, seed=seed, outline=outline, faces=fs,
                      config=dataclasses.replace(cfg, dots_per_side=per_side))

    _people.refine_small_faces(out, image, found, repaint, target=128.0)
    _people.imprint(out, image, found, small=cfg.face_tones, large=0.2)
    return out


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "pop-art",
        popart,
        "Pop art (Lichtenstein): primary inks, Ben-Day halftone dots and bold black outlines",
        details=(
            "Pop art: bold flat posterized colours, halftone dots and strong contrast, like Andy "
            "Warhol or Roy Lichtenstein prints and retro comic posters"
        ),
        tags=(
            "pop art", "pop", "lichtenstein", "warhol", "comic book", "halftone", "ben-day dots",
            "retro", "poster", "screen print", "vivid", "bold", "波普", "波普艺术", "美式漫画", "网点", "复古",
            "海报", "撞色", "dots", "posterized", "neon", "bright", "graphic", "psychedelic",
            "colorful", "vibrant", "鲜艳", "丝网印刷",
        ),
        method=(
            "Bilateral + CIELAB k-means abstraction (Winnemöller 2006), ink palette, clustered-dot "
            "halftone, XDoG outlines"
        ),
        aliases=("popart", "lichtenstein", "halftone"),
    ),
)
