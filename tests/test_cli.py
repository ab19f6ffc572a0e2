"""The CLI's contract: exit codes, one-line errors, batches that continue past bad files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from painterly.cli import main
from painterly.io import load_image, read_metadata, save_image
from painterly.styles import as_filter, registered


def _invert(image, *, seed=0):
    """Test style: the negative."""
    return np.ascontiguousarray(1.0 - image)


@pytest.fixture
def invert_style():
    with registered(as_filter("test-invert", _invert, "negative, for tests")):
        yield "test-invert"


@pytest.fixture
def photos(tmp_path, small_photo):
    d = tmp_path / "in"
    d.mkdir()
    save_image(small_photo, d / "a.png")
    save_image(small_photo[:80], d / "b.jpg")
    return d


def test_stylize_one_file(tmp_path, photos, invert_style, capsys):
    out = tmp_path / "out.png"
    assert main(["stylize", str(photos / "a.png"), "-o", str(out), "--style", invert_style,
                 "--no-watermark"]) == 0  # pixel-exact check of the style: no invisible mark
    src, res = load_image(photos / "a.png"), load_image(out)
    np.testing.assert_allclose(res, 1.0 - src, atol=1.5 / 255)
    assert read_metadata(out)["style"] == invert_style


def test_stylize_strength_and_max_size(tmp_path, photos, invert_style):
    out = tmp_path / "half.png"
    args = ["stylize", str(photos / "a.png"), "-o", str(out), "--style", invert_style, "--no-watermark"]
    assert main(args + ["--strength", "0.5", "--max-size", "64"]) == 0
    res = load_image(out)
    assert max(res.shape[:2]) == 64
    np.testing.assert_allclose(res, 0.5, atol=2 / 255)  # halfway between x and 1-x
    assert main(args + ["--strength", "1.5"]) == 2


def test_batch_continues_past_bad_files(tmp_path, photos, invert_style, capsys):
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (photos / "notes.txt").write_text("ignored: not an image suffix")
    out = tmp_path / "outdir"
    code = main(["stylize", str(photos), "-o", str(out), "--style", invert_style])
    assert code == 2
    written = sorted(p.name for p in out.iterdir())
    assert written == ["a-test-invert.png", "b-test-invert.png"]
    err = capsys.readouterr().err
    assert "broken.png" in err and "Traceback" not in err


def test_unknown_style_lists_valid_names(tmp_path, photos, invert_style, capsys):
    code = main(["stylize", str(photos / "a.png"), "-o", str(tmp_path / "o.png"), "--style", "nope"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown style 'nope'" in err[0] and invert_style in err[0]


def test_bad_inputs_exit_2_one_line(tmp_path, invert_style, capsys):
    pdf = tmp_path / "x.png"
    pdf.write_bytes(b"%PDF-1.4 fake")
    for args in (
        ["stylize", str(pdf), "-o", str(tmp_path / "o.png"), "--style", invert_style],
        ["stylize", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "o.png")],
        ["stylize", str(pdf), "-o", str(tmp_path / "o.exe"), "--style", invert_style],
    ):
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.startswith("painterly: error:") and "\n" not in err and "Traceback" not in err


def test_console_script_exit_code_and_help(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "painterly", *a], capture_output=True, text=True)
    r = run("stylize", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "o.png"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no such file" in r.stderr
    for cmd in ("stylize", "styles", "demo"):
        h = run(cmd, "--help")
        assert h.returncode == 0 and "Usage" in h.stdout, cmd


def test_neural_only_option_on_a_filter_is_a_clear_error(tmp_path, photos, invert_style, capsys):
    code = main(["stylize", str(photos / "a.png"), "-o", str(tmp_path / "o.png"),
                 "--style", invert_style, "--preserve-color"])
    assert code == 2
    err = capsys.readouterr().err
    assert "does not take option(s) preserve_color" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["stylize"], ["stylize", "x.jpg", "-o", "y.png", "--strength", "abc"],
                                  ["no-such-command"]])
def test_usage_errors_exit_2_without_traceback(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err and err.strip()
