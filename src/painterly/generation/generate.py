"""Text to image, image to image and inpainting with few-step diffusion models.

The pipelines are diffusers' Stable Diffusion pipelines (Rombach et al. 2022) run with the
few-step models' own settings: SD-Turbo and SDXS in one step without guidance (adversarial
distillation, Sauer et al. 2023), SD 1.5 + LCM-LoRA in four (latent consistency, Luo et al. 2023).
painterly adds: the image contract in and out, one fresh scheduler and pipeline per call around
shared weights (thread-safe), a CPU random generator (same seed, same image), progress and
cancellation per step, strength 0 returning the input, and inpainting that keeps every pixel
outside the mask.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from painterly.errors import InputError
from painterly.generation.denoise import StepCounter, run_pipeline
from painterly.generation.hires import Hires, second_pass
from painterly.generation.model import DiffusionModel, Runtime, load_pipeline
from painterly.generation.samplers import scheduler_spec
from painterly.io import ImageSource, load_image, to_image, to_pil

Progress = Callable[[int, int], object]
MAX_SIDE = 2048  # px: beyond this a 512-trained model repeats itself and memory explodes
FEATHER_PX = 8  # inpainting: width of the soft inner edge where generated pixels fade into the photo
# Image to image without a strength: keep the photo's layout and colours, repaint its surface.
# At 1.0 the init is pure noise again (the photo is thrown away); diffusers' img2img examples use
# 0.5 for SD-Turbo and 0.5-0.75 for SD 1.5. A model's registry entry may set its own ("strength").
IMG2IMG_STRENGTH = 0.6


@dataclass(frozen=True)
class Step:
    """One event of :func:`iter_generate`: ``done`` of ``total`` steps; ``image`` on the last."""

    done: int
    total: int
    image: np.ndarray | None = None


def parse_size(text: str) -> tuple[int, int]:
    """``"512x768"`` -> ``(512, 768)`` (width, height)."""
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise InputError(f"size {text!r}: write it as WIDTHxHEIGHT, e.g. 512x512") from None
    return w, h


def check_inputs(steps: int, size: tuple[int, int], strength: float | None, guidance: float,
                 init: Any, mask: Any, negative: str | None = None) -> None:
    """All validation in one place, before any model work."""
    if not isinstance(steps, int) or not 1 <= steps <= 200:
        raise InputError(f"steps {steps!r}: give a whole number from 1 to 200")
    w, h = size
    if w % 8 or h % 8 or not (64 <= w <= MAX_SIDE and 64 <= h <= MAX_SIDE):
        raise InputError(f"size {w}x{h}: each side must be a multiple of 8 from 64 to {MAX_SIDE}")
    if strength is not None and not 0.0 <= strength <= 1.0:
        raise InputError(f"strength {strength}: must be between 0 and 1")
    if strength is not None and init is None:
        raise InputError("strength applies to image to image: give an init image too")
    if mask is not None and init is None:
        raise InputError("a mask needs the init image it applies to")
    if not 0.0 <= guidance <= 30.0:
        raise InputError(f"guidance {guidance}: must be between 0 and 30")
    if negative and guidance <= 1.0:
        # Classifier-free guidance is what reads the negative prompt: at guidance <= 1 diffusers
        # never runs the unconditional branch, so the words would be dropped without a trace.
        raise InputError(
            f"a negative prompt needs guidance above 1 (it is {guidance:g}: distilled one-step "
            "models such as sd-turbo run without guidance); give --guidance 2 or more, or "
            "drop the negative prompt")


def default_strength(model: str | Path | DiffusionModel) -> float:
    """The image-to-image strength used when none is given: the model's registry default, else
    :data:`IMG2IMG_STRENGTH`. Reads the registry only; loads nothing."""
    return float(_defaults(model).get("strength", IMG2IMG_STRENGTH))


def check_request(model: str | Path | DiffusionModel, *, steps: int | None = None,
                  size: tuple[int, int] | None = None, guidance: float | None = None,
                  negative: str | None = None, init: Any = None, strength: float | None = None,
                  mask: Any = None) -> float | None:
    """:func:`check_inputs` with the model's registry defaults filled in, before it is loaded
    (so a bad request fails in milliseconds). Returns the strength to use (None without init)."""
    defaults = _defaults(model)
    if init is not None and strength is None:  # inpainting repaints the masked part wholly
        strength = 1.0 if mask is not None else float(defaults.get("strength", IMG2IMG_STRENGTH))
    check_inputs(int(defaults.get("steps", 4)) if steps is None else steps, size or (512, 512),
                 strength, float(defaults.get("guidance", 0.0)) if guidance is None else guidance,
                 init, mask, negative)
    return strength


def _defaults(model: str | Path | DiffusionModel) -> dict:
    """A model's defaults (steps, guidance, strength ...) without loading it."""
    if isinstance(model, DiffusionModel):
        return dict(model.defaults)
    from painterly.models import spec_for

    try:
        return dict(spec_for(model, "diffusion").defaults)
    except InputError:
        return {}  # an unknown name or a bad folder: loading it raises the error that says so


