"""AUTOMATIC1111's sampler and scheduler names, mapped to the diffusers schedulers they are.

A1111 samples with k-diffusion (Karras et al. 2022) and its own DDIM/PLMS/UniPC; diffusers has a
scheduler class for most of them (the table in diffusers' scheduler overview). A sampler is a
scheduler class plus config overrides; a schedule (A1111's "Scheduler" since v1.9) is the sigma
spacing: Karras, exponential or beta sigmas, or a timestep spacing. Names without a diffusers
equivalent are refused with the list of those that exist, never run as something else.

    scheduler_spec("DPM++ 2M", "karras") -> SchedulerSpec("DPMSolverMultistepScheduler", {...})
    split_name("DPM++ 2M Karras") -> ("DPM++ 2M", "karras")   # A1111's pre-1.9 names
"""

from __future__ import annotations

import importlib.util
import inspect
from dataclasses import dataclass, field

from painterly.errors import InputError


@dataclass(frozen=True)
class Sampler:
    name: str  # A1111's name
    cls: str  # the diffusers scheduler class
    config: dict = field(default_factory=dict)  # overrides of the model's scheduler config
    aliases: tuple[str, ...] = ()  # A1111's aliases (k-diffusion function names)
    schedule: str | None = None  # A1111's default schedule for "automatic" (its sampler options)
    needs: str | None = None  # a module the scheduler imports (DPMSolverSDEScheduler: torchsde)


SAMPLERS: tuple[Sampler, ...] = (
    Sampler("DPM++ 2M", "DPMSolverMultistepScheduler",
            {"algorithm_type": "dpmsolver++", "solver_order": 2}, ("k_dpmpp_2m",), "karras"),
    Sampler("DPM++ SDE", "DPMSolverSDEScheduler", {}, ("k_dpmpp_sde",), "karras", needs="torchsde"),
    Sampler("DPM++ 2M SDE", "DPMSolverMultistepScheduler",
            {"algorithm_type": "sde-dpmsolver++", "solver_order": 2}, ("k_dpmpp_2m_sde",),
            "exponential"),
    Sampler("DPM++ 3M SDE", "DPMSolverMultistepScheduler",
            {"algorithm_type": "sde-dpmsolver++", "solver_order": 3}, ("k_dpmpp_3m_sde",),
            "exponential"),
    Sampler("Euler a", "EulerAncestralDiscreteScheduler", {}, ("k_euler_a", "k_euler_ancestral")),
    Sampler("Euler", "EulerDiscreteScheduler", {}, ("k_euler",)),
    Sampler("LMS", "LMSDiscreteScheduler", {}, ("k_lms",)),
    Sampler("Heun", "HeunDiscreteScheduler", {}, ("k_heun",)),
    Sampler("DPM2", "KDPM2DiscreteScheduler", {}, ("k_dpm_2",)),
    Sampler("DPM2 a", "KDPM2AncestralDiscreteScheduler", {}, ("k_dpm_2_a",)),
    Sampler("DDIM", "DDIMScheduler", {}, ("ddim",)),
    Sampler("PLMS", "PNDMScheduler", {"skip_prk_steps": True}, ("plms",)),  # PNDM without its RK warm-up
    Sampler("UniPC", "UniPCMultistepScheduler", {}, ("unipc",)),
    Sampler("LCM", "LCMScheduler", {}, ("k_lcm",)),
    Sampler("DEIS", "DEISMultistepScheduler", {}, ("deis",)),  # diffusers' own, not in A1111
)
# A1111 samplers that diffusers has no scheduler for: refused, with the reason
MISSING = {
    "DPM++ 2S a": "diffusers has no single-step ancestral DPM-Solver++",
    "DPM++ 2M SDE Heun": "diffusers' DPM-Solver++ SDE has no Heun solver type",
    "DPM fast": "diffusers has no fixed-order DPM-Solver of k-diffusion's kind",
    "DPM adaptive": "diffusers has no adaptive-step DPM-Solver",
    "Restart": "diffusers has no Restart sampler",
    "DDIM CFG++": "diffusers has no CFG++ variant of DDIM",
}

# A1111's schedules (name, label, default rho) -> the scheduler config that gives that spacing
SCHEDULES: dict[str, tuple[str, float, dict | None]] = {
    "automatic": ("Automatic", -1, None),  # the sampler's A1111 default, else the model's own
    "uniform": ("Uniform", -1, {"timestep_spacing": "linspace"}),  # t evenly from 999 to 0
    "karras": ("Karras", 7.0, {"use_karras_sigmas": True}),
    "exponential": ("Exponential", -1, {"use_exponential_sigmas": True}),
    "sgm_uniform": ("SGM Uniform", -1, {"timestep_spacing": "trailing"}),
    "simple": ("Simple", -1, {"timestep_spacing": "trailing"}),  # every (1000/n)th from the top
    "normal": ("Normal", -1, {"timestep_spacing": "linspace"}),
    "ddim": ("DDIM", -1, {"timestep_spacing": "leading", "steps_offset": 1}),
    "beta": ("Beta", -1, {"use_beta_sigmas": True}),  # Lee et al. 2024; diffusers needs scipy
}
MISSING_SCHEDULES = {
    "polyexponential": "diffusers has no polyexponential sigmas",
    "kl_optimal": "diffusers has no KL-optimal sigmas",
    "align_your_steps": "diffusers takes Align-Your-Steps only as explicit timesteps per model",
}
_SIGMA_KEYS = ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas")


