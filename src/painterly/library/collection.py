"""A style library as an object: one data folder, its entries as styles, re-read when it changes.

A long-running process (a server) must see styles that another process added (``painterly
library add`` in a terminal) without a restart, and must not re-read every JSON file on every
lookup. :class:`Library` keeps the styles it last read together with the folder's modification
stamp; a lookup stats the folder (one system call) and re-reads the entries only when the stamp
changed. Every write goes through a rename in the folder (see :mod:`.store`), which updates the
folder's stamp.

A stamp can miss a change made within the same clock tick as the last one (file systems keep
times at a granularity of milliseconds to seconds); as in git's "racy clean" rule, a read made
within ``_SETTLE_NS`` of the folder's last change is not trusted, so the next lookup reads again.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import ClassVar

import numpy as np

from painterly.library import store
from painterly.library.store import LibraryEntry, library_dir
from painterly.styles import Style

_SETTLE_NS = 2_000_000_000  # coarsest common file-time granularity (FAT: 2 s); see module doc
METHOD = "Ghiasi et al. 2017, arbitrary style transfer (the user's painting)"


class Library:
    """The user's styles in ``folder`` (default: :func:`library_dir`, read when created).

    Thread-safe; cheap to create, but keep one per folder to keep its cache (:meth:`default`
    does that for the default folder).
    """

    _instances: ClassVar[dict[Path, Library]] = {}  # the default() library of each folder
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(library_dir() if folder is None else folder).expanduser()
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._trusted = False
        self._styles: dict[str, Style] = {}

    @classmethod
    def default(cls) -> Library:
        """The library in :func:`library_dir` (``$PAINTERLY_HOME`` is read at every call)."""
        folder = library_dir()
        with cls._instances_lock:
            lib = cls._instances.get(folder)
            if lib is None:
                lib = cls._instances[folder] = cls(folder)
            return lib

    def __repr__(self) -> str:
        return f"Library({str(self.folder)!r})"

    # -- the entries as styles --------------------------------------------------------------
    def styles(self) -> list[Style]:
        """Every entry as a style of family ``library``, sorted by name (re-read if changed)."""
        return list(self._current().values())

    def style(self, name: str) -> Style | None:
        """The entry ``name`` as a style, or None."""
        return self._current().get(name)

    def _current(self) -> dict[str, Style]:
        try:
            st = os.stat(self.folder)
        except OSError:
            return {}  # no folder yet: an empty library
        stamp = (st.st_mtime_ns, st.st_ino)
        with self._lock:
            if stamp == self._stamp and self._trusted:
                return self._styles
        started = time.time_ns()
        styles = {e.name: self._as_style(e) for e in store.list_entries(self.folder)}
        with self._lock:
            self._stamp, self._styles = stamp, styles
            self._trusted = started - st.st_mtime_ns > _SETTLE_NS
        return styles

    def _as_style(self, entry: LibraryEntry) -> Style:
        name = entry.name

        def apply(image: np.ndarray, *, strength: float = 1.0, seed: int = 0, **options):
            """Ghiasi et al. 2017 arbitrary style transfer with the stored painting as the style."""
            from painterly.neural import transfer

            del seed  # feed-forward network: nothing random to seed
            return transfer(image, [(self.style_image(name), 1.0)], strength=strength, **options)

        apply.options = ("preserve_color", "style_scale", "tile", "precision",  # type: ignore[attr-defined]
                         "progress", "portrait", "faces")  # see painterly.styles.takes_option

        return Style(entry.name, "library", entry.description, apply, entry.tags, METHOD)

    # -- the store ------------------------------------------------------------------------------
    def add(self, painting, *, name: str, description: str = "", tags=(),
            overwrite: bool = False) -> LibraryEntry:
        """Store ``painting`` as a style named ``name`` (see :func:`store.add`)."""
        return store.add(painting, name=name, description=description, tags=tags,
                         overwrite=overwrite, folder=self.folder)

    def remove(self, name: str) -> LibraryEntry:
        """Delete a style's files."""
        return store.remove(name, self.folder)

    def entries(self) -> list[LibraryEntry]:
        return store.list_entries(self.folder)

    def get(self, name: str) -> LibraryEntry:
        return store.get(name, self.folder)

    def style_image(self, name: str) -> np.ndarray:
        return store.style_image(name, self.folder)

    def ensure_vector(self, name: str) -> np.ndarray:
        return store.ensure_vector(name, self.folder)
