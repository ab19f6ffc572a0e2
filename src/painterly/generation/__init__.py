"""Diffusion generation (extra ``painterly[diffusion]``): text to image, image to image, inpainting.

    generate(prompt, *, model, steps, seed, size, negative, init, strength, mask, progress) -> image
    iter_generate(prompt, **same) -> Step events, the last one with the image
    load_pipeline(name_or_path, runtime=Runtime(...)) -> DiffusionModel (cached, shared)
    set_cache_budget(max_bytes, max_models=None)   # the loaded-model cache's bounds (LRU)
    default_strength(model) -> the model's image-to-image strength when none is given
"""

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

__all__ = [
    "IMG2IMG_STRENGTH",
    "DiffusionModel",
    "Runtime",
    "Step",
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
    "set_cache_budget",
]
