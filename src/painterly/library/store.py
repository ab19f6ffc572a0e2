"""The user's style library on disk: one JSON file and one PNG per painting the user added.

Layout (``$PAINTERLY_HOME/library`` or ``~/.local/share/painterly/library``)::

    <name>.json   {"name", "description", "tags", "created", "source_sha256", "vector", ...}
    <name>.png    the painting, longer side at most STYLE_IMAGE_SIDE px: the style image that
                  neural transfer reads, and the thumbnail ``library list`` shows

The style vector is the 100-d embedding of the Ghiasi et al. 2017 style-prediction network
(:func:`painterly.neural.style_embedding`); when that module is not installed at ``add`` time the
entry is stored without it and the vector is computed on first use (:func:`ensure_vector`).
Files are written to a temporary name and renamed, so an interrupted ``add`` leaves no half entry;
every change creates, renames or deletes a file in the folder, so the folder's modification time
is the library's stamp (what :class:`painterly.library.Library` re-reads on).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from painterly.errors import InputError, ModelMissingError, UnknownNameError
from painterly.io import ImageSource, load_image, resize_max, to_image, to_uint8
from painterly.provenance.artwork import save_artwork

STYLE_IMAGE_SIDE = 512  # the style network reads a 256 px centre square; 512 leaves room for style_scale
MAX_TAGS = 32
MAX_TEXT = 500  # characters in a description or a tag
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_FORMAT = 1


class UnknownLibraryStyleError(UnknownNameError):
    kind = "library style"


@dataclass(frozen=True)
class LibraryEntry:
    name: str  # lowercase letters, digits and '-': also the file names
    description: str  # what text-to-style matching reads, with the tags
    tags: tuple[str, ...] = ()
    created: str = ""  # ISO 8601 UTC
    source_sha256: str = ""  # of the image bytes as decoded (float32 contract array)
    vector: tuple[float, ...] | None = None  # 100-d style embedding, None until computed
    format: int = _FORMAT
    extra: dict = field(default_factory=dict, compare=False)  # unknown keys kept on rewrite


def library_dir() -> Path:
    """Where the library lives: ``$PAINTERLY_HOME/library``, else the XDG data folder."""
    home = os.environ.get("PAINTERLY_HOME")
    if home:
        return Path(home).expanduser() / "library"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "painterly" / "library"


def check_name(name: str) -> str:
    """Normalise a library style name; refuse anything that is not a plain short word."""
    if not isinstance(name, str):
        raise InputError(f"style name must be text, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if not _NAME.match(key):
        raise InputError(
            f"invalid library style name {name!r}: use 1-48 lowercase letters, digits and '-', "
            "starting with a letter or digit (no paths, dots or spaces)"
        )
    return key


def parse_tags(tags) -> tuple[str, ...]:
    """Tags from a list or a comma-separated string (',' or the Chinese '，')."""
    if tags is None:
        return ()
    if isinstance(tags, str):
        tags = re.split(r"[,，、;]", tags)
    out = []
    for t in tags:
        t = " ".join(str(t).split()).lower()
        if len(t) > MAX_TEXT:
            raise InputError(f"a tag is {len(t)} characters; at most {MAX_TEXT}")
        if t:
            out.append(t)
    if len(out) > MAX_TAGS:
        raise InputError(f"{len(out)} tags given; at most {MAX_TAGS}")
    return tuple(dict.fromkeys(out))


def _paths(name: str, folder: Path | None) -> tuple[Path, Path]:
    folder = library_dir() if folder is None else Path(folder)
    key = check_name(name)
    return folder / f"{key}.json", folder / f"{key}.png"


def add(
    painting: ImageSource,
    *,
    name: str,
    description: str = "",
    tags=(),
    overwrite: bool = False,
    folder: Path | None = None,
) -> LibraryEntry:
    """Store ``painting`` as a named style; returns the entry (vector set when computable)."""
    # 1. Check inputs before touching the disk
    key = check_name(name)
    description = " ".join(str(description or "").split())
    if len(description) > MAX_TEXT:
        raise InputError(f"description is {len(description)} characters; at most {MAX_TEXT}")
    tags = parse_tags(tags)
    _refuse_builtin_name(key)
    meta, png = _paths(key, folder)
    if meta.exists() and not overwrite:
        raise InputError(f"library style {key!r} already exists; remove it first or overwrite it")
    img = load_image(painting)
    # 2. Style image, fingerprint and vector
    # quantised as the PNG will store it, so the vector is exactly that of the stored image
    small = to_image(to_uint8(resize_max(img, STYLE_IMAGE_SIDE)))
    entry = LibraryEntry(
        name=key,
        description=description or f"the user's painting '{key}'",
        tags=tags,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        source_sha256=hashlib.sha256(img.tobytes()).hexdigest(),
        vector=_embedding(small),
    )
    # 3. Write the image first: an entry's JSON never points at a missing PNG
    save_artwork(small, png, metadata={"library_style": key})
    _write(meta, entry)
    return entry


def list_entries(folder: Path | None = None) -> list[LibraryEntry]:
    """Every readable entry, sorted by name. Files that do not parse are skipped."""
    folder = library_dir() if folder is None else Path(folder)
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob("*.json")):
        try:
            out.append(_read(p))
        except (OSError, ValueError, TypeError, KeyError):
            continue  # a damaged or foreign file must not break listing the rest
    return out


def get(name: str, folder: Path | None = None) -> LibraryEntry:
    meta, _ = _paths(name, folder)
    if not meta.is_file():
        raise UnknownLibraryStyleError(name, [e.name for e in list_entries(folder)],
                                       hint="add one with 'painterly library add PAINTING --name NAME'")
    try:
        return _read(meta)
    except (ValueError, TypeError, KeyError) as e:
        raise InputError(f"library entry {meta} is damaged ({e}); remove it and add it again") from None


def remove(name: str, folder: Path | None = None) -> LibraryEntry:
    entry = get(name, folder)
    meta, png = _paths(entry.name, folder)
    meta.unlink(missing_ok=True)
    png.unlink(missing_ok=True)
    return entry


def style_image(name: str, folder: Path | None = None) -> np.ndarray:
    """The stored painting (contract image), the style input of neural transfer."""
    entry = get(name, folder)
    _, png = _paths(entry.name, folder)
    if not png.is_file():
        raise InputError(f"library style {entry.name!r} has lost its image {png}; add it again")
    return load_image(png)


def ensure_vector(name: str, folder: Path | None = None) -> np.ndarray:
    """The entry's style vector, computed and stored now if it was not at ``add`` time."""
    entry = get(name, folder)
    if entry.vector is None:
        vec = _embedding(style_image(entry.name, folder))
        if vec is None:
            raise ModelMissingError("computing a style vector needs painterly.neural (neural style "
                                    "transfer), which is not part of this install")
        entry = replace(entry, vector=vec)
        _write(_paths(entry.name, folder)[0], entry)
    return np.asarray(entry.vector, np.float32)