def _resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if img.shape[1] == size[0] and img.shape[0] == size[1]:
        return img
    import cv2

    return np.ascontiguousarray(cv2.resize(img, size, interpolation=cv2.INTER_AREA), dtype=np.float32)


def _mask(src: ImageSource, size: tuple[int, int]) -> np.ndarray:
    """Mask as float HxW in [0, 1] (white = repaint), at the output size."""
    m = _resize(load_image(src), size).mean(axis=2)
    return np.clip(m, 0.0, 1.0).astype(np.float32)


def feather_inside(mask: np.ndarray, px: int = FEATHER_PX) -> np.ndarray:
    """A paste-back weight that is exactly 0 outside the mask and ramps to the mask's value over
    ``px`` pixels inside it, so the seam is soft and no pixel outside the mask changes."""
    import cv2

    inside = (mask > 0.0).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 3)  # distance to the nearest outside pixel
    ramp = np.clip(dist / max(px, 1), 0.0, 1.0)
    return (ramp * mask).astype(np.float32)


def _output_size(model: DiffusionModel, size, init: np.ndarray | None) -> tuple[int, int]:
    if size is not None:
        return tuple(size)
    base = tuple(model.defaults.get("size", (512, 512)))
    if init is None:
        return base
    # Keep the photo's aspect ratio at the model's native pixel count, sides multiples of 8.
    h, w = init.shape[:2]
    scale = math.sqrt(base[0] * base[1] / (w * h))
    return max(64, int(w * scale) // 8 * 8), max(64, int(h * scale) // 8 * 8)


def _as_model(model: str | Path | DiffusionModel, runtime: Runtime | None) -> DiffusionModel:
    return model if isinstance(model, DiffusionModel) else load_pipeline(model, runtime=runtime)


def generate(
    prompt: str,
    *,
    model: str | Path | DiffusionModel = "sd-turbo",
    steps: int | None = None,
    seed: int = 0,
    size: tuple[int, int] | None = None,
    negative: str | None = None,
    guidance: float | None = None,
    init: ImageSource | None = None,
    strength: float | None = None,
    mask: ImageSource | None = None,
    progress: Progress | None = None,
    runtime: Runtime | None = None,
    sampler: str | None = None,
    schedule: str | None = None,
    tiling: bool = False,
    clip_skip: int | None = None,
    eta: float | None = None,
    hires: Hires | None = None,
) -> np.ndarray:
    """Generate an image; returns the painterly image contract (float32 HxWx3 in [0, 1]).

    Parameters
    ----------
    prompt, negative : what to draw, and what not to (a negative prompt needs guidance > 1:
        :class:`~painterly.errors.InputError` otherwise, never silently dropped).
    model : a registered name, a local folder, a cached repo id, or a loaded DiffusionModel.
    steps : denoising steps actually run; default from the model (1 for SD-Turbo, 4 for LCM).
    seed : same seed, same model, same machine -> same image (a CPU torch.Generator).
    size : (width, height), multiples of 8; default the model's (or the init's aspect ratio).
    init, strength : image to image; strength 0 returns ``init`` unchanged without running the
        model, 1 ignores it; None uses the model's default (:func:`default_strength`, about 0.6;
        1 when inpainting). With ``mask`` (white = repaint): inpainting; pixels outside the mask
        are the init's exactly, with an ``FEATHER_PX`` soft edge inside the mask.
    progress : ``progress(done, total)`` after each step; returning ``False`` or raising
        :class:`~painterly.errors.CancelledError` cancels (``CancelledError`` is raised);
        returning :data:`~painterly.generation.FINISH` stops and returns the picture as it stands.
    sampler, schedule : AUTOMATIC1111's sampler ("Euler a", "DPM++ 2M", "DDIM"...) and schedule
        ("karras", "exponential"...) names, run as the diffusers schedulers they are
        (:mod:`painterly.generation.samplers`); None: the model's own scheduler.
    tiling : circular padding in the UNet and VAE, so the picture tiles seamlessly.
    clip_skip : stop the text encoder this many layers early (A1111's "Clip skip" minus one).
    eta : DDIM's eta (noise added per step); other schedulers do not read it.
    hires : a second, larger pass after text to image (:class:`Hires`, A1111's hires fix).
    """
    # 1. Check inputs with the model's defaults filled in, before loading anything
    strength = check_request(model, steps=steps, size=size, guidance=guidance, negative=negative,
                             init=init, strength=strength, mask=mask)
    if hires is not None and init is not None:
        raise InputError("the hires fix applies to text to image; for a larger image to image, "
                         "give a larger size or use sd_upscale")
    if clip_skip is not None and not (isinstance(clip_skip, int) and 0 <= clip_skip <= 11):
        raise InputError(f"clip_skip {clip_skip!r}: give a whole number from 0 to 11")
    if eta is not None and not 0.0 <= float(eta) <= 1.0:
        raise InputError(f"eta {eta}: must be between 0 and 1")
    sched = scheduler_spec(sampler, schedule, seed=seed)  # unknown names fail here
    if hires is not None:
        hires.target((64, 64))
        if not 0.0 <= float(hires.strength) <= 1.0:
            raise InputError(f"hires strength {hires.strength}: must be between 0 and 1")
    if init is not None and strength == 0.0:
        return load_image(init).copy()  # nothing to change: no model is loaded or called
    m = _as_model(model, runtime)
    if tiling:
        m = m.tiled()
    steps = int(m.defaults.get("steps", 4) if steps is None else steps)
    guidance = float(m.defaults.get("guidance", 0.0) if guidance is None else guidance)
    init_img = None if init is None else load_image(init)
    out_size = _output_size(m, size, init_img)
    check_inputs(steps, out_size, strength, guidance, init, mask, negative)
    if hires is not None:
        check_inputs(int(hires.steps or steps), hires.target(out_size), None, guidance, None,
                     None, hires.negative or negative)

    # 2. One pipeline and scheduler for this call, around the shared weights
    import torch

    task = "text" if init_img is None else ("inpaint" if mask is not None else "image")
    pipe = m.pipeline(task, sched)
    generator = torch.Generator("cpu").manual_seed(int(seed))
    extra: dict[str, Any] = {}
    if clip_skip:
        extra["clip_skip"] = clip_skip
    if eta is not None:
        extra["eta"] = float(eta)
    latent_hires = hires is not None and hires.latent
    kwargs: dict[str, Any] = dict(
        prompt=prompt, negative_prompt=negative or None,
        guidance_scale=guidance, width=out_size[0], height=out_size[1],
        generator=generator, output_type="latent" if latent_hires else "np",
        num_inference_steps=steps, **extra,
    )

    # 3. Image to image runs `steps` real steps: diffusers runs int(n * strength) of n
    if init_img is not None:
        init_rs = _resize(init_img, out_size)
        strength = float(strength)
        kwargs.update(image=to_pil(init_rs), strength=strength,
                      num_inference_steps=max(steps, math.ceil(steps / max(strength, 1e-3))))
        if task == "image":  # img2img takes its size from the (resized) init image
            del kwargs["width"], kwargs["height"]
        if task == "inpaint":
            mask_arr = _mask(mask, out_size)
            kwargs["mask_image"] = to_pil(np.repeat(mask_arr[..., None], 3, axis=2))

    # 4. Denoise with per-step progress; cancelling raises out of the loop at once (no wasted
    # VAE decode), FINISH decodes the picture as it stands
    planned = [steps] + ([int(hires.steps or steps)] if hires and hires.strength > 0 else [])
    counter = StepCounter(progress, planned)
    out = run_pipeline(pipe, kwargs, counter).images
    if hires is not None:
        first = out if latent_hires else to_image(np.asarray(out[0], dtype=np.float32))
        return second_pass(m, first, hires, size=out_size, prompt=prompt, negative=negative,
                           guidance=guidance, seed=seed, steps=steps, scheduler=sched,
                           extra=extra, counter=counter)
    image = to_image(np.asarray(out[0], dtype=np.float32))

    # 5. Inpainting: paste the original back outside the mask
    if task == "inpaint":
        w = feather_inside(mask_arr)[..., None]
        image = np.ascontiguousarray(w * image + (1.0 - w) * init_rs, dtype=np.float32)
    return image


def iter_generate(prompt: str, **options) -> Iterator[Step]:
    """:func:`generate` as a generator: yields ``Step(done, total)`` after each step and a last
    ``Step`` carrying the image. Closing the generator early cancels the generation."""
    events: queue.Queue = queue.Queue()
    stop = threading.Event()

    def progress(done, total):
        events.put(Step(done, total))
        return not stop.is_set()

    def work():
        try:
            img = generate(prompt, progress=progress, **options)
            events.put(("done", img))
        except BaseException as e:  # handed to the consumer's thread
            events.put(("error", e))

    thread = threading.Thread(target=work, name="painterly-generate", daemon=True)
    thread.start()
    last = Step(0, 0)
    try:
        while True:
            ev = events.get()
            if isinstance(ev, Step):
                last = ev
                yield ev
            elif ev[0] == "done":
                yield Step(last.total or last.done, last.total, ev[1])
                return
            else:
                raise ev[1]
    finally:
        stop.set()
        thread.join()
