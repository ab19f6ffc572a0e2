"""The visible AI label: shipped font, 5% text height, legible on light and dark pictures."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.errors import InputError
from painterly.provenance.label import FONT_PATH, LabelConfig, add_label


def _ink_rows_and_contrast(before: np.ndarray, after: np.ndarray, ink_light: bool):
    """Rows covered by the text's ink, and the luma gap between ink and the plate around it."""
    luma = after @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    changed = np.abs(after - before).max(axis=2) > 0.02
    ink = changed & ((luma > 0.6) if ink_light else (luma < 0.4))  # past half-way plate -> ink
    plate = changed & ~ink
    rows = np.flatnonzero(ink.any(axis=1))
    core = np.percentile(luma[ink], 90 if ink_light else 10)  # stroke centres, not their edges
    return rows, abs(float(core) - float(np.median(luma[plate])))


@pytest.mark.parametrize(("shade", "ink_light", "position"), [
    (0.95, True, "bottom-right"),   # light picture: white text on a dark plate
    (0.06, False, "top-left"),      # dark picture: dark text on a light plate
])
def test_label_is_tall_enough_and_legible(shade, ink_light, position):
    img = np.full((300, 400, 3), shade, dtype=np.float32)
    out = add_label(img, config=LabelConfig(position=position))
    assert out.dtype == np.float32 and out.shape == img.shape and out.flags.c_contiguous
    rows, contrast = _ink_rows_and_contrast(img, out, ink_light)
    assert rows.size, "no text drawn"
    assert rows.max() - rows.min() + 1 >= 0.05 * 300  # GB 45438-2025: >= 5% of the shorter side
    assert contrast > 0.6
    top_half = rows.mean() < 150
    assert top_half == position.startswith("top")
    changed_cols = np.flatnonzero((np.abs(out - img).max(axis=2) > 0.02).any(axis=0))
    assert (changed_cols.mean() > 200) == position.endswith("right")


def _glyph_ink(text: str) -> np.ndarray:
    """The ink of ``text`` drawn by add_label (white on the dark plate), cropped to its box."""
    img = np.full((240, 240 * len(text), 3), 0.5, dtype=np.float32)
    out = add_label(img, config=LabelConfig(text=text, height=0.3))
    luma = out @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    ink = (np.abs(out - img).max(axis=2) > 0.02) & (luma > 0.6)
    ys, xs = np.nonzero(ink)
    assert ys.size, f"no ink drawn for {text!r}"
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _is_tofu(ink: np.ndarray) -> bool:
    """A missing glyph is drawn as the font's .notdef: a box, so every side of the ink's
    bounding box is inked along (nearly) its whole length. No real CJK glyph is framed so."""
    sides = [ink[:2].any(axis=0), ink[-2:].any(axis=0), ink[:, :2].any(axis=1),
             ink[:, -2:].any(axis=1)]
    return all(side.mean() > 0.85 for side in sides)


def _resized(ink: np.ndarray, n: int = 32) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).resize((n, n))) > 127


def test_label_renders_chinese_with_shipped_font():
    assert FONT_PATH.is_file() and (FONT_PATH.parent / "LICENSE-OFL.txt").is_file()
    glyphs = {ch: _glyph_ink(ch) for ch in "生成"}
    for ch, ink in glyphs.items():
        assert not _is_tofu(ink), f"{ch!r} is drawn as a box (.notdef): the font lacks it"
    a, b = (_resized(g) for g in glyphs.values())
    assert (a & b).sum() / (a | b).sum() < 0.6, "生 and 成 are drawn alike (boxes?)"
    assert not _is_tofu(_glyph_ink("AI生成"))  # the whole default wording as well


def test_the_tofu_check_catches_boxes():
    from PIL import ImageFont

    box = np.zeros((40, 30), bool)
    box[:3], box[-3:], box[:, :3], box[:, -3:] = True, True, True, True
    assert _is_tofu(box)
    # Pillow's built-in font has no CJK glyphs: it draws its .notdef, a crossed box
    mask = ImageFont.load_default(60).getmask("生")
    drawn = np.asarray(mask, dtype=np.uint8).reshape(mask.size[1], mask.size[0]) > 127
    assert _is_tofu(drawn)


def test_label_options_are_checked():
    img = np.zeros((64, 64, 3), np.float32)
    with pytest.raises(InputError, match="position"):
        add_label(img, config=LabelConfig(position="middle"))
    with pytest.raises(InputError, match="5%"):
        add_label(img, config=LabelConfig(height=0.01))
    with pytest.raises(InputError, match="glyph"):
        add_label(img, config=LabelConfig(text="猫"))
    with pytest.raises(InputError, match="opacity"):
        add_label(img, config=LabelConfig(opacity=2))
