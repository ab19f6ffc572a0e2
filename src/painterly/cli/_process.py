"""Process-wide settings that only the command line makes: it owns its process, the library
never does (a server embeds the library and keeps its own settings).

Measured on the 2-core Xeon (benchmarks/RESULTS.md, 2026-12-02):

* numpy's OpenBLAS starts a pool thread per core at import, and they spin before they sleep:
  ~0.1 s of CPU per process, stolen from the imports and the painting that run meanwhile.
  painterly calls no large BLAS routine from numpy (networks run in onnxruntime or torch, with
  their own threads), so the CLI asks for one BLAS thread unless the user set otherwise.
* glibc gives every image-sized array (25 MB at 1920x1080 in float32) back to the kernel when it
  is freed, and the next one comes back as fresh pages that the kernel zeroes: a quarter of a
  folder batch's CPU time went to zeroing pages. Keeping freed memory in one heap for reuse
  (one arena, no trimming, image-sized blocks from the heap) cuts that, at the price of the
  process keeping its peak memory until it exits, which a command does soon.
* The interpreter's teardown after a command (every module's objects, numpy's, OpenCV's and
  onnxruntime's included) took 50-60 ms of a 0.6 s one-photo run. By then painterly has closed
  and synced every file it wrote, so the console command ends with :func:`exit_now`: the exit
  handlers run and the streams are flushed, and the process ends without the teardown.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_tuned = False


def prefer_one_blas_thread() -> None:
    """Before numpy loads: one OpenBLAS thread, unless the environment says otherwise."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def quiet_third_party_logs() -> None:
    """Before transformers or diffusers load: only their errors reach the terminal, unless the
    environment says otherwise (``--debug`` leaves them as they are). Their import alone logs
    advice meant for developers (e.g. that torchvision is missing), which a painterly user cannot
    act on; painterly says what it does itself."""
    for var in ("TRANSFORMERS_VERBOSITY", "DIFFUSERS_VERBOSITY"):
        os.environ.setdefault(var, "error")


def keep_freed_memory() -> bool:
    """glibc only (a no-op elsewhere): freed image buffers stay in the process for reuse.
    Call before the worker threads start. Returns whether the allocator was tuned."""
    global _tuned
    if _tuned:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries
        return False
    ok = all(mallopt(param, value) == 1 for param, value in (
        (_M_MMAP_THRESHOLD, 32 * 1024 * 1024),  # glibc's maximum: image-sized blocks from the heap
        (_M_TRIM_THRESHOLD, 1024 * 1024 * 1024),  # give back only beyond 1 GiB of free heap
        (_M_ARENA_MAX, 1),  # the worker threads share the heap that holds the freed blocks
    ))
    _tuned = ok
    return ok


def exit_now(code: int) -> NoReturn:
    """End the process with ``code``: exit handlers (atexit: logging, multiprocessing, Ray,
    temporary folders) and flushed streams, without the interpreter's teardown. Falls back to a
    normal exit while a non-daemon thread still runs (its work must not be cut short)."""
    main = threading.main_thread()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not main):
        sys.exit(code)
    atexit._run_exitfuncs()  # what a normal exit runs, in the same (reverse) order
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
