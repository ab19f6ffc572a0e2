"""AUTOMATIC1111's own API tests (stable-diffusion-webui v1.10.1, ``test/``), unchanged, against a
``painterly serve`` that this test starts with a tiny random diffusion model as the checkpoint.

The suite is AGPL-3.0 and stays outside the project: it is run from ``../shared/testdata`` with
pytest-base-url's ``--base-url`` (its requirements-test.txt), the only thing a user of that suite
changes to point it at another server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("diffusers")
pytest.importorskip("pytest_base_url")  # the suite's own plugin: `pip install '.[test]'`
httpx = pytest.importorskip("httpx")

from _service import Server  # noqa: E402

SUITE = ("test_txt2img.py", "test_img2img.py", "test_utils.py", "test_extras.py")
EXPECTED = 29  # 12 txt2img, 4 img2img, 10 utils, 3 extras


@pytest.fixture(scope="module")
def a1111_suite(testdata):
    folder = testdata / "a1111-v1.10.1"
    if not (folder / "test" / "test_txt2img.py").is_file():
        pytest.skip(f"AUTOMATIC1111's test suite not found in {folder}")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from _tiny_sd import models_file

    models = models_file(tmp_path_factory.mktemp("models"))
    # no token: A1111's tests send none, and a server without one answers on loopback only
    srv = Server(tmp_path_factory.mktemp("conformance"), workers=1,
                 env={"PAINTERLY_MODELS_FILE": str(models)}).start(timeout=120)
    # what a user does once: choose the checkpoint (the suite itself never names one)
    r = httpx.post(srv.url + "/sdapi/v1/options", json={"sd_model_checkpoint": "tiny"}, timeout=30)
    assert r.status_code == 200, r.text
    yield srv
    srv.stop()


def test_automatic1111s_own_api_tests_pass_unchanged(a1111_suite, server, tmp_path):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # write nothing into the shared folder
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "--durations=10", "--rootdir", str(a1111_suite), "--base-url", server.url,
           *[f"test/{name}" for name in SUITE]]
    proc = subprocess.run(cmd, cwd=a1111_suite, env=env, capture_output=True, text=True,
                          timeout=1200)
    out = proc.stdout + proc.stderr
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error|errors)", out)}
    print(out[-6000:])
    assert counts.get("passed", 0) == EXPECTED and proc.returncode == 0, out[-6000:]
