"""The user's own style library: paintings added by name, matched by prompts, applied as styles.

    from painterly import library
    library.add("my-painting.jpg", name="grandma-roses", description="soft pink roses", tags="roses,pink,花")
    library.list_entries(); library.remove("grandma-roses")

    lib = library.Library("/srv/tenants/42/styles")     # a library in a folder of your choice
    lib.add("painting.png", name="sea-glass")
    painterly.stylize(photo, "sea-glass", library=lib)

Every entry is also a style of family ``library`` in :mod:`painterly.styles`: lookups read the
library's folder (re-read only when its modification stamp changed, see :class:`Library`), so
``painterly stylize --style grandma-roses`` and ``--prompt "pink roses"`` find it, in this process
and in any other, without a restart. Applying it runs neural arbitrary style transfer with the
stored painting (:func:`painterly.neural.transfer`). Built-in style names win over entries.

The module-level functions work on the default folder (:func:`library_dir`) or on ``folder``.
"""

from __future__ import annotations

from pathlib import Path

from painterly.library import store
from painterly.library.collection import Library
from painterly.library.store import (
    LibraryEntry,
    UnknownLibraryStyleError,
    check_name,
    library_dir,
    parse_tags,
)

__all__ = [
    "Library",
    "LibraryEntry",
    "UnknownLibraryStyleError",
    "add",
    "check_name",
    "ensure_vector",
    "get",
    "library_dir",
    "list_entries",
    "parse_tags",
    "remove",
    "style_image",
]


def _lib(folder) -> Library:
    return Library.default() if folder is None else Library(folder)


def add(painting, *, name: str, description: str = "", tags=(), overwrite: bool = False,
        folder=None) -> LibraryEntry:
    """Store ``painting`` as a style named ``name`` (see :func:`store.add`)."""
    return _lib(folder).add(painting, name=name, description=description, tags=tags,
                            overwrite=overwrite)


def remove(name: str, folder=None) -> LibraryEntry:
    """Delete a library style's files."""
    return store.remove(name, folder)


def get(name: str, folder=None) -> LibraryEntry:
    return store.get(name, folder)


def list_entries(folder=None) -> list[LibraryEntry]:
    return store.list_entries(folder)


def style_image(name: str, folder=None):
    return store.style_image(name, folder)


def ensure_vector(name: str, folder=None):
    return store.ensure_vector(name, folder)


# -- a provider of the style catalogue (painterly.styles) ---------------------------------------
def styles() -> list:
    """No fixed entries: the library's styles are read at lookup time, through :func:`source`."""
    return []


def source(library) -> Library | None:
    """The catalogue's ``library=`` argument as a :class:`Library`: None is the default folder
    (:func:`library_dir`), a folder path its own library, a Library itself; anything else:
    not this provider's (None)."""
    if library is None:
        return Library.default()
    if isinstance(library, Library):
        return library
    if isinstance(library, (str, Path)):
        return Library(library)
    return None

