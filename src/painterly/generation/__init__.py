"""Diffusion generation (extra ``painterly[diffusion]``): text to image, image to image, inpainting.

    generate(prompt, *, model, steps, seed, size, negative, init, strength, mask, progress) -> image
    iter_generate(prompt, **same) -> Step events, the last one with the image
    load_pipeline(name_or_path, runtime=Runtime(...)) -> DiffusionModel (cached, shared)
"""

from painterly.generation.generate import (
    Step,
    check_inputs,
    feather_inside,
    generate,
    iter_generate,
    parse_size,
)
from painterly.generation.model import (
    DiffusionModel,
    Runtime,
    clear_cache,
    cpu_has_bf16,
    load_pipeline,
)

__all__ = [
    "DiffusionModel",
    "Runtime",
    "Step",
    "check_inputs",
    "clear_cache",
    "cpu_has_bf16",
    "feather_inside",
    "generate",
    "iter_generate",
    "load_pipeline",
    "parse_size",
]
