"""Diffusion generation (extra ``painterly[diffusion]``): text to image, image to image, inpainting.

    generate(prompt, *, model, steps, seed, size, negative, init, strength, mask, progress,
             sampler, schedule, tiling, clip_skip, eta, hires=Hires(...)) -> image
    sd_upscale(prompt, image, scale, upscaler, overlap, tile, **generate options) -> image
    painterly.generation.upscale.upscale(image, size, "Lanczos" | "Nearest") -> image
    list of A1111 samplers and schedules: SAMPLERS, SCHEDULES (generation/samplers.py)
    iter_generate(prompt, **same) -> Step events, the last one with the image
    load_pipeline(name_or_path, runtime=Runtime(...)) -> DiffusionModel (cached, shared)
    set_cache_budget(max_bytes, max_models=None)   # the loaded-model cache's bounds (LRU)
    default_strength(model) -> the model's image-to-image strength when none is given
"""

from painterly.generation.denoise import FINISH
from painterly.generation.generate import (
    IMG2IMG_STRENGTH,
    Step,
    check_inputs,
    check_request,
    default_strength,
    feather_inside,
    generate,
    iter_generate,
    parse_size,
)
from painterly.generation.hires import Hires
from painterly.generation.model import (
    DiffusionModel,
    Runtime,
    cached_models,
    clear_cache,
    cpu_has_bf16,
    load_pipeline,
    model_bytes,
    set_cache_budget,
)
from painterly.generation.samplers import SAMPLERS, SCHEDULES, available_samplers, scheduler_spec
from painterly.generation.upscale import sd_upscale

__all__ = [
    "FINISH",
    "IMG2IMG_STRENGTH",
    "SAMPLERS",
    "SCHEDULES",
    "DiffusionModel",
    "Hires",
    "Runtime",
    "Step",
    "available_samplers",
    "cached_models",
    "check_inputs",
    "check_request",
    "clear_cache",
    "cpu_has_bf16",
    "default_strength",
    "feather_inside",
    "generate",
    "iter_generate",
    "load_pipeline",
    "model_bytes",
    "parse_size",
    "scheduler_spec",
    "sd_upscale",
    "set_cache_budget",
]
