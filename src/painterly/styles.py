"""The style catalogue: one place that knows every named style, whatever its family.

A style is a pure function ``apply(image, *, strength=1.0, seed=0, **options) -> image`` over
the image contract (see :mod:`painterly.io`), with a name, a family, a one-line description,
an optional longer description written for matching (``details``) and tags in any language.
Text-to-style matching (:mod:`painterly.text`) and the speech vocabulary
(:mod:`painterly.speech.vocabulary`) read these entries and nothing else.

Two sources fill the catalogue:

- **providers**, modules listed in ``_PROVIDERS`` with a function ``styles() -> [Style, ...]``
  (the filters and the built-in neural styles). They are loaded once, on first use, under the
  registry's lock: every thread waits for the complete catalogue, and a provider that fails to
  import raises :class:`~painterly.errors.StyleProviderError` and leaves the registry empty
  (the next call tries again), never half filled;
- **sources**, read at lookup time: a provider may also have ``source(library) -> object with
  .style(name) and .styles()``, which turns a ``library=`` argument (None: the default) into
  the styles to look in. The user's library (:mod:`painterly.library`) is such a provider: it
  registers itself here, and the catalogue never imports it (the library applies its entries
  with :mod:`painterly.neural`, which uses this module: importing it here was a circle). Its
  folder is read at lookup time, so styles another process added are seen without a restart.
  Built-in names win.

:func:`register` adds a style at run time (a plug-in, a test); :func:`registered` does so for
the duration of a ``with`` block.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from painterly.errors import InputError, StyleProviderError, UnknownStyleError

ApplyFn = Callable[..., np.ndarray]
FAMILIES = ("filter", "neural", "library")


@dataclass(frozen=True)
class Style:
    name: str  # the name users type: lowercase, words joined by '-'
    family: str  # "filter" (no model), "neural" (pretrained network), "library" (user's own)
    description: str  # one line a person understands
    apply: ApplyFn = field(repr=False, compare=False)  # (image, *, strength, seed, **options)
    tags: tuple[str, ...] = ()  # words people use for this look, in every language
    method: str = ""  # the paper or technique it implements
    aliases: tuple[str, ...] = ()  # other accepted names (e.g. 'watercolour')
    details: str = ""  # longer description in the visual words people use: read by matching


_LOCK = threading.Lock()
_REGISTRY: dict[str, Style] = {}
_ALIASES: dict[str, str] = {}
_LOADED = False
_LOADING: int | None = None  # the thread loading the providers (to refuse re-entry, not deadlock)
#: Modules whose ``styles()`` fill the catalogue on first use. Order is the listing order.
_PROVIDERS: list[str] = ["painterly.filters", "painterly.neural.builtin", "painterly.library"]
#: The providers' ``source`` functions (see the module docstring), in provider order.
_SOURCES: list[Callable] = []


def _add(registry: dict[str, Style], aliases: dict[str, str], style: Style) -> None:
    """Add ``style`` (or replace one of the same name); a name may not shadow another's alias."""
    taken = [n for n in (style.name, *style.aliases)
             if aliases.get(n, style.name) != style.name
             or (n in registry and n != style.name)]
    if taken:
        raise ValueError(f"style {style.name!r}: name or alias {taken} already names another style")
    old = registry.get(style.name)
    if old is not None:
        for a in old.aliases:
            aliases.pop(a, None)
    registry[style.name] = style
    for alias in style.aliases:
        aliases[alias] = style.name


def _ensure_loaded() -> None:
    global _LOADED, _LOADING
    if _LOADED:
        return
    if threading.get_ident() == _LOADING:
        raise RuntimeError("a style provider looked a style up while the catalogue was loading")
    with _LOCK:  # every other first caller waits here until the catalogue is complete
        if _LOADED:
            return
        registry: dict[str, Style] = {}
        aliases: dict[str, str] = {}
        sources: list[Callable] = []
        _LOADING = threading.get_ident()
        try:
            for mod in _PROVIDERS:
                try:
                    module = importlib.import_module(mod)
                    provided = list(module.styles())
                    if callable(getattr(module, "source", None)):
                        sources.append(module.source)
                except Exception as e:
                    raise StyleProviderError(
                        f"the style provider {mod!r} failed to load ({type(e).__name__}: {e}); "
                        "no style is available until it loads: reinstall painterly or the "
                        "package it names"
                    ) from e
                for style in provided:
                    _add(registry, aliases, style)
        finally:
            _LOADING = None
        _REGISTRY.update(registry)
        _ALIASES.update(aliases)
        _SOURCES[:] = sources
        _LOADED = True


