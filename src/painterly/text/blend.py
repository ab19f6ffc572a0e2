"""From matched styles to a picture: which styles to use, with what weights, and running them.

The plan follows how each family can be mixed:

- a filter is a fixed procedure with no latent code to interpolate, so when the best match is a
  filter, that filter alone is applied;
- built-in neural styles share one conditional network (Dumoulin et al. 2017) whose per-style
  normalisation parameters can be mixed, and library styles are points in one 100-d style space
  (Ghiasi et al. 2017) that can be averaged: when several styles of the best match's family score
  within ``BlendConfig.margin`` of it, they are blended with weights proportional to their scores,
  through :func:`painterly.neural.transfer`.

Anything :func:`painterly.neural.transfer` cannot take (it is not installed, or a name it does not
know) falls back to averaging the styles' output pixels with the same weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from painterly.errors import InputError, MissingExtraError, UnknownStyleError
from painterly.io import ImageSource, load_image, resize_max
from painterly.styles import check_strength, get_style
from painterly.text.match import Match, check_prompt, choose_styles

ProgressFn = Callable[[int, int], None]
BLENDABLE = ("neural", "library")  # families whose styles live in a shared, interpolable space


@dataclass(frozen=True)
class BlendConfig:
    k: int = 3  # candidates considered: more rarely helps, and each blended style costs a pass
    min_score: float = 0.3  # below this a style is unrelated to the prompt (see Match.score)
    margin: float = 0.1  # styles this close to the best are as good a reading of the words


@dataclass(frozen=True)
class BlendPlan:
    parts: tuple[tuple[str, float], ...]  # (style name, weight); weights sum to 1
    family: str  # the family of every part


def plan_blend(matches: Sequence[Match], *, margin: float = BlendConfig.margin) -> BlendPlan:
    """Choose what to apply from ranked matches (best first)."""
    if not matches:
        raise InputError("no matched styles to apply")
    best = matches[0]
    if best.family not in BLENDABLE:
        return BlendPlan(((best.style_name, 1.0),), best.family)
    close = [m for m in matches if m.family == best.family and best.score - m.score <= margin]
    w = np.array([max(m.score, 1e-6) for m in close], np.float64)
    w /= w.sum()
    return BlendPlan(tuple((m.style_name, float(x)) for m, x in zip(close, w)), best.family)


def apply_plan(image: np.ndarray, plan: BlendPlan, *, strength: float = 1.0, seed: int = 0,
               progress: ProgressFn | None = None, styles=None, library=None) -> np.ndarray:
    """Run ``plan`` on a contract image.

    ``styles``: where to look names up (default: the catalogue, with ``library``'s styles)."""
    check_strength(strength)
    if len(plan.parts) == 1:
        out = _style(plan.parts[0][0], styles, library).apply(image, strength=strength, seed=seed)
        if progress:
            progress(1, 1)
        return out
    try:
        return _neural_blend(image, plan, strength=strength, progress=progress, library=library)
    except (ImportError, MissingExtraError, UnknownStyleError):
        return _pixel_blend(image, plan, strength=strength, seed=seed, progress=progress,
                            styles=styles, library=library)


def _style(name: str, styles=None, library=None):
    """The style named exactly ``name`` (an alias of another style must not win)."""
    from painterly.styles import list_styles

    pool = list_styles(library=library) if styles is None else styles
    exact = next((s for s in pool if s.name == name), None)
    return exact if exact is not None else get_style(name, library=library)


def _neural_blend(image, plan: BlendPlan, *, strength, progress, library=None) -> np.ndarray:
    from painterly import neural

    if plan.family == "library":
        from painterly.styles import resolve_library

        lib = resolve_library(library)
        if lib is None:  # library=False: no user styles to read
            raise UnknownStyleError(plan.parts[0][0], [], hint="no library was given")
        styles = [(lib.style_image(name), w) for name, w in plan.parts]
    else:
        styles = {name: w for name, w in plan.parts}
    return neural.transfer(image, styles, strength=strength, progress=progress)


def _pixel_blend(image, plan: BlendPlan, *, strength, seed, progress, styles=None,
                 library=None) -> np.ndarray:
    acc = np.zeros_like(image)
    for i, (name, w) in enumerate(plan.parts):
        style = _style(name, styles, library)
        acc += np.float32(w) * style.apply(image, strength=strength, seed=seed)
        if progress:
            progress(i + 1, len(plan.parts))
    return np.ascontiguousarray(np.clip(acc, 0.0, 1.0), dtype=np.float32)


def stylize_from_prompt(
    image: ImageSource,
    prompt: str,
    *,
    strength: float = 1.0,
    seed: int = 0,
    progress: ProgressFn | None = None,
    max_size: int | None = None,
    styles=None,
    config: BlendConfig = BlendConfig(),
    library=None,
) -> tuple[np.ndarray, list[Match]]:
    """Paint ``image`` in the style(s) that ``prompt`` describes, in English or Chinese.

    ``library``: where the user's own styles live (see :func:`painterly.styles.list_styles`).
    Returns the artwork (float32 HxWx3 in [0, 1]) and the chosen matches, best first; the
    weights actually used are ``plan_blend(matches)``.
    """
    # 1. Check inputs (before any model loads)
    check_strength(strength)
    check_prompt(prompt)
    img = load_image(image)
    if max_size is not None:
        img = resize_max(img, max_size)
    # 2. Match the words, 3. plan, 4. paint
    matches = choose_styles(prompt, k=config.k, styles=styles, min_score=config.min_score,
                            library=library)
    plan = plan_blend(matches, margin=config.margin)
    art = apply_plan(img, plan, strength=strength, seed=seed, progress=progress, styles=styles,
                     library=library)
    return art, matches


def img2img_from_prompt(image: ImageSource, prompt: str, *, model: str, strength: float = 0.6,
                        seed: int = 0, progress: ProgressFn | None = None) -> np.ndarray:
    """Hook for diffusion: repaint ``image`` following ``prompt`` with a local diffusion model.

    Needs the ``diffusion`` extra and a model on disk (see ``painterly.generation``); the
    text-to-style path above needs neither.
    """
    check_prompt(prompt)
    check_strength(strength)
    try:
        from painterly.generation import generate
    except ImportError:
        raise MissingExtraError("diffusion", "diffusers") from None
    return generate(prompt, model=model, init=load_image(image), strength=strength, seed=seed,
                    progress=progress)
