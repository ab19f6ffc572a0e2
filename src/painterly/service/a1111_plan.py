"""Turning an A1111 txt2img/img2img request into painterly jobs: what each field becomes.

Done: prompt and negative prompt, prompt styles (``styles.csv`` in the data folder) and painterly
styles through ``styles``, seeds, batch, steps, cfg_scale, size, sampler and scheduler, tiling,
clip skip, DDIM eta, hires fix, denoising strength, masks (blur, invert, fill, only-masked),
resize modes, SD upscale, samples_format and jpeg_quality, the model override.
Noted in ``info["painterly_notes"]`` and not done: face restoration (no restorer here), unknown
style names (A1111 ignores them too), a negative prompt at cfg_scale <= 1 (it cannot act there, in
A1111 either), A1111's prompt syntax (read as plain text), override settings that paint nothing.
Refused (422): what would change the picture in A1111 and cannot here (variation seeds, k-diffusion
churn, a refiner, another checkpoint for the hires pass, scripts other than SD upscale).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from painterly.errors import InputError
from painterly.service import a1111_options
from painterly.service.a1111_info import PromptStyle, merge_prompt

SAME = ("", "use same sampler", "use same scheduler", "use same checkpoint")
_SYNTAX = re.compile(r"[()\[\]]|<\w+:[^>]*>|\bBREAK\b")
TRUST_KEYS = ("painterly_watermark", "painterly_visible_label")


@dataclass
class Plan:
    """What one A1111 call becomes: the shared job parameters and what the answer reports."""

    prompt: str
    negative: str
    model: str
    params: dict[str, Any]  # the paint/stylize parameters every job of the call shares
    style: str | None = None  # the painterly style applied to the pictures
    styles: list[str] = field(default_factory=list)  # the names of the styles that were applied
    sampler: str = "Default"  # for info and the infotext
    schedule: str = "Automatic"
    clip_skip: int = 1
    notes: list[str] = field(default_factory=list)
    fields: list[tuple[str, Any]] = field(default_factory=list)  # infotext fields before Seed
    fields_after: list[tuple[str, Any]] = field(default_factory=list)  # ... and after Size


def _off(value, *defaults) -> bool:
    return value is None or value in defaults


def refuse_unsupported(req) -> None:
    """422 for fields whose non-default values would change the picture in A1111 and cannot be
    honoured here (never a silently different picture)."""
    checks = [
        (not _off(req.subseed_strength, 0), "subseed_strength (variation seeds)"),
        (max(req.seed_resize_from_w, req.seed_resize_from_h) > 0, "seed_resize_from_w/h"),
        (not _off(req.s_churn, 0), "s_churn (k-diffusion churn)"),
        (not _off(req.s_noise, 1), "s_noise"),
        (not _off(req.s_min_uncond, 0), "s_min_uncond"),
        (bool(req.refiner_checkpoint) and req.refiner_checkpoint.lower() not in SAME,
         "refiner_checkpoint (SDXL refiners)"),
        (bool(req.infotext), "infotext (send the fields themselves)"),
        (not _off(getattr(req, "initial_noise_multiplier", None), 1), "initial_noise_multiplier"),
        (bool(getattr(req, "latent_mask", None)), "latent_mask"),
        (bool(getattr(req, "firstpass_image", None)), "firstpass_image"),
    ]
    refused = [name for bad, name in checks if bad]
    if refused:
        raise InputError(f"not available on this server: {', '.join(refused)}; send the A1111 "
                         "defaults for these fields (see the README's A1111 section)")
    def in_use(v: Any) -> bool:  # {"args": [false, null...]} is how clients say "off"
        args = v.get("args") if isinstance(v, dict) else None
        if isinstance(v, dict) and (args is None or isinstance(args, list)):
            return any(a not in (False, None) for a in args or [])
        return bool(v)

    used = [k for k, v in (req.alwayson_scripts or {}).items() if in_use(v)]
    if used:
        raise InputError(f"always-on scripts {', '.join(used)} are not available on this server "
                         "(it runs no A1111 extensions)")


def apply_styles(names: list[str], prompt: str, negative: str, prompt_styles: list[PromptStyle],
                 plan_notes: list[str]) -> tuple[str, str, str | None, list[str]]:
    """A1111's ``styles``: each prompt style's text is merged into the prompt and negative prompt;
    a painterly style name picks the style painted over the picture (the first one; painterly
    paints one style per picture). Unknown names are ignored, as A1111 ignores them, and noted."""
    from painterly.styles import find_style

    by_name = {s.name: s for s in prompt_styles}
    image_style, applied, unknown, extra = None, [], [], []
    for name in names or []:
        ps = by_name.get(name)
        painterly_style = find_style(name) if isinstance(name, str) else None
        if ps is not None:
            prompt = merge_prompt(ps.prompt, prompt)
            negative = merge_prompt(ps.negative_prompt, negative)
            applied.append(name)
        if painterly_style is not None:
            if image_style is None:
                image_style = painterly_style.name
                applied.append(name)
            elif painterly_style.name != image_style:
                extra.append(name)
        if ps is None and painterly_style is None:
            unknown.append(str(name))
    if unknown:
        plan_notes.append(f"styles not found and ignored (as A1111 ignores them): {', '.join(unknown)}")
    if extra:
        plan_notes.append(f"painterly paints one style per picture: {image_style} was applied, "
                          f"not {', '.join(extra)}")
    return prompt, negative, image_style, applied


def base_plan(req, *, options: dict[str, Any], default_model: str,
              prompt_styles: list[PromptStyle]) -> Plan:
    """The part of txt2img and img2img that is the same: prompt, styles, model, sampler, options."""
    from painterly.generation.samplers import SCHEDULES, scheduler_spec

    refuse_unsupported(req)
    notes: list[str] = []
    overrides = dict(req.override_settings or {})
    for key in overrides:
        if key not in TRUST_KEYS:
            a1111_options.check(key, overrides[key])
    opts = {**options, **{k: v for k, v in overrides.items() if k not in TRUST_KEYS}}
    ignored = sorted(k for k in overrides if k not in a1111_options.ACTING and k not in TRUST_KEYS)
    if ignored:
        notes.append(f"override_settings kept but not acting here: {', '.join(ignored)}")
    model = _model_name(_given(overrides.get("sd_model_checkpoint"), default_model))
    prompt, negative, style, applied = apply_styles(req.styles or [], req.prompt,
                                                    req.negative_prompt, prompt_styles, notes)
    if negative and req.cfg_scale <= 1:
        notes.append(f"negative prompt not used: it acts through classifier-free guidance, which "
                     f"is off at cfg_scale {req.cfg_scale:g} (in A1111 too)")
        negative = ""
    if _SYNTAX.search(prompt + " " + negative):
        notes.append("A1111 prompt syntax (emphasis (), [], (word:1.2), [from:to:when], [a|b], "
                     "<lora:...>, BREAK) is read as plain text here")
    params: dict[str, Any] = {"guidance": float(req.cfg_scale)}
    for key in TRUST_KEYS:
        value = overrides.get(key)
        if value is not None:
            if not isinstance(value, bool):
                raise InputError(f"override_settings.{key} must be true or false")
            params[key.removeprefix("painterly_")] = value
    fmt = a1111_options.FORMATS[str(opts.get("samples_format", "png")).lower()]
    params["format"] = fmt
    if fmt != "png":
        params["quality"] = int(opts.get("jpeg_quality", 80))
    if req.steps is not None:
        params["steps"] = int(req.steps)
    plan = Plan(prompt=prompt, negative=negative, model=model, params=params, style=style,
                styles=applied, notes=notes)
    sampler = req.sampler_name or req.sampler_index
    if sampler and sampler.strip().lower() in ("default", "automatic"):
        sampler = None
    spec = scheduler_spec(sampler, req.scheduler)  # unknown names: InputError with the list
    if spec is not None:
        params["sampler"] = spec.sampler
        if spec.schedule != "automatic":
            params["schedule"] = spec.schedule
        plan.sampler, plan.schedule = spec.sampler, SCHEDULES[spec.schedule][0]
    clip = int(opts.get("CLIP_stop_at_last_layers", 1))
    if clip > 1:
        params["clip_skip"] = clip - 1
        plan.clip_skip = clip
    eta = req.eta if req.eta is not None else opts.get("eta_ddim")
    if eta is not None and plan.sampler == "DDIM":
        params["eta"] = float(eta)
    tiling = req.tiling if req.tiling is not None else bool(opts.get("tiling", False))
    if tiling:
        params["tiling"] = True
    faces = req.restore_faces if req.restore_faces is not None else opts.get("face_restoration")
    if faces:
        notes.append("restore_faces was not done: this server has no face restorer "
                     "(GET /sdapi/v1/face-restorers is empty)")
    plan.fields = [("Steps", req.steps), ("Sampler", plan.sampler), ("Schedule type", plan.schedule),
                   ("CFG scale", f"{req.cfg_scale:g}")]
    plan.fields_after = [("Model", model), ("Clip skip", clip if clip > 1 else None),
                         ("Tiling", True if tiling else None),
                         ("Styles", ", ".join(applied) if applied else None)]
    return plan


def sizes(req, notes: list[str]) -> tuple[int, int]:
    """A1111 paints latents of size // 8: the picture's sides are rounded down to multiples of 8."""
    w, h = req.width // 8 * 8, req.height // 8 * 8
    if (w, h) != (req.width, req.height):
        notes.append(f"size {req.width}x{req.height} painted as {w}x{h} (multiples of 8, as A1111)")
    return w, h


