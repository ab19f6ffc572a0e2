"""The per-output job that every engine runs: read, paint, encode. Same function, same bytes.

A worker process is set up once by :func:`init_worker` (one onnxruntime thread, models loaded by
painting a tiny image in each style of the run), then paints many jobs. The job returns the PNG's
bytes instead of writing them: the driver writes every file and every manifest row, so a cluster
needs no shared filesystem and a killed worker can never leave a row without its file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from painterly.augment.plan import Job
from painterly.errors import PainterlyError

#: onnxruntime threads per worker. One: workers already fill the cores, and a fixed thread count
#: keeps every float reduction in the same order, so both engines give the same bytes.
WORKER_THREADS = "1"
WORKER_ENV = {"PAINTERLY_THREADS": WORKER_THREADS, "OMP_NUM_THREADS": WORKER_THREADS}


@dataclass(frozen=True)
class Result:
    job: Job
    data: bytes | None  # the encoded PNG, or None when the source could not be painted
    sha256: str
    error: str = ""


def init_worker(style_args: tuple[str, ...] = (), set_env: bool = True) -> None:
    """Set up a worker process: one thread per worker, then load each style's models once.

    ``set_env`` changes this worker's own environment (a process the engine started for painting
    only, never the caller's); the Ray engine passes the same variables through ``runtime_env``.
    """
    if set_env:
        os.environ.update(WORKER_ENV)
    import cv2
    import numpy as np

    from painterly.engine import stylize

    cv2.setNumThreads(1)
    tiny = np.full((32, 32, 3), 0.5, np.float32)
    for arg in style_args:  # sessions and style vectors are cached per process from here on
        # a failure is reported by the job that needs the style, with its source's name
        with contextlib.suppress(PainterlyError):
            stylize(tiny, arg, strength=1.0, seed=0)


def paint_job(job: Job, src_dir: str, size: int | None, data: bytes | None = None) -> Result:
    """Paint one output. ``data``: the source's bytes when the driver ships them (Ray)."""
    from painterly.engine import stylize
    from painterly.io import load_image
    from painterly.provenance.artwork import encode_artwork

    try:
        # always decoded from bytes, so a bad file gives the same message on every engine
        if data is None:
            data = (Path(src_dir) / job.source).read_bytes()
        image = load_image(data)
        art = stylize(image, job.style_arg, strength=job.strength, seed=job.seed, max_size=size)
        png = encode_artwork(art, "PNG", metadata={"style": job.style, "strength": job.strength,
                                                 "seed": job.seed})
    except (PainterlyError, OSError) as e:
        msg = str(e).removeprefix("<bytes>: ") if isinstance(e, PainterlyError) else e.strerror
        return Result(job, None, "", f"{job.source}: {msg}")
    return Result(job, png, hashlib.sha256(png).hexdigest())
