"""Idempotency-Key: a retried request gets its first job back; a different request under the same
key is a 409. "The same request" is the same params (as JSON values, whatever their order or
spacing) and the same files (field and content)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from _service import png
from fastapi.testclient import TestClient

from painterly.service.app import create_app
from painterly.service.config import ServiceConfig
from painterly.service.jobs import request_hash


def test_the_request_hash_sees_values_not_their_spelling():
    files = {"image": [b"photo"]}
    same = request_hash({"style": "oil", "seed": 5}, files)
    assert request_hash({"seed": 5, "style": "oil"}, files) == same  # key order
    assert request_hash({"style": "oil", "seed": 6}, files) != same
    assert request_hash({"style": "oil", "seed": 5}, {"image": [b"photo!"]}) != same
    assert request_hash({"style": "oil", "seed": 5}, {"mask": [b"photo"]}) != same
    assert request_hash({"style": "oil", "seed": 5}, {}) != same


@pytest.fixture
def idle(tmp_path):
    """The API without workers: the jobs only need to be queued."""
    config = ServiceConfig(data_dir=tmp_path, workers=1, test_hooks=True)
    with TestClient(create_app(config, start_workers=False), base_url="http://127.0.0.1") as c:
        yield c


def _post(client, params_text: str, image: bytes, key: str):
    return client.post("/v1/jobs", headers={"Idempotency-Key": key},
                       files={"params": (None, params_text), "image": ("p.png", image, "image/png")})


def test_a_retry_spelled_differently_gets_the_first_job(idle):
    photo = png(seed=3)
    first = _post(idle, '{"style": "oil", "seed": 5}', photo, "retry-1")
    again = _post(idle, json.dumps({"seed": 5, "style": "oil"}, indent=2), photo, "retry-1")
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert len(idle.get("/v1/jobs").json()["jobs"]) == 1
    other = _post(idle, '{"style": "oil", "seed": 5}', png(seed=4), "retry-1")
    assert other.status_code == 409 and other.json()["error"]["type"] == "Conflict"
