"""A worker process: claims jobs from the queue, runs them, publishes results exactly once.

Run by the supervisor as ``python -m painterly.service.worker --owner ID --config JSON``. Models
stay loaded between jobs (painterly's own caches live in this process). A background thread renews
the job's lease every ``heartbeat_s``; if the process dies, the lease runs out and another worker
takes the job. SIGTERM gives the running job back to the queue and exits.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import select
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from painterly._files import write_synced
from painterly.errors import CancelledError, InputError, PainterlyError
from painterly.service import tasks
from painterly.service.config import ServiceConfig
from painterly.service.store import Store, valid_id

PROGRESS_EVERY_S = 0.2  # progress is written at most this often (each write is a SQLite commit),
PROGRESS_STEP = 0.1  # unless it moved this much: a stage's end (tasks.PAINTED...) is never lost


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the server dies (even by SIGKILL), so no orphan
    keeps working on a job the restarted server will hand to a new worker."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent-pid check in the loop covers it
        pass


class Worker:
    def __init__(self, config: ServiceConfig, owner: str):
        self.config = config
        self.owner = owner
        self.store = Store(config.db_path, max_attempts=config.max_attempts)
        self.parent = os.getppid()
        self.job: dict | None = None  # the job being run
        self.lost = False  # the job was cancelled or its lease taken: stop, publish nothing
        self.finish = False  # an interrupt asked the job to finish with what it has
        self.stopping = threading.Event()
        self._last_progress = 0.0
        self._last_fraction = 0.0

    # --- lease keeping, on its own thread --------------------------------------------------
    def _beat(self, wakeup: int) -> None:
        while True:
            # the signal's wake-up byte arrives here at once, even while the main thread is
            # inside a long C call (a model) and cannot run Python signal handlers
            readable, _, _ = select.select([wakeup], [], [], self.config.heartbeat_s)
            if readable and signal.SIGTERM in os.read(wakeup, 64):
                self.stopping.set()
            job = self.job
            if self.stopping.is_set():
                if job is not None:
                    self.store.release(job["id"], self.owner)
                os._exit(0)
            if job is not None and not self.store.heartbeat(job["id"], self.owner, self.config.lease_s):
                self.lost = True

    def _progress(self, fraction: float, step: int | None = None, steps: int | None = None):
        """Record progress; False once the job is lost or cancelled, :data:`tasks.FINISH` once
        an interrupt asks for the picture as it stands, else True."""
        job = self.job
        if job is None or self.lost:
            return False
        now = time.monotonic()
        if (now - self._last_progress >= PROGRESS_EVERY_S or fraction >= 1.0
                or fraction - self._last_fraction >= PROGRESS_STEP):
            self._last_progress, self._last_fraction = now, fraction
            if not self.store.heartbeat(job["id"], self.owner, self.config.lease_s, fraction,
                                        step, steps):
                self.lost = True
            elif self.store.interrupt_requested(job["id"]):
                self.finish = True
        if self.lost:
            return False
        return tasks.FINISH if self.finish else True

    # --- one job -------------------------------------------------------------------------------
    def _inputs(self, job: dict) -> dict[str, list[Path]]:
        """Files a job reads: its own uploads, or earlier jobs' results, all inside the data folder."""
        out: dict[str, list[Path]] = {}
        for entry in json.loads(job["inputs"]):
            if "file" in entry:
                path = self.config.inputs_dir / job["id"] / entry["file"]
            else:
                ref = self.store.get(entry["job"]) if valid_id(entry["job"]) else None
                if ref is None or ref["state"] != "succeeded" or not ref["result_name"]:
                    raise InputError(f"job {entry['job']} has no result (it failed, or its result "
                                     "is no longer kept)")
                path = self.config.results_dir / ref["result_name"]
            out.setdefault(entry["field"], []).append(path)
        return out

    def run_job(self, job: dict) -> None:
        self.job, self.lost, self.finish = job, False, False
        self._last_progress, self._last_fraction = 0.0, 0.0
        params = json.loads(job["params"])
        try:
            inputs = self._inputs(job)
            image, info = tasks.run(job["task"], params, inputs, self._progress)
            if self.lost:
                return
            _fmt, _media, ext = tasks.media_for(params)
            data = tasks.encode_result(job["id"], job["task"], params, info, image, inputs,
                                       drift=job["source"] != "preview")
            self._progress(tasks.FINISHED)
            names = {e["field"]: e["name"] for e in json.loads(job["inputs"]) if e.get("name")}
            if info.get("style") == "style_image" and "style_image" in names:
                info["style_image_name"] = names["style_image"]  # what the visitor calls it
            final = self.config.results_dir / f"{job['id']}.{ext}"
            tmp = self.config.results_dir / f".{job['id']}.{os.getpid()}.tmp"
            write_synced(tmp, data)
            info["width"], info["height"] = int(image.shape[1]), int(image.shape[0])
            if self.store.finish(job["id"], self.owner, tmp, final, _media, info):
                self._drop_inputs(job["id"])
        except CancelledError:
            pass  # cancelled through the API: the job is already 'cancelled'
        except PainterlyError as e:  # bad input or a missing model: the same on every attempt
            self.store.fail(job["id"], self.owner, type(e).__name__, str(e), retry=False)
            self._drop_inputs(job["id"])
        except Exception as e:  # a crash inside a model: try again (up to max_attempts)
            print(f"painterly worker {self.owner}: job {job['id']}: {type(e).__name__}: {e}",
                  file=sys.stderr, flush=True)
            self.store.fail(job["id"], self.owner, "InternalError",
                            f"the job crashed ({type(e).__name__}: {e})", retry=True)
        finally:
            self.job = None

    def _drop_inputs(self, job_id: str) -> None:
        row = self.store.get(job_id)
        if row is not None and row["state"] in ("succeeded", "failed", "cancelled"):
            shutil.rmtree(self.config.inputs_dir / job_id, ignore_errors=True)

    # --- the loop ---------------------------------------------------------------------------------
    def serve(self) -> None:
        self.config.results_dir.mkdir(parents=True, exist_ok=True)
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        wakeup, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end)
        threading.Thread(target=self._beat, args=(wakeup,), name="painterly-heartbeat",
                         daemon=True).start()
        tasks.load_registries()  # once, before the first job
        while not self.stopping.is_set():
            if os.getppid() != self.parent:  # the server is gone
                return
            job = self.store.claim(self.owner, self.config.lease_s)
            if job is None:
                self.stopping.wait(self.config.poll_s)
                continue
            self.run_job(job)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m painterly.service.worker")
    ap.add_argument("--owner", required=True, help="lease owner id given by the supervisor")
    ap.add_argument("--config", required=True, help="ServiceConfig as JSON")
    args = ap.parse_args(argv)
    _die_with_parent()
    Worker(ServiceConfig.from_json(args.config), args.owner).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
