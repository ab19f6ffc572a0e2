"""The models painterly knows by name. None ships with painterly: `painterly models pull NAME`.

Revisions follow ``main``: the exact commits could not be checked from this (offline) machine, so
no sha256 is hard-coded here; a pull compares every file with the sha256 the Hub publishes for it
(its LFS object id) instead. Pin ``revision`` to a commit hash to freeze a model's files.
Licences are summarised from the model cards; the model card is the authority.
"""

from painterly.models.registry import ModelSpec, register_model

# diffusers layout of a Stable Diffusion repo, safetensors weights only (repos also hold
# .bin pickles, .ckpt single files and fp16 copies that we never need).
_SD_FILES = (
    "model_index.json",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "tokenizer/*",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
)

register_model(ModelSpec(
    name="sd-turbo",
    kind="diffusion",
    repo_id="stabilityai/sd-turbo",
    files=_SD_FILES,
    licence="Stability AI Non-Commercial Research Community License: NON-COMMERCIAL use only "
            "(research and personal); commercial use needs a licence from Stability AI",
    commercial_use=False,
    description="SD-Turbo (Sauer et al. 2023, adversarial diffusion distillation of SD 2.1): "
                "one-step 512x512 text to image",
    # img2img: 0.5 of 2 scheduled steps = 1 real step, as in the model card's example
    defaults={"steps": 1, "guidance": 0.0, "size": (512, 512), "strength": 0.5},
))

register_model(ModelSpec(
    name="sdxs-512",
    kind="diffusion",
    repo_id="IDKiro/sdxs-512-0.9",
    files=_SD_FILES,
    licence="OpenRAIL++-M (per the model card; use restrictions apply, commercial use allowed)",
    commercial_use=True,
    description="SDXS-512 (Song et al. 2024): one-step 512x512 text to image with a tiny VAE decoder",
    defaults={"steps": 1, "guidance": 0.0, "size": (512, 512), "strength": 0.5},
))

register_model(ModelSpec(
    name="sd15",
    kind="diffusion",
    repo_id="stable-diffusion-v1-5/stable-diffusion-v1-5",
    files=_SD_FILES,
    licence="CreativeML OpenRAIL-M (use restrictions apply, commercial use allowed)",
    commercial_use=True,
    description="Stable Diffusion 1.5 (Rombach et al. 2022): the base model for sd15-lcm",
    defaults={"steps": 25, "guidance": 7.5, "size": (512, 512), "strength": 0.6},
))

register_model(ModelSpec(
    name="lcm-lora-sd15",
    kind="lora",
    repo_id="latent-consistency/lcm-lora-sdv1-5",
    files=("pytorch_lora_weights.safetensors",),
    licence="OpenRAIL++-M (per the model card)",
    commercial_use=True,
    description="LCM-LoRA for SD 1.5 (Luo et al. 2023): a LoRA that makes SD 1.5 sample in 2-8 steps",
    base="sd15",
))

register_model(ModelSpec(
    name="sd15-lcm",
    kind="diffusion",
    repo_id="stable-diffusion-v1-5/stable-diffusion-v1-5",
    files=_SD_FILES,
    licence="CreativeML OpenRAIL-M (base) + OpenRAIL++-M (LCM-LoRA)",
    commercial_use=True,
    description="Stable Diffusion 1.5 with the LCM-LoRA fused in and the LCM scheduler: 4 steps",
    defaults={"steps": 4, "guidance": 1.0, "size": (512, 512), "scheduler": "LCMScheduler",
              "strength": 0.6},
    lora="lcm-lora-sd15",
))

register_model(ModelSpec(
    name="clip-vit-b-32",
    kind="clip",
    repo_id="openai/clip-vit-base-patch32",
    files=("config.json", "model.safetensors", "preprocessor_config.json", "tokenizer.json",
           "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json"),
    licence="MIT (OpenAI CLIP); the model card restricts deployment uses, read it",
    commercial_use=None,
    description="CLIP ViT-B/32 (Radford et al. 2021): text-image similarity for scoring and ranking",
    defaults={"image_size": 224},
))

register_model(ModelSpec(
    name="taesd",
    kind="other",
    repo_id="madebyollin/taesd",
    files=("config.json", "diffusion_pytorch_model.safetensors"),
    licence="MIT",
    commercial_use=True,
    description="TAESD (Bohan 2023): tiny VAE decoder for SD 1.x/2.x latents, a fast --tiny-vae option",
))