def register(style: Style) -> Style:
    """Add a style at run time (or replace one of the same name)."""
    _ensure_loaded()
    with _LOCK:
        _add(_REGISTRY, _ALIASES, style)
    return style


def unregister(name: str) -> None:
    with _LOCK:
        style = _REGISTRY.pop(name, None)
        if style:
            for alias in style.aliases:
                _ALIASES.pop(alias, None)


@contextmanager
def registered(*styles: Style) -> Iterator[tuple[Style, ...]]:
    """Register ``styles`` for the duration of a ``with`` block (plug-ins in a scope, tests).

    On exit the catalogue is as before: a style that a registered one replaced comes back."""
    _ensure_loaded()
    done: list[tuple[Style, Style | None]] = []
    try:
        for s in styles:
            previous = _REGISTRY.get(s.name)
            done.append((register(s), previous))
        yield tuple(s for s, _ in done)
    finally:
        for s, previous in reversed(done):
            unregister(s.name)
            if previous is not None:
                register(previous)


def normalize_name(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def resolve_library(library):
    """None: the default library; False: none; a folder, or an object with ``.style(name)``
    and ``.styles()`` (a :class:`painterly.library.Library`), as the providers' sources make
    it (the first that gives one)."""
    if library is False:
        return None
    _ensure_loaded()
    for source in list(_SOURCES):
        lib = source(library)
        if lib is not None:
            return lib
    if hasattr(library, "style") and hasattr(library, "styles"):
        return library
    return None


def find_style(name: str, *, library=None) -> Style | None:
    """The style named ``name`` (or an alias of it), or None. Built-in names win over library ones.

    ``library``: where the user's styles live: None for the default folder
    (:func:`painterly.library.library_dir`), a folder path or a :class:`painterly.library.Library`,
    or False to look at the built-in catalogue only.
    """
    _ensure_loaded()
    key = normalize_name(name)
    style = _REGISTRY.get(_ALIASES.get(key, key))
    if style is None:
        lib = resolve_library(library)
        style = lib.style(key) if lib is not None else None
    return style


def get_style(name: str, *, library=None) -> Style:
    """Look a style up by name or alias; :class:`UnknownStyleError` lists the valid names."""
    if not isinstance(name, str):
        raise InputError(f"a style name must be text, got {type(name).__name__}")
    style = find_style(name, library=library)
    if style is None:
        styles = list_styles(library=library)
        words: dict[str, list[str]] = {}
        for s in styles:
            for w in (*s.aliases, *s.tags):
                words.setdefault(w, []).append(s.name)
        raise UnknownStyleError(name, [s.name for s in styles], words=words,
                                hint=f"run 'painterly styles' to see all {len(styles)} "
                                     "with descriptions")
    return style


def list_styles(family: str | None = None, *, library=None) -> list[Style]:
    """Every style (built-ins first, then the library's), or those of one ``family``."""
    _ensure_loaded()
    with _LOCK:
        out = list(_REGISTRY.values())
        taken = set(_REGISTRY) | set(_ALIASES)
    families = dict.fromkeys([*FAMILIES, *(s.family for s in out)])  # plug-ins may add one
    if family is not None and family not in families:
        raise InputError(f"unknown style family {family!r}; valid: {', '.join(families)}")
    lib = resolve_library(library) if family in (None, "library") else None
    if lib is not None:
        out += [s for s in lib.styles() if s.name not in taken]
    return [s for s in out if family is None or s.family == family]


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


def as_filter(
    name: str,
    fn: ApplyFn,
    description: str,
    *,
    tags: tuple[str, ...] = (),
    method: str = "",
    aliases: tuple[str, ...] = (),
    details: str = "",
) -> Style:
    """A style of family "filter" from ``fn(image, *, seed, **options)``; strength blends pixels.

    Unknown options raise :class:`InputError` naming the ones ``fn`` takes."""

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
    apply.options = tuple(accepted)  # type: ignore[attr-defined]  # see takes_option
    return Style(name, "filter", description, apply, tuple(tags), method, tuple(aliases), details)


def takes_option(style: Style, option: str) -> bool:
    """Whether ``style.apply`` takes ``option`` (e.g. ``faces``: the photo's faces, found once
    by a caller that also needs them). Styles that do not list their options: False."""
    return option in getattr(style.apply, "options", ())


def filter_style(name: str, fn: ApplyFn, description: str, **kwargs) -> Style:
    """Register a model-free filter at run time (see :func:`as_filter` for the arguments)."""
    return register(as_filter(name, fn, description, **kwargs))
