"""Ukiyo-e (浮世絵) Japanese woodblock print: flat traditional inks, a dark keyblock, bokashi, washi.

Method: after the keyblock + colour-block process of ukiyo-e printing (one carved block prints
the black outlines, one block per colour prints a flat area of water-based pigment on washi),
rendered with the image abstraction of Winnemöller, Olsen & Gooch 2006 and the XDoG lines of
Winnemöller, Kyprianidis & Olsen 2012:

1. work at a reduced size; iterated bilateral smoothing in CIELAB (Tomasi & Manduchi 1998),
2. colour blocks: seeded CIELAB k-means labels, a majority filter, every connected region
   flattened to its mean, then each region snapped to the nearest ink of a fixed traditional
   palette (Prussian blue, indigo, vermilion, ochre, sumi, pale green, cream, ...) in CIELAB,
   and a second majority filter on the ink labels so neighbouring blocks of one ink merge,
3. bokashi (graded printing): bright sky-like blocks touching the top edge get a soft graded
   Prussian blue that fades downwards from their top, as in Hiroshige's skies,
4. registration: each ink block is printed with its own small seeded offset, so slivers of
   paper show and blocks overlap slightly along the keyblock lines,
5. keyblock: XDoG on the smoothed luminance, small fragments dropped, printed in sumi,
6. full size: washi fibres (:func:`painterly.filters.paper.rice_paper`) on the whole sheet and a
   faint horizontal woodgrain in the inked areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from painterly.errors import InputError
from painterly.filters import _people, _util
from painterly.filters.paper import rice_paper
from painterly.styles import as_filter

_F32 = np.float32

#: Traditional ukiyo-e inks as printed on washi (sRGB). Names after the pigments.
INKS: dict[str, tuple[float, float, float]] = {
    "prussian-blue": (0.13, 0.29, 0.50),  # bero-ai, Hokusai's and Hiroshige's blue
    "pale-blue": (0.56, 0.69, 0.76),  # diluted bero-ai
    "indigo": (0.16, 0.20, 0.31),  # ai
    "vermilion": (0.80, 0.28, 0.18),  # shu
    "pink": (0.91, 0.57, 0.55),  # diluted beni
    "ochre": (0.79, 0.60, 0.32),  # ōdo
    "beige": (0.88, 0.79, 0.61),
    "brown": (0.47, 0.32, 0.21),  # taisha
    "pale-green": (0.62, 0.69, 0.47),
    "green": (0.29, 0.40, 0.29),
    "blue-grey": (0.37, 0.44, 0.50),  # ai-nezumi, indigo mouse-grey
    "grey": (0.55, 0.53, 0.48),  # diluted sumi
    "sumi": (0.12, 0.11, 0.11),
    "cream": (0.95, 0.91, 0.80),
    # Faces: bijin-ga skin is one flat, pale block (gofun white with a touch of beni); darker
    # skin prints in the palette's ochre or brown (see _skin_ink). Never a landscape's ink.
    "flesh": (0.97, 0.87, 0.78),
}
_INK_INDEX = {name: i for i, name in enumerate(INKS)}
#: Inks a photo's regions may snap to (the skin ink is printed only where a face is).
_SNAP_INKS = len(INKS) - 1
#: Inks a face's skin may print in, light to dark, and the lips' ink.
_SKIN_INKS = ("flesh", "beige", "ochre", "brown")
#: Inks a photo's sky snaps to: blues and clouds (greys and indigo are walls and shade too).
_SKY_INKS = ("prussian-blue", "pale-blue", "cream")
_PAPER = np.array((0.96, 0.93, 0.85), _F32)  # unprinted washi, warm off-white
_KEY = np.array((0.10, 0.09, 0.10), _F32)  # keyblock sumi


@dataclass(frozen=True)
class UkiyoeConfig:
    work_side: int = 720  # long side processed; the look is flat, details would only be noise
    bilateral_passes: int = 3  # Winnemöller 2006 iterate the bilateral 2-4 times
    bilateral_sigma_color: float = 14.0  # CIELAB units
    colors: int = 10  # k-means regions before snapping to inks
    lightness_weight: float = 0.8  # L vs. a/b in clustering: fewer shading blotches
    mode_ksize: int = 5  # majority filter on k-means labels
    ink_mode_ksize: int = 9  # majority filter on ink labels: blocks are carved, not speckled
    ink_chroma_gain: float = 1.1  # photo chroma is boosted before snapping so hues find an ink
    bokashi_depth: float = 0.45  # fraction of the image height over which the graded blue fades
    bokashi_strength: float = 0.9  # blue at the very top of the sky (1 = full Prussian blue)
    registration_px: float = 1.0  # max offset of a colour block at the working size
    line_sigma: float = 1.2  # XDoG inner Gaussian at the working size (keyblock line width)
    line_epsilon: float = 0.01  # contrast an edge needs to be carved
    line_phi: float = 70.0
    line_min_area: float = 3e-4  # line pieces under this fraction of the image are dropped
    block_softness: float = 0.7  # Gaussian sigma (px) of block edges (ink spreads on washi)
    paper_texture: float = 0.02  # washi fibre contrast on the whole sheet (fibres are lighter)
    woodgrain: float = 0.03  # woodgrain contrast in inked areas
    contour_delta_e: float = 22.0  # CIELAB distance between two inks whose border is carved
    contour_min_area: float = 2e-4  # contour pieces under this fraction of the image dropped
    face_tones: float = 0.7  # photo's facial light and shade pressed into small faces
    face_line_width: float = 0.025  # keyblock lines of a face, in eye distances (fine carving)


@lru_cache(maxsize=4)
def _woodgrain(h: int, w: int, seed: int) -> np.ndarray:
    """Horizontal woodgrain streaks: float32 ``(h, w)``, zero mean, unit std, read-only, cached.

    White noise made at a quarter size, blurred much more along x than y (long fibres of the
    cherry block), then a slow vertical wobble so grain lines are not perfectly straight.
    """
    rng = np.random.default_rng(seed)
    hs, ws = max(4, h // 4), max(4, w // 4)
    g = rng.standard_normal((hs, ws), dtype=np.float32)
    g = cv2.GaussianBlur(g, (0, 0), sigmaX=max(2.0, ws / 25), sigmaY=0.6)
    # Wobble: shift rows by a smooth function of x so the grain waves gently.
    xs = np.arange(ws, dtype=_F32)
    ys = np.arange(hs, dtype=_F32)
    phase = rng.uniform(0, 2 * np.pi)
    dy = (1.5 * np.sin(xs * _F32(2 * np.pi / max(ws, 1) * 1.3) + _F32(phase))).astype(_F32)
    map_x = np.broadcast_to(xs[None, :], (hs, ws)).astype(_F32)
    map_y = (ys[:, None] + dy[None, :]).astype(_F32)
    g = cv2.remap(g, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    g = cv2.resize(g, (w, h), interpolation=cv2.INTER_LINEAR)
    g -= g.mean()
    g /= float(g.std()) or 1.0
    g.setflags(write=False)
    return g


def _snap_to_inks(lab_means: np.ndarray, ink_lab: np.ndarray, gain: float) -> np.ndarray:
    """Index of the nearest ink (CIELAB) for each region mean, chroma boosted first."""
    m = lab_means.astype(_F32).copy()
    m[:, 1:] *= _F32(gain)
    d = ((m[:, None, :] - ink_lab[None, :, :]) ** 2).sum(-1)
    return d.argmin(1).astype(np.uint8)


def _sky_mask(ink_idx: np.ndarray) -> np.ndarray:
    """Blocks of sky inks connected to the top edge: where bokashi is printed."""
    # Blue-grey is left out on purpose: it is the ink of water and shade, and a sea seen
    # through a gap in the clouds must not become part of the sky.
    pale = np.zeros(len(INKS), bool)
    pale[[_INK_INDEX[n] for n in _SKY_INKS]] = True
    cand = pale[ink_idx].astype(np.uint8)
    if not cand.any():
        return cand.astype(bool)
    _, cc = cv2.connectedComponents(cand, connectivity=4, ltype=cv2.CV_32S)
    top = np.unique(cc[: max(1, cc.shape[0] // 50)])
    top = top[top > 0]
    if top.size == 0:
        return np.zeros(cand.shape, bool)
    return np.isin(cc, top)


def _bokashi(sky: np.ndarray, depth: float, strength: float) -> np.ndarray:
    """Graded blue coverage ``(H, W)`` in ``[0, 1]``: full at each sky column's top, fading down."""
    h, w = sky.shape
    if not sky.any():
        return np.zeros((h, w), _F32)
    has = sky.any(0)
    first = np.where(has, sky.argmax(0), h).astype(_F32)
    # Smooth the per-column start so the gradation follows the skyline gently, not its notches.
    first = cv2.GaussianBlur(first[None, :], (0, 0), sigmaX=max(1.0, w / 60), sigmaY=0.1)[0]
    y = np.arange(h, dtype=_F32)[:, None]
    t = (y - first[None, :]) / _F32(max(1.0, depth * h))
    g = np.clip(1.0 - t, 0.0, 1.0)
    g *= g  # ease out: dense at the top, a long soft tail (the printer's wiped gradation)
    g *= _F32(strength)
    soft = cv2.GaussianBlur(sky.astype(_F32), (0, 0), 1.5)
    return (g * soft).astype(_F32)


