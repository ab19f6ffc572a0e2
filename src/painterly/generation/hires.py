"""AUTOMATIC1111's *hires fix*: paint at the model's size, upscale, and repaint the upscaled picture.

A model trained at 512 px repeats itself when asked for 1024 px at once; painting the composition
small and then running image to image at the large size keeps it whole. The upscale is either in
latent space (A1111's "Latent" modes, no VAE round trip) or in pixels (Lanczos, Nearest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from painterly.errors import InputError


@dataclass(frozen=True)
class Hires:
    """The second pass of a text-to-image generation (A1111's ``enable_hr`` fields)."""

    scale: float = 2.0  # upscale factor (hr_scale); A1111's default
    size: tuple[int, int] | None = None  # explicit (width, height) (hr_resize_x/y); 0 keeps aspect
    upscaler: str = "Latent"  # a latent mode or Lanczos/Nearest/None (hr_upscaler); A1111's default
    steps: int | None = None  # second-pass steps (hr_second_pass_steps); None: the first pass's
    strength: float = 0.7  # how much of the upscaled picture is repainted (A1111's UI default)
    sampler: str | None = None  # hr_sampler_name; None: the first pass's
    schedule: str | None = None  # hr_scheduler; None: the first pass's
    prompt: str | None = None  # hr_prompt; None: the first pass's
    negative: str | None = None  # hr_negative_prompt; None: the first pass's

    def target(self, size: tuple[int, int]) -> tuple[int, int]:
        """The second pass's (width, height), sides rounded down to multiples of 8."""
        w, h = size
        if self.size and any(self.size):
            rx, ry = (int(v) for v in self.size)
            rx = rx or ry * w // h
            ry = ry or rx * h // w
        else:
            if not 1.0 <= float(self.scale) <= 8.0:
                raise InputError(f"hires scale {self.scale}: give a factor from 1 to 8")
            rx, ry = int(w * float(self.scale)), int(h * float(self.scale))
        return max(64, rx // 8 * 8), max(64, ry // 8 * 8)

    @property
    def latent(self) -> bool:
        from painterly.generation.upscale import LATENT_MODES, find_upscaler

        return find_upscaler(self.upscaler, latent=True) in LATENT_MODES


def second_pass(m, first: Any, hires: Hires, *, size: tuple[int, int], prompt: str,
                negative: str | None, guidance: float, seed: int, steps: int, scheduler,
                extra: dict, counter) -> np.ndarray:
    """Upscale ``first`` (latents when ``hires.latent``, else an image) to ``hires.target(size)``
    and repaint it by image to image; returns float32 HxWx3 in [0, 1]."""
    import torch

    from painterly.generation.denoise import decode_latents, run_pipeline
    from painterly.generation.samplers import scheduler_spec
    from painterly.generation.upscale import cover_crop, upscale, upscale_latents
    from painterly.io import to_image, to_pil

    target = hires.target(size)
    pipe = m.pipeline("image", scheduler if hires.sampler is None and hires.schedule is None
                      else scheduler_spec(hires.sampler or (scheduler.sampler if scheduler else None),
                                          hires.schedule, seed=seed))
    if hires.latent:
        f = pipe.vae_scale_factor  # 8 for Stable Diffusion's VAE
        image = upscale_latents(first, (target[0] // f, target[1] // f), hires.upscaler)
        if counter.finished_early:  # interrupted in the first pass: nothing more to paint
            return decode_latents(pipe, first)
        if hires.strength == 0.0:
            return decode_latents(pipe, image)
    else:
        (sw, sh), (x, y) = cover_crop((first.shape[1], first.shape[0]), target)
        up = upscale(first, (sw, sh), hires.upscaler)[y:y + target[1], x:x + target[0]]
        if counter.finished_early or hires.strength == 0.0:
            return first if counter.finished_early else np.ascontiguousarray(up)
        image = to_pil(up)
    n = int(hires.steps or steps)
    kwargs = dict(prompt=hires.prompt or prompt, negative_prompt=(hires.negative or negative) or None,
                  guidance_scale=guidance, image=image, strength=float(hires.strength),
                  num_inference_steps=max(n, math.ceil(n / max(hires.strength, 1e-3))),
                  generator=torch.Generator("cpu").manual_seed(int(seed)), output_type="np",
                  **extra)
    out = run_pipeline(pipe, kwargs, counter).images[0]
    return to_image(np.asarray(out, dtype=np.float32))
