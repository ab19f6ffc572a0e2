"""The user's own style library: paintings added by name, matched by prompts, applied as styles.

    from painterly import library
    library.add("my-painting.jpg", name="grandma-roses", description="soft pink roses", tags="roses,pink,花")
    library.list_entries(); library.remove("grandma-roses")

Every entry is also a style of family ``library`` in :mod:`painterly.styles` (this package is a
style provider), so ``painterly stylize --style grandma-roses`` and ``--prompt "pink roses"`` find
it. Applying it runs neural arbitrary style transfer with the stored painting
(:func:`painterly.neural.transfer`).
"""

from __future__ import annotations

import numpy as np

from painterly.library import store as _store
from painterly.library.store import (
    LibraryEntry,
    UnknownLibraryStyleError,
    check_name,
    ensure_vector,
    get,
    library_dir,
    list_entries,
    parse_tags,
    style_image,
)
from painterly.styles import Style, register, unregister

__all__ = [
    "LibraryEntry",
    "UnknownLibraryStyleError",
    "add",
    "check_name",
    "ensure_vector",
    "get",
    "library_dir",
    "list_entries",
    "parse_tags",
    "register_entries",
    "remove",
    "style_image",
]


def _apply_for(name: str, folder=None):
    def apply(image: np.ndarray, *, strength: float = 1.0, seed: int = 0, **options) -> np.ndarray:
        """Ghiasi et al. 2017 arbitrary style transfer with the stored painting as the style."""
        from painterly.neural import transfer

        return transfer(image, [(style_image(name, folder), 1.0)], strength=strength, **options)

    return apply


def as_style(entry: LibraryEntry, folder=None) -> Style:
    return Style(entry.name, "library", entry.description, _apply_for(entry.name, folder), entry.tags,
                 "Ghiasi et al. 2017, arbitrary style transfer (the user's painting)")


def register_entries(folder=None) -> list[Style]:
    """Register every library entry as a style (what importing this package does).

    An entry whose name a built-in style took since it was added is not registered: built-ins
    keep their names (``painterly library list`` still shows the entry).
    """
    from painterly.styles import _REGISTRY

    taken = {n for n, s in _REGISTRY.items() if s.family != "library"}
    return [register(as_style(e, folder)) for e in list_entries(folder) if e.name not in taken]


def add(painting, *, name: str, description: str = "", tags=(), overwrite: bool = False,
        folder=None) -> LibraryEntry:
    """Store ``painting`` as a style named ``name`` and register it (see :func:`store.add`)."""
    entry = _store.add(painting, name=name, description=description, tags=tags,
                       overwrite=overwrite, folder=folder)
    register(as_style(entry, folder))
    return entry


def remove(name: str, folder=None) -> LibraryEntry:
    """Delete a library style's files and unregister it."""
    entry = _store.remove(name, folder)
    unregister(entry.name)
    return entry


register_entries()