@dataclass(frozen=True)
class SchedulerSpec:
    """What to build for one call: a diffusers scheduler class and overrides of the model's config."""

    cls: str
    config: dict
    sampler: str  # the A1111 name, for the infotext
    schedule: str  # the schedule actually used


def available_samplers() -> list[Sampler]:
    """The samplers this install can run (DPM++ SDE needs torchsde)."""
    return [s for s in SAMPLERS if s.needs is None or importlib.util.find_spec(s.needs)]


def _key(name: str) -> str:
    return " ".join(name.lower().replace("_", " ").split())


def find_sampler(name: str) -> Sampler:
    """An A1111 sampler name or alias (any case) -> :class:`Sampler`; InputError lists the names."""
    k = _key(name)
    for s in SAMPLERS:
        if k in {_key(s.name), *map(_key, s.aliases)}:
            if s not in available_samplers():
                raise InputError(f"sampler {s.name!r} needs the package {s.needs!r}, not "
                                 f"installed here (pip install {s.needs})")
            return s
    names = ", ".join(s.name for s in available_samplers())
    for missing, why in MISSING.items():
        if _key(missing) == k:
            raise InputError(f"sampler {missing!r} is not available: {why}; samplers: {names}")
    raise InputError(f"unknown sampler {name!r}; samplers: {names}")


def find_schedule(name: str) -> str:
    k = _key(name).replace(" ", "_")
    for key, (label, _rho, _cfg) in SCHEDULES.items():
        if k in (key, _key(label).replace(" ", "_"), "sgmuniform" if key == "sgm_uniform" else key):
            return key
    names = ", ".join(SCHEDULES)
    if k in MISSING_SCHEDULES:
        raise InputError(f"scheduler {name!r} is not available: {MISSING_SCHEDULES[k]}; "
                         f"schedulers: {names}")
    raise InputError(f"unknown scheduler {name!r}; schedulers: {names}")


def split_name(name: str) -> tuple[str, str | None]:
    """A1111's pre-1.9 names carry the schedule: "DPM++ 2M Karras" -> ("DPM++ 2M", "karras")."""
    for key, (label, _rho, _cfg) in SCHEDULES.items():
        if key != "automatic" and name.lower().endswith(" " + label.lower()):
            return name[: -len(label) - 1], key
    return name, None


def _accepts(cls_name: str) -> set[str]:
    import diffusers

    return set(inspect.signature(getattr(diffusers, cls_name).__init__).parameters)


def scheduler_spec(sampler: str | None, schedule: str | None = None, *,
                   seed: int | None = None) -> SchedulerSpec | None:
    """The scheduler for an A1111 sampler and schedule; None for both means the model's own.

    A schedule the sampler's scheduler class cannot take (DDIM with Karras sigmas) is an
    :class:`~painterly.errors.InputError`: diffusers would ignore the option with a warning.
    """
    if sampler is None and (schedule is None or find_schedule(schedule) == "automatic"):
        return None
    if sampler is None:
        raise InputError("a scheduler needs a sampler too (e.g. sampler 'Euler', scheduler 'karras')")
    name, suffix = split_name(sampler)
    s = find_sampler(name)
    sched = find_schedule(schedule) if schedule else "automatic"
    if suffix is not None and sched == "automatic":
        sched = suffix
    config = dict(s.config)
    accepts = _accepts(s.cls)
    chosen = sched
    if sched == "automatic":
        chosen = s.schedule if s.schedule and any(k in accepts for k in SCHEDULES[s.schedule][2]) \
            else "automatic"
    extra = SCHEDULES[chosen][2] or {}
    if not set(extra) <= accepts:
        fit = [k for k, (_l, _r, c) in SCHEDULES.items() if c is None or set(c) <= accepts]
        raise InputError(f"sampler {s.name!r} cannot use the {SCHEDULES[chosen][0]} schedule; "
                         f"it takes: {', '.join(fit)}")
    config.update(extra)
    if chosen != "automatic":  # one sigma spacing at a time
        config.update({k: False for k in _SIGMA_KEYS if k in accepts and k not in extra})
    if "noise_sampler_seed" in accepts and seed is not None:
        config["noise_sampler_seed"] = int(seed)  # DPM++ SDE's Brownian tree: same seed, same image
    return SchedulerSpec(s.cls, config, s.name, chosen)
