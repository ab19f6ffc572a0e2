"""The command line as people use it: in a real terminal (a pseudo-terminal), where progress bars
are drawn. Output to a file or a pipe takes another path (no bar), which the rest of the suite
covers; a crash on this one broke `painterly demo` for everyone who typed the quick start.

Each command that draws progress runs as its own process with stdin, stdout and stderr on a
pseudo-terminal: it must exit 0, write its files, draw its bar, and leave the cursor visible.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest

from painterly.io import save_image

HIDE, SHOW = b"\x1b[?25l", b"\x1b[?25h"  # the cursor: hidden while a bar is live, shown after
TESTS = Path(__file__).resolve().parent


def run_in_terminal(args: list[str], cwd: Path, *, timeout: float = 300, interrupt=None,
                    script: list[str] | None = None) -> tuple[int, str]:
    """Run ``painterly ARGS`` on a pseudo-terminal; returns (exit code, everything it printed).

    ``interrupt``: a function polled while it runs; once it returns True the process group gets
    SIGINT, as Ctrl-C in a terminal sends it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    for var in ("NO_COLOR", "TERM_PROGRAM", "CI", "FORCE_COLOR"):
        env.pop(var, None)
    cmd = [sys.executable, *(script or ["-m", "painterly"]), *args]
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
                            start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    sent = False
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the process closed the terminal
                    data = b""
                if not data:
                    break
                out += data
            if interrupt is not None and not sent and interrupt():
                os.killpg(proc.pid, signal.SIGINT)
                sent = True
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail(f"painterly {' '.join(args)} did not end in {timeout} s:\n"
                            + out.decode(errors="replace")[-3000:])
        rc = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    if interrupt is not None:
        assert sent, "the process ended before it could be interrupted"
    return rc, out.decode("utf-8", errors="replace")


def assert_drew_a_bar_and_restored_the_cursor(out: str) -> None:
    raw = out.encode()
    assert "internal error" not in out and "Traceback" not in out, out[-3000:]
    assert HIDE in raw, "no progress bar was drawn: the terminal path was not taken\n" + out[-2000:]
    assert raw.rfind(SHOW) > raw.rfind(HIDE), "the cursor was left hidden"


def _photos(folder: Path, n: int, size: int = 96) -> list[Path]:
    from painterly.io import resize_max
    from painterly.samples import sample_photo

    folder.mkdir(parents=True, exist_ok=True)
    base = resize_max(sample_photo("chelsea"), size)
    paths = []
    for i in range(n):
        p = folder / f"p{i}.png"
        save_image(np.ascontiguousarray(np.roll(base, 7 * i, axis=1)), p)
        paths.append(p)
    return paths


def test_stylize_a_folder(tmp_path):
    _photos(tmp_path / "in", 3)
    rc, out = run_in_terminal(["stylize", "in", "-o", "out", "--style", "oil"], tmp_path)
    assert rc == 0, out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "p0-oil.png", "p1-oil.png", "p2-oil.png"]
    assert_drew_a_bar_and_restored_the_cursor(out)
    assert "3 of 3 written to out" in out


def test_demo(tmp_path):
    rc, out = run_in_terminal(["demo", "-o", "d", "--photo", "chelsea", "--style", "oil",
                               "--style", "pencil", "--max-size", "96"], tmp_path)
    assert rc == 0, out
    assert {"chelsea-oil.jpg", "chelsea-pencil.jpg", "index.html"} <= {
        p.name for p in (tmp_path / "d").iterdir()}
    assert_drew_a_bar_and_restored_the_cursor(out)


def test_styles_sheet(tmp_path):
    _photos(tmp_path, 1)
    rc, out = run_in_terminal(["styles", "--sheet", "sheet.png", "--photo", "p0.png",
                               "--family", "filter", "--cell", "48"], tmp_path)
    assert rc == 0, out
    assert (tmp_path / "sheet.png").stat().st_size > 1000
    assert_drew_a_bar_and_restored_the_cursor(out)


def test_augment(tmp_path):
    _photos(tmp_path / "data" / "cat", 2, size=64)
    rc, out = run_in_terminal(["augment", "data", "-o", "aug", "--styles", "oil,pencil",
                               "--size", "64", "--workers", "1"], tmp_path)
    assert rc == 0, out
    assert len(list((tmp_path / "aug" / "cat").glob("*.png"))) == 2
    assert (tmp_path / "aug" / "manifest.csv").is_file()
    assert_drew_a_bar_and_restored_the_cursor(out)


def test_curate(tmp_path):
    _photos(tmp_path / "shots", 3)
    rc, out = run_in_terminal(["curate", "shots", "-o", "picks", "--no-clip", "--keep", "1"],
                              tmp_path)
    assert rc == 0, out
    assert len(list((tmp_path / "picks").glob("01-*.png"))) == 1
    assert (tmp_path / "picks" / "ranking.json").is_file()
    assert_drew_a_bar_and_restored_the_cursor(out)


