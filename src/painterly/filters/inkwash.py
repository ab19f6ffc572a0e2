"""Chinese ink-wash painting (水墨画, sumi-e): a few ink tones bleeding into rice paper.

Method: an image-space approximation of ink diffusion on absorbent paper (Kunii, Nosovskij,
Hayashi 1995, "A diffusion model for computer animation of diffuse ink painting") over tonal
ink layers and a procedural xuan paper, cheap enough for an interactive filter. Steps:

1. Abstraction: the grey image is flattened by bilateral passes and a median, as brush washes
   carry no photo detail.
2. Tonal layers: ink darkness is normalised by percentiles so that the lightest ``white_space``
   fraction of the picture stays bare paper (留白), then quantised into a few ink tones with
   soft, noise-perturbed borders ("墨分五色": from heavy to clear ink).
3. Brush lines: strong edges (difference of Gaussians on the abstracted image) are drawn in
   dark ink, broken by a dry-brush noise mask (飞白).
4. Bleeding: ink diffuses into wet paper; we spread every layer with a Gaussian and let paper
   fibres gate where the spread ink lands, giving feathered edges (洇墨).
5. Rice paper: the density is modulated by a procedural xuan texture (fibres absorb more ink)
   at full resolution, and composited over a warm paper colour. An optional red seal (印章)
   is stamped in a corner.

Steps 1-4 run on a small working copy; only the paper texture and compositing are full size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from painterly.filters.paper import flow_noise, rice_paper
from painterly.filters.pencil import PencilConfig, stroke_map
from painterly.styles import as_filter


@dataclass(frozen=True)
class InkWashConfig:
    work_size: int = 720  # long side of the abstraction pass: washes need little detail
    white_space: float = 0.45  # fraction of the picture left as bare paper (留白)
    # Ink densities of the tonal layers, light to heavy; a brush holds only a few dilutions.
    tones: tuple[float, ...] = (0.16, 0.38, 0.62, 0.88)
    softness: float = 0.03  # width of the transitions between tones (in normalised darkness)
    border_noise: float = 0.25  # relative wander of tone borders (wet brush, not a contour map)
    line_strength: float = 0.9  # ink density of the brush lines along strong edges
    line_threshold: float = 0.15  # stroke-map value below which a contour gets no brush line
    line_gradient: float = 0.08  # luminance step per px (work size) that draws a full line
    line_scale: float = 1.5  # px (at work size) of smoothing before contour detection
    dry_brush: float = 0.25  # fraction of a line broken by dry-brush gaps (飞白)
    bleed: float = 3.0  # px (at work size) of ink diffusion into the paper
    fibre_absorption: float = 0.04  # how much the paper texture shows through the ink
    fringe_texture: float = 0.06  # paper texture in the spreading fringe of wet ink (洇)
    paper_color: tuple[float, float, float] = (0.95, 0.925, 0.86)  # aged xuan paper, RGB
    ink_color: tuple[float, float, float] = (0.07, 0.07, 0.08)  # pine-soot ink, slightly cool


# Brush contours: longer line kernels than the pencil's and only confident edges.
_LINE_CFG = PencilConfig(line_frac=1 / 45, stroke_gamma=2.0, stroke_gain=1.0)


def _to_work(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    s = min(1.0, size / max(h, w))
    if s >= 1.0:
        return image
    return cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _smoothstep(x: np.ndarray, edge: float, width: float) -> np.ndarray:
    t = np.clip((x - (edge - width)) * np.float32(0.5 / width), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _seal(out: np.ndarray, rng: np.random.Generator) -> None:
    """Stamp a red seal (印章) with a carved pseudo-glyph in the lower right corner, in place."""
    h, w = out.shape[:2]
    size = max(12, int(min(h, w) * 0.09))
    x0, y0 = w - size - int(0.04 * w), h - size - int(0.05 * h)
    if x0 < 0 or y0 < 0:
        return
    # Carved strokes: a few horizontal, vertical and bent lines on a 3x3 grid, like seal script.
    mask = np.ones((size, size), np.float32)
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
    press = rng.random((max(2, size // 6), max(2, size // 6))).astype(np.float32)
    press = cv2.resize(press, (size, size), interpolation=cv2.INTER_CUBIC)
    ink = np.clip(mask * (press > 0.12), 0.0, 1.0)[..., None] * np.float32(0.85)
    red = np.float32((0.72, 0.12, 0.10))
    region = out[y0 : y0 + size, x0 : x0 + size]
    region[...] = region * (1.0 - ink) + red * ink


def ink_wash(
    image: np.ndarray,
    *,
    seed: int = 0,
    white_space: float | None = None,
    color: float = 0.0,
    seal: bool = False,
    config: InkWashConfig = InkWashConfig(),
) -> np.ndarray:
    """Chinese ink-wash painting (水墨): tonal ink layers, brush lines, bleeding, rice paper.

    ``image``: float32 HxWx3 in [0, 1]. ``seed`` picks the paper, the brush noise and the seal.
    ``white_space`` (0-0.9) overrides the fraction left as bare paper. ``color`` (0-1) mixes in
    a light colour wash (淡彩) from the photo; 0 is pure ink. ``seal`` stamps a red seal.
    Returns float32 HxWx3 in [0, 1].

    Precision: the tonal abstraction runs on an 8-bit grey copy at the working size (bilateral
    and median filtering); the ink layers that follow are float32.
    """
    cfg = config
    ws = cfg.white_space if white_space is None else float(white_space)
    if not 0.0 <= ws <= 0.9:
        from painterly.errors import InputError

        raise InputError(f"white_space must be between 0 and 0.9, got {white_space}")
    if not 0.0 <= float(color) <= 1.0:
        from painterly.errors import InputError

        raise InputError(f"color must be between 0 and 1, got {color}")
    h, w = image.shape[:2]
    rng = np.random.default_rng(seed)
    seeds = [int(s) for s in rng.integers(0, 2**31, size=4)]

    # 1. Abstraction of the grey image on a working copy.
    small = _to_work(image, cfg.work_size)
    sh, sw = small.shape[:2]
    u8 = np.clip(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    for _ in range(3):
        u8 = cv2.bilateralFilter(u8, 9, 30, 6)
    u8 = cv2.medianBlur(u8, 5)
    lum = u8.astype(np.float32) / 255.0

    # 2. Tonal layers: percentile-normalised darkness, quantised with wandering soft borders.
    dark = 1.0 - lum
    lo, hi = (float(v) for v in np.percentile(dark, (ws * 100.0, 99.5)))
    if hi - lo < 0.1:  # a (nearly) flat picture: keep its absolute darkness, nothing to stretch
        lo, hi = 0.0, 1.0
    dark = np.clip((dark - lo) / max(hi - lo, 1e-3), 0.0, 1.0)
    # Multiplicative, so bare paper (darkness 0) stays bare: the noise moves borders only.
    wander = flow_noise((sh, sw), seed=seeds[0], scale=max(sh, sw) / 12) * np.float32(cfg.border_noise)
    dark = cv2.multiply(dark, np.float32(1.0) + wander)
    n = len(cfg.tones)
    dens = np.zeros_like(dark)
    prev = 0.0
    for k, tone in enumerate(cfg.tones):
        edge = (k + 0.5) / n * 0.9 + 0.05  # thresholds spread over the normalised darkness
        dens += _smoothstep(dark, edge, cfg.softness) * np.float32(tone - prev)
        prev = tone

    # 3. Brush lines along strong edges, broken by dry-brush gaps. The line map is Lu et al.'s
    #    direction-classified line convolution of the gradient (see pencil.stroke_map), on a
    #    further-smoothed image so only the main contours get a stroke; it elongates strokes
    #    along the contour, as a brush does, where a plain edge detector leaves dots.
    contour = cv2.GaussianBlur(lum, (0, 0), cfg.line_scale)
    strokes = 1.0 - stroke_map(contour, _LINE_CFG, scale=cfg.line_gradient)
    line = np.clip((strokes - cfg.line_threshold) * np.float32(1.0 / (1.0 - cfg.line_threshold)), 0.0, 1.0)
    line = cv2.dilate(line, np.ones((2, 2), np.uint8))
    gaps = flow_noise((sh, sw), seed=seeds[1], scale=max(sh, sw) / 25)
    dry = np.clip((gaps + 2.0 * (0.5 - cfg.dry_brush)) * 2.0, 0.0, 1.0)
    dens = np.maximum(dens, line * dry * np.float32(cfg.line_strength))

    # 4. Bleeding: spread ink into the paper; fibres (noise) gate where the spread ink lands.
    spread = cv2.GaussianBlur(dens, (0, 0), cfg.bleed)
    feather = np.clip(0.75 + 0.5 * flow_noise((sh, sw), seed=seeds[2], scale=6.0), 0.0, 1.2)
    dens = np.maximum(dens, spread * feather * np.float32(0.8))
    dens = cv2.GaussianBlur(dens, (0, 0), 0.7)  # wet ink never has a pixel-sharp border

    # 5. Full resolution: rice-paper absorption and compositing over the paper colour.
    if (sh, sw) != (h, w):
        dens = cv2.resize(dens, (w, h), interpolation=cv2.INTER_LINEAR)
    paper = rice_paper((h, w), seed=seeds[3])
    # The sheet's texture shows through the ink a little everywhere, and a lot in the wet fringe
    # of a stroke (density between 0 and 1, where ink is still spreading: dens(1 - dens) peaks
    # there). Fibres are sized and shed ink, so they read as pale threads inside a wash.
    fringe = cv2.multiply(dens, np.float32(1.0) - dens) * np.float32(4.0 * cfg.fringe_texture)
    gain = fringe + np.float32(cfg.fibre_absorption)
    dens = dens - cv2.multiply(paper, cv2.multiply(gain, dens + np.float32(0.05)))
    np.clip(dens, 0.0, 1.0, out=dens)
    sheet = 1.0 + paper * np.float32(0.015)  # fibres catch the light a little differently
    base = np.asarray(cfg.paper_color, np.float32)
    ink = np.asarray(cfg.ink_color, np.float32)
    chans = []
    for c in range(3):
        pc = sheet * base[c]
        chans.append(pc + dens * (ink[c] - pc))
    out = cv2.merge(chans)
    if color > 0.0:
        # Light colour wash (淡彩): photo chroma, simplified, multiplied into the paper.
        tint = cv2.GaussianBlur(small, (0, 0), 4.0)
        grey = cv2.cvtColor(cv2.cvtColor(tint, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        tint = np.clip(1.0 + (tint - grey) * np.float32(1.5 * color), 0.0, 1.2)
        if (sh, sw) != (h, w):
            tint = cv2.resize(tint, (w, h), interpolation=cv2.INTER_LINEAR)
        out = cv2.multiply(out, tint)
    if seal:
        _seal(out, np.random.default_rng(seeds[3] + 1))
    np.clip(out, 0.0, 1.0, out=out)
    return np.ascontiguousarray(out, dtype=np.float32)


#: What this module provides to the style catalogue (see painterly.styles).
STYLES = (
    as_filter(
        "ink-wash",
        ink_wash,
        "Chinese ink-wash painting: a few ink tones bleeding into rice paper, lots of white space",
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
            "Tonal ink layers + image-space ink diffusion (after Kunii et al. 1995) on procedural "
            "xuan paper"
        ),
        aliases=("inkwash", "sumi-e", "sumie", "chinese-ink", "shuimo", "ink-painting"),
    ),
)
