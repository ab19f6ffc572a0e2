"""The durable job queue: one SQLite file (WAL, ``synchronous=FULL``) shared by the API and workers.

A job moves ``queued -> running -> succeeded | failed | cancelled``. A worker *claims* a job with
one ``UPDATE ... RETURNING`` inside ``BEGIN IMMEDIATE`` (SQLite's write lock, so two workers never
claim the same job) and holds a *lease* on it that it renews by heartbeat. A job whose lease ran out
(its worker was killed, ran out of memory, crashed inside a model) is claimed again, up to
``max_attempts`` times; after that it fails with the last error. Every write that ends a job checks
that the caller still owns the lease, so a job finishes exactly once.

Why SQLite: embedded (no server to install), crash-safe with WAL and FULL sync, and one writer at a
time is plenty for a queue whose jobs take 0.1 s to minutes.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from painterly.service.errors import Conflict, QueueFull

STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINAL = ("succeeded", "failed", "cancelled")
_ID = re.compile(r"[0-9a-f]{32}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    task TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'v1',       -- 'v1' or 'a1111': which API submitted it
    params TEXT NOT NULL,                    -- checked, normalised JSON
    inputs TEXT NOT NULL,                    -- JSON list of {"field", "file"} or {"field", "job"}
    progress REAL NOT NULL DEFAULT 0,
    step INTEGER,                            -- sampling step of the running job, and of how many
    steps INTEGER,
    interrupt INTEGER NOT NULL DEFAULT 0,    -- 1: finish now with the picture as it stands
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error_type TEXT,                    -- the last attempt's error (shown once failed)
    last_error_message TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    lease_owner TEXT,
    lease_until REAL,
    result_name TEXT,                        -- a file name inside results/, set on success
    result_media TEXT,
    info TEXT,                               -- JSON the task returned (seed, chosen styles...)
    idem_key TEXT UNIQUE,
    idem_hash TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state_created ON jobs(state, created);
CREATE TABLE IF NOT EXISTS job_events (      -- an audit trail: claims, finishes, retries
    job_id TEXT NOT NULL, at REAL NOT NULL, kind TEXT NOT NULL, attempt INTEGER, owner TEXT
);
CREATE INDEX IF NOT EXISTS job_events_job ON job_events(job_id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# columns added since the first schema: (name, declaration) added to an older queue file at open
ADDED_COLUMNS = (("step", "INTEGER"), ("steps", "INTEGER"),
                 ("interrupt", "INTEGER NOT NULL DEFAULT 0"))


def valid_id(job_id: str) -> bool:
    return isinstance(job_id, str) and _ID.fullmatch(job_id) is not None


def new_id() -> str:
    return uuid.uuid4().hex


class Store:
    """One connection to the queue. Thread-safe (one lock); open one per process."""

    def __init__(self, db_path: Path, *, max_attempts: int = 3):
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_attempts = max_attempts
        self._lock = threading.RLock()  # serialises this process's writes (one connection)
        self._readers = threading.local()  # reads use one connection per thread: with WAL they
        self._all: list[sqlite3.Connection] = []  # never wait for a writer's lock or fsync
        self._db = self._connect()
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._lock:
            self._db.executescript(SCHEMA)
            have = {r["name"] for r in self._db.execute("PRAGMA table_info(jobs)")}
            for name, decl in ADDED_COLUMNS:
                if name not in have:
                    self._db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {decl}")

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE itself
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=30000")
        self._all.append(db)
        return db

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                db.close()
            self._all.clear()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding SQLite's write lock from its first statement."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _read(self, sql: str, args: tuple = ()) -> list[dict]:
        db = getattr(self._readers, "db", None)
        if db is None:
            with self._lock:
                db = self._readers.db = self._connect()
        return [dict(r) for r in db.execute(sql, args).fetchall()]

    @staticmethod
    def _event(db, job_id: str, kind: str, attempt: int | None = None, owner: str | None = None):
        db.execute("INSERT INTO job_events VALUES (?, ?, ?, ?, ?)",
                   (job_id, time.time(), kind, attempt, owner))

    # --- the API's side -----------------------------------------------------------------------

    def submit(self, job_id: str, task: str, params: dict, inputs: list[dict], *,
               source: str = "v1", idem_key: str | None = None, idem_hash: str | None = None,
               queue_limit: int = 1 << 30, retry_after_s: int = 5) -> tuple[dict, bool]:
        """Queue a job. Returns ``(job, created)``; ``created`` is False when ``idem_key`` named an
        identical earlier request (that job is returned). :class:`Conflict` when the key was used
        for a different request; :class:`QueueFull` past ``queue_limit`` queued jobs."""
        with self._tx() as db:
            if idem_key is not None:
                row = db.execute("SELECT * FROM jobs WHERE idem_key = ?", (idem_key,)).fetchone()
                if row is not None:
                    if row["idem_hash"] != idem_hash:
                        raise Conflict(f"Idempotency-Key {idem_key!r} was used for a different "
                                       f"request (job {row['id']}); use a new key")
                    return dict(row), False
            (queued,) = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetchone()
            if queued >= queue_limit:
                raise QueueFull(f"the queue is full ({queued} jobs waiting); retry later",
                                headers={"Retry-After": str(retry_after_s)})
            db.execute(
                "INSERT INTO jobs (id, state, task, source, params, inputs, created, idem_key, "
                "idem_hash) VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                (job_id, task, source, json.dumps(params), json.dumps(inputs), time.time(),
                 idem_key, idem_hash))
            self._event(db, job_id, "queued")
            return dict(db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()), True

    def get(self, job_id: str) -> dict | None:
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def list(self, state: str | None = None, limit: int = 50, source: str | None = None,
             hide_source: str | None = None) -> list[dict]:
        where, args = [], []
        if state is not None:
            where.append("state = ?")
            args.append(state)
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if hide_source is not None:
            where.append("source != ?")
            args.append(hide_source)
        sql = "SELECT * FROM jobs" + (" WHERE " + " AND ".join(where) if where else "")
        return self._read(sql + " ORDER BY created DESC, rowid DESC LIMIT ?", (*args, limit))

    def counts(self) -> dict[str, int]:
        rows = self._read("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
        return {s: 0 for s in STATES} | {r["state"]: r["n"] for r in rows}

    def events(self, job_id: str) -> list[dict]:
        return self._read("SELECT * FROM job_events WHERE job_id = ? ORDER BY at, rowid", (job_id,))

    def cancel(self, job_id: str) -> dict | None:
        """Cancel a queued or running job; a finished one is left as it is (idempotent)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET state = 'cancelled', finished = ?, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ? AND state IN ('queued', 'running')",
                (time.time(), job_id))
            if cur.rowcount:
                self._event(db, job_id, "cancelled")
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return dict(row) if row else None

    def interrupt(self, job_id: str) -> bool:
        """Ask a running job to finish now with what it has (AUTOMATIC1111's interrupt): its
        worker stops sampling at the next step and publishes the picture as it stands."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET interrupt = 1 WHERE id = ? AND state = 'running'",
                             (job_id,))
            if cur.rowcount:
                self._event(db, job_id, "interrupt")
            return cur.rowcount == 1

    def interrupt_requested(self, job_id: str) -> bool:
        rows = self._read("SELECT interrupt FROM jobs WHERE id = ?", (job_id,))
        return bool(rows and rows[0]["interrupt"])

    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, json.dumps(value)))

    # --- the workers' side --------------------------------------------------------------------

    def claim(self, owner: str, lease_s: float) -> dict | None:
        """Take the oldest queued job, or a running one whose lease has expired; the gallery's
        style previews (source 'preview') wait behind every other job: a first visit opens the
        gallery, which asks for ~30 previews, and the visitor's own painting must not queue
        behind them."""
        now = time.time()
        if not self._read("SELECT 1 FROM jobs WHERE state = 'queued' OR (state = 'running' AND "
                          "lease_until < ? AND attempts < ?) LIMIT 1", (now, self.max_attempts)):
            return None  # idle workers ask often: a read never takes the write lock
        with self._tx() as db:
            row = db.execute(
                "UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, "
                "attempts = attempts + 1, started = COALESCE(started, ?), progress = 0 "
                "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' "
                "AND lease_until < ? AND attempts < ?) ORDER BY source = 'preview', created, "
                "rowid LIMIT 1) "
                "RETURNING *",
                (owner, now + lease_s, now, now, self.max_attempts)).fetchone()
            if row is not None:
                self._event(db, row["id"], "claimed", row["attempts"], owner)
        return dict(row) if row else None

    def heartbeat(self, job_id: str, owner: str, lease_s: float, progress: float | None = None,
                  step: int | None = None, steps: int | None = None) -> bool:
        """Renew the lease (and record progress, and the sampling step of how many). False when
        the job is no longer this worker's: cancelled, or its lease expired and another worker
        took it."""
        with self._tx() as db:
            if progress is None:
                cur = db.execute("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? "
                                 "AND state = 'running'", (time.time() + lease_s, job_id, owner))
            else:
                cur = db.execute("UPDATE jobs SET lease_until = ?, progress = ?, "
                                 "step = COALESCE(?, step), steps = COALESCE(?, steps) WHERE id = ? "
                                 "AND lease_owner = ? AND state = 'running'",
                                 (time.time() + lease_s, min(max(progress, 0.0), 1.0), step, steps,
                                  job_id, owner))
            return cur.rowcount == 1

    def finish(self, job_id: str, owner: str, tmp: Path, final: Path, media: str, info: dict) -> bool:
        """Publish a result: rename ``tmp`` to ``final`` and mark the job succeeded, both under the
        write lock and only while ``owner`` holds the lease. False (and ``tmp`` removed) otherwise."""
        with self._tx() as db:
            row = db.execute("SELECT state, lease_owner, attempts FROM jobs WHERE id = ?",
                             (job_id,)).fetchone()
            if row is None or row["state"] != "running" or row["lease_owner"] != owner:
                tmp.unlink(missing_ok=True)
                return False
            os.replace(tmp, final)  # same name on every attempt: a re-run never leaves two outputs
            db.execute("UPDATE jobs SET state = 'succeeded', progress = 1, finished = ?, "
                       "result_name = ?, result_media = ?, info = ?, lease_owner = NULL, "
                       "lease_until = NULL WHERE id = ?",
                       (time.time(), final.name, media, json.dumps(info), job_id))
            self._event(db, job_id, "succeeded", row["attempts"], owner)
        return True

    def fail(self, job_id: str, owner: str, error_type: str, message: str, *, retry: bool) -> bool:
        """End an attempt with an error. ``retry`` (an unexpected crash) queues the job again while
        attempts remain; bad input fails it at once. False when the lease was no longer ours."""
        with self._tx() as db:
            row = db.execute("SELECT state, lease_owner, attempts FROM jobs WHERE id = ?",
                             (job_id,)).fetchone()
            if row is None or row["state"] != "running" or row["lease_owner"] != owner:
                return False
            again = retry and row["attempts"] < self.max_attempts
            db.execute("UPDATE jobs SET state = ?, finished = ?, last_error_type = ?, "
                       "last_error_message = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                       ("queued" if again else "failed", None if again else time.time(),
                        error_type, message, job_id))
            self._event(db, job_id, "retry" if again else "failed", row["attempts"], owner)
        return True

    def release(self, job_id: str, owner: str) -> bool:
        """A worker asked to stop gives its job back; the interrupted attempt is not counted."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), "
                             "lease_owner = NULL, lease_until = NULL WHERE id = ? AND "
                             "lease_owner = ? AND state = 'running'", (job_id, owner))
            if cur.rowcount:
                self._event(db, job_id, "released", None, owner)
            return cur.rowcount == 1

    # --- the supervisor's side ----------------------------------------------------------------

    def expire_owner(self, owner: str) -> int:
        """The worker ``owner`` is known to be dead: its lease ends now (its job runs again)."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET lease_until = 0 WHERE lease_owner = ? AND "
                             "state = 'running'", (owner,))
            return cur.rowcount

    def recover(self) -> int:
        """At start-up (one server per data folder): no worker of the previous run is alive, so
        every job left running had its lease cut short. They run again."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET lease_until = 0 WHERE state = 'running'")
            return cur.rowcount

    def fail_exhausted(self) -> list[str]:
        """Jobs whose lease expired on their last attempt fail with the last error (no hot loop)."""
        now = time.time()
        if not self._read("SELECT 1 FROM jobs WHERE state = 'running' AND lease_until < ? AND "
                          "attempts >= ? LIMIT 1", (now, self.max_attempts)):
            return []  # checked often by the supervisor: read first, write only when needed
        with self._tx() as db:
            rows = db.execute(
                "UPDATE jobs SET state = 'failed', finished = ?, lease_owner = NULL, "
                "lease_until = NULL, last_error_type = COALESCE(last_error_type, 'WorkerLost'), "
                "last_error_message = COALESCE(last_error_message, 'the worker running this job "
                "stopped (killed, out of memory or crashed) on each of ' || attempts || "
                "' attempts') WHERE state = 'running' AND lease_until < ? AND attempts >= ? "
                "RETURNING id, attempts", (now, now, self.max_attempts)).fetchall()
            for r in rows:
                self._event(db, r["id"], "failed", r["attempts"])
        return [r["id"] for r in rows]

    def purge(self, older_than_s: float) -> list[dict]:
        """Forget finished jobs older than ``older_than_s``; returns them (to delete their files)."""
        cutoff = time.time() - older_than_s
        with self._tx() as db:
            rows = db.execute("DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') "
                              "AND finished < ? RETURNING id, result_name", (cutoff,)).fetchall()
            db.executemany("DELETE FROM job_events WHERE job_id = ?", [(r["id"],) for r in rows])
        return [dict(r) for r in rows]
