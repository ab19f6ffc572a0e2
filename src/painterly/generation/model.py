"""Loading a diffusion model once and sharing it: :class:`DiffusionModel` and :func:`load_pipeline`.

A loaded model holds only the *stateless* components (text encoder, tokenizer, UNet, VAE) and the
scheduler's *config*. Schedulers keep per-call state (their timesteps and step index), which is
what breaks a diffusers pipeline shared by two threads (diffusers #3672, #5749), so every call
builds its own scheduler from the config and its own light pipeline object around the shared
components (see :meth:`DiffusionModel.pipeline`). Loaded models are cached per process, least
recently used out first within a byte budget (:func:`set_cache_budget`).
"""

from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from painterly.errors import InputError, MissingExtraError
from painterly.models.cache import ModelCache


def _torch():
    try:
        import torch
    except ImportError as e:
        raise MissingExtraError("diffusion", "torch") from e
    return torch


def _diffusers():
    try:
        import diffusers
        import transformers  # noqa: F401
    except ImportError as e:
        raise MissingExtraError("diffusion", "diffusers") from e
    return diffusers


def cpu_has_bf16() -> bool:
    """True when this CPU has native bf16 matrix instructions (AVX512-BF16 or AMX-BF16).

    Without them PyTorch emulates bf16 and it is slower than fp32, so "auto" keeps fp32 there.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@dataclass(frozen=True)
class Runtime:
    """How to run a model on this machine (speed levers; see benchmarks/results/diffusion.md)."""

    # "auto" = bfloat16 where the CPU multiplies bf16 natively, else float32. bf16 halves the
    # memory traffic and doubles the matmul rate; images differ slightly from fp32 ones.
    dtype: str = "auto"
    channels_last: bool = True  # NHWC convolutions: oneDNN's fast layout on the CPU
    # A registered tiny VAE decoder (e.g. "taesd", Bohan 2023) instead of the model's VAE for
    # text-to-image: decoding 512x512 costs more than a one-step UNet. Needs its real weights.
    tiny_vae: str | None = None
    # Nearest-2x upsample + 3x3 conv in the VAE decoder run as four 2x2 convs at the low
    # resolution (generation/upsample.py): same image up to float rounding (max abs diff ~3e-6
    # in fp32), 2.25x fewer FLOPs in those convs; pipeline 0.45x -> 0.40x of plain on this CPU.
    fold_upsample: bool = True

    def torch_dtype(self):
        torch = _torch()
        name = self.dtype
        if name == "auto":
            name = "bfloat16" if cpu_has_bf16() else "float32"
        if name not in ("float32", "bfloat16"):
            raise InputError(f"dtype {self.dtype!r}: use auto, float32 or bfloat16")
        return getattr(torch, name)


@dataclass
class DiffusionModel:
    """Shared, read-only components of a Stable-Diffusion-family model plus its defaults."""

    unet: Any
    vae: Any
    text_encoder: Any
    tokenizer: Any
    scheduler_config: dict
    scheduler_class: str = "EulerDiscreteScheduler"
    name: str = "custom"
    defaults: dict = field(default_factory=dict)  # steps, guidance, size (from the registry)
    # the seamless-tiling twin (see tiled()), built once on first use, under its lock
    _tiled: DiffusionModel | None = field(default=None, repr=False, compare=False)
    _tiled_lock: Any = field(default_factory=threading.Lock, repr=False, compare=False)

    def scheduler(self, spec=None):
        """A fresh scheduler for one call: schedulers are stateful, never shared. ``spec`` (a
        :class:`~painterly.generation.samplers.SchedulerSpec`) picks another class and spacing."""
        if spec is None:
            return getattr(_diffusers(), self.scheduler_class).from_config(self.scheduler_config)
        return getattr(_diffusers(), spec.cls).from_config({**self.scheduler_config, **spec.config})

    def tiled(self) -> DiffusionModel:
        """This model with circular padding in every UNet and VAE convolution, so that what it
        paints wraps at the edges (a seamless texture), as AUTOMATIC1111's ``tiling`` does.

        A1111 switches the shared model's padding mode in place; here a twin is built once, its
        module tree copied and its weight tensors shared, so that calls with and without tiling
        can run at the same time (no process-wide switch)."""
        with self._tiled_lock:
            if self._tiled is None:
                self._tiled = replace(self, unet=_circular_copy(self.unet),
                                      vae=_circular_copy(self.vae), _tiled=None,
                                      _tiled_lock=threading.Lock())
            return self._tiled

    def pipeline(self, task: str = "text", scheduler=None):
        """A new diffusers pipeline for one call ("text", "image" or "inpaint") around the shared
        components, with its own scheduler (``scheduler``: a SchedulerSpec, None for the
        model's own). Cheap: no weights are copied."""
        d = _diffusers()
        cls = {
            "text": d.StableDiffusionPipeline,
            "image": d.StableDiffusionImg2ImgPipeline,
            "inpaint": d.StableDiffusionInpaintPipeline,
        }[task]
        pipe = cls(vae=self.vae, text_encoder=self.text_encoder, tokenizer=self.tokenizer,
                   unet=self.unet, scheduler=self.scheduler(scheduler), safety_checker=None,
                   feature_extractor=None, requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)  # library code never prints
        return pipe

    @property
    def dtype(self):
        return next(self.unet.parameters()).dtype


def _circular_copy(module):
    """A copy of ``module``'s tree sharing its parameters and buffers, with every Conv2d padding
    circularly. painterly's folded VAE upsamplers (generation/upsample.py) pad with zeros inside
    a transposed convolution, so the copy goes back to the original layers they keep."""
    torch = _torch()
    from painterly.generation.upsample import _module_class

    shared = {id(t): t for t in (*module.parameters(), *module.buffers())}
    twin = copy.deepcopy(module, memo=shared)
    folded = _module_class()
    for name, m in list(twin.named_modules()):
        if isinstance(m, folded):
            parent_name, _, child = name.rpartition(".")
            setattr(twin.get_submodule(parent_name) if parent_name else twin, child, m.fallback)
    for m in twin.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.padding_mode = "circular"
    return twin


def prepare(model: DiffusionModel, runtime: Runtime) -> DiffusionModel:
    """Apply the runtime levers in place (dtype, memory layout) and switch to inference mode."""
    torch = _torch()
    dtype = runtime.torch_dtype()
    for m in (model.unet, model.vae, model.text_encoder):
        m.requires_grad_(False).eval()
        if next(m.parameters()).dtype != dtype:
            m.to(dtype)
        if runtime.channels_last:
            m.to(memory_format=torch.channels_last)
    if runtime.fold_upsample and hasattr(model.vae, "decoder"):
        from painterly.generation.upsample import fold_upsamplers

        fold_upsamplers(model.vae.decoder)  # idempotent: folded layers are not folded again
    return model


def model_bytes(model: DiffusionModel) -> int:
    """Memory a loaded model holds: the bytes of its UNet, VAE and text encoder tensors."""
    from painterly.models.cache import torch_module_bytes

    return torch_module_bytes(model.unet, model.vae, model.text_encoder)


def _default_budget() -> int:
    """``PAINTERLY_PIPELINE_CACHE_MB`` or 8 GiB: one SD 1.5 in float32 (4.3 GB) plus one in bf16,
    or three SD-Turbo/SDXS models in bf16 (about 2.6 GB each with their text encoders)."""
    mb = os.environ.get("PAINTERLY_PIPELINE_CACHE_MB", "").strip()
    try:
        return int(float(mb) * 2**20) if mb else 8 * 2**30
    except ValueError:
        raise InputError(f"PAINTERLY_PIPELINE_CACHE_MB={mb!r}: give a number of megabytes") from None


# Loaded models, least recently used out first, within a byte budget (see set_cache_budget).
# The environment's budget is read at the first load, not at import: a bad value is then an
# error of that call, and importing painterly never fails on it.
_CACHE = ModelCache(max_items=None, max_bytes=8 * 2**30, size_of=model_bytes,
                    name="diffusion pipelines")
_budget_read = False


def _ensure_budget() -> None:
    global _budget_read
    if not _budget_read:
        _CACHE.configure(max_bytes=_default_budget())
        _budget_read = True


def set_cache_budget(max_bytes: int | None = None, *, max_models: int | None = None) -> None:
    """Bound the loaded-model cache: at most ``max_bytes`` of weights (estimated from parameter
    sizes) and ``max_models`` models; None lifts that bound. Least recently used go first; the
    model just loaded always stays, even alone over the budget. Overrides
    ``PAINTERLY_PIPELINE_CACHE_MB``."""
    global _budget_read
    _CACHE.configure(max_items=max_models, max_bytes=max_bytes)
    _budget_read = True


def cached_models() -> list[tuple]:
    """Keys of the loaded models, least recently used first (folder, LoRA folder, runtime)."""
    return _CACHE.keys()


def _class_name(folder: Path, fallback: str) -> str:
    cfg = folder / "config.json"
    if not cfg.is_file():
        cfg = folder / "scheduler_config.json"
    try:
        return json.loads(cfg.read_text()).get("_class_name", fallback)
    except (OSError, ValueError):
        return fallback


def _load_folder(folder: Path, torch_dtype) -> dict:
    """Components of a diffusers-layout Stable Diffusion folder, safetensors only, no network."""
    d = _diffusers()
    import transformers

    kw = {"use_safetensors": True, "local_files_only": True, "torch_dtype": torch_dtype}
    vae_cls = getattr(d, _class_name(folder / "vae", "AutoencoderKL"))  # SDXS ships AutoencoderTiny
    sched_cfg = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    return {
        "unet": d.UNet2DConditionModel.from_pretrained(folder, subfolder="unet", **kw),
        "vae": vae_cls.from_pretrained(folder, subfolder="vae", **kw),
        "text_encoder": transformers.CLIPTextModel.from_pretrained(folder, subfolder="text_encoder", **kw),
        "tokenizer": transformers.CLIPTokenizer.from_pretrained(folder, subfolder="tokenizer",
                                                                local_files_only=True),
        "scheduler_config": dict(sched_cfg),
        "scheduler_class": sched_cfg.get("_class_name", "EulerDiscreteScheduler"),
    }


def load_pipeline(name_or_path: str | Path, *, runtime: Runtime | None = None) -> DiffusionModel:
    """Load a registered model, a Hugging Face repo id already in the cache, or a local folder.

    Loaded once per process and shared (thread-safe): later calls with the same model and
    runtime return the same object while it stays in the bounded cache (:func:`set_cache_budget`).
    Files are checked first (safetensors only, by content); a missing model raises :class:`~painterly.errors.ModelMissingError` saying how to get it.
    """
    from painterly.models import get_model, resolve, spec_for

    runtime = runtime or Runtime()
    _ensure_budget()
    # the extra first: a model pulled without torch and diffusers could not be run anyway
    _torch()
    _diffusers()
    spec = spec_for(name_or_path, "diffusion")
    if spec.kind != "diffusion":
        raise InputError(f"model {spec.name!r} is a {spec.kind} model, not a diffusion model")
    folder = resolve(name_or_path)
    lora_folder = resolve(spec.lora, kind="lora") if spec.lora else None
    key = (str(folder), str(lora_folder), runtime)

    def load() -> DiffusionModel:  # run by one thread per key; the others wait for it
        parts = _load_folder(folder, runtime.torch_dtype())
        if spec.defaults.get("scheduler"):
            parts["scheduler_class"] = spec.defaults["scheduler"]
        model = DiffusionModel(name=spec.name, defaults=dict(spec.defaults), **parts)
        if lora_folder is not None:
            _fuse_lora(model, lora_folder)
        if runtime.tiny_vae:
            model.vae = _diffusers().AutoencoderTiny.from_pretrained(
                resolve(get_model(runtime.tiny_vae).name, kind="other"),
                use_safetensors=True, local_files_only=True)
        return prepare(model, runtime)

    return _CACHE.get(key, load)


def _fuse_lora(model: DiffusionModel, lora_folder: Path) -> None:
    """Fuse a LoRA (safetensors, diffusers/kohya format) into the UNet weights, once at load."""
    try:
        import peft  # noqa: F401  (diffusers' LoRA loader needs it)
    except ImportError as e:
        raise MissingExtraError("diffusion", "peft") from e
    pipe = model.pipeline("text")
    pipe.load_lora_weights(str(lora_folder), weight_name="pytorch_lora_weights.safetensors",
                           local_files_only=True)
    pipe.fuse_lora()
    pipe.unload_lora_weights()  # the fused weights stay; the adapter layers go


def clear_cache() -> None:
    """Forget loaded models (frees their memory once no caller holds them)."""
    _CACHE.clear()
