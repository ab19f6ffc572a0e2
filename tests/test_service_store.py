"""The SQLite job queue on its own: leases, heartbeats, attempts, exactly-once finishing."""

from __future__ import annotations

import time

import pytest

from painterly.service.errors import Conflict, QueueFull
from painterly.service.store import Store, new_id, valid_id


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "q.sqlite3", max_attempts=3)
    yield s
    s.close()


def _submit(store, **kw):
    job_id = new_id()
    _row, created = store.submit(job_id, "stylize", {"style": "oil"}, [], **kw)
    assert created
    return job_id


def _result(tmp_path, job_id, text=b"png"):
    tmp = tmp_path / f".{job_id}.tmp"
    tmp.write_bytes(text)
    return tmp, tmp_path / f"{job_id}.png"


def test_ids_are_validated():
    assert valid_id(new_id())
    for bad in ("..", "../etc/passwd", "a" * 5000, "%2e%2e", "\0", "ABCDEF" * 6, new_id()[:-1] + "/"):
        assert not valid_id(bad)


def test_pragmas_durable(store):
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_claim_is_fifo_and_exclusive(store, tmp_path):
    a, b = _submit(store), _submit(store)
    other = Store(tmp_path / "q.sqlite3")  # a second process's connection
    j1 = store.claim("w1", lease_s=30)
    j2 = other.claim("w2", lease_s=30)
    assert (j1["id"], j2["id"]) == (a, b)
    assert store.claim("w3", lease_s=30) is None  # both leased
    assert j1["attempts"] == 1 and j1["state"] == "running"
    other.close()


def test_expired_lease_runs_again_and_finishes_exactly_once(store, tmp_path):
    job = _submit(store)
    assert store.claim("dead", lease_s=0.05)["id"] == job
    time.sleep(0.1)  # "dead" stopped renewing
    again = store.claim("alive", lease_s=30)
    assert again["id"] == job and again["attempts"] == 2
    assert not store.heartbeat(job, "dead", 30)  # the old owner learns it lost the job
    tmp, final = _result(tmp_path, job, b"late")
    assert not store.finish(job, "dead", tmp, final, "image/png", {})  # ...and cannot publish
    assert not tmp.exists() and not final.exists()
    tmp, final = _result(tmp_path, job, b"good")
    assert store.finish(job, "alive", tmp, final, "image/png", {"seed": 1})
    assert final.read_bytes() == b"good"
    assert not store.finish(job, "alive", *_result(tmp_path, job), "image/png", {})
    row = store.get(job)
    assert row["state"] == "succeeded" and row["progress"] == 1
    kinds = [e["kind"] for e in store.events(job)]
    assert kinds.count("succeeded") == 1 and kinds.count("claimed") == 2


def test_heartbeat_keeps_the_lease(store):
    job = _submit(store)
    store.claim("w", lease_s=0.3)
    for _ in range(4):
        time.sleep(0.1)
        assert store.heartbeat(job, "w", 0.3, progress=0.5)
    assert store.claim("thief", lease_s=30) is None
    assert store.get(job)["progress"] == 0.5


def test_attempts_are_bounded_with_the_last_error(store):
    job = _submit(store)
    for i in range(3):
        assert store.claim(f"w{i}", lease_s=0.01)["attempts"] == i + 1
        time.sleep(0.03)
    assert store.claim("w4", lease_s=30) is None  # no fourth attempt: no hot loop
    assert store.fail_exhausted() == [job]
    row = store.get(job)
    assert row["state"] == "failed" and row["last_error_type"] == "WorkerLost"
    assert "3 attempts" in row["last_error_message"]


def test_crash_is_retried_then_fails_with_last_error(store):
    job = _submit(store)
    for i in range(3):
        store.claim("w", lease_s=30)
        assert store.fail(job, "w", "InternalError", f"boom {i}", retry=True)
        assert store.get(job)["state"] == ("queued" if i < 2 else "failed")
    assert store.get(job)["last_error_message"] == "boom 2"
    bad = _submit(store)
    store.claim("w", lease_s=30)
    store.fail(bad, "w", "InputError", "bad input", retry=False)
    assert store.get(bad)["state"] == "failed" and store.get(bad)["attempts"] == 1


def test_cancel_is_idempotent_and_beats_the_worker(store, tmp_path):
    job = _submit(store)
    store.claim("w", lease_s=30)
    assert store.cancel(job)["state"] == "cancelled"
    finished = store.get(job)["finished"]
    assert store.cancel(job)["finished"] == finished  # twice: same answer
    assert not store.heartbeat(job, "w", 30)
    assert not store.finish(job, "w", *_result(tmp_path, job), "image/png", {})
    assert store.get(job)["state"] == "cancelled"


def test_release_and_recover(store):
    job = _submit(store)
    store.claim("w", lease_s=300)
    assert store.release(job, "w")
    row = store.get(job)
    assert row["state"] == "queued" and row["attempts"] == 0
    store.claim("w", lease_s=300)
    assert store.claim("w2", lease_s=300) is None
    assert store.recover() == 1  # a restarted server: the old worker is gone
    assert store.claim("w2", lease_s=300)["id"] == job


def test_idempotency_key(store):
    row1, created1 = store.submit(new_id(), "stylize", {}, [], idem_key="k", idem_hash="h1")
    row2, created2 = store.submit(new_id(), "stylize", {}, [], idem_key="k", idem_hash="h1")
    assert created1 and not created2 and row1["id"] == row2["id"]
    with pytest.raises(Conflict, match="different request"):
        store.submit(new_id(), "stylize", {}, [], idem_key="k", idem_hash="h2")


def test_queue_limit(store):
    for _ in range(2):
        _submit(store, queue_limit=2)
    with pytest.raises(QueueFull) as e:
        _submit(store, queue_limit=2)
    assert e.value.status == 429 and int(e.value.headers["Retry-After"]) > 0
    store.claim("w", lease_s=30)  # a running job frees a place in the queue
    _submit(store, queue_limit=2)


def test_purge_forgets_old_finished_jobs(store, tmp_path):
    job = _submit(store)
    store.claim("w", lease_s=30)
    store.finish(job, "w", *_result(tmp_path, job), "image/png", {})
    waiting = _submit(store)
    assert store.purge(older_than_s=3600) == []
    gone = store.purge(older_than_s=0)
    assert [g["id"] for g in gone] == [job] and store.get(job) is None
    assert store.get(waiting)["state"] == "queued"