def hires(req, plan: Plan) -> dict[str, Any] | None:
    """The paint job's ``hires`` options from A1111's enable_hr fields."""
    if not req.enable_hr:
        return None
    if req.hr_checkpoint_name and req.hr_checkpoint_name.strip().lower() not in SAME \
            and _model_name(req.hr_checkpoint_name) != plan.model:
        raise InputError("hr_checkpoint_name: the hires pass runs with the same checkpoint here")
    h: dict[str, Any] = {"scale": float(req.hr_scale), "upscaler": req.hr_upscaler or "Latent",
                         "strength": 0.75 if req.denoising_strength is None else req.denoising_strength}
    if req.hr_resize_x or req.hr_resize_y:
        h["width"], h["height"] = int(req.hr_resize_x), int(req.hr_resize_y)
    if req.hr_second_pass_steps:
        h["steps"] = int(req.hr_second_pass_steps)
    for key, value in (("sampler", req.hr_sampler_name), ("schedule", req.hr_scheduler)):
        if value and value.strip().lower() not in SAME:
            h[key] = value
    if req.hr_prompt:
        h["prompt"] = req.hr_prompt
    if req.hr_negative_prompt and req.cfg_scale > 1:
        h["negative"] = req.hr_negative_prompt
    plan.fields_after += [("Denoising strength", h["strength"]),
                          ("Hires upscale", h["scale"] if "width" not in h else None),
                          ("Hires resize", f"{h['width']}x{h['height']}" if "width" in h else None),
                          ("Hires steps", h.get("steps")), ("Hires upscaler", h["upscaler"])]
    return h


def _given(value: Any, default: Any) -> Any:
    """A setting as sent; null or empty text mean "not given"."""
    return default if value is None or value == "" else value


def _model_name(title: Any) -> str:
    if not isinstance(title, str):
        raise InputError(f"sd_model_checkpoint must be a model name (GET /sdapi/v1/sd-models), "
                         f"got {str(title)[:40]!r}")
    return re.sub(r"\s*\[[0-9a-fA-F]+\]$", "", title.strip())  # "name [hash]" as A1111 titles it
