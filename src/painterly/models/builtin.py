"""The models painterly knows by name. None ships with painterly: `painterly models pull NAME`.

Each is pinned to a commit of its Hugging Face repo (``revision``), except ``sdxs-512``, whose
commit could not be established from this offline machine (it follows ``main``). A commit fixes
every file's content: its tree holds each LFS file's sha256. A pull asks the Hub for that commit,
refuses an answer for another one, and compares every downloaded file with the sha256 the Hub
publishes for it at that commit, plus any digest listed in ``sha256`` here (none yet: the file
digests could not be read offline either; ``painterly models verify FOLDER`` prints them).
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
    revision="b261bac6fd2cf515557d5d0707481eafa0485ec2",
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
    revision="451f4fe16113bff5a5d2269ed5ad43b0592e9a14",
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
    revision="cf2fced511dbe7e26c8d1d397e728fbab875db4b",
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
    revision="451f4fe16113bff5a5d2269ed5ad43b0592e9a14",
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
    revision="3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268",
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
    revision="614f76814bbe30edbe2e627ace1c2234c81a2c0e",
    files=("config.json", "diffusion_pytorch_model.safetensors"),
    licence="MIT",
    commercial_use=True,
    description="TAESD (Bohan 2023): tiny VAE decoder for SD 1.x/2.x latents, a fast --tiny-vae option",
))
