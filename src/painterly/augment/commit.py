"""Group commit: the driver's writes, off the loop that collects results.

Each output must be whole on disk before its manifest row, and each row durable before the run
counts it. One fsync per file and per row costs ~10 ms on an ordinary disk, which would cap a
cluster at a few dozen images per second however many workers it has. So a committer thread
takes every result that has arrived since its last commit, writes their files in parallel
(temp name, fsync, rename: :func:`~painterly.augment.manifest.write_atomic`), then appends all
their rows with one write and one fsync. Under light load a commit is one image, with no delay;
under heavy load commits grow, and the cost per image falls. A SIGKILL loses only the results
not yet committed (the images in flight).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from painterly.augment.job import Result
from painterly.augment.manifest import Manifest, write_atomic

MAX_BATCH = 64  # results per commit at most: bounds the work lost to a kill mid-commit
WRITERS = 8  # parallel file writes: the filesystem merges their fsyncs into fewer journal commits


class Committer:
    """``put(result)`` from the collecting loop; ``close()`` commits the rest and re-raises any
    error of the committer thread. ``on_commit(results)`` runs after each durable commit."""

    def __init__(self, out_dir: Path, manifest: Manifest, on_commit: Callable[[list[Result]], None]):
        self.out_dir = out_dir
        self.manifest = manifest
        self.on_commit = on_commit
        self._queue: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="painterly-write")
        self._thread = threading.Thread(target=self._run, name="painterly-commit", daemon=True)
        self._thread.start()

    def put(self, result: Result) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(result)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._pool.shutdown()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if batch[-1] is None:
                batch.pop()
                done = True
            if not batch or self._error is not None:
                continue
            try:
                self._commit(batch)
            except BaseException as e:  # handed to the collecting loop by put() / close()
                self._error = e

    def _commit(self, batch: list[Result]) -> None:
        files = [r for r in batch if r.data is not None]
        # files first, all of them whole and on disk; list() re-raises a failed write
        list(self._pool.map(lambda r: write_atomic(self.out_dir / r.job.output, r.data), files))
        self.manifest.append_many([row_of(r) for r in batch])
        self.on_commit(batch)


def row_of(r: Result) -> dict:
    job = r.job
    row = {"source": job.source, "style": job.style, "strength": job.strength, "seed": job.seed,
           "output": job.output, "sha256": r.sha256}
    if r.data is None:  # output stays the planned name: it is the resume key
        row.update(status="error", error=r.error)
    else:
        row.update(status="ok", error="")
    return row
