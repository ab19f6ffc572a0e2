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

_SESSIONS: dict[tuple, object] = {}
_LOCK = threading.Lock()
_PID = os.getpid()  # the process that owns _SESSIONS
# Sessions inherited through fork, kept referenced and never used: their thread pools live in
# the parent, and destroying one in the child joins threads that do not exist here
# (onnxruntime PR #31961), so they are set aside rather than freed.
_INHERITED: list[dict] = []


def _after_fork_in_child() -> None:
    # the lock is new too: a parent's thread may have held it at the moment of the fork
    global _SESSIONS, _LOCK, _PID
    if _SESSIONS:
        _INHERITED.append(_SESSIONS)
    _SESSIONS = {}
    _LOCK = threading.Lock()
    _PID = os.getpid()


os.register_at_fork(after_in_child=_after_fork_in_child)


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
    if os.getpid() != _PID:  # forked without the hook (os.fork from C, a custom start method)
        _after_fork_in_child()
    sess = _SESSIONS.get(full_key)
    if sess is not None:
        return sess
    with _LOCK:
        sess = _SESSIONS.get(full_key)
        if sess is None:
            sess = ort.InferenceSession(build(), session_options(threads, spin),
                                        providers=["CPUExecutionProvider"])
            _SESSIONS[full_key] = sess
    return sess


def clear() -> None:
    """Forget every cached session (tests; after the weight files changed)."""
    with _LOCK:
        _SESSIONS.clear()