def _face_blocks(ink_idx: np.ndarray, lab: np.ndarray, parts: _people.FaceParts,
                 ink_lab: np.ndarray) -> np.ndarray:
    """Ink labels with each face's skin as one flat block and its lips in beni red.

    The skin ink is one of ``_SKIN_INKS`` by the skin tone (a pale face prints pale, a dark one
    in ochre or brown; one tone for all the faces of a photo): flat, as a print has no shading
    on a face, and not the photo's blotches of light and shade."""
    out = ink_idx.copy()
    skin_px = parts.skin > 0.5
    lab_skin = lab[skin_px]
    if lab_skin.size:
        # Skin tone by its individual typology angle, ITA = atan((L - 50) / b) (Chardon et al.
        # 1991), which depends less on the lighting than L alone: over 45 degrees prints pale.
        L, b = (float(v) for v in np.median(lab_skin[:, [0, 2]], axis=0))
        ita = float(np.degrees(np.arctan2(L - 50.0, max(b, 1.0))))
        k = int(np.searchsorted([15.0, 30.0, 45.0], ita))  # 0 darkest .. 3 palest
        ink = _INK_INDEX[_SKIN_INKS[3 - k]]
        face_px = parts.face > 0.5
        # The whole face inside the outline, eyes and brows included: the keyblock draws them.
        # Skin just outside the mesh's outline (the forehead above it, the ears, the neck)
        # prints in the same block where its colour is close to the face's.
        iod = float(np.median([g.iod for g in parts.faces]))
        r = max(1, round(0.6 * iod))
        near = cv2.dilate(face_px.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
        ref = np.median(lab_skin, axis=0)
        # Hue close to the face's; lightness may differ more (a lit forehead, a shaded neck).
        close = (np.linalg.norm(lab[..., 1:] - ref[1:], axis=2) < 14.0) & (np.abs(lab[..., 0] - ref[0]) < 35.0)
        out[face_px | (near & close)] = ink
    lips = (parts.lips > 0.5) & (parts.mouth < 0.5)
    pale = lab_skin.size and out[skin_px].size and int(np.median(out[skin_px])) == _INK_INDEX["flesh"]
    out[lips] = _INK_INDEX["pink"] if pale else _INK_INDEX["vermilion"]
    out[parts.mouth > 0.5] = _INK_INDEX["cream"]
    return out


def _face_keyblock(ink: np.ndarray, parts: _people.FaceParts, width: float,
                   lum: np.ndarray) -> np.ndarray:
    """Keyblock with the photo's lines inside each face removed and the face carved instead:
    fine lines for the outline, the eyes (a stronger upper lid), brows, nose (its shadow side,
    no outline round it) and mouth."""
    inner = cv2.erode(parts.face, np.ones((3, 3), np.uint8), iterations=2)
    ink = ink * (1.0 - inner)
    carve = np.zeros_like(ink)
    for g in parts.faces:
        _people.feature_ink(g, carve, min_width=1.0, lids=2.0 * width, brows=1.2 * width,
                            mouth=width, lower_value=0.7, brow_value=0.9, nose="none")
        # The nose as the prints carve it: one line down its shadow side into the nostril.
        _people.nose_side(g, lum, carve, max(1.0, width * g.iod), value=0.9)
        for name in _people.EYES:  # the pupil: a dot where the eye is darkest (its gaze)
            for p in g.lines.get(name, []):
                c = _people.darkest_point(lum, p)
                if c is not None:
                    r = max(0.8, 0.07 * g.iod)
                    cv2.circle(carve, (round(c[0] * 16), round(c[1] * 16)), round(r * 16), 1.0, -1,
                               cv2.LINE_AA, shift=4)
        _people.stroke(carve, g.oval, max(1.0, width * g.iod), value=0.9)
    return np.maximum(ink, carve)


def ukiyoe(
    image: np.ndarray,
    *,
    seed: int = 0,
    colors: int | None = None,
    line_width: float = 1.0,
    bokashi: bool = True,
    texture: float = 1.0,
    registration: float = 1.0,
    faces: Sequence | None = None,
    config: UkiyoeConfig | None = None,
) -> np.ndarray:
    """Ukiyo-e woodblock print (浮世絵): traditional flat inks, sumi keyblock, bokashi, washi.

    After the keyblock + colour-block process of ukiyo-e printing: bilateral + CIELAB k-means
    abstraction (Winnemöller et al. 2006) snapped to a traditional ink palette, XDoG keyblock
    lines (Winnemöller, Kyprianidis & Olsen 2012), graded bokashi skies, seeded registration
    offsets of the colour blocks and a washi + woodgrain texture.

    Parameters
    ----------
    image : (H, W, 3) float32 in [0, 1]
    seed : seeds the k-means regions, the registration offsets and the paper.
    colors : number of k-means regions before snapping to the inks (2-32); None: ``config.colors``.
    line_width : keyblock line width multiplier (0 disables the keyblock).
    bokashi : print the graded blue at the top of sky-like areas.
    texture : washi and woodgrain strength multiplier (0 = flat inks, 0-3).
    registration : colour-block offset multiplier (0 = perfect registration, 0-4).
    faces : the photo's faces (``painterly.faces.find_faces``); None finds them, ``()`` skips.
      Faces print as woodblock prints draw them: one flat skin block, red lips, and fine
      keyblock lines for the eyes, brows, nose, mouth and the face's outline.

    Returns (H, W, 3) float32 in [0, 1].
    """
    cfg = config or UkiyoeConfig()
    colors = cfg.colors if colors is None else colors
    if not 2 <= int(colors) <= 32:
        raise InputError(f"colors must be between 2 and 32, got {colors}")
    if line_width < 0 or not 0.0 <= texture <= 3.0 or not 0.0 <= registration <= 4.0:
        raise InputError("line_width must be >= 0, texture in [0, 3] and registration in [0, 4]")
    h, w = image.shape[:2]
    size, scale = _util.work_size(image.shape, cfg.work_side)
    rng = np.random.default_rng(seed)

    # 1. Smooth at the working size, in CIELAB.
    lab = _util.rgb_to_lab(_util.resize_to(image, size))
    for _ in range(cfg.bilateral_passes):
        lab = cv2.bilateralFilter(lab, 7, cfg.bilateral_sigma_color, 4.0)

    # 2. Regions -> inks.
    feat = lab * np.array([cfg.lightness_weight, 1.0, 1.0], _F32)
    centres = _util.kmeans_palette(feat, int(colors), seed=seed)
    labels = _util.majority_filter(
        _util.assign_palette(feat, centres), len(centres), ksize=cfg.mode_ksize
    )
    region, means = _util.region_stats(lab, labels, len(centres))
    inks = np.array(list(INKS.values()), _F32)
    ink_lab = _util.rgb_to_lab(inks[None])[0]
    ink_idx = _snap_to_inks(means, ink_lab[:_SNAP_INKS], cfg.ink_chroma_gain)[region]
    ink_idx = _util.majority_filter(ink_idx, _SNAP_INKS, ksize=cfg.ink_mode_ksize)
    found = _people.find(image, faces)
    parts = _people.face_parts(found, scale, (size[1], size[0]))
    if parts is not None:
        ink_idx = _face_blocks(ink_idx, lab, parts, ink_lab)

    # 3. The sky (pale or blue blocks touching the top) is printed as one pale blue block
    # (clouds keep their pale ink) that gets the graded Prussian blue after printing.
    sh, sw = ink_idx.shape
    sky_region = np.zeros((sh, sw), bool)
    if bokashi and cfg.bokashi_strength > 0:
        sky_region = _sky_mask(ink_idx)
        dark_blue = ink_idx == _INK_INDEX["prussian-blue"]
        ink_idx = np.where(sky_region & dark_blue, np.uint8(_INK_INDEX["pale-blue"]), ink_idx)

    # 4. Print each colour block with its own registration offset over the paper.
    acc = np.zeros((sh, sw, 3), _F32)
    cover = np.zeros((sh, sw), _F32)
    offsets = rng.uniform(-1.0, 1.0, (len(inks), 2)) * cfg.registration_px * registration
    for i in np.unique(ink_idx):
        m = (ink_idx == i).astype(_F32)
        if cfg.block_softness > 0:
            m = cv2.GaussianBlur(m, (0, 0), cfg.block_softness)
        dx, dy = offsets[i]
        if dx or dy:
            m = cv2.warpAffine(
                m,
                np.array([[1, 0, dx], [0, 1, dy]], _F32),
                (sw, sh),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
        acc += m[..., None] * inks[i]
        cover += m
    # Overlaps average their inks; gaps (misregistration slivers) show the paper.
    over = np.maximum(cover, 1.0)
    acc /= over[..., None]
    cover = np.minimum(cover, 1.0)
    acc += (1.0 - cover)[..., None] * _PAPER

    if sky_region.any():
        g = _bokashi(sky_region, cfg.bokashi_depth, cfg.bokashi_strength)
        acc += g[..., None] * (np.array(INKS["prussian-blue"], _F32) - acc)

    # 5. Keyblock lines.
    ink = None
    if line_width > 0:
        ink = _util.xdog(
            lab[..., 0] * _F32(0.01),
            sigma=cfg.line_sigma * line_width,
            epsilon=cfg.line_epsilon,
            phi=cfg.line_phi,
        )
        keep = _util.remove_small_components(
            ink > 0.3, min_area=max(4, int(cfg.line_min_area * sw * sh))
        )
        ink = np.clip(ink * keep * _F32(1.4), 0.0, 1.0)
        # The keyblock also outlines the colour blocks: borders between clearly different
        # inks (not inside the sky, which is one graded block), carved about a pixel wide.
        dist = np.sqrt(((ink_lab[:, None] - ink_lab[None]) ** 2).sum(-1))
        border = np.zeros((sh, sw), bool)
        right = dist[ink_idx[:, :-1], ink_idx[:, 1:]] > cfg.contour_delta_e
        down = dist[ink_idx[:-1, :], ink_idx[1:, :]] > cfg.contour_delta_e
        border[:, :-1] |= right
        border[:-1, :] |= down
        # The sky is one graded block: borders between its inks (cloud edges) are not
        # carved; XDoG lines in it (cables, masts, strong cloud edges) are kept.
        border &= ~sky_region
        border = _util.remove_small_components(
            border, min_area=max(4, int(cfg.contour_min_area * sw * sh))
        )
        edge = cv2.GaussianBlur(border.astype(_F32), (0, 0), 0.6 * max(line_width, 0.5))
        edge = np.clip(edge * _F32(2.2), 0.0, 1.0)
        np.maximum(ink, edge, out=ink)
        if parts is not None:
            ink = _face_keyblock(ink, parts, cfg.face_line_width * line_width, lab[..., 0])

    # 6. Full size: inks, keyblock, washi and woodgrain.
    out = _util.resize_to(acc, (w, h))
    if out is acc:
        out = out.copy()
    # Everything below is folded into one (H, W) factor and one add, so the full-size colour
    # image is touched only three times: out = out * texture * (1 - ink) + ink * sumi.
    fac = None
    if texture > 0 and h >= 4 and w >= 4:
        pseed = int(rng.integers(0, 2**31 - 1)) % 1000  # few sheets, each cached
        washi = rice_paper((h, w), seed=pseed)
        grain = _woodgrain(h, w, pseed)
        cov = _util.resize_to(cover, (w, h))
        # Ink sits in the wood's grain: darker and lighter streaks where a block printed;
        # washi fibres are lighter than the sheet and show through everywhere.
        fac = cv2.multiply(grain, cov, scale=cfg.woodgrain * texture)
        fac += _F32(1.0)
        cv2.scaleAdd(washi, cfg.paper_texture * texture, fac, dst=fac)
    k = None
    if ink is not None:
        k = _util.resize_to(ink, (w, h))
        left = _F32(1.0) - k
        fac = left if fac is None else cv2.multiply(fac, left)
    if fac is not None:
        out *= fac[..., None]
    if k is not None:
        out += k[..., None] * _KEY
    np.clip(out, 0.0, 1.0, out=out)
    # Small faces have no room for carved features: the photo's facial tones carry them.
    _people.refine_small_faces(out, image, found, lambda c, fs: ukiyoe(
        c, seed=seed, colors=colors, line_width=line_width, bokashi=False, texture=texture,
        registration=registration, faces=fs, config=cfg))
    _people.imprint(out, image, found, small=cfg.face_tones, large=0.0)
    return np.ascontiguousarray(out, dtype=_F32)


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "ukiyo-e",
        ukiyoe,
        (
            "Ukiyo-e Japanese woodblock print: flat traditional inks, dark keyblock outlines, graded "
            "blue skies and washi paper"
        ),
        details=(
            "Ukiyo-e Japanese woodblock print: flat colour areas with fine dark outlines, muted "
            "indigo and beige, like Hokusai's Great Wave or Hiroshige landscapes"
        ),
        tags=(
            "ukiyo-e", "ukiyoe", "woodblock", "woodblock print", "japanese print",
            "japanese woodblock", "hokusai", "hiroshige", "edo", "great wave", "printmaking",
            "prussian blue", "bokashi", "浮世绘", "浮世絵", "木版画", "版画", "木刻", "葛饰北斋", "葛飾北斎", "歌川广重",
            "日本版画", "和风", "woodcut", "japanese", "japan", "print", "linocut", "日本", "日式", "神奈川冲浪里",
        ),
        method=(
            "Keyblock + colour-block process of ukiyo-e printing: bilateral + CIELAB k-means "
            "abstraction (Winnemöller 2006) snapped to traditional inks, XDoG keyblock lines "
            "(Winnemöller 2012), bokashi gradation, registration offsets, washi and woodgrain"
        ),
        aliases=("ukiyoe", "woodblock", "woodblock-print", "hanga"),
    ),
)
