"""`painterly serve --ray`: the service's workers as Ray actors, the SQLite queue on this node."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
ray = pytest.importorskip("ray")

from _service import png, submit, wait_for  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from painterly.io import load_image  # noqa: E402
from painterly.service.app import create_app  # noqa: E402
from painterly.service.config import ServiceConfig  # noqa: E402


@pytest.fixture(scope="module")
def actor_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("actor-tmp")


@pytest.fixture(scope="module")
def ray_session(actor_tmp):
    # The actors' temporary folder is the test's own (TMPDIR, inherited by every actor's
    # runtime_env): what an actor SIGKILLed by a test leaves behind stays out of the system's.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"TMPDIR": str(actor_tmp)}})
    yield
    ray.shutdown()


def _client(tmp_path, **kw):
    config = ServiceConfig(data_dir=tmp_path / "data", workers=1, ray_address="local",
                           test_hooks=True, lease_s=6, heartbeat_s=0.5, **kw)
    return TestClient(create_app(config), base_url="http://127.0.0.1:7860")


def _painter_pids():
    """This test's Ray actor processes: descendants of this process (ray.init started Ray
    here), never those of another test run on the same machine."""
    psutil = pytest.importorskip("psutil")
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if any("RayPainter" in part for part in p.cmdline()):
                found.append(p)
        except psutil.Error:  # ended meanwhile
            continue
    return found


def test_jobs_run_on_ray_actors(ray_session, actor_tmp, tmp_path):
    with _client(tmp_path) as c:
        deadline = time.monotonic() + 60
        while c.get("/health").json()["workers"] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        ok = submit(c, {"task": "stylize", "style": "oil", "seed": 2}, png()).json()
        done = wait_for(c, ok["id"], timeout=120)
        assert done["state"] == "succeeded" and done["attempts"] == 1
        r = c.get(f"/v1/jobs/{ok['id']}/result")
        assert r.status_code == 200 and load_image(r.content).shape == (32, 48, 3)
        assert _painter_pids(), "the job did not run in a Ray actor"
        assert len(list(actor_tmp.glob("painterly-actor-*"))) == 1  # the actor's working folder
    time.sleep(1)
    assert not _painter_pids()  # the server's stop ends its actors
    # and they remove their folders, the jobs' inside (onnxruntime may leave its own ".ses" file)
    assert not list(actor_tmp.glob("painterly-*"))


def test_a_dead_actor_costs_one_attempt_and_the_job_runs_again(ray_session, tmp_path):
    with _client(tmp_path) as c:
        job = submit(c, {"task": "stylize", "style": "pencil", "seed": 1, "_test_sleep": 3.0},
                     png()).json()
        wait_for(c, job["id"], states=("running",), timeout=120)
        deadline = time.monotonic() + 60
        while not (workers := _painter_pids()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the actor has the job
        for p in workers:
            p.kill()
        done = wait_for(c, job["id"], timeout=120)
        assert done["state"] == "succeeded" and done["attempts"] == 2
        assert c.get(f"/v1/jobs/{job['id']}/result").status_code == 200
        assert c.app.state.supervisor.replaced == 1
        results = sorted(p.name for p in (tmp_path / "data" / "results").iterdir())
        assert results == [f"{job['id']}.png"]  # one output, no temporary left behind
