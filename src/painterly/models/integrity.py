"""Weight-file checks: safetensors only, pickles refused by content, sha256 compared.

A pickle can run code when it is loaded, so no weight file painterly reads may be one. The check
is by content, never by name: a ``.safetensors`` file that holds a pickle is refused, and so is a
``config.json`` that starts like a torch zip archive. Weight files must parse as safetensors
(8-byte little-endian header length, then a JSON header) - a positive check, not a blacklist.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
from collections import OrderedDict
from pathlib import Path

from painterly.errors import IntegrityError

# Extensions that hold tensors. Anything with these must be a valid safetensors file.
WEIGHT_SUFFIXES = {".safetensors", ".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle", ".h5", ".msgpack"}
_PICKLE_PROTOCOLS = {2, 3, 4, 5}  # protocol >= 2 pickles begin with PROTO 0x80 then the version
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save since 1.6 writes a zip holding data.pkl
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header


def sniff(path: str | Path) -> str:
    """The file's kind from its first bytes: 'pickle', 'torch-zip', 'safetensors' or 'other'."""
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) >= 2 and head[0] == 0x80 and head[1] in _PICKLE_PROTOCOLS:
            return "pickle"
        if head.startswith(_ZIP_MAGIC):
            return "torch-zip"
        if len(head) >= 9:
            (n,) = struct.unpack("<Q", head[:8])
            if 2 <= n <= _MAX_HEADER and head[8:9] == b"{":
                f.seek(8)
                try:
                    header = json.loads(f.read(n))
                except (ValueError, UnicodeDecodeError):
                    return "other"
                if isinstance(header, dict):
                    return "safetensors"
    return "other"


# (resolved path, size, mtime_ns) -> sha256: a file is hashed once per process while unchanged.
# Bounded: one entry per weight file painterly knows, a few hundred bytes each.
_DIGESTS: OrderedDict[tuple[str, int, int], str] = OrderedDict()
_DIGESTS_MAX = 1024
_DIGESTS_LOCK = threading.Lock()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The file's sha256 (hex). The one hashing helper in painterly: memoised on the file's
    path, size and modification time, so a file that changes is hashed again."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _DIGESTS_LOCK:
        if key in _DIGESTS:
            _DIGESTS.move_to_end(key)
            return _DIGESTS[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    digest = h.hexdigest()
    with _DIGESTS_LOCK:
        _DIGESTS[key] = digest
        while len(_DIGESTS) > _DIGESTS_MAX:
            _DIGESTS.popitem(last=False)
    return digest


def verify_file(path: str | Path, sha256: str, *, label: str = "",
                fix: str = "the file is corrupt or was replaced; get it again") -> Path:
    """Check that ``path`` has content hash ``sha256``; :class:`IntegrityError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise IntegrityError(f"{label or path}: no such file")
    actual = sha256_file(path)
    if actual != sha256:
        raise IntegrityError(f"{label or path}: sha256 {actual} does not match the expected "
                             f"{sha256}; {fix}")
    return path


def _hub_blob_digest(path: Path) -> str | None:
    """The sha256 the Hub published for an LFS file: its cache blob is named by it."""
    if path.is_symlink():
        name = path.resolve().name
        if re.fullmatch(r"[0-9a-f]{64}", name):
            return name
    return None


def verify(
    path: str | Path, sha256: dict[str, str] | None = None, *, hashes: bool = True
) -> dict[str, str]:
    """Check a model file or folder; return ``{relative path: sha256}`` of its weight files.

    Raises :class:`IntegrityError` when any file is a pickle or torch zip (whatever its name),
    when a weight file is not valid safetensors, when a folder holds no safetensors at all, or
    when a digest differs from ``sha256`` (relative path -> hex) or from the digest the Hugging
    Face cache recorded for the file. ``hashes=False`` skips hashing (the content checks stay):
    loading does that, since a pull has already hashed the files and hashing gigabytes takes time;
    a cached file whose blob name (the digest the Hub published) differs from ``sha256`` is still
    refused then.
    """
    root = Path(path)
    if not root.exists():
        raise IntegrityError(f"{root}: no such file or folder")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    expected = dict(sha256 or {})
    digests: dict[str, str] = {}
    any_weights = False
    for f in files:
        rel = f.name if root.is_file() else f.relative_to(root).as_posix()
        kind = sniff(f)
        if kind in ("pickle", "torch-zip"):
            raise IntegrityError(
                f"{f}: is a {kind} checkpoint; painterly loads safetensors only "
                "(a pickle can run code when loaded). Convert it to .safetensors first."
            )
        if f.suffix.lower() in WEIGHT_SUFFIXES and kind != "safetensors":
            raise IntegrityError(f"{f}: not a valid safetensors file")
        any_weights = any_weights or kind == "safetensors"
        pinned, blob = expected.pop(rel, None), _hub_blob_digest(f)
        want = pinned or blob
        if kind != "safetensors" and want is None:
            continue  # config, tokenizer: nothing to compare against
        if not hashes:  # no hashing, but a cache blob is named by its digest: compare names
            if pinned and blob and pinned != blob:
                raise IntegrityError(f"{f}: the cached file has sha256 {blob}, not the pinned {pinned}")
            digests[rel] = want or ""
            continue
        digest = sha256_file(f)
        if want is not None and digest != want:
            raise IntegrityError(f"{f}: sha256 {digest} does not match the expected {want}")
        digests[rel] = digest
    if expected and hashes:
        raise IntegrityError(f"{root}: missing file(s) with a known checksum: {', '.join(sorted(expected))}")
    if not any_weights:
        raise IntegrityError(f"{root}: holds no .safetensors weights")
    return digests
