"""The service's workers as Ray actors: a fleet of machines serves one API (``serve --ray``).

The SQLite queue stays the one source of truth, on the head node: for each actor, a thread here
claims a job, holds its lease (heartbeats while the actor paints), ships the job's input bytes
to the actor and publishes the PNG it returns, exactly as a worker process would. Actors need
neither the database nor the data folder, only painterly. An actor that dies (or its machine)
ends its attempt as a retry: the job runs again on a fresh actor, up to ``max_attempts``. If the
server itself dies, its leases expire and the restarted server runs the jobs again.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

from painterly._files import write_synced
from painterly.errors import InputError, MissingExtraError, PainterlyError
from painterly.service.config import ServiceConfig
from painterly.service.store import Store
from painterly.service.supervisor import PURGE_EVERY_S, Supervisor
from painterly.service.worker import Worker

log = logging.getLogger("painterly.service")


class RayPainter:
    """A Ray actor: loads the registries once, then runs jobs from their input bytes."""

    def __init__(self) -> None:
        from painterly.service import tasks

        # an empty working folder of its own: a style name can never be taken for a file; the
        # jobs' files go inside it, so close() (or, after a crash, one rm) removes everything
        self._dir = tempfile.mkdtemp(prefix="painterly-actor-")
        os.chdir(self._dir)
        tasks.load_registries()

    def close(self) -> None:
        """Removes the actor's folder; the server calls it before it ends the actor."""
        import shutil

        os.chdir(tempfile.gettempdir())
        shutil.rmtree(self._dir, ignore_errors=True)

    def run(self, job_id: str, task: str, params: dict, files: dict[str, list[bytes]]):
        """-> ("ok", data, media, ext, info) or ("error", type, message): bad input is an answer,
        not a crash (a crash raises, and the job is retried)."""
        from painterly.service import tasks

        with tempfile.TemporaryDirectory(prefix="painterly-job-", dir=self._dir) as d:
            paths: dict[str, list[Path]] = {}
            for field, blobs in files.items():
                for k, blob in enumerate(blobs):
                    p = Path(d) / f"{field}-{k}"
                    p.write_bytes(blob)
                    paths.setdefault(field, []).append(p)
            try:
                image, info = tasks.run(task, params, paths, lambda *progress: True)
                _fmt, media, ext = tasks.media_for(params)
                data = tasks.encode_result(job_id, task, params, info, image, paths)
            except PainterlyError as e:
                return ("error", type(e).__name__, str(e))
        info["width"], info["height"] = int(image.shape[1]), int(image.shape[0])
        return ("ok", data, media, ext, info)


def _ray():
    try:
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray") from None
    return ray


class RaySupervisor:
    """Same surface as :class:`painterly.service.supervisor.Supervisor`, with Ray actors."""

    def __init__(self, config: ServiceConfig, store: Store):
        self.config = config
        self.store = store
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._alive: set[int] = set()
        self._actors: dict[int, object] = {}  # slot -> its current actor
        self._owned = False
        self.replaced = 0  # actors replaced after dying

    def start(self) -> None:
        ray = _ray()
        if not ray.is_initialized():
            address = self.config.ray_address
            if address == "local":
                ray.init(num_cpus=self.config.workers, include_dashboard=False,
                         log_to_driver=False)
            else:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            self._owned = True
        for i in range(self.config.workers):
            t = threading.Thread(target=self._slot, args=(i,), name=f"painterly-ray-{i}",
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def alive(self) -> int:
        return len(self._alive)

    def pids(self) -> list[int]:
        return []  # the actors' processes may be on other machines

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)
        ray = _ray()
        actors = list(self._actors.values())
        # each removes its folder first (a dead one does not answer: its refs fail at once)
        if actors:
            ray.wait([a.close.remote() for a in actors], num_returns=len(actors), timeout=10)
        for actor in actors:  # on a shared cluster they would outlive the server
            ray.kill(actor)
        if self._owned:
            _ray().shutdown()

    purge = Supervisor.purge  # the same clean-up of old results and inputs

    # --- one actor's slot, on its own thread ---------------------------------------------------
    def _new_actor(self):
        ray = _ray()
        threads = {"PAINTERLY_THREADS": os.environ.get("PAINTERLY_THREADS", "")}
        return ray.remote(num_cpus=1)(RayPainter).options(
            runtime_env={"env_vars": {k: v for k, v in threads.items() if v}}).remote()

    def _slot(self, i: int) -> None:
        owner = f"ray{i}-{uuid.uuid4().hex[:12]}"
        helper = Worker(self.config, owner)  # its input resolution and clean-up, not its loop
        actor = self._actors[i] = self._new_actor()
        self._alive.add(i)
        next_purge = 0.0
        self.config.results_dir.mkdir(parents=True, exist_ok=True)
        while not self._stop.is_set():
            job = self.store.claim(owner, self.config.lease_s)
            if job is None:
                self._stop.wait(self.config.poll_s)
                if i == 0:  # one slot keeps the queue tidy, as the process supervisor does
                    self.store.fail_exhausted()
                    if time.monotonic() >= next_purge:
                        next_purge = time.monotonic() + PURGE_EVERY_S
                        self.purge()
                continue
            if self._run(job, owner, helper, actor) == "actor lost":
                self.replaced += 1
                actor = self._actors[i] = self._new_actor()
        self._alive.discard(i)

    def _run(self, job: dict, owner: str, helper: Worker, actor) -> str:
        ray = _ray()
        job_id, params = job["id"], json.loads(job["params"])
        try:
            files = {f: [p.read_bytes() for p in paths]
                     for f, paths in helper._inputs(job).items()}
        except (InputError, OSError) as e:
            self.store.fail(job_id, owner, type(e).__name__, str(e), retry=False)
            return "failed"
        ref = actor.run.remote(job_id, job["task"], params, files)
        while True:
            ready, _ = ray.wait([ref], timeout=self.config.heartbeat_s)
            if ready:
                break
            if self._stop.is_set():
                self.store.release(job_id, owner)  # the next server runs it
                return "released"
            if not self.store.heartbeat(job_id, owner, self.config.lease_s):
                return "lost lease"  # cancelled, or taken: publish nothing
        try:
            answer = ray.get(ref)
        except ray.exceptions.RayActorError as e:
            log.warning("ray actor for %s died on job %s; it runs again", owner, job_id)
            self.store.fail(job_id, owner, "WorkerLost", f"the Ray worker died ({type(e).__name__})",
                            retry=True)
            return "actor lost"
        except ray.exceptions.RayTaskError as e:  # a crash inside a model: try again
            self.store.fail(job_id, owner, "InternalError", f"the job crashed ({e.cause!r})",
                            retry=True)
            return "failed"
        if answer[0] == "error":
            self.store.fail(job_id, owner, answer[1], answer[2], retry=False)
        else:
            _, data, media, ext, info = answer
            final = self.config.results_dir / f"{job_id}.{ext}"
            tmp = self.config.results_dir / f".{job_id}.{os.getpid()}.{owner}.tmp"
            write_synced(tmp, data)
            if not self.store.finish(job_id, owner, tmp, final, media, info):
                return "lost lease"
        helper._drop_inputs(job_id)
        return "done"
