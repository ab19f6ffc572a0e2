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


def test_label_renders_chinese_with_shipped_font():
    assert FONT_PATH.is_file() and (FONT_PATH.parent / "LICENSE-OFL.txt").is_file()
    img = np.full((200, 200, 3), 0.5, dtype=np.float32)
    zh = add_label(img, config=LabelConfig(text="AI生成"))
    en = add_label(img, config=LabelConfig(text="AI-xx"))
    # distinct glyphs, not .notdef boxes: the two renderings differ
    assert np.abs(zh - en).max() > 0.5


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