def test_paint_many(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    sys.path.insert(0, str(TESTS))
    from _tiny_sd import save_folder, tiny_model

    sd = save_folder(tiny_model(tmp_path / "build"), tmp_path / "sd")
    rc, out = run_in_terminal(["paint", "a red cat", "-n", "2", "--keep", "1", "--no-clip",
                               "-o", "best", "--model", str(sd), "--steps", "2",
                               "--size", "64x64", "--dtype", "float32"], tmp_path)
    assert rc == 0, out
    assert len(list((tmp_path / "best").glob("01-seed*.png"))) == 1
    assert_drew_a_bar_and_restored_the_cursor(out)
    assert "[transformers]" not in out and "torchvision" not in out  # libraries' advice to developers


def test_models_pull(tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    rc, out = run_in_terminal(["models", "pull", "sd-turbo"], tmp_path,
                              script=[str(TESTS / "_fake_hub_cli.py")])
    assert rc == 0, out
    assert "sd-turbo: verified" in out
    assert list((tmp_path / "hf").rglob("diffusion_pytorch_model.safetensors"))
    assert_drew_a_bar_and_restored_the_cursor(out)


def test_ctrl_c_in_a_folder_says_what_was_written_and_skip_existing_goes_on(tmp_path):
    _photos(tmp_path / "in", 12, size=640)
    out_dir = tmp_path / "out"

    def first_written() -> bool:
        return out_dir.is_dir() and any(p.suffix == ".png" for p in out_dir.iterdir())

    rc, out = run_in_terminal(["stylize", "in", "-o", "out", "--style", "starry-swirls"],
                              tmp_path, interrupt=first_written)
    assert rc == 130, out
    done = sorted(p.name for p in out_dir.iterdir())
    assert all(not n.startswith(".") for n in done), done  # no temporary file is left
    assert 1 <= len(done) < 12, done
    assert f"interrupted: {len(done)} of 12 written to out" in out
    assert "--skip-existing" in out
    raw = out.encode()
    assert raw.rfind(SHOW) > raw.rfind(HIDE), "the cursor was left hidden"
    stamps = {n: (out_dir / n).stat().st_mtime_ns for n in done}

    again = subprocess.run([sys.executable, "-m", "painterly", "stylize", "in", "-o", "out",
                            "--style", "starry-swirls", "--skip-existing"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(done)} of 12 already painted" in again.stderr
    assert f"{12 - len(done)} of {12 - len(done)} written to out" in again.stdout
    assert len(list(out_dir.glob("*.png"))) == 12
    assert all((out_dir / n).stat().st_mtime_ns == t for n, t in stamps.items())  # not repainted


def test_debug_in_a_terminal_shows_the_traceback(tmp_path):
    rc, out = run_in_terminal(["stylize", "missing.jpg", "-o", "x.png", "--debug"], tmp_path)
    assert rc != 0
    assert "Traceback" in out and "no such file or folder" in out
    assert "lost sys.stderr" not in out


def _clip(tmp_path: Path, seconds: float, size=(192, 144)) -> Path:
    pytest.importorskip("av")
    sys.path.insert(0, str(TESTS))
    from _clips import make_clip

    from painterly.io import resize_max
    from painterly.samples import sample_photo

    return make_clip(tmp_path / "clip.mp4", resize_max(sample_photo("chelsea"), 400),
                     seconds=seconds, fps=24, size=size)


def test_stylize_a_clip(tmp_path):
    """A clip: a bar with frames done, frames per second and the time left; exit 0; the file."""
    _clip(tmp_path, 2.0)
    rc, out = run_in_terminal(["stylize", "clip.mp4", "-o", "out.mp4", "--style", "pencil"],
                              tmp_path)
    assert rc == 0, out
    assert_drew_a_bar_and_restored_the_cursor(out)
    assert "48/48" in out and "frames/s" in out
    assert "wrote out.mp4 (48 frames" in out
    assert (tmp_path / "out.mp4").stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "out.mp4"]


def test_ctrl_c_on_a_clip_leaves_no_file(tmp_path):
    _clip(tmp_path, 6.0, size=(320, 240))

    def writing() -> bool:  # the writer's temporary file is there: frames are being painted
        return any(p.name.startswith(".out.mp4.") for p in tmp_path.iterdir())

    rc, out = run_in_terminal(["stylize", "clip.mp4", "-o", "out.mp4", "--style",
                               "starry-swirls"], tmp_path, interrupt=writing)
    assert rc == 130, out
    assert "interrupted" in out and "Traceback" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]  # no output, no temporary
    raw = out.encode()
    assert raw.rfind(SHOW) > raw.rfind(HIDE), "the cursor was left hidden"
