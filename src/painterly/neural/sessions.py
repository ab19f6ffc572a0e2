"""Cached onnxruntime sessions: one loaded network serves every request.

``InferenceSession.run`` is thread-safe, so each graph variant is built once, lazily, behind a
lock, and shared by the threads of one process. The key names the variant (model, precision,
statistics mode); the builder returns the serialised graph. Threads: ``PAINTERLY_THREADS`` or
onnxruntime's default.

Processes: a session is never shared across ``fork`` (its thread pool does not survive it). The
cache belongs to the process that filled it: a forked child (a server's worker, a
multiprocessing pool) starts with an empty cache and a fresh lock, and builds its own sessions
on first use. (onnxruntime's own global state does not survive fork either: a child forked
after ``onnxruntime`` was imported can hang in its exit handlers. painterly imports it only when
a network first runs, so fork server workers before that, or use the spawn/forkserver method.)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from painterly.models.cache import ModelCache

# Bounded like every model cache (painterly.models.cache): 3 networks x 2 precisions x the
# statistics modes in use stay well under 16; each session holds a few MB.
_MAX_SESSIONS = 16
_SESSIONS: ModelCache = ModelCache(max_items=_MAX_SESSIONS, name="onnxruntime sessions")
_PID = os.getpid()  # the process that owns _SESSIONS
# Sessions inherited through fork, kept referenced and never used: their thread pools live in
# the parent, and destroying one in the child joins threads that do not exist here
# (onnxruntime PR #31961), so they are set aside rather than freed.
_INHERITED: list[ModelCache] = []


def _after_fork_in_child() -> None:
    # a new cache, with a new lock: a parent's thread may have held the old one at the fork
    global _SESSIONS, _PID
    if len(_SESSIONS):
        _INHERITED.append(_SESSIONS)
    _SESSIONS = ModelCache(max_items=_MAX_SESSIONS, name="onnxruntime sessions")
    _PID = os.getpid()


os.register_at_fork(after_in_child=_after_fork_in_child)


_IMPORT_LOCK = threading.Lock()


def import_onnxruntime():
    """``onnxruntime``, imported by one thread at a time: the CLI imports it on a warm-up thread
    while a painting thread may ask for a session, and two threads inside one extension
    module's first import can see it half-initialised (numpy's does this)."""
    with _IMPORT_LOCK:
        import onnxruntime

    return onnxruntime


def session_options(threads: int | None = None, spin: bool = True):
    ort = import_onnxruntime()

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    # ENABLE_ALL: constant folding, Conv+activation fusion and the NCHWc blocked layout on AVX-512
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # No memory pattern: with it, every run at 1024 px gave ~80 MB back and faulted it in
    # again (0.19 s a run, against 0.16 s without; the same at 384x288); the arena keeps it
    opts.enable_mem_pattern = False
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
    ort = import_onnxruntime()

    full_key = key + (threads or int(os.environ.get("PAINTERLY_THREADS", "0") or 0), spin)
    if os.getpid() != _PID:  # forked without the hook (os.fork from C, a custom start method)
        _after_fork_in_child()
    return _SESSIONS.get(full_key, lambda: ort.InferenceSession(
        build(), session_options(threads, spin), providers=["CPUExecutionProvider"]))


def clear() -> None:
    """Forget every cached session (tests; after the weight files changed)."""
    _SESSIONS.clear()
