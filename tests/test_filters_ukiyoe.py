"""The ukiyo-e (woodblock print) filter: contract, determinism, palette, keyblock, bokashi, text."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.errors import InputError
from painterly.filters import _util
from painterly.filters.ukiyoe import _KEY, INKS, ukiyoe
from painterly.samples import sample_photo
from painterly.styles import get_style, list_styles


@pytest.fixture(scope="module")
def cat() -> np.ndarray:
    return sample_photo("chelsea")  # 300x451: fur, eyes and a smooth background


@pytest.fixture(scope="module")
def cat_out(cat) -> np.ndarray:
    return ukiyoe(cat, seed=0)


def _disk(h=160, w=200, noise=0.03, seed=1) -> tuple[np.ndarray, np.ndarray]:
    """A dark red disk on a light ochre ground with mild sensor noise; and its edge distance."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt((yy - h / 2) ** 2 + (xx - w / 2) ** 2)
    img = np.empty((h, w, 3), np.float32)
    img[:] = (0.85, 0.75, 0.55)
    img[r < 45] = (0.6, 0.15, 0.1)
    img += np.random.default_rng(seed).normal(0, noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 1), np.abs(r - 45)


def _check(out: np.ndarray, shape: tuple[int, ...]) -> None:
    assert out.shape == shape and out.dtype == np.float32 and out.flags.c_contiguous
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


# --- contract -----------------------------------------------------------------------------------


def test_contract_on_photo(cat, cat_out):
    _check(cat_out, cat.shape)
    assert not np.array_equal(cat_out, cat)


@pytest.mark.parametrize("shape", [(1, 1, 3), (3, 5, 3), (17, 9, 3), (33, 101, 3), (801, 203, 3)])
def test_tiny_and_odd_sizes(shape):
    img = np.random.default_rng(0).random(shape, dtype=np.float32)
    _check(ukiyoe(img, seed=0), shape)


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_blank_image_has_no_nan(value):
    img = np.full((64, 80, 3), value, np.float32)
    out = ukiyoe(img, seed=3)
    _check(out, img.shape)
    # A blank sheet has no edges: no keyblock line anywhere, so no pixel is near-black ink
    # unless the image itself is black.
    if value > 0:
        assert _util.luminance(out).min() > 0.2


def test_input_untouched(cat):
    before = cat.copy()
    ukiyoe(cat, seed=1)
    assert np.array_equal(cat, before)


def test_bad_options_raise_input_error(cat):
    with pytest.raises(InputError):
        ukiyoe(cat, colors=1)
    with pytest.raises(InputError):
        ukiyoe(cat, texture=-1)
    with pytest.raises(InputError):
        get_style("ukiyo-e").apply(cat, brush=3)


# --- determinism --------------------------------------------------------------------------------


def test_deterministic_under_seed(cat, cat_out):
    assert np.array_equal(ukiyoe(cat, seed=0), cat_out)
    assert not np.array_equal(ukiyoe(cat, seed=5), cat_out)


# --- look ---------------------------------------------------------------------------------------


def test_palette_limited(cat):
    """Without texture, bokashi and registration the print uses only the traditional inks."""
    out = ukiyoe(cat, seed=0, texture=0, bokashi=False, registration=0, line_width=0)
    inks = np.array(list(INKS.values()), np.float32)
    d = np.sqrt(((out.reshape(-1, 1, 3) - inks[None]) ** 2).sum(-1)).min(1)
    # Nearly every pixel is one ink; the rest are the soft seams where two blocks meet.
    assert np.mean(d < 0.02) > 0.85
    q = (out * 15 + 0.5).astype(np.int32).reshape(-1, 3)
    _, counts = np.unique(q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2], return_counts=True)
    common = counts > 0.005 * q.shape[0]
    assert common.sum() <= len(INKS)
    # The photo itself has far more colours at the same quantisation.
    qi = (cat * 15 + 0.5).astype(np.int32).reshape(-1, 3)
    _, ci = np.unique(qi[:, 0] * 256 + qi[:, 1] * 16 + qi[:, 2], return_counts=True)
    assert (ci > 0.005 * qi.shape[0]).sum() > common.sum()


def test_dark_keyblock_on_strong_edges():
    img, dist = _disk()
    out = ukiyoe(img, seed=0, texture=0, registration=0)
    lum = _util.luminance(out)
    ring = dist < 3
    far = dist > 12
    # The disk's outline is printed dark (sumi), the flat areas away from it are not.
    assert np.percentile(lum[ring], 20) < 0.2
    assert lum[ring].mean() < 0.6 * lum[far].mean()
    no_lines = _util.luminance(ukiyoe(img, seed=0, texture=0, registration=0, line_width=0))
    assert lum[ring].mean() < no_lines[ring].mean() - 0.1
    assert np.allclose(_KEY, _KEY.clip(0, 0.15))  # the keyblock ink is near black


def test_bokashi_grades_the_sky():
    """A pale sky over a dark ground gets a graded blue: darker and bluer at the top."""
    h, w = 120, 160
    img = np.empty((h, w, 3), np.float32)
    img[:] = (0.8, 0.85, 0.9)
    img[80:] = (0.2, 0.3, 0.15)
    out = ukiyoe(img, seed=0, texture=0, registration=0, line_width=0)
    flat = ukiyoe(img, seed=0, texture=0, registration=0, line_width=0, bokashi=False)
    top, mid = out[2:10, 20:-20], out[50:60, 20:-20]
    assert _util.luminance(top).mean() < _util.luminance(mid).mean() - 0.1
    assert (top[..., 2] - top[..., 0]).mean() > 0.2  # blue at the top
    assert np.abs(out[95:] - flat[95:]).max() < 0.05  # the ground is left alone


def test_registration_offsets_blocks():
    img, _ = _disk()
    a = ukiyoe(img, seed=0, texture=0, line_width=0, registration=0)
    b = ukiyoe(img, seed=0, texture=0, line_width=0, registration=3)
    diff = np.abs(a - b).max(-1)
    assert diff.max() > 0.1  # blocks moved at their borders
    assert np.median(diff) < 0.01  # but block interiors are the same ink


def test_texture_adds_fine_grain(cat):
    flat = ukiyoe(cat, seed=0, texture=0)
    tex = ukiyoe(cat, seed=0, texture=1)
    assert 0.002 < float(np.abs(tex - flat).mean()) < 0.05


# --- registry and text --------------------------------------------------------------------------


def test_registered_with_aliases():
    style = get_style("ukiyo-e")
    assert style.family == "filter"
    for alias in ("ukiyoe", "woodblock", "woodblock-print", "hanga"):
        assert get_style(alias).name == "ukiyo-e"
    others = [s for s in list_styles() if s.name != "ukiyo-e"]
    taken = {s.name for s in others} | {a for s in others for a in s.aliases}
    assert not taken & set(style.aliases)
    assert "浮世绘" in style.tags and "浮世絵" in style.tags


@pytest.mark.parametrize("prompt", ["浮世绘", "like a woodblock print"])
def test_text_chooses_ukiyoe(prompt):
    pytest.importorskip("torch")
    from painterly.text import choose_styles

    assert choose_styles(prompt)[0].style_name == "ukiyo-e"
