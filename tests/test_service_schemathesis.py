"""schemathesis over the whole OpenAPI document of a live ``painterly serve``, every check
(``--checks all``), without and then with a token, a bounded number of examples per operation.

The deviations (file contents a schema cannot describe, the A1111 routes' loose models, DELETE
that cancels) are in ``tests/schemathesis/schemathesis.toml``, each with its reason. Both runs
share one data folder, so the style previews painted in the first are files in the second.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")
from _service import Server

HERE = Path(__file__).parent
TOKEN = "schemathesis-token"
EXAMPLES = 5  # per operation and phase: the run stays within a few minutes on two cores


def _st() -> str:
    found = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    if not Path(found).exists():
        pytest.skip("the schemathesis command line (st) is not installed")
    return found


def _run(server: Server, tmp: Path, *extra: str) -> dict:
    report = tmp / f"report-{len(list(tmp.glob('report-*')))}.json"
    cmd = [_st(), "--config-file", str(HERE / "schemathesis" / "schemathesis.toml"), "run",
           f"{server.url}/openapi.json", "--checks", "all", "--exclude-checks", "use_after_free",
           "-n", str(EXAMPLES), "--seed", "21", "--no-shrink", "--workers", "1",
           "--request-timeout", "120", "--max-response-time", "120",
           "--report", "ndjson", "--report-ndjson-path", str(report), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert "failure" not in r.stdout.splitlines()[-1], r.stdout[-3000:]
    return _summary(r.stdout)


def _summary(text: str) -> dict:
    import re

    out = {}
    m = re.search(r"Tested: (\d+)", text)
    out["operations"] = int(m.group(1)) if m else None
    m = re.search(r"(\d+) generated, (\d+) passed", text)
    out["cases"] = int(m.group(1)) if m else None
    out["failures"] = 0 if m and m.group(1) == m.group(2) else None
    return out


def test_schemathesis_finds_nothing_with_and_without_the_token(tmp_path):
    data = tmp_path / "data"
    results = {}
    server = Server(data, workers=1).start(timeout=120)
    try:
        results["no token"] = _run(server, tmp_path)
    finally:
        server.stop()
    server = Server(data, "--token", TOKEN, workers=1).start_with(TOKEN)
    try:
        results["token"] = _run(server, tmp_path, "-H", f"Authorization: Bearer {TOKEN}")
    finally:
        server.stop()
    for name, got in results.items():
        assert got["operations"] and got["operations"] >= 20, (name, got)
        assert got["cases"] and got["cases"] > 500, (name, got)
    print("schemathesis:", json.dumps(results))  # for benchmarks/RESULTS.md (pytest -s)
