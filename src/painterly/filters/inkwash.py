"""Chinese ink painting (水墨画): washes that bleed and dry, brush lines along the forms, 留白.

Method: a painter's order of work, each step an image-space model of ink on absorbent xuan
paper. Ink diffusion after Kunii, Nosovskij & Hayashi 1995 ("A diffusion model for computer
animation of diffuse ink painting"), the dried rim of a wash after the edge darkening of
Curtis et al. 1997 ("Computer-generated watercolor"), brush lines along the image's flow after
Kang, Lee & Chui 2007 (flow-based line drawing: lines follow the edge tangent field):

1. Composition, 留白 (empty space): the painting keeps what carries the picture and leaves the
   rest to the paper. Importance is large-scale structure (smoothed gradient energy) and
   darkness; around people (``painterly.faces``) the person is the subject. Ink fades out
   where importance is low and towards the sheet's margins.
2. Washes, 墨分五色: the grey image, strongly abstracted into a few large shapes, is laid
   down as three washes (clear, light, heavy ink), each a soft-edged area whose ink bleeds into
   the paper (a blurred, fibre-gated spread, 洇) and dries with a darker rim (水渍), as layered
   ink does; no per-pixel tone quantisation, which reads as camouflage blotches.
3. Brush lines (勾): strong, long contours of the abstracted image (Lu et al.'s line-convolved
   stroke map, which lengthens marks along the contour), their pressure varying along the
   stroke and dry-brush gaps (飞白) streaked along the flow (line integral convolution of
   noise), not round holes.
4. Texture (皴擦): in dark, busy areas (hair, foliage) short dry strokes along the flow.
5. Faces: the skin in a light wash of its own that follows the photo's darkness and form, the
   eyes, brows, the nose's shadow side and mouth drawn as fine brush lines with dark pupils
   over the features' own dark detail in fine ink, the lower face outline as a light line.
6. Full resolution: xuan paper (fibres absorb more ink), ink over warm paper, an optional
   light colour wash (淡彩) and a red seal (印章).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from painterly.errors import InputError
from painterly.filters import _people, _util
from painterly.filters.paper import flow_noise, rice_paper
from painterly.filters.pencil import PencilConfig, stroke_map
from painterly.styles import as_filter

_F32 = np.float32


@dataclass(frozen=True)
class InkWashConfig:
    work_size: int = 720  # long side of the painting pass: washes need little detail
    white_space: float = 0.45  # fraction of the picture's darkness range left as bare paper (留白)
    # Wash layers, clear to burnt ink (清 淡 重 焦): (threshold on the normalised darkness, density).
    washes: tuple[tuple[float, float], ...] = ((0.12, 0.16), (0.4, 0.34), (0.65, 0.6), (0.88, 0.8))
    wash_scale: float = 0.012  # shape smoothing, fraction of the long side: few, large shapes
    wash_detail: float = 0.35  # how much finer tone variation shows inside a wash
    bleed: float = 2.5  # px (working size) that wet ink spreads into the paper (洇)
    rim: float = 0.3  # extra ink in the dried rim of a wash (水渍), relative to its density
    focus: float = 0.7  # how strongly unimportant areas fade to paper (0 = paint everything)
    margin: float = 0.06  # fraction of the sheet's side over which ink fades at the margins
    line_strength: float = 0.85  # ink density of the brush lines
    line_threshold: float = 0.18  # stroke-map value below which a contour gets no line
    line_gradient: float = 0.07  # luminance step per px (working size) that draws a full line
    line_scale: float = 1.6  # px (working size) of smoothing before contour detection
    dry_brush: float = 0.3  # fraction of a line broken by streaked dry-brush gaps (飞白)
    texture: float = 0.5  # dry texture strokes (皴擦) in dark, busy areas
    face_tones: float = 1.0  # photo's facial light and shade as a wash on small faces
    face_line: float = 0.03  # feature brush lines, in eye distances
    face_detail: float = 4.0  # ink per unit of the photo's dark detail inside the features
    face_wash: float = 0.08  # least ink on the skin (a clear-ink wash; 0: a pale face is bare paper)
    face_shading: float = 0.7  # skin wash density per unit of the photo's darkness (its light and shade)
    fibre_absorption: float = 0.05  # how much the paper texture shows through the ink
    paper_color: tuple[float, float, float] = (0.95, 0.925, 0.86)  # aged xuan paper, RGB
    ink_color: tuple[float, float, float] = (0.07, 0.07, 0.08)  # pine-soot ink, slightly cool


# Brush contours: longer line kernels than the pencil's and only confident edges.
_LINE_CFG = PencilConfig(line_frac=1 / 45, stroke_gamma=2.0, stroke_gain=1.0)


def _smoothstep(x: np.ndarray, edge: float, width: float) -> np.ndarray:
    t = np.clip((x - (edge - width)) * _F32(0.5 / width), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _seal(out: np.ndarray, rng: np.random.Generator) -> None:
    """Stamp a red seal (印章) with a carved pseudo-glyph in the lower right corner, in place."""
    h, w = out.shape[:2]
    size = max(12, int(min(h, w) * 0.09))
    x0, y0 = w - size - int(0.04 * w), h - size - int(0.05 * h)
    if x0 < 0 or y0 < 0:
        return
    # Carved strokes: a few horizontal, vertical and bent lines on a 3x3 grid, like seal script.
    mask = np.ones((size, size), _F32)
    grid = np.linspace(0.2, 0.8, 3) * size
    thick = max(1, size // 10)
    for _ in range(9):
        i, j = rng.integers(0, 3, 2)
        if rng.random() < 0.5:
            p, q = (int(grid[0]), int(grid[j])), (int(grid[2]), int(grid[j]))
        else:
            p, q = (int(grid[i]), int(grid[0])), (int(grid[i]), int(grid[2]))
        cv2.line(mask, p, q, 0.0, thick, cv2.LINE_AA)
    cv2.rectangle(mask, (thick, thick), (size - 1 - thick, size - 1 - thick), 0.0, thick, cv2.LINE_AA)
    # Uneven stamp pressure: some of the red misses the paper.
    press = rng.random((max(2, size // 6), max(2, size // 6))).astype(_F32)
    press = cv2.resize(press, (size, size), interpolation=cv2.INTER_CUBIC)
    ink = np.clip(mask * (press > 0.12), 0.0, 1.0)[..., None] * _F32(0.85)
    red = _F32((0.72, 0.12, 0.10))
    region = out[y0 : y0 + size, x0 : x0 + size]
    region[...] = region * (1.0 - ink) + red * ink


def _importance(lum: np.ndarray, dark: np.ndarray, subject: np.ndarray | None, cfg: InkWashConfig) -> np.ndarray:
    """Where to paint (1) and where to leave paper (0): structure, darkness, subject, margins."""
    h, w = lum.shape
    big = max(h, w)
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    energy = cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), big / 40)
    energy *= _F32(1.0 / (float(np.percentile(energy, 95)) + 1e-6))
    imp = np.clip(np.maximum(energy, dark * _F32(1.2)), 0.0, 1.0)
    if subject is not None:
        # Around people the person is the subject: the background keeps only its darkest parts.
        imp = np.maximum(imp * _F32(0.45), subject)
    imp = cv2.GaussianBlur(imp, (0, 0), big / 60)
    # Fade to paper at the margins: the painting floats on the sheet.
    m = max(1.0, cfg.margin * big)
    yy = np.minimum(np.arange(h), np.arange(h)[::-1])[:, None].astype(_F32)
    xx = np.minimum(np.arange(w), np.arange(w)[::-1])[None, :].astype(_F32)
    edge = np.clip(np.minimum(yy, xx) / _F32(m), 0.0, 1.0)
    imp *= edge * edge * (3.0 - 2.0 * edge)
    return _F32(1.0 - cfg.focus) + _F32(cfg.focus) * _smoothstep(imp, 0.35, 0.3)


def _washes(dark: np.ndarray, weight: np.ndarray, fibres: np.ndarray, flow: np.ndarray,
            cfg: InkWashConfig) -> np.ndarray:
    """Ink density of the layered washes: large soft shapes that bleed and dry with a rim.

    ``flow`` is low-frequency turbulence (unit std): a wash's border wanders with it and its
    ink is uneven with it, as a brush load runs out and water pools."""
    h, w = dark.shape
    big = max(h, w)
    shape = cv2.GaussianBlur(dark, (0, 0), cfg.wash_scale * big)
    fine = dark - shape
    total = np.zeros_like(dark)
    level = shape * weight + flow * _F32(0.05)
    uneven = _F32(1.0) + _F32(0.18) * flow
    for i, (edge, dens) in enumerate(cfg.washes):
        area = _smoothstep(level, edge, 0.09)
        if not area.any():
            continue
        # Bleeding: the wet ink spreads into the paper, gated by its fibres (洇).
        spread = cv2.GaussianBlur(area, (0, 0), cfg.bleed * (1.0 + 0.5 * i))
        area = np.maximum(area, spread * np.clip(_F32(0.7) + _F32(0.6) * fibres, 0.0, 1.0))
        # Drying: pigment gathers at the rim of the wash (水渍).
        rim = np.clip(area - cv2.GaussianBlur(area, (0, 0), 3.0 + 2.0 * i), 0.0, 1.0)
        layer = area * _F32(dens) * (uneven + _F32(cfg.wash_detail) * fine * _F32(4.0))
        layer += rim * _F32(cfg.rim * dens * 2.0)
        # Ink over ink: layers add as densities (1 - transmission products).
        total = total + np.clip(layer, 0.0, 1.0) * (1.0 - total)
    return total


def _lines(lum: np.ndarray, weight: np.ndarray, tangent: tuple[np.ndarray, np.ndarray],
           seeds: list[int], cfg: InkWashConfig) -> np.ndarray:
    """Brush lines along strong contours, with pressure and streaked dry-brush gaps (飞白)."""
    h, w = lum.shape
    contour = cv2.GaussianBlur(lum, (0, 0), cfg.line_scale)
    strokes = 1.0 - stroke_map(contour, _LINE_CFG, scale=cfg.line_gradient)
    line = np.clip((strokes - cfg.line_threshold) * _F32(1.0 / (1.0 - cfg.line_threshold)), 0.0, 1.0)
    line = cv2.dilate(line, np.ones((2, 2), np.uint8))
    line *= np.clip(weight * _F32(1.3), 0.0, 1.0)
    # Pressure: a slow swell and thinning along the strokes.
    press = _F32(0.75) + _F32(0.25) * flow_noise((h, w), seed=seeds[0], scale=max(h, w) / 18)
    # Dry brush: noise smeared along the stroke direction, thresholded into streaks.
    rng = np.random.default_rng(seeds[1])
    streak = _util.line_integral_convolution(rng.random((h, w), dtype=_F32), *tangent, length=5)
    # float64 statistics: a float32 sum depends on the buffer's alignment (SIMD), so a float32
    # mean could differ in its last bit between two runs, and the result would not be pure.
    streak = (streak - _F32(streak.mean(dtype=np.float64))) / _F32(streak.std(dtype=np.float64) + 1e-6)
    dry = np.clip((streak + _F32(2.5 * (0.5 - cfg.dry_brush))) * _F32(1.5), 0.0, 1.0)
    return np.clip(line * press * (_F32(0.35) + _F32(0.65) * dry), 0.0, 1.0) * _F32(cfg.line_strength), streak


def _face_strokes(parts: _people.FaceParts, lum: np.ndarray, cfg: InkWashConfig) -> np.ndarray:
    """Fine brush lines of each face: lids, brows, nose, mouth, pupils and the lower outline."""
    ink = np.zeros(lum.shape, _F32)
    for g in parts.faces:
        u = cfg.face_line
        _people.feature_ink(g, ink, min_width=1.0, lids=1.8 * u, brows=2.2 * u, mouth=1.2 * u,
                            lower_value=0.45, brow_value=0.8, nose="none")
        _people.nose_side(g, lum, ink, max(1.0, 1.2 * u * g.iod), value=0.75)
        n = len(g.oval)
        lower = g.oval[n // 4 : 3 * n // 4 + 1] if n > 8 else g.oval  # cheeks and jaw
        _people.stroke(ink, lower, _people.taper(len(lower), max(1.0, 0.8 * u * g.iod), ends=0.2), value=0.45)
        for name in _people.EYES:
            for p in g.lines.get(name, []):
                c = _people.darkest_point(lum, p)
                if c is not None:
                    r = round(max(0.8, 0.075 * g.iod) * 16)
                    cv2.circle(ink, (round(c[0] * 16), round(c[1] * 16)), r, 0.95, -1, cv2.LINE_AA, shift=4)
    return ink


def ink_wash(
    image: np.ndarray,
    *,
    seed: int = 0,
    white_space: float | None = None,
    color: float = 0.0,
    seal: bool = False,
    faces: Sequence | None = None,
    config: InkWashConfig = InkWashConfig(),
) -> np.ndarray:
    """Chinese ink painting (水墨): layered washes, brush lines, texture strokes, 留白, xuan paper.

    ``image``: float32 HxWx3 in [0, 1]. ``seed`` picks the paper and the brush noise.
    ``white_space`` (0-0.9) overrides the share of the darkness range left as bare paper.
    ``color`` (0-1) mixes in a light colour wash (淡彩) from the photo; 0 is pure ink.
    ``seal`` stamps a red seal. ``faces``: the photo's faces (``painterly.faces.find_faces``);
    None finds them, ``()`` skips. Returns float32 HxWx3 in [0, 1].

    Precision: the abstraction runs on an 8-bit grey copy at the working size (bilateral and
    median filtering); the ink layers that follow are float32.
    """
    cfg = config
    ws = cfg.white_space if white_space is None else float(white_space)
    if not 0.0 <= ws <= 0.9:
        raise InputError(f"white_space must be between 0 and 0.9, got {white_space}")
    if not 0.0 <= float(color) <= 1.0:
        raise InputError(f"color must be between 0 and 1, got {color}")
    h, w = image.shape[:2]
    rng = np.random.default_rng(seed)
    seeds = [int(s) for s in rng.integers(0, 2**31, size=6)]
    size, scale = _util.work_size(image.shape, cfg.work_size)
    small = _util.resize_to(image, size)
    sh, sw = small.shape[:2]

    # Abstraction of the grey image: brush washes carry no photo detail.
    u8 = np.clip(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    for _ in range(3):
        u8 = cv2.bilateralFilter(u8, 9, 30, 6)
    u8 = cv2.medianBlur(u8, 5)
    lum = u8.astype(_F32) * _F32(1.0 / 255.0)
    dark = 1.0 - lum
    lo, hi = (float(v) for v in np.percentile(dark, (ws * 100.0, 99.5)))
    if hi - lo < 0.1:  # a (nearly) flat picture: keep its absolute darkness, nothing to stretch
        lo, hi = 0.0, 1.0
    dark = np.clip((dark - lo) / max(hi - lo, 1e-3), 0.0, 1.0)

    found = _people.find(image, faces)
    parts = _people.face_parts(found, scale, (sh, sw))
    subject = None
    if parts is not None:
        # The people are the subject (person segmentation, on the working copy).
        from painterly.faces import person_mask

        # Rounded to 8 bits: the network's last bits may vary between runs (threads), and the
        # painting must not (same seed, same picture).
        subject = np.round(np.asarray(person_mask(small), _F32) * _F32(255.0)) * _F32(1.0 / 255.0)

    # 1. Composition (留白).
    weight = _importance(lum, dark, subject, cfg)
    fibres = flow_noise((sh, sw), seed=seeds[2], scale=4.0)

    # 2. Washes. Skin gets one even wash of its own tone (a dark face stays dark, a pale one
    #    near bare): a face in ink is its lines and its tone, not its blotches of shading.
    if parts is not None:
        iod = float(np.median([g.iod for g in parts.faces]))
        even = cv2.GaussianBlur(dark, (0, 0), 0.25 * iod)
        # The face's form as a painter lays it in: the even tone, its broad shading (eye
        # sockets, the nose's shadow side, under the lip) as a lighter second wash, and at
        # least a clear-ink wash (清墨), so a pale face is not a hole cut in the paper.
        form = cv2.GaussianBlur(dark, (0, 0), max(1.0, 0.06 * iod)) - even
        skin_ink = np.maximum(_F32(0.85) * even + _F32(cfg.face_shading) * form, _F32(cfg.face_wash))
        dark = dark + parts.skin * (skin_ink - dark)
        # The skin's own wash, laid after the layered ones: its density follows the photo's
        # absolute darkness at the scale of the face's forms, so a dark face is painted in a
        # darker ink than a pale one (the layers' thresholds would leave both bare paper).
        raw = cv2.GaussianBlur(_F32(1.0) - small.mean(2), (0, 0), max(1.0, 0.06 * iod))
        skin_dens = np.clip(_F32(cfg.face_wash) + _F32(cfg.face_shading) * (raw - _F32(0.2)), 0.0, 0.8)
    flow = flow_noise((sh, sw), seed=seeds[4], scale=max(sh, sw) / 8)
    dens = _washes(dark, weight, fibres, flow, cfg)
    if parts is not None:
        bled = cv2.GaussianBlur(parts.skin, (0, 0), cfg.bleed)  # the wash bleeds past the outline
        skin_dens = skin_dens * (_F32(1.0) + _F32(0.15) * flow)
        dens = dens + bled * np.clip(skin_dens - dens, 0.0, None)

    # 3. Brush lines along the flow; 4. dry texture strokes in dark, busy areas.
    tx, ty, _ = _util.structure_tensor_flow(np.repeat(lum[..., None], 3, 2), sigma=3.0)
    line, streak = _lines(lum, weight, (tx, ty), seeds, cfg)
    if parts is not None:
        inner = cv2.erode(parts.skin, np.ones((3, 3), np.uint8), iterations=2)
        line *= 1.0 - inner
        line = np.maximum(line, _face_strokes(parts, lum, cfg))
    if cfg.texture > 0:
        busy = cv2.GaussianBlur(np.abs(cv2.Laplacian(lum, cv2.CV_32F)), (0, 0), 3.0)
        busy = np.clip(busy * _F32(1.0 / (float(np.percentile(busy, 97)) + 1e-6)), 0.0, 1.0)
        tex = np.clip(streak - _F32(0.8), 0.0, 1.0) * busy * dark * weight * _F32(cfg.texture)
        dens = dens + tex * (1.0 - dens)
    dens = dens + line * (1.0 - dens)
    if parts is not None and cfg.face_detail > 0:
        # The features in fine ink (工笔 in a 写意 painting): the photo's own dark detail in the
        # eyes, brows and lips (lids, iris, lash line, the parting of the lips), which the
        # landmark strokes alone only trace.
        raw = _F32(1.0) - small.mean(2)
        fine = cv2.GaussianBlur(raw, (0, 0), max(0.5, 0.02 * iod)) - cv2.GaussianBlur(raw, (0, 0), max(1.0, 0.15 * iod))
        detail = np.clip(fine * _F32(cfg.face_detail), 0.0, 0.6) * parts.features
        dens = dens + detail * (1.0 - dens)
    dens = cv2.GaussianBlur(dens, (0, 0), 0.6)  # wet ink never has a pixel-sharp border

    # 6. Full resolution: rice-paper absorption and compositing over the paper colour.
    if (sh, sw) != (h, w):
        dens = cv2.resize(dens, (w, h), interpolation=cv2.INTER_LINEAR)
    paper = rice_paper((h, w), seed=seeds[3])
    # Fibres take up more ink inside a stroke, and show as pale threads in the sheet.
    dens = dens * (_F32(1.0) + _F32(cfg.fibre_absorption) * paper)
    np.clip(dens, 0.0, 1.0, out=dens)
    sheet = 1.0 + paper * _F32(0.015)
    base = np.asarray(cfg.paper_color, _F32)
    ink = np.asarray(cfg.ink_color, _F32)
    out = cv2.merge([sheet * base[c] + dens * (ink[c] - sheet * base[c]) for c in range(3)])
    if color > 0.0:
        # Light colour wash (淡彩): photo chroma, simplified, multiplied into the paper.
        tint = cv2.GaussianBlur(small, (0, 0), 4.0)
        grey = cv2.cvtColor(cv2.cvtColor(tint, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        tint = np.clip(1.0 + (tint - grey) * _F32(1.5 * color), 0.0, 1.2)
        if (sh, sw) != (h, w):
            tint = cv2.resize(tint, (w, h), interpolation=cv2.INTER_LINEAR)
        out = cv2.multiply(out, tint)
    if seal:
        _seal(out, np.random.default_rng(seeds[5]))
    np.clip(out, 0.0, 1.0, out=out)
    # A face in ink keeps its light and shade as a light wash (strongest on small faces).
    _people.refine_small_faces(out, image, found, lambda c, fs: ink_wash(
        c, seed=seed, white_space=white_space, color=color, faces=fs, config=cfg))
    _people.imprint(out, image, found, small=cfg.face_tones, large=0.5)
    return np.ascontiguousarray(out, dtype=_F32)


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "ink-wash",
        ink_wash,
        "Chinese ink painting: layered ink washes, brush lines along the forms, lots of empty paper",
        details=(
            "Chinese ink wash painting: black ink brush strokes in shades of grey on rice paper, "
            "sumi-e, misty mountains and empty space, calm, minimal and meditative"
        ),
        tags=(
            "ink wash", "ink", "sumi-e", "sumie", "chinese ink painting", "chinese painting",
            "shan shui", "brush", "monochrome", "zen", "japanese ink", "水墨", "水墨画", "国画", "中国画",
            "山水画", "墨", "写意", "宣纸", "墨画", "sumi", "brush painting", "calligraphy", "black ink",
            "minimal", "misty", "landscape", "rice paper", "east asian", "traditional chinese",
            "山水", "毛笔", "书法", "禅", "留白",
        ),
        method=(
            "Layered washes with ink diffusion (after Kunii et al. 1995) and dried rims (Curtis et "
            "al. 1997), flow-following brush lines with dry-brush streaks, 留白 by importance, on "
            "procedural xuan paper"
        ),
        aliases=("inkwash", "sumi-e", "sumie", "chinese-ink", "shuimo", "ink-painting"),
    ),
)
