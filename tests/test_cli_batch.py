"""Folder batches: parallel, bounded, deterministic, and going on past any per-file failure."""

from __future__ import annotations

import errno
import importlib
import os
import platform
import subprocess
import sys
import threading

import numpy as np
import pytest

import painterly.io
from painterly.cli import main
from painterly.cli._common import run_batch
from painterly.io import encode_image, load_image, save_image
from painterly.provenance import artwork
from painterly.provenance.artwork import encode_artwork
from painterly.styles import filter_style, unregister

stylize_module = importlib.import_module("painterly.engine")  # where `painterly.stylize` lives


def _invert(image, *, seed=0):
    """Test style: the negative."""
    return np.ascontiguousarray(1.0 - image)


@pytest.fixture
def invert_style():
    filter_style("test-batch-invert", _invert, "negative, for tests")
    yield "test-batch-invert"
    unregister("test-batch-invert")


@pytest.fixture
def folder(tmp_path, small_photo):
    d = tmp_path / "in"
    d.mkdir()
    for i in range(6):
        save_image(np.ascontiguousarray(np.roll(small_photo, 9 * i, axis=1)), d / f"p{i}.png")
    return d


def test_batch_goes_on_past_any_failure(tmp_path, folder, invert_style, monkeypatch, capsys):
    (folder / "p1.png").write_bytes(b"\x89PNG\r\n\x1a\nnot an image")  # unreadable
    real_stylize, real_save = stylize_module.stylize, artwork.save_artwork
    marker = load_image(folder / "p2.png")

    def stylize(img, *a, **k):  # an OpenCV-like error that is not painterly's own
        if img.shape == marker.shape and np.array_equal(img, marker):
            raise RuntimeError("cv2.error: (-215:Assertion failed) in function 'fake'\nsecond line")
        return real_stylize(img, *a, **k)

    def save_image(img, path, **k):  # a full disk for one output
        if path.name.startswith("p4-"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_save(img, path, **k)

    monkeypatch.setattr(stylize_module, "stylize", stylize)
    monkeypatch.setattr(artwork, "save_artwork", save_image)
    out = tmp_path / "out"
    code = main(["stylize", str(folder), "-o", str(out), "--style", invert_style])
    assert code == 2
    assert sorted(p.name for p in out.glob("*.png")) == [
        f"p{i}-{invert_style}.png" for i in (0, 3, 5)]
    assert not list(out.glob(".*"))  # no temporary files left behind
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("painterly: error:")]
    assert len(lines) == 3, err
    assert "p1.png" in lines[0]
    assert "p2.png" in lines[1] and "RuntimeError" in lines[1] and "second line" in lines[1]
    assert "p4.png" in lines[2] and "No space left" in lines[2]
    assert "Traceback" not in err


def test_batch_output_equals_one_at_a_time(tmp_path, folder):
    """Threads change nothing: every file equals the same style run on it alone (seeded)."""
    out = tmp_path / "out"
    assert main(["stylize", str(folder), "-o", str(out), "--style", "watercolor", "--seed", "3",
                 "--no-watermark"]) == 0  # pixel-exact comparison below
    for src in sorted(folder.iterdir()):
        alone = stylize_module.stylize(load_image(src), "watercolor", seed=3)
        got = load_image(out / f"{src.stem}-watercolor.png")
        np.testing.assert_array_equal(painterly.io.to_uint8(got), painterly.io.to_uint8(alone))


def _files(tmp_path, n):
    files = [tmp_path / f"f{i}" for i in range(n)]
    return files, [tmp_path / "out" / f"f{i}.png" for i in range(n)]


def test_batch_holds_at_most_workers_images(tmp_path, monkeypatch):
    """Peak memory is bounded: never more images in flight than worker threads."""
    live, peak, lock = [0], [0], threading.Lock()
    real_save = artwork.save_artwork

    def load(src):
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        return np.zeros((8, 8, 3), np.float32)

    def save_image(img, path, **k):
        real_save(img, path, **k)
        with lock:
            live[0] -= 1

    monkeypatch.setattr(artwork, "save_artwork", save_image)
    files, outs = _files(tmp_path, 40)
    code = run_batch(files, outs, tmp_path / "out", "t", lambda x: (x, {}), load=load,
                     painters=3, workers=3)
    assert code == 0 and all(o.is_file() for o in outs)
    assert 1 <= peak[0] <= 3


def test_no_exception_in_a_worker_leaves_the_batch_waiting(tmp_path, capsys):
    def paint(src):
        if src.name == "f1":
            raise SystemExit("a library calling sys.exit")
        return np.zeros((4, 4, 3), np.float32), {}

    files, outs = _files(tmp_path, 3)
    result = []
    t = threading.Thread(target=lambda: result.append(
        run_batch(files, outs, tmp_path / "out", "t", paint, workers=2)), daemon=True)
    t.start()
    t.join(timeout=30)
    assert result == [2]
    assert outs[0].is_file() and not outs[1].exists() and outs[2].is_file()
    assert "f1: SystemExit: a library calling sys.exit" in capsys.readouterr().err


