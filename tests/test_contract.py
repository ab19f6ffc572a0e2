"""The image contract at painterly's edges: float range, NaN, dtypes on save, failed writes."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

import painterly
from painterly.errors import ContractError, InputError
from painterly.io import RANGE_TOLERANCE, check_image, load_image, save_image, to_image
from painterly.styles import Style, list_styles, register, unregister


@pytest.fixture
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:40, 0:48]
    img = np.stack([x / 47, y / 39, (x + y) / 86], axis=2) * 0.8 + 0.1
    return np.ascontiguousarray(img + rng.normal(0, 0.03, img.shape), dtype=np.float32).clip(0, 1)


# --- float input out of [0, 1], NaN, inf ----------------------------------------------------


def test_0_255_float_refused_by_stylize_and_load(photo):
    with pytest.raises(InputError, match=r"\[0, 1\].*divide it by 255"):
        painterly.stylize(photo * 255, "oil")
    with pytest.raises(InputError, match="divide it by 255"):
        load_image((photo * 255).astype(np.float64))
    with pytest.raises(InputError, match=r"range over \[-0\.4"):
        load_image(photo - 0.5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_refused(tmp_path, photo, bad):
    img = photo.copy()
    img[3, 4, 1] = bad
    with pytest.raises(InputError, match="1 value\\(s\\) are NaN or infinite"):
        painterly.stylize(img, "pencil")
    with pytest.raises(InputError, match="NaN or infinite"):
        load_image(img.astype(np.float64))
    with pytest.raises(InputError, match="NaN or infinite"):
        save_image(img, tmp_path / "never.png")
    assert list(tmp_path.iterdir()) == []


def test_float_tiff_with_nan_refused():
    f = np.array([[0.0, np.nan, 1.0]], dtype=np.float32)
    with pytest.raises(InputError, match="NaN or infinite"):
        load_image(Image.fromarray(f, mode="F"))


def test_tiny_overshoot_is_clipped_not_refused(photo):
    img = photo.copy()
    img[0, 0] = 1.0000001
    img[1, 1] = -1e-7
    img[2, 2] = 1.0 + RANGE_TOLERANCE * 0.99
    out = check_image(img)
    assert out.dtype == np.float32 and out.min() == 0.0 and out.max() == 1.0
    assert to_image(img.astype(np.float64)).max() == 1.0
    with pytest.raises(InputError):
        check_image(img + np.float32(2 * RANGE_TOLERANCE))


def test_contract_image_passes_without_copy(photo):
    assert check_image(photo) is photo  # the fast path: checked, not copied


@pytest.mark.parametrize("name", sorted(s.name for s in list_styles("filter")))
def test_every_filter_takes_a_tiny_overshoot(photo, name):
    img = photo.copy()
    img[:8, :8] = 1.0000001  # what resampling and colour maths leave behind
    img[-8:, -8:] = -1e-7
    out = painterly.stylize(img, name, seed=0)
    assert out.shape == img.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and 0.0 <= out.min() and out.max() <= 1.0


# --- what a style returns ---------------------------------------------------------------------


@pytest.mark.parametrize("result,match", [
    (lambda im: im.astype(np.float64), "float64"),
    (lambda im: im[:10], "shape"),
    (lambda im: im * 255, r"\[0, 1\]"),
    (lambda im: np.full_like(im, np.nan), "NaN"),
])
def test_a_style_that_breaks_the_contract_is_named(photo, result, match):
    register(Style("broken-test", "filter", "returns a bad image",
                   lambda im, strength=1.0, seed=0: result(im)))
    try:
        with pytest.raises(ContractError, match=f"broken-test.*{match}|{match}.*broken-test"):
            painterly.stylize(photo, "broken-test")
    finally:
        unregister("broken-test")


def test_a_style_output_with_tiny_overshoot_is_clipped(photo):
    register(Style("overshoot-test", "filter", "overshoots", lambda im, strength=1.0, seed=0: im + 1e-6))
    try:
        out = painterly.stylize(photo, "overshoot-test")
    finally:
        unregister("overshoot-test")
    assert out.max() <= 1.0 and out.dtype == np.float32 and out.flags.c_contiguous


# --- save_image takes what load_image takes ---------------------------------------------------


def test_uint8_and_uint16_arrays_saved_by_their_dtype(tmp_path, photo):
    u8 = (photo * 255 + 0.5).astype(np.uint8)
    out = save_image(u8, tmp_path / "u8.png")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), u8)  # not a white picture
    u16 = (photo * 65535 + 0.5).astype(np.uint16)
    np.testing.assert_array_equal(np.asarray(Image.open(save_image(u16, tmp_path / "u16.png"))), u8)
    grey = u8[..., 0]
    np.testing.assert_array_equal(np.asarray(Image.open(save_image(grey, tmp_path / "g.png")))[..., 2],
                                  grey)
    pil = Image.fromarray(u8)
    np.testing.assert_array_equal(np.asarray(Image.open(save_image(pil, tmp_path / "pil.png"))), u8)


def test_save_refuses_what_it_cannot_take(tmp_path, photo):
    with pytest.raises(InputError, match="divide it by 255"):
        save_image(photo * 255, tmp_path / "x.png")
    with pytest.raises(InputError, match="dtype"):
        save_image(photo.astype(np.complex64), tmp_path / "x.png")
    with pytest.raises(InputError, match="expected a numpy array or PIL image"):
        save_image("photo.jpg", tmp_path / "x.png")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


# --- a failed write leaves nothing behind ----------------------------------------------------


def test_failed_rename_leaves_no_temp_file(tmp_path, photo, monkeypatch):
    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match="cannot write .*out.png: No space left on device"):
        save_image(photo, tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_directory_in_the_way_leaves_no_temp_file(tmp_path, photo):
    (tmp_path / "out.png").mkdir()
    with pytest.raises(InputError, match="cannot write"):
        save_image(photo, tmp_path / "out.png")
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert (tmp_path / "out.png").is_dir()


def test_interrupted_write_leaves_no_temp_file(tmp_path, photo, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_image(photo, tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_successful_write_is_complete_and_alone(tmp_path, photo):
    save_image(photo, tmp_path / "a.png")
    save_image(photo, tmp_path / "a.png")  # overwrite
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]
    np.testing.assert_allclose(load_image(tmp_path / "a.png"), photo, atol=0.5 / 255 + 1e-6)
    mode = (tmp_path / "a.png").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # like any new file, not a private temp file's 0600
