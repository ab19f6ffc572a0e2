"""Loading from a folder (the real loading code), the cache, and `painterly paint` end to end."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from _tiny_sd import save_folder, tiny_model

from painterly.cli import main
from painterly.errors import IntegrityError
from painterly.generation import Runtime, generate, load_pipeline
from painterly.generation.model import clear_cache, prepare
from painterly.io import load_image, read_metadata


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


def test_registered_model_with_lora_is_fused_at_load(folder, tmp_path):
    """The sd15-lcm recipe on tiny parts: a registered base + LoRA, LCM scheduler, fused once."""
    pytest.importorskip("peft")
    from diffusers import StableDiffusionPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    from painterly.models import ModelSpec, register_model, registry

    with_lora = tiny_model(tmp_path / "l")
    torch.manual_seed(1)
    with_lora.unet.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                          target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    StableDiffusionPipeline.save_lora_weights(tmp_path / "lora", get_peft_model_state_dict(with_lora.unet),
                                              safe_serialization=True)
    lora = ModelSpec(name="tiny-lora", kind="lora", local_path=str(tmp_path / "lora"))
    base = ModelSpec(name="tiny-lcm", kind="diffusion", local_path=str(folder), lora="tiny-lora",
                     defaults={"steps": 2, "guidance": 1.0, "size": (64, 64), "scheduler": "LCMScheduler"})
    try:
        register_model(lora)
        register_model(base)
        m = load_pipeline("tiny-lcm", runtime=Runtime(dtype="float32", channels_last=False))
        assert m.scheduler_class == "LCMScheduler" and type(m.scheduler()).__name__ == "LCMScheduler"
        fused = generate("a cat", model=m, seed=0)
        with_lora.scheduler_class, with_lora.defaults = "LCMScheduler", dict(base.defaults)
        unfused = generate("a cat", model=with_lora, seed=0)
        plain = load_pipeline(folder, runtime=Runtime(dtype="float32", channels_last=False))
        plain.scheduler_class = "LCMScheduler"
        without = generate("a cat", model=plain, seed=0, steps=2, guidance=1.0, size=(64, 64))
        assert np.allclose(fused, unfused, atol=2e-3)  # fusing = running the adapter
        assert np.abs(fused - without).max() > 1e-2  # and the LoRA did change the model
    finally:
        registry._MODELS.pop("tiny-lora", None)
        registry._MODELS.pop("tiny-lcm", None)


def test_tiny_vae_option_swaps_the_decoder(folder, tmp_path):
    """Runtime(tiny_vae=NAME) loads a registered AutoencoderTiny (TAESD's architecture)."""
    from diffusers import AutoencoderTiny

    from painterly.models import ModelSpec, register_model, registry

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(4, 4), decoder_block_out_channels=(4, 4),
                    num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1), latent_channels=4,
                    ).save_pretrained(tmp_path / "taesd", safe_serialization=True)
    register_model(ModelSpec(name="tiny-taesd", kind="other", local_path=str(tmp_path / "taesd")))
    try:
        m = load_pipeline(folder, runtime=Runtime(dtype="float32", tiny_vae="tiny-taesd"))
        assert type(m.vae).__name__ == "AutoencoderTiny"
        img = generate("a cat", model=m, steps=2, size=(64, 64), seed=0)
        assert img.shape == (64, 64, 3) and np.isfinite(img).all() and 0 <= img.min() <= img.max() <= 1
    finally:
        registry._MODELS.pop("tiny-taesd", None)


# -- defaults that do what a user means ------------------------------------------------------------

def _gray(tmp_path):
    from painterly.io import save_image

    init = tmp_path / "in.png"
    y, x = np.mgrid[0:64, 0:64] / 63.0
    save_image(np.stack([x, y, 1 - x * y], axis=2).astype(np.float32), init)
    return init


def test_cli_paint_init_without_strength_uses_the_model_default(folder, tmp_path):
    from painterly.generation import IMG2IMG_STRENGTH

    init = _gray(tmp_path)
    out, full = tmp_path / "o.png", tmp_path / "full.png"
    args = ["--model", str(folder), "--init", str(init), "--steps", "2", "--dtype", "float32",
            "--size", "64x64"]
    assert main(["paint", "x", "-o", str(out), *args]) == 0
    assert main(["paint", "x", "-o", str(full), *args, "--strength", "1"]) == 0
    assert float(read_metadata(out)["strength"]) == IMG2IMG_STRENGTH
    photo = load_image(init)
    assert np.abs(load_image(out) - photo).mean() < np.abs(load_image(full) - photo).mean()


def test_cli_stylize_img2img_without_strength_uses_the_model_default(folder, tmp_path):
    from painterly.models import ModelSpec, register_model, registry

    # a registered tiny model with its own image-to-image default (and a 64 px size: fast)
    register_model(ModelSpec(name="tiny-sd", kind="diffusion", local_path=str(folder),
                             defaults={"steps": 2, "size": (64, 64), "strength": 0.35}))
    try:
        init, out = _gray(tmp_path), tmp_path / "o.png"
        rc = main(["stylize", str(init), "-o", str(out), "--prompt", "a red cat", "--img2img", "tiny-sd"])
        assert rc == 0
        assert float(read_metadata(out)["strength"]) == 0.35
    finally:
        registry._MODELS.pop("tiny-sd", None)


def test_cli_negative_without_guidance_exits_2_before_loading(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["paint", "a cat", "--negative", "blurry", "-o", str(out)]) == 2  # sd-turbo: guidance 0
    err = capsys.readouterr().err
    assert "negative prompt needs guidance" in err and "--guidance" in err
    assert "models pull" not in err  # refused before looking for the (absent) model
    assert not out.exists()


def test_cli_paint_needs_a_prompt_or_a_voice(tmp_path, capsys):
    assert main(["paint", "-o", str(tmp_path / "x.png")]) == 2
    assert "--voice" in capsys.readouterr().err


def test_cli_paint_voice_paints_the_spoken_words(folder, tmp_path):
    import shutil
    import subprocess

    pytest.importorskip("pocketsphinx")
    pytest.importorskip("soundfile")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    from painterly.speech import transcribe

    wav = tmp_path / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), "an oil painting with thick brush strokes"],
                   check=True, capture_output=True)
    out = tmp_path / "voice.png"
    rc = main(["paint", "--voice", str(wav), "-o", str(out), "--model", str(folder), "--steps", "2",
               "--size", "64x64", "--dtype", "float32"])
    assert rc == 0
    meta = read_metadata(out)
    heard = transcribe(wav)
    assert meta["prompt"] == heard and "oil painting" in heard and meta["voice"] == "say.wav"
    # the same words typed give the same picture
    typed = tmp_path / "typed.png"
    assert main(["paint", heard, "-o", str(typed), "--model", str(folder), "--steps", "2",
                 "--size", "64x64", "--dtype", "float32"]) == 0
    assert np.array_equal(load_image(out), load_image(typed))