def _embedding(img: np.ndarray) -> tuple[float, ...] | None:
    try:
        from painterly.neural import style_embedding
    except ImportError:
        return None  # computed later by ensure_vector
    return tuple(round(float(v), 6) for v in np.asarray(style_embedding(img)).ravel())


def _refuse_builtin_name(key: str) -> None:
    from painterly.styles import find_style

    owner = find_style(key, library=False)
    if owner is not None:
        raise InputError(f"{key!r} is the name of a built-in {owner.family} style; choose another name")


def _write(path: Path, entry: LibraryEntry) -> None:
    data = asdict(entry)
    data.update(data.pop("extra"))
    data["tags"] = list(entry.tags)
    data["vector"] = None if entry.vector is None else list(entry.vector)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _read(path: Path) -> LibraryEntry:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    known = {"name", "description", "tags", "created", "source_sha256", "vector", "format"}
    name = check_name(str(data["name"]))
    if name != path.stem:
        raise ValueError(f"entry name {name!r} does not match its file name")
    vec = data.get("vector")
    return LibraryEntry(
        name=name,
        description=str(data.get("description", ""))[:MAX_TEXT],
        tags=parse_tags(data.get("tags") or ()),
        created=str(data.get("created", "")),
        source_sha256=str(data.get("source_sha256", "")),
        vector=None if vec is None else tuple(float(v) for v in vec),
        format=int(data.get("format", _FORMAT)),
        extra={k: v for k, v in data.items() if k not in known},
    )
