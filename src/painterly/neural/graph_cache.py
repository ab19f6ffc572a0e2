"""The rewritten ONNX graphs, kept on disk so that a normal run never imports ``onnx``.

Rewriting the shipped graphs (:mod:`painterly.neural.graphs`) takes milliseconds, but importing
``onnx`` to do it takes over half a second: more than the network itself on a 1024 px photo.
So each rewritten variant is written once to the cache folder and read back by later runs.

* Key: the variant (model, precision, statistics mode), the source file's sha256 (the
  registry's, which :func:`painterly.models.packaged.model_path` checks against the file) and
  :data:`REWRITE_VERSION`. A new source file or a new rewrite gets a new file name.
* Verified on load: the file starts with a header naming its key and the payload's sha256. A
  file whose header or hash does not match (truncated, corrupt, stale) is rebuilt, never used.
* Written atomically: to a unique temporary name in the same folder, then ``os.replace``, so
  processes building the same entry at once each write a whole file and the last one wins.
* Folder: the ``cache_dir`` argument, else ``$PAINTERLY_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/painterly``, else ``~/.cache/painterly`` (read at call time), then
  ``graphs/``. When it cannot be written the graph is still built, in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

#: Bump when a rewrite in :mod:`painterly.neural.graphs` or the recipe in
#: :func:`painterly.neural.networks.build_graph` changes what it produces.
REWRITE_VERSION = 1
MAGIC = b"painterly-graph\n"


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """painterly's cache folder: the argument, ``$PAINTERLY_CACHE_DIR``, or the XDG cache."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("PAINTERLY_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "painterly"


def entry_path(key: dict, cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache file for ``key`` (model, precision, stats, source_sha256, version)."""
    name = "-".join([key["model"], key["precision"], key["stats"] or "plain",
                     key["source_sha256"][:16], f"v{key['version']}"])
    return cache_root(cache_dir) / "graphs" / f"{name}.onnx.cache"


def _header(key: dict, payload: bytes) -> bytes:
    head = dict(key, payload_sha256=hashlib.sha256(payload).hexdigest(), size=len(payload))
    return MAGIC + json.dumps(head, sort_keys=True).encode() + b"\n"


def read_entry(path: Path, key: dict) -> bytes | None:
    """The payload of ``path`` if its header names ``key`` and its hash matches; else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        return None
    try:
        head = json.loads(data[len(MAGIC):end])
    except ValueError:
        return None
    payload = data[end + 1:]
    if not isinstance(head, dict) or any(head.get(k) != v for k, v in key.items()):
        return None
    if head.get("size") != len(payload):
        return None
    if head.get("payload_sha256") != hashlib.sha256(payload).hexdigest():
        return None
    return payload


def write_entry(path: Path, key: dict, payload: bytes) -> bool:
    """Write ``payload`` under ``key`` atomically; False (nothing left behind) when it cannot."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(_header(key, payload))
            f.write(payload)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


def cached_graph(key: dict, build: Callable[[], bytes],
                 cache_dir: str | os.PathLike | None = None) -> bytes:
    """The graph for ``key`` from the cache, or ``build()`` it and store it."""
    path = entry_path(key, cache_dir)
    payload = read_entry(path, key)
    if payload is None:
        payload = build()
        write_entry(path, key, payload)
    return payload
