"""The queue's end states are final: a finished job is never cancelled, re-run or re-finished."""

from __future__ import annotations

import pytest

from painterly.service.store import Store, new_id


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "q.sqlite3", max_attempts=3)
    yield s
    s.close()


def _finished(store, tmp_path) -> str:
    job = new_id()
    store.submit(job, "stylize", {"style": "oil"}, [])
    assert store.claim("w", lease_s=30)["id"] == job
    tmp = tmp_path / f".{job}.tmp"
    tmp.write_bytes(b"png")
    assert store.finish(job, "w", tmp, tmp_path / f"{job}.png", "image/png", {})
    return job


def test_cancelling_a_finished_job_leaves_it_finished(store, tmp_path):
    job = _finished(store, tmp_path)
    before = store.get(job)
    after = store.cancel(job)
    assert after["state"] == "succeeded" and after["finished"] == before["finished"]
    assert after["result_name"] == before["result_name"]
    assert [e["kind"] for e in store.events(job)] == ["queued", "claimed", "succeeded"]


def test_a_finished_job_is_not_claimed_again(store, tmp_path):
    job = _finished(store, tmp_path)
    store.recover()  # a restart: only jobs left running run again
    assert store.claim("w2", lease_s=30) is None
    assert store.get(job)["state"] == "succeeded" and store.get(job)["attempts"] == 1
