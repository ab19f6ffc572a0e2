"""Starts the worker processes, replaces the ones that die, and keeps the queue tidy.

A worker that dies (SIGKILL, out of memory, a crash inside a model) is replaced at once, and its
job's lease is cut short so the job runs again without waiting for the lease to run out. The
supervisor also fails jobs that used up their attempts and forgets results past their keep time.
"""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import IO

from painterly._files import lock_exclusive
from painterly.service.config import ServiceConfig
from painterly.service.store import Store

log = logging.getLogger("painterly.service")
CHECK_EVERY_S = 0.25  # how soon a dead worker is noticed
PURGE_EVERY_S = 60.0
STOP_GRACE_S = 10.0  # SIGTERM, then SIGKILL after this long


def lock_data_dir(config: ServiceConfig) -> IO:
    """One server per data folder: a second one would hand out the first one's running jobs."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return lock_exclusive(config.data_dir / "server.lock",
                          f"another painterly server is using {config.data_dir}; stop it or give "
                          "this one another --data folder")


@dataclass
class _Slot:
    owner: str
    proc: subprocess.Popen
    started: float
    quick_deaths: int = 0  # deaths in a row within seconds of starting: back off, do not spin
    respawn_at: float | None = None  # set once the process is seen dead


class Supervisor:
    def __init__(self, config: ServiceConfig, store: Store):
        self.config = config
        self.store = store
        self.slots: list[_Slot | None] = [None] * config.workers
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0
        self.replaced = 0  # workers replaced after dying (for /health and tests)

    def _spawn(self, i: int, quick_deaths: int = 0) -> None:
        owner = f"w{i}-{uuid.uuid4().hex[:12]}"
        work = self.config.data_dir / "work"  # an empty working folder: no name resolves to a file
        work.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "painterly.service.worker", "--owner", owner,
             "--config", self.config.to_json()],
            cwd=work, stdin=subprocess.DEVNULL)
        self.slots[i] = _Slot(owner, proc, time.monotonic(), quick_deaths)

    def start(self) -> None:
        for i in range(self.config.workers):
            self._spawn(i)
        self._thread = threading.Thread(target=self._watch, name="painterly-supervisor", daemon=True)
        self._thread.start()

    def alive(self) -> int:
        return sum(1 for s in self.slots if s is not None and s.proc.poll() is None)

    def pids(self) -> list[int]:
        return [s.proc.pid for s in self.slots if s is not None and s.proc.poll() is None]

    def _watch(self) -> None:
        while not self._stop.wait(CHECK_EVERY_S):
            try:
                self._check()
            except Exception:  # the watcher must outlive any one bad check (a locked DB...)
                log.exception("supervisor check failed")

    def _check(self) -> None:
        now = time.monotonic()
        for i, slot in enumerate(self.slots):
            if slot is None or self._stop.is_set():
                continue
            if slot.respawn_at is None:
                if slot.proc.poll() is None:
                    continue
                expired = self.store.expire_owner(slot.owner)
                log.warning("worker %s (pid %d) exited with %s%s; starting a new one", slot.owner,
                            slot.proc.pid, slot.proc.returncode,
                            ", its job goes back to the queue" if expired else "")
                slot.quick_deaths = slot.quick_deaths + 1 if now - slot.started < 5.0 else 0
                # crashing at start-up (a broken install): 1, 2, 4 ... 30 s between tries
                delay = min(2.0 ** (slot.quick_deaths - 1), 30.0) if slot.quick_deaths > 1 else 0.0
                slot.respawn_at = now + delay
            if now >= slot.respawn_at:
                self._spawn(i, slot.quick_deaths)
                self.replaced += 1
        self.store.fail_exhausted()
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY_S
            self.purge()

    def purge(self) -> int:
        gone = self.store.purge(self.config.result_ttl_s)
        for job in gone:
            if job["result_name"]:
                (self.config.results_dir / job["result_name"]).unlink(missing_ok=True)
                # the studio's history thumbnail (painterly.studio.thumbs), if one was made
                (self.config.data_dir / "thumbs" / f"{job['id']}.webp").unlink(missing_ok=True)
            shutil.rmtree(self.config.inputs_dir / job["id"], ignore_errors=True)
        return len(gone)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        procs = [s.proc for s in self.slots if s is not None]
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)  # the worker gives its job back to the queue
        deadline = time.monotonic() + STOP_GRACE_S
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
