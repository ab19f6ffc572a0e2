"""The Ray engine: one actor per worker, each loading its models once, anywhere on a cluster.

``address=None`` joins the cluster of ``RAY_ADDRESS`` if set, or starts Ray on this machine;
``address="auto"`` or ``"HOST:6379"`` joins a cluster started with ``ray start --head``. The
driver reads every source and writes every output, so the workers need no shared filesystem.
An actor that dies takes its in-flight jobs with it: they are not in the manifest, so the next
run paints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from painterly.augment.job import WORKER_ENV, Result, init_worker, paint_job
from painterly.augment.plan import Job
from painterly.errors import MissingExtraError, PainterlyError

IN_FLIGHT_PER_ACTOR = 2  # one painting, one shipped and waiting: hides the driver round trip


class EngineError(PainterlyError):
    """The cluster lost every worker; what finished is in the manifest."""


class PaintWorker:
    """A Ray actor: set up once (threads, models), then paints job after job."""

    def __init__(self, style_args: tuple[str, ...]):
        init_worker(style_args, set_env=False)  # the env comes from runtime_env

    def paint(self, job: Job, size: int | None, data: bytes) -> Result:
        return paint_job(job, "", size, data)


def _ray():
    try:
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray") from None
    return ray


def run_ray(jobs: Iterable[Job], *, src_dir: str, size: int | None, workers: int | None,
            style_args: tuple[str, ...], address: str | None = None) -> Iterator[Result]:
    ray = _ray()
    owned = not ray.is_initialized()
    if owned:
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        cls = ray.remote(num_cpus=1)(PaintWorker)
        actors = [cls.options(runtime_env={"env_vars": dict(WORKER_ENV)}).remote(style_args)
                  for _ in range(n)]
        it = iter(jobs)
        alive = dict(enumerate(actors))
        load = dict.fromkeys(alive, 0)
        pending: dict = {}  # object ref -> actor index
        lost = 0
        while True:
            for i, actor in list(alive.items()):
                while load[i] < IN_FLIGHT_PER_ACTOR:
                    job = next(it, None)
                    if job is None:
                        break
                    try:
                        data = (Path(src_dir) / job.source).read_bytes()
                    except OSError as e:
                        yield Result(job, None, "", f"{job.source}: {e.strerror}")
                        continue
                    pending[actor.paint.remote(job, size, data)] = i
                    load[i] += 1
            if not pending:
                break
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                i = pending.pop(ref)
                load[i] -= 1
                try:
                    yield ray.get(ref)
                except ray.exceptions.RayActorError:
                    # the actor (or its node) died: its jobs get no row, so the next run
                    # paints them; the other actors go on
                    lost += 1
                    alive.pop(i, None)
                    if not alive:
                        raise EngineError(f"every Ray worker died ({lost} images lost); "
                                          "check the cluster and run the same command again "
                                          "to finish") from None
    finally:
        if owned:
            ray.shutdown()
