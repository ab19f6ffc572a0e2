"""The style registry: one place that knows every named style, whatever its family.

A style is a pure function ``apply(image, *, strength=1.0, seed=0, **options) -> image`` over
the image contract (see :mod:`painterly.io`), with a name, a one-line description and tags
(the tags and description are also what text-to-style matching reads).

Families register through providers: modules listed in ``_PROVIDERS`` are imported on first
use and call :func:`register` for each style they define. Nothing heavy happens at import:
providers that need model files load them lazily inside ``apply``.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from painterly.errors import InputError, UnknownStyleError

ApplyFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Style:
    name: str  # the name users type: lowercase, words joined by '-'
    family: str  # "filter" (no model), "neural" (pretrained network), "library" (user's own)
    description: str  # one line a person understands
    apply: ApplyFn = field(repr=False)  # (image, *, strength, seed, **options) -> image
    tags: tuple[str, ...] = ()  # words for text-to-style matching, any language
    method: str = ""  # the paper or technique it implements
    aliases: tuple[str, ...] = ()  # other accepted names (e.g. 'watercolour')


_REGISTRY: dict[str, Style] = {}
_ALIASES: dict[str, str] = {}
_LOCK = threading.Lock()
_LOADED = False
#: Modules that register styles when imported. Order is the listing order.
_PROVIDERS: list[str] = ["painterly.filters", "painterly.neural.builtin", "painterly.library"]


def register(style: Style) -> Style:
    """Add a style (or replace one of the same name). A name may not shadow another's alias."""
    with _LOCK:
        taken = [n for n in (style.name, *style.aliases)
                 if _ALIASES.get(n, style.name) != style.name
                 or (n in _REGISTRY and n != style.name)]
        if taken:
            raise ValueError(f"style {style.name!r}: name or alias {taken} already names another style")
        _REGISTRY[style.name] = style
        for alias in style.aliases:
            _ALIASES[alias] = style.name
    return style


def unregister(name: str) -> None:
    with _LOCK:
        style = _REGISTRY.pop(name, None)
        if style:
            for alias in style.aliases:
                _ALIASES.pop(alias, None)


def _ensure_loaded() -> None:
    global _LOADED
    if _LOADED:
        return
    with _LOCK:
        if _LOADED:
            return
        _LOADED = True
    for mod in _PROVIDERS:
        importlib.import_module(mod)


def normalize_name(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def get_style(name: str) -> Style:
    """Look a style up by name or alias; :class:`UnknownStyleError` lists the valid names."""
    _ensure_loaded()
    key = normalize_name(name)
    key = _ALIASES.get(key, key)
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownStyleError(
            name, _REGISTRY, hint="run 'painterly styles' to see them with descriptions"
        ) from None


def list_styles(family: str | None = None) -> list[Style]:
    _ensure_loaded()
    return [s for s in _REGISTRY.values() if family is None or s.family == family]


def blend(image: np.ndarray, styled: np.ndarray, strength: float) -> np.ndarray:
    """Linear blend between the photo and a stylised result; strength 1 is the full style."""
    check_strength(strength)
    if strength >= 1.0:
        return styled
    if strength <= 0.0:
        return image.copy()
    out = image + np.float32(strength) * (styled - image)
    return np.ascontiguousarray(out, dtype=np.float32)


def check_strength(strength: float) -> float:
    if not 0.0 <= float(strength) <= 1.0:
        raise InputError(f"strength must be between 0 and 1, got {strength}")
    return float(strength)


def filter_style(
    name: str,
    fn: ApplyFn,
    description: str,
    *,
    tags: tuple[str, ...] = (),
    method: str = "",
    aliases: tuple[str, ...] = (),
) -> Style:
    """Register a model-free filter ``fn(image, *, seed, **options)``; strength blends pixels."""

    params = inspect.signature(fn).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    accepted = sorted(k for k, p in params.items() if p.kind is p.KEYWORD_ONLY and k != "seed")

    def apply(image: np.ndarray, *, strength: float = 1.0, seed: int = 0, **options) -> np.ndarray:
        check_strength(strength)
        unknown = sorted(set(options) - set(accepted))
        if unknown and not takes_any:
            raise InputError(
                f"style {name!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(accepted) or 'no options'}"
            )
        if strength == 0.0:
            return image.copy()
        return blend(image, fn(image, seed=seed, **options), strength)

    apply.__doc__ = fn.__doc__
    return register(Style(name, "filter", description, apply, tags, method, aliases))
