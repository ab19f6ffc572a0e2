"""The visible AI label: "AI生成 · AI-generated" (or the user's text) at an edge or a corner.

GB 45438-2025 asks for a visible label on AI-generated images whose text is at least 5% of the
image's shorter side tall. The text is drawn with the font shipped in ``fonts/`` (a subset of
Noto Sans CJK SC Bold, SIL OFL 1.1, licence beside it), never a system font, so the label looks
the same everywhere. It sits on a rounded plate whose shade is picked from the pixels under it
(dark plate and white text on light areas, light plate and dark text on dark areas), so it reads
on any picture; the plate's opacity is configurable.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from painterly.errors import InputError

FONT_PATH = Path(__file__).with_name("fonts") / "NotoSansCJKsc-Bold-subset.otf"
DEFAULT_TEXT = "AI生成 · AI-generated"
SHORT_TEXT = "AI生成"  # used when the default text does not fit the width
POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left", "bottom", "top")
MIN_HEIGHT = 0.05  # GB 45438-2025: text height >= 5% of the shorter side


@dataclass(frozen=True)
class LabelConfig:
    """Where and how the visible label is drawn."""

    text: str = DEFAULT_TEXT  # the standard asks the label to say the content is AI-generated
    position: str = "bottom-right"  # a corner or an edge (centred): see POSITIONS
    height: float = MIN_HEIGHT  # text height / shorter side; the standard's minimum by default
    opacity: float = 0.8  # of the plate behind the text; the text itself is opaque
    margin: float = 0.02  # gap to the image edge / shorter side

    def check(self) -> LabelConfig:
        if self.position not in POSITIONS:
            raise InputError(f"label position must be one of {', '.join(POSITIONS)}; "
                             f"got {self.position!r}")
        if not MIN_HEIGHT <= self.height <= 0.5:
            raise InputError(f"label height must be between {MIN_HEIGHT} (the standard's minimum: 5% "
                             f"of the shorter side) and 0.5; got {self.height}")
        if not 0.0 <= self.opacity <= 1.0:
            raise InputError(f"label opacity must be between 0 and 1, got {self.opacity}")
        if not self.text.strip():
            raise InputError("label text is empty")
        missing = sorted({c for c in self.text if not c.isspace() and c not in _glyphs()})
        if missing:
            raise InputError(f"the label font has no glyph for {''.join(missing)!r}; it covers ASCII "
                             "and AI生成合成人工智能由内容标识·")
        return self


_LOCK = threading.Lock()


@cache
def _glyphs() -> frozenset[str]:
    from PIL import ImageFont

    font = ImageFont.truetype(str(FONT_PATH), 32)
    notdef = font.getmask("\uffff").getbbox()
    # a character renders as .notdef (an empty box here) when the font lacks it
    return frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset(
        ch for ch in "AI生成合成人工智能由内容标识·—–"
        if font.getmask(ch).getbbox() != notdef or ch.isascii())


@cache
def _font(size: int):
    from PIL import ImageFont

    with _LOCK:  # FreeType faces are loaded once per size
        return ImageFont.truetype(str(FONT_PATH), size)


def _fit_size(text: str, px: float) -> int:
    """Font size whose rendered ink for ``text`` is at least ``px`` tall."""
    probe = 200
    _, t, _, b = _font(probe).getbbox(text)
    return max(4, math.ceil(px * probe / max(1, b - t)))


def label_fits(image_shape: tuple[int, ...], *, config: LabelConfig = LabelConfig()) -> str | None:
    """None when :func:`add_label` can draw the label on an image of this shape, else why not
    (a thumbnail a few pixels wide has no room for legible text)."""
    try:
        _layout(image_shape[:2], config.check())
    except InputError as e:
        return str(e)
    return None


def _layout(shape: tuple[int, int], cfg: LabelConfig):
    """(text, font, left, top, pad, box width, box height, x0, y0) of the label on ``shape``."""
    h, w = shape
    short = min(h, w)
    target = cfg.height * short + 1.0  # +1 px: the bbox counts anti-aliased edge rows
    margin = max(1, round(cfg.margin * short))
    text = cfg.text
    size = _fit_size(text, target)
    font = _font(size)
    left, t, r, b = font.getbbox(text)
    pad = max(1, round(0.35 * (b - t)))
    if r - left + 2 * pad + 2 * margin > w and text == DEFAULT_TEXT:
        text = SHORT_TEXT  # the standard's Chinese wording alone
        size = _fit_size(text, target)
        font = _font(size)
        left, t, r, b = font.getbbox(text)
    bw, bh = r - left + 2 * pad, b - t + 2 * pad
    if bw > w or bh > h:
        raise InputError(f"label {text!r} does not fit a {w}x{h} image at {cfg.height:.0%} text "
                         "height; use a shorter text or a larger image")
    x0 = {"l": margin, "r": w - margin - bw, "c": (w - bw) // 2}[_horizontal(cfg.position)]
    y0 = margin if cfg.position.startswith("top") else h - margin - bh
    return text, font, left, t, pad, bw, bh, max(0, x0), max(0, y0)


def add_label(image: np.ndarray, *, config: LabelConfig = LabelConfig()) -> np.ndarray:
    """The image with the visible label drawn on it (contract image in and out)."""
    from PIL import Image, ImageDraw

    cfg = config.check()
    text, font, left, t, pad, bw, bh, x0, y0 = _layout(image.shape[:2], cfg)
    region = image[y0:y0 + bh, x0:x0 + bw]
    luma = float((region @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).mean())
    plate, ink = ((0.08, 1.0) if luma >= 0.45 else (0.95, 0.05))

    plate_mask = Image.new("L", (bw, bh), 0)
    ImageDraw.Draw(plate_mask).rounded_rectangle((0, 0, bw - 1, bh - 1), radius=pad, fill=255)
    text_mask = Image.new("L", (bw, bh), 0)
    ImageDraw.Draw(text_mask).text((pad - left, pad - t), text, font=font, fill=255)
    a_plate = np.asarray(plate_mask, dtype=np.float32)[..., None] / 255.0 * cfg.opacity
    a_text = np.asarray(text_mask, dtype=np.float32)[..., None] / 255.0

    out = image.copy()
    under = region * (1.0 - a_plate) + plate * a_plate
    out[y0:y0 + bh, x0:x0 + bw] = under * (1.0 - a_text) + ink * a_text
    return np.ascontiguousarray(np.clip(out, 0.0, 1.0), dtype=np.float32)


def _horizontal(position: str) -> str:
    if position.endswith("left"):
        return "l"
    if position.endswith("right"):
        return "r"
    return "c"


def label_box(image_shape: tuple[int, ...], *, config: LabelConfig = LabelConfig()) -> dict:
    """What :func:`add_label` records in the provenance: text, position, text height in px."""
    short = min(image_shape[:2])
    return {"text": config.text, "position": config.position,
            "text_height_px": math.ceil(config.height * short)}
