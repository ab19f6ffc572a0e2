"""Engines run :func:`painterly.augment.job.paint_job` over many jobs and yield the results as
they finish. ``local``: a process pool on this machine. ``ray``: one actor per worker on a Ray
cluster (:mod:`painterly.augment.ray_engine`, which alone imports ray)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from painterly.augment.job import Result, init_worker, paint_job
from painterly.augment.plan import Job
from painterly.errors import InputError

ENGINES = ("local", "ray")
IN_FLIGHT_PER_WORKER = 2  # one painting, one queued: a worker never waits for the driver


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_local(jobs: Iterable[Job], *, src_dir: str, size: int | None, workers: int,
              style_args: tuple[str, ...]) -> Iterator[Result]:
    """A process pool (spawned, so onnxruntime starts fresh in each worker after no fork)."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker,
                             initargs=(style_args,)) as pool:
        pending = set()
        it = iter(jobs)
        try:
            while True:
                while len(pending) < workers * IN_FLIGHT_PER_WORKER:
                    job = next(it, None)
                    if job is None:
                        break
                    pending.add(pool.submit(paint_job, job, src_dir, size))
                if not pending:
                    return
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()


def check_engine(engine: str, ray_address: str | None) -> None:
    """Fail before any work on an unknown engine, a missing extra or options that do not fit."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}")
    if engine == "local" and ray_address:
        raise InputError("--ray-address needs --engine ray")
    if engine == "ray":
        from painterly.augment.ray_engine import _ray

        _ray()


def run_engine(engine: str, jobs: Iterable[Job], *, src_dir: str, size: int | None,
               workers: int | None, style_args: tuple[str, ...],
               ray_address: str | None = None) -> Iterator[Result]:
    check_engine(engine, ray_address)
    if engine == "local":
        return run_local(jobs, src_dir=src_dir, size=size, workers=workers or default_workers(),
                         style_args=style_args)
    if engine == "ray":
        from painterly.augment.ray_engine import run_ray

        return run_ray(jobs, src_dir=src_dir, size=size, workers=workers, style_args=style_args,
                       address=ray_address)
    raise AssertionError(engine)  # check_engine knows every engine
