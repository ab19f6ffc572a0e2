"""Cached onnxruntime sessions: one loaded network serves every request.

``InferenceSession.run`` is thread-safe, so each graph variant is built once, lazily, behind a
lock, and shared. The key names the variant (model, precision, statistics mode); the builder
returns the serialised graph. Threads: ``PAINTERLY_THREADS`` or onnxruntime's default.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from painterly.models.cache import ModelCache

# Bounded like every model cache (painterly.models.cache): 3 networks x 2 precisions x the
# statistics modes in use stay well under 16; each session holds a few MB.
_SESSIONS = ModelCache(max_items=16, name="onnxruntime sessions")


def session_options(threads: int | None = None, spin: bool = True):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    # ENABLE_ALL: constant folding, Conv+activation fusion and the NCHWc blocked layout on AVX-512
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    threads = threads or int(os.environ.get("PAINTERLY_THREADS", "0") or 0)
    if threads:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    if not spin:
        # a small network run between big ones: its idle pool threads would otherwise keep
        # spinning on the cores while the next (big) session runs
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def get_session(key: tuple, build: Callable[[], bytes], threads: int | None = None,
                spin: bool = True):
    """The session for ``key`` (built with ``build()`` on first use); ``spin=False`` lets its
    idle threads sleep at once (see :func:`session_options`)."""
    import onnxruntime as ort

    full_key = key + (threads or int(os.environ.get("PAINTERLY_THREADS", "0") or 0), spin)
    return _SESSIONS.get(full_key, lambda: ort.InferenceSession(
        build(), session_options(threads, spin), providers=["CPUExecutionProvider"]))


def clear() -> None:
    """Forget every cached session (tests; after the weight files changed)."""
    _SESSIONS.clear()