@pytest.mark.parametrize("painters", [1, 2])
def test_painters_bound_how_many_paint_at_once(tmp_path, painters):
    """Two painters do paint at the same time (both reach the barrier); one never does."""
    barrier = threading.Barrier(2, timeout=2)
    met = []

    def paint(src):
        try:
            barrier.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return np.zeros((4, 4, 3), np.float32), {}

    files, outs = _files(tmp_path, 2)
    assert run_batch(files, outs, tmp_path / "out", "t", paint, painters=painters, workers=2) == 0
    assert met == ([True, True] if painters == 2 else [False, False])


def test_png_compression_fast_or_small(tmp_path, small_photo, capsys):
    img = np.ascontiguousarray(np.tile(small_photo, (2, 2, 1)))
    fast = encode_artwork(img, "PNG", metadata={"style": "x"})
    small = encode_artwork(img, "PNG", metadata={"style": "x"}, png_compression="small")
    assert len(small) <= len(fast) < img.size  # compressed, and "small" never larger
    for data in (fast, small):
        np.testing.assert_array_equal(load_image(data), load_image(encode_image(img, "PNG")))
        assert painterly.io.read_metadata(data) == {"style": "x"}
    with pytest.raises(painterly.InputError, match="fast, small"):
        encode_image(img, "PNG", png_compression="tiny")
    src = tmp_path / "a.png"
    save_image(img, src, png_compression="small")
    assert src.stat().st_size == len(encode_image(img, "PNG", png_compression="small"))
    outs = {mode: tmp_path / f"{mode}.png" for mode in ("fast", "small")}
    for mode, out in outs.items():
        assert main(["stylize", str(src), "-o", str(out), "-s", "oil", "--png-compression", mode]) == 0
    assert outs["small"].stat().st_size <= outs["fast"].stat().st_size
    np.testing.assert_array_equal(load_image(outs["small"]), load_image(outs["fast"]))
    capsys.readouterr()
    assert main(["stylize", str(src), "-o", str(outs["fast"]), "--png-compression", "best"]) == 2
    assert "--png-compression" in capsys.readouterr().err


_EXIT_CODE = """
import atexit, sys, threading, time
from painterly.cli._process import exit_now

class Teardown:  # prints when the interpreter tears its modules down
    def __del__(self):
        sys.stdout.write("teardown\\n")

keep = Teardown()
atexit.register(lambda: sys.stdout.write("handler\\n"))
sys.stdout.write("buffered\\n")
if sys.argv[1] == "thread":  # a non-daemon thread still running: a normal exit waits for it
    threading.Thread(target=lambda: (time.sleep(0.3), sys.stdout.write("thread done\\n"))).start()
exit_now(3)
"""


@pytest.mark.parametrize("case", ["plain", "thread"])
def test_exit_now_runs_exit_handlers_and_skips_the_teardown(case):
    """The console command ends without the interpreter's teardown (painterly.cli._process):
    exit handlers still run, buffered output is written, the exit code is kept; a non-daemon
    thread still running gets a normal exit, which waits for it."""
    out = subprocess.run([sys.executable, "-c", _EXIT_CODE, case], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 3, out.stderr
    lines = out.stdout.split("\n")
    assert "buffered" in lines and "handler" in lines
    if case == "plain":
        assert "teardown" not in lines
    else:
        assert "thread done" in lines and "teardown" in lines


def test_prepare_finish_builds_the_watermark_pattern_only_when_it_is_used():
    code = ("from painterly.provenance.finish import FinishConfig, prepare_finish\n"
            "from painterly.watermark.pattern import layout\n"
            "import sys\n"
            "prepare_finish(FinishConfig(watermark=sys.argv[1] == 'on'))\n"
            "print(layout.cache_info().currsize, 'painterly._png' in sys.modules)\n")
    for mark, expected in (("on", "1 True"), ("off", "0 True")):
        out = subprocess.run([sys.executable, "-c", code, mark], capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip() == expected


def test_help_loads_no_heavy_module():
    """`painterly --help` stays fast: numpy, Pillow, OpenCV, onnxruntime, onnx, torch and rich load
    only when used."""
    code = ("import sys, contextlib, io\n"
            "from painterly.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['--help']) == 0\n"
            "heavy = ('cv2', 'onnxruntime', 'onnx', 'torch', 'skimage', 'rich', 'pydantic', 'numpy',\n"
            "         'PIL')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_cli_sets_up_its_process_before_numpy_loads():
    """One OpenBLAS thread (unless the user chose) takes effect only if set before numpy loads:
    importing painterly and its CLI must not load numpy (painterly.cli._process)."""
    code = ("import os, sys, contextlib, io\n"
            "import painterly, painterly.cli\n"
            "print('numpy' in sys.modules)\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    painterly.cli.main(['--help'])\n"
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
            "from painterly.cli._process import keep_freed_memory\n"
            "print(keep_freed_memory())\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    assert out[:2] == ["False", "1"], out
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert out[2] == "True"
    env["OPENBLAS_NUM_THREADS"] = "2"  # the user's choice stays
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    assert out[1] == "2"
