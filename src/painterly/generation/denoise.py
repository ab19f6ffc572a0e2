"""Running one diffusers pipeline call with painterly's per-step progress, cancellation and early
finish; shared by every pass of a generation (first pass, hires fix, SD upscale tiles).

``progress(done, total)`` is called after each step. Its answer decides what happens next:
``False`` (or raising :class:`~painterly.errors.CancelledError`) cancels; :data:`FINISH` stops
sampling and returns the picture as it stands, decoded from the sampler's current estimate of
the clean image (what AUTOMATIC1111's *interrupt* returns); anything else goes on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from painterly.errors import CancelledError

FINISH = "finish"  # returned by a progress callback: stop now and return the picture as it stands
Progress = Callable[[int, int], object]


class StepCounter:
    """Step counts over the passes of one generation: ``report(i, n)`` of the current pass becomes
    ``progress(before + i, before + n + later)``, where ``later`` are the passes still to run."""

    def __init__(self, progress: Progress | None, planned: list[int]):
        self.progress = progress
        self.planned = list(planned)  # steps each pass is expected to run
        self.before = 0  # steps run by the finished passes
        self.finished_early = False  # a FINISH answer stopped the generation
        self.done = 0

    def report(self, i: int, n: int) -> object:
        self.done = self.before + i
        if self.progress is None:
            return None
        later = sum(self.planned[1:])
        return self.progress(self.before + i, self.before + n + later)

    def next_pass(self, ran: int) -> None:
        self.before += ran
        self.planned = self.planned[1:]


def _x0_of(scheduler, out) -> Any:
    """The sampler's estimate of the clean latents after a step, where it keeps one: most
    schedulers return ``pred_original_sample``; the DPM-Solver++ and UniPC families keep their
    last x0 prediction in ``model_outputs``. None where the scheduler has none (PNDM)."""
    if isinstance(out, tuple):
        if len(out) > 1 and out[1] is not None:
            return out[1]
    elif getattr(out, "pred_original_sample", None) is not None:
        return out.pred_original_sample
    cfg = scheduler.config
    predicts_x0 = (str(getattr(cfg, "algorithm_type", "")).endswith("dpmsolver++")
                   or bool(getattr(cfg, "predict_x0", False)))
    outputs = getattr(scheduler, "model_outputs", None)
    if predicts_x0 and outputs and outputs[-1] is not None:
        return outputs[-1]
    return None


def run_pipeline(pipe, kwargs: dict, counter: StepCounter):
    """``pipe(**kwargs)`` with the counter's progress after each step; returns the pipeline's
    output. On FINISH the pipeline's documented ``_interrupt`` flag skips the remaining steps and
    the latents are replaced by the last clean-image estimate before the VAE decodes them."""
    import torch

    x0: dict[str, Any] = {}
    step = pipe.scheduler.step  # this call's own scheduler: wrapping it touches nothing shared

    @functools.wraps(step)  # keeps step's signature: the pipeline passes generator and eta by it
    def remember_x0(*args, **kw):
        out = step(*args, **kw)
        x0["latents"] = _x0_of(pipe.scheduler, out)
        return out

    pipe.scheduler.step = remember_x0

    def on_step(p, i, t, tensors):
        answer = counter.report(i + 1, p.num_timesteps)
        if answer is False:
            raise CancelledError(f"generation cancelled after step {i + 1} of {p.num_timesteps}")
        if answer == FINISH and i + 1 < p.num_timesteps:
            counter.finished_early = True
            p._interrupt = True  # diffusers' way to stop a pipeline from a step-end callback
            est = x0.get("latents")
            if est is not None and est.shape == tensors["latents"].shape:
                tensors["latents"] = est.to(tensors["latents"].dtype)
        return tensors

    kwargs = apply_clip_skip(pipe, dict(kwargs))
    with torch.inference_mode():
        out = pipe(**kwargs, callback_on_step_end=on_step)
    counter.next_pass(counter.done - counter.before)
    return out


def apply_clip_skip(pipe, kwargs: dict) -> dict:
    """Replace ``prompt``/``negative_prompt`` by embeddings taken ``clip_skip`` layers before the
    text encoder's last, through its final layer norm (what diffusers' ``clip_skip`` does; its
    own code reaches ``text_encoder.text_model``, which transformers 5 no longer has)."""
    skip = kwargs.pop("clip_skip", None)
    if not skip:
        return kwargs
    import torch

    enc, tok = pipe.text_encoder, pipe.tokenizer
    norm = getattr(enc, "final_layer_norm", None) or enc.text_model.final_layer_norm

    def embed(text: str):
        ids = tok(text, padding="max_length", max_length=tok.model_max_length, truncation=True,
                  return_tensors="pt").input_ids
        with torch.inference_mode():
            hidden = enc(ids, output_hidden_states=True).hidden_states[-(skip + 1)]
            return norm(hidden)

    kwargs["prompt_embeds"] = embed(kwargs.pop("prompt") or "")
    negative = kwargs.pop("negative_prompt", None)
    if kwargs.get("guidance_scale", 0) > 1:  # the unconditional branch runs: same layer there
        kwargs["negative_prompt_embeds"] = embed(negative or "")
    return kwargs


def decode_latents(pipe, latents):
    """Latents (N, 4, h, w) -> float32 HxWx3 in [0, 1] of the first, as the pipeline decodes."""
    import numpy as np
    import torch

    with torch.inference_mode():
        img = pipe.vae.decode(latents.to(pipe.vae.dtype) / pipe.vae.config.scaling_factor,
                              return_dict=False)[0]
        out = pipe.image_processor.postprocess(img, output_type="np")[0]
    return np.ascontiguousarray(out, dtype=np.float32)
