"""Loading from a folder (the real loading code), the cache, and `painterly paint` end to end."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from _tiny_sd import save_folder, tiny_model  # noqa: E402

from painterly.cli import main  # noqa: E402
from painterly.errors import IntegrityError  # noqa: E402
from painterly.generation import Runtime, generate, load_pipeline  # noqa: E402
from painterly.generation.model import clear_cache, prepare  # noqa: E402
from painterly.io import read_metadata, load_image  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    return save_folder(tiny_model(root / "build"), root / "model")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield
    clear_cache()


def test_load_folder_once_and_generate(folder):
    a = load_pipeline(folder, runtime=Runtime(dtype="float32"))
    assert load_pipeline(str(folder), runtime=Runtime(dtype="float32")) is a  # cached, shared
    img = generate("a red cat", model=a, steps=2, size=(64, 64), seed=0)
    assert img.shape == (64, 64, 3) and 0 <= img.min() <= img.max() <= 1
    # the same weights built in memory give the same image: loading changed nothing
    ref = prepare(tiny_model(folder.parent / "again"), Runtime(dtype="float32"))
    assert np.array_equal(img, generate("a red cat", model=ref, steps=2, size=(64, 64), seed=0))


def test_load_refuses_pickle_disguised_as_safetensors(folder, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    torch.save({"x": torch.ones(1)}, bad / "unet" / "diffusion_pytorch_model.safetensors")
    with pytest.raises(IntegrityError):
        load_pipeline(bad)
    (bad / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(pickle.dumps({}, protocol=4))
    with pytest.raises(IntegrityError):
        load_pipeline(bad)


def test_cli_paint_writes_image_with_metadata(folder, tmp_path):
    out = tmp_path / "cat.png"
    rc = main(["paint", "a red cat", "-o", str(out), "--model", str(folder), "--steps", "2",
               "--size", "64x64", "--seed", "5", "--dtype", "float32"])
    assert rc == 0
    meta = read_metadata(out)
    assert meta["prompt"] == "a red cat" and meta["seed"] == "5" and meta["steps"] == "2"
    assert str(folder) in meta["model"]
    assert load_image(out).shape == (64, 64, 3)


def test_cli_paint_img2img_and_bad_size(folder, tmp_path):
    from painterly.io import save_image

    init = tmp_path / "in.png"
    save_image(np.full((64, 64, 3), 0.5, np.float32), init)
    rc = main(["paint", "x", "-o", str(tmp_path / "o.png"), "--model", str(folder), "--init", str(init),
               "--strength", "0.5", "--steps", "2", "--dtype", "float32"])
    assert rc == 0
    assert main(["paint", "x", "-o", str(tmp_path / "o.png"), "--model", str(folder),
                 "--size", "63x64"]) == 2
