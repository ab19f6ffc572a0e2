"""The command line as a new user meets it: global flags anywhere, typos, odd files in a folder,
output names, where results and notes go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import painterly
from painterly.cli import _hoist_global_flags, main
from painterly.errors import UnknownModelError, UnknownStyleError, close_names
from painterly.io import resize_max, save_image
from painterly.samples import sample_photo
from painterly.styles import get_style

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    src = str(Path(painterly.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "painterly", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def photo(tmp_path) -> Path:
    p = tmp_path / "photo.png"
    save_image(resize_max(sample_photo("chelsea"), 96), p)
    return p


# -- global flags after the sub-command -------------------------------------------------------

@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_after_the_sub_command(photo, tmp_path, flag):
    r = _cli("stylize", "photo.png", "-o", "art.png", "--style", "oil", flag, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "art.png").is_file()
    assert r.stdout == "" and r.stderr == ""


def test_debug_after_the_sub_command_shows_the_traceback(tmp_path):
    r = _cli("stylize", "missing.jpg", "-o", "x.png", "--debug", cwd=tmp_path)
    assert r.returncode != 0
    assert "Traceback" in r.stderr and "InputError" in r.stderr
    plain = _cli("stylize", "missing.jpg", "-o", "x.png", cwd=tmp_path)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr


def test_hoisting_leaves_option_values_and_arguments_after_double_dash():
    assert _hoist_global_flags(["stylize", "a.jpg", "-o", "x.png", "-q"]) == [
        "-q", "stylize", "a.jpg", "-o", "x.png"]
    assert _hoist_global_flags(["models", "list", "--debug"]) == ["--debug", "models", "list"]
    # the value of an option that takes one is not a flag
    args = ["stylize", "a.jpg", "-o", "x.png", "--prompt", "-q"]
    assert _hoist_global_flags(args) == args
    args = ["stylize", "--", "-q"]
    assert _hoist_global_flags(args) == args
    assert _hoist_global_flags(["-q", "styles"]) == ["-q", "styles"]


# -- typos -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "meant"), [
    ("oill", "oil"), ("watercolr", "watercolor"), ("cartun", "cartoon"), ("ukiyo", "ukiyo-e"),
    ("水默", "ink-wash"),  # 水墨 typed by its sound (shui mo), a same-sound character
    ("油化", "oil"),  # 油画 (you hua)
])
def test_a_typo_gets_the_closest_style(typed, meant):
    with pytest.raises(UnknownStyleError) as e:
        get_style(typed)
    msg = str(e.value)
    assert meant in e.value.suggestions and f"did you mean {meant!r}" in msg.replace(" or ", ", ")
    assert "acid-cubism" not in msg  # not the whole list of 34
    assert "cartoon" in e.value.valid  # the valid names stay on the error (the service's 422)


def test_a_name_far_from_every_style_lists_them_all():
    with pytest.raises(UnknownStyleError) as e:
        get_style("no-such-style")
    assert not e.value.suggestions and "acid-cubism" in str(e.value) and "watercolor" in str(e.value)


def test_suggestions_for_other_names():
    assert close_names("sd-turb", ["sd-turbo", "sdxs-512", "sd15-lcm"]) == ["sd-turbo"]
    assert close_names("zzzz", ["sd-turbo"]) == []
    from painterly.models import get_model

    with pytest.raises(UnknownModelError, match="did you mean 'sd-turbo'"):
        get_model("sd-turbo2")


def test_an_alias_says_which_style_was_used(photo, tmp_path):
    r = _cli("stylize", "photo.png", "-o", "art.png", "--style", "watercolour", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "painterly: note: style 'watercolour' is 'watercolor'" in r.stderr
    r = _cli("stylize", "photo.png", "-o", "art2.png", "--style", "ink wash", cwd=tmp_path)
    assert "style 'ink wash' is 'ink-wash'" in r.stderr
    r = _cli("stylize", "photo.png", "-o", "art3.png", "--style", "oil", cwd=tmp_path)
    assert "note: style" not in r.stderr  # (a 96 px result gets the watermark's note instead)


# -- files in a folder, output names ------------------------------------------------------------

def test_a_pdf_in_a_folder_is_reported_like_a_fake_jpeg(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    save_image(resize_max(sample_photo("chelsea"), 64), folder / "cat.png")
    (folder / "doc.pdf").write_bytes(b"%PDF-1.4\n%fake\n")
    (folder / "fake.jpg").write_bytes(b"not a jpeg at all")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: not a photo anyone chose
    r = _cli("stylize", "in", "-o", "out", "--style", "pencil", cwd=tmp_path)
    assert r.returncode == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("painterly: error:")]
    assert [e.split(": ")[2] for e in errors] == ["in/doc.pdf", "in/fake.jpg"]
    assert errors[0].split(": ", 3)[3] == errors[1].split(": ", 3)[3]  # the same words for both
    assert r.stdout.splitlines() == ["1 of 3 written to out"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["cat-pencil.png"]


def test_one_input_and_an_output_without_an_image_extension(photo, tmp_path):
    r = _cli("stylize", "photo.png", "-o", "artnoext", cwd=tmp_path)
    assert r.returncode == 2
    assert "artnoext.png" in r.stderr and "'/'" in r.stderr  # says what to do
    assert not (tmp_path / "artnoext").exists()  # no folder made behind the user's back
    r = _cli("stylize", "photo.png", "-o", "into/", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "into").iterdir()] == ["photo-cartoon.png"]
    (tmp_path / "existing").mkdir()
    assert _cli("stylize", "photo.png", "-o", "existing", cwd=tmp_path).returncode == 0
    assert [p.name for p in (tmp_path / "existing").iterdir()] == ["photo-cartoon.png"]


def test_results_go_to_stdout_and_notes_to_stderr(photo, tmp_path):
    r = _cli("stylize", "photo.png", "-o", "art.png", "--style", "watercolour", cwd=tmp_path)
    assert r.stdout.splitlines() == ["wrote art.png"]
    assert "wrote" not in r.stderr
    r = _cli("demo", "-o", "d", "--photo", "chelsea", "--style", "oil", "--max-size", "64",
             cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("wrote 1 artworks and d"), r.stdout
    r = _cli("styles", "--family", "filter", "--sheet", "s.png", "--photo", "photo.png",
             "--cell", "32", cwd=tmp_path)
    assert r.returncode == 0 and "contact sheet: s.png" in r.stdout and "contact" not in r.stderr


def test_skip_existing_repaints_only_what_changed(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    base = resize_max(sample_photo("chelsea"), 64)
    for i in range(3):
        save_image(np.ascontiguousarray(np.roll(base, 5 * i, axis=0)), folder / f"p{i}.png")
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "stylize", "in/", "-o", "out", "--style", "pencil"]) == 0
    out = tmp_path / "out"
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    # a changed photo, an output damaged by another program, another setting: painted again
    save_image(np.ascontiguousarray(base[::-1]), folder / "p1.png")
    (out / "p2-pencil.png").write_bytes((out / "p2-pencil.png").read_bytes()[:200])
    r = _cli("stylize", "in", "-o", "out", "--style", "pencil", "--skip-existing", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 of 3 already painted in out: skipped" in r.stderr
    assert r.stdout.splitlines() == ["2 of 2 written to out"]
    now = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert now["p0-pencil.png"] == stamps["p0-pencil.png"]
    assert now["p1-pencil.png"] != stamps["p1-pencil.png"]
    r = _cli("stylize", "in", "-o", "out", "--style", "pencil", "--seed", "3", "--skip-existing",
             cwd=tmp_path)
    assert r.stdout.splitlines() == ["3 of 3 written to out"]  # another seed: nothing is done
    r = _cli("stylize", "in", "-o", "out", "--style", "pencil", "--seed", "3", "--skip-existing",
             cwd=tmp_path)
    assert r.returncode == 0 and "3 of 3 already painted" in r.stderr and r.stdout == ""


# -- small things -------------------------------------------------------------------------------

def test_models_list_piped_keeps_every_source_whole(tmp_path):
    from painterly.models import list_models

    r = _cli("models", "list", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:] if line.strip()}
    for spec in list_models():
        source = spec.pip_name or spec.repo_id or spec.local_path or ""
        assert source in rows[spec.name], (spec.name, source)


def test_the_demo_folder_is_ignored_by_git():
    assert "painterly-demo/" in (ROOT / ".gitignore").read_text().split()
