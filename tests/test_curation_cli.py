"""`painterly curate` and the public API names (painterly.score / rank, lazily imported)."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from painterly.cli import main
from painterly.errors import InputError
from painterly.io import load_image, save_image
from painterly.samples import sample_photo


@pytest.fixture()
def pictures(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("chelsea", "coffee"):
        img = sample_photo(name)[::2, ::2].copy()
        save_image(img, folder / f"{name}.png")
        save_image(cv2.GaussianBlur(img, (0, 0), 3), folder / f"{name}-blur.png")
    save_image(np.zeros((64, 64, 3), np.float32), folder / "black.png")
    return folder


@pytest.fixture()
def no_clip(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_curate_without_clip_keeps_the_sharp_ones(pictures, tmp_path, no_clip, capsys):
    out = tmp_path / "out"
    rc = main(["curate", str(pictures), "-p", "a cat", "--keep", "2", "-o", str(out)])
    assert rc == 0
    err = capsys.readouterr().err
    assert "quality only" in err and "painterly models pull" in err
    kept = sorted(p.name for p in out.iterdir() if p.name[:2].isdigit())
    assert [k[:3] for k in kept] == ["01-", "02-"]
    assert {k[3:] for k in kept} == {"coffee.png", "chelsea.png"}
    # Kept files are the inputs, byte for byte.
    for k in kept:
        assert (out / k).read_bytes() == (pictures / k[3:]).read_bytes()
    summary = json.loads((out / "ranking.json").read_text())
    assert summary["signal"] == "quality" and summary["prompt"] == "a cat"
    assert [r["rank"] for r in summary["ranking"]] == [1, 2, 3, 4, 5]
    assert summary["ranking"][-1]["input"] == "black.png"
    assert sum(r["kept"] for r in summary["ranking"]) == 2
    sheet = load_image(out / "contact-sheet.png")
    assert sheet.shape[0] > 300 and sheet.shape[1] > 600


def test_curate_bad_keep_and_output(pictures, tmp_path, capsys):
    assert main(["curate", str(pictures), "--keep", "0", "-o", str(tmp_path / "o")]) == 2
    assert "--keep" in capsys.readouterr().err
    assert main(["curate", str(pictures), "-o", str(tmp_path / "o.png")]) == 2
    assert "folder" in capsys.readouterr().err
    assert main(["curate", str(tmp_path / "nope"), "-o", str(tmp_path / "o")]) == 2


def test_curate_reports_unreadable_files_and_goes_on(pictures, tmp_path, no_clip, capsys):
    (pictures / "broken.png").write_bytes(b"not a picture")
    out = tmp_path / "out"
    rc = main(["curate", str(pictures), "--no-clip", "-k", "1", "-o", str(out)])
    assert rc == 2  # some input failed
    assert "broken.png" in capsys.readouterr().err
    assert len([p for p in out.iterdir() if p.name.startswith("01-")]) == 1


def test_curate_with_tiny_clip(pictures, tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from _curation_tiny_clip import build_tiny_clip

    model = build_tiny_clip(tmp_path / "clip")
    out = tmp_path / "out"
    rc = main(["curate", str(pictures), "-p", "a cat", "-k", "3", "--model", str(model),
               "-o", str(out)])
    assert rc == 0
    summary = json.loads((out / "ranking.json").read_text())
    assert summary["signal"] == "clip+quality"
    assert all(isinstance(r["clip"], float) for r in summary["ranking"])
    scores = [r["score"] for r in summary["ranking"]]
    assert scores == sorted(scores, reverse=True)


def test_import_painterly_does_not_import_torch():
    code = ("import sys, painterly; f = painterly.rank; q = painterly.quality_score; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_public_names():
    import painterly

    assert callable(painterly.score) and callable(painterly.rank) and callable(painterly.curate)
    assert painterly.quality_score(sample_photo("coffee")).total > 0.5
    with pytest.raises(AttributeError):
        painterly.no_such_name  # noqa: B018


def test_paint_and_curate_keeps_the_best_seeds(tmp_path, no_clip, capsys):
    from painterly.cli.curate_cmd import paint_and_curate
    from painterly.io import read_metadata

    photo = sample_photo("coffee")[::2, ::2].copy()
    calls = []

    def fake_generate(seed, progress):  # seed 2 is the sharp one, the others blurred
        calls.append(seed)
        for i in range(3):
            progress(i + 1, 3)
        return photo if seed == 2 else cv2.GaussianBlur(photo, (0, 0), 1 + seed)

    out = tmp_path / "best"
    rc = paint_and_curate(fake_generate, [0, 1, 2, 3], prompt="coffee", keep=2, output=out,
                          clip_model="clip-vit-b-32", metadata={"model": "fake"}, steps=3)
    assert rc == 0 and calls == [0, 1, 2, 3]
    assert sorted(p.name for p in out.glob("0*.png")) == ["01-seed2.png", "02-seed0.png"]
    meta = read_metadata(out / "01-seed2.png")
    assert meta["seed"] == "2" and meta["rank"] == "1" and meta["ranked_by"] == "quality"
    assert meta["model"] == "fake" and "clip" not in meta
    summary = json.loads((out / "ranking.json").read_text())
    assert summary["seeds"] == [0, 1, 2, 3]
    assert [r["input"] for r in summary["ranking"]] == ["seed2", "seed0", "seed1", "seed3"]
    assert (out / "contact-sheet.png").exists()
    assert "quality only" in capsys.readouterr().err
    with pytest.raises(InputError):
        paint_and_curate(fake_generate, [0, 1], prompt="x", keep=1, output=tmp_path / "a.png",
                         clip_model=None, metadata={}, steps=3)


def test_paint_n_keep_end_to_end(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    from _curation_tiny_clip import build_tiny_clip
    from _tiny_sd import save_folder, tiny_model

    from painterly.generation.model import clear_cache
    from painterly.io import read_metadata

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    sd = save_folder(tiny_model(tmp_path / "build"), tmp_path / "sd")
    clip = build_tiny_clip(tmp_path / "clip")
    out = tmp_path / "best"
    try:
        rc = main(["paint", "a red cat", "-n", "3", "--keep", "2", "-o", str(out),
                   "--model", str(sd), "--clip", str(clip), "--steps", "2", "--size", "64x64",
                   "--seed", "10", "--dtype", "float32"])
        assert rc == 0
        kept = sorted(p.name for p in out.glob("0*.png"))
        assert len(kept) == 2 and kept[0].startswith("01-seed") and kept[1].startswith("02-seed")
        summary = json.loads((out / "ranking.json").read_text())
        assert summary["signal"] == "clip+quality" and summary["seeds"] == [10, 11, 12]
        assert sorted(r["input"] for r in summary["ranking"]) == ["seed10", "seed11", "seed12"]
        meta = read_metadata(out / kept[0])
        assert meta["prompt"] == "a red cat" and meta["rank"] == "1" and meta["size"] == "64x64"
        assert f"01-seed{meta['seed']}.png" == kept[0] and "clip" in meta
        assert load_image(out / kept[0]).shape == (64, 64, 3)
        # the kept picture is the one that seed paints alone
        single = tmp_path / "single.png"
        assert main(["paint", "a red cat", "-o", str(single), "--model", str(sd), "--steps", "2",
                     "--size", "64x64", "--seed", meta["seed"], "--dtype", "float32"]) == 0
        np.testing.assert_array_equal(load_image(single), load_image(out / kept[0]))
        # without CLIP: quality only, said so
        out2 = tmp_path / "q"
        assert main(["paint", "x", "-n", "2", "--keep", "1", "--no-clip", "-o", str(out2),
                     "--model", str(sd), "--steps", "2", "--size", "64x64",
                     "--dtype", "float32"]) == 0
        assert json.loads((out2 / "ranking.json").read_text())["signal"] == "quality"
        assert "quality only" in capsys.readouterr().err
        # bad combinations fail before the model loads
        sd_opt = ["--model", str(sd)]
        assert main(["paint", "x", "-n", "3", "-o", str(tmp_path / "a.png"), *sd_opt]) == 2
        assert main(["paint", "x", "-n", "2", "--keep", "3", "-o", str(out2), *sd_opt]) == 2
        assert main(["paint", "x", "-n", "0", "-o", str(out2), "--model", str(sd)]) == 2
    finally:
        clear_cache()
