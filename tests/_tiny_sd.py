"""Tiny random Stable Diffusion components for the generation tests (diffusers' own recipe:
block_out_channels (4, 8), a 5-layer 32-wide CLIP text model, a tokenizer written here)."""

from __future__ import annotations

import json
from pathlib import Path


def write_tokenizer(folder: Path) -> Path:
    """A CLIP BPE tokenizer over the letters a-z (no merges): enough to turn prompts into ids."""
    folder.mkdir(parents=True, exist_ok=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens = ["<|startoftext|>", "<|endoftext|>", "!"] + letters + [c + "</w>" for c in letters]
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return folder


def tiny_model(tmp_path: Path, scheduler: str = "EulerDiscreteScheduler"):
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from painterly.generation import DiffusionModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32, norm_num_groups=2,
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 8], in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=2,
        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=2, hidden_size=32, intermediate_size=37,
        num_attention_heads=4, num_hidden_layers=5, vocab_size=64, layer_norm_eps=1e-5,
    ))
    tok_dir = write_tokenizer(tmp_path / "tokenizer")
    tokenizer = CLIPTokenizer(str(tok_dir / "vocab.json"), str(tok_dir / "merges.txt"),
                              model_max_length=77, pad_token="!")
    sched = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "timestep_spacing": "trailing", "steps_offset": 1,
             "prediction_type": "epsilon"}
    for m in (unet, vae, text_encoder):
        m.eval()
    return DiffusionModel(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                          scheduler_config=sched, scheduler_class=scheduler, name="tiny",
                          defaults={"steps": 2, "guidance": 0.0, "size": (64, 64)})


def save_folder(model, folder: Path) -> Path:
    """Write the tiny model in diffusers' folder layout with safetensors weights."""
    model.unet.save_pretrained(folder / "unet", safe_serialization=True)
    model.vae.save_pretrained(folder / "vae", safe_serialization=True)
    model.text_encoder.save_pretrained(folder / "text_encoder", safe_serialization=True)
    model.tokenizer.save_pretrained(folder / "tokenizer")
    (folder / "scheduler").mkdir(parents=True, exist_ok=True)
    (folder / "scheduler" / "scheduler_config.json").write_text(
        json.dumps({"_class_name": "EulerDiscreteScheduler", **model.scheduler_config}))
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    return folder


def models_file(root: Path) -> Path:
    """A tiny random model saved under ``root`` and a models file (``root/models.json``) that
    registers it as 'tiny' (2 steps, no guidance, 64x64), for ``PAINTERLY_MODELS_FILE``."""
    folder = save_folder(tiny_model(root / "build"), root / "tiny")
    models = root / "models.json"
    models.write_text(json.dumps([{
        "name": "tiny", "kind": "diffusion", "local_path": str(folder),
        "defaults": {"steps": 2, "guidance": 0.0, "size": [64, 64]}}]))
    return models


def smooth_photo():
    """A 64x64 contract image for the tiny model: smooth colours plus texture (seeded), so that
    "unchanged" is a demanding comparison."""
    import numpy as np

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:64, 0:64] / 63.0
    img = np.stack([x, y, 1 - x * y], axis=2) * 0.7 + rng.random((64, 64, 3)) * 0.3
    return np.ascontiguousarray(img, dtype=np.float32)
