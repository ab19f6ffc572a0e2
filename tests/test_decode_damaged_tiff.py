"""TIFFs whose SamplesPerPixel is absurd, like two files of Pillow's own test suite
(``Tests/images/libtiff_segfault.tif``: 65535; ``oom-225817ca0f8c663be7ab4b9e717b02c661e66834.tif``:
303169682), built here. Pillow refuses them and *logs* "More samples per pixel than can be
decoded: N" at ERROR; with no logging configured, Python's last-resort handler printed that on
stderr before painterly's own line. Nothing but painterly's line may reach stderr, on every path.
"""

from __future__ import annotations

import base64
import io
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import painterly
from painterly.errors import InputError
from painterly.io import load_image


def tiff_samples_per_pixel(count: int) -> bytes:
    """A small RGB TIFF whose SamplesPerPixel tag (277) says ``count`` (a LONG past 65535)."""
    buf = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buf, format="TIFF")
    data = bytearray(buf.getvalue())
    assert data[:2] == b"II"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * i
        if struct.unpack_from("<H", data, at)[0] == 277:
            struct.pack_into("<HHII", data, at, 277, 4 if count > 0xFFFF else 3, 1, count)
            return bytes(data)
    raise AssertionError("no SamplesPerPixel tag")


CASES = {"spp65535.tif": 65535, "spp303169682.tif": 303169682}


@pytest.fixture
def damaged(tmp_path) -> Path:
    for name, count in CASES.items():
        (tmp_path / name).write_bytes(tiff_samples_per_pixel(count))
    return tmp_path


def _python(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter: pytest's own logging handlers would hide the last-resort handler."""
    env = dict(os.environ)
    src = str(Path(painterly.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_load_image_refuses_them_and_prints_nothing(damaged):
    for name in CASES:
        with pytest.raises(InputError, match=name):
            load_image(damaged / name)
    code = ("import sys\nfrom painterly.io import load_image\nfor p in sys.argv[1:]:\n"
            "    for src in (p, open(p, 'rb').read()):\n"
            "        try:\n            load_image(src)\n        except ValueError:\n"
            "            pass\n        else:\n            raise SystemExit('read')\n")
    r = _python(code, *CASES, cwd=damaged)
    assert r.returncode == 0 and r.stderr == "" and r.stdout == "", r.stderr


def test_pillow_still_logs_it_outside_painterly(damaged, caplog):
    """The premise: Pillow itself logs the refusal (if it stops, this test says so)."""
    with pytest.raises(Exception):  # noqa: B017 - Pillow's own type
        Image.open(damaged / "spp65535.tif")
    assert any("More samples per pixel" in r.getMessage() for r in caplog.records)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    src = str(Path(painterly.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "painterly", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", list(CASES))
def test_cli_prints_one_line(damaged, name):
    r = _cli("stylize", name, "-s", "pencil", "-o", "out.png", cwd=damaged)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"painterly: error: {name}:"), r.stderr
    assert "More samples" not in r.stderr


def test_service_upload_and_a1111_print_nothing(damaged, tmp_path):
    """The server in its own process: what reaches its stderr while it refuses them."""
    pytest.importorskip("fastapi")
    httpx = pytest.importorskip("httpx")
    from _service import Server

    server = Server(tmp_path / "svc", workers=1).start(timeout=120)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            for name in CASES:
                data = (damaged / name).read_bytes()
                r = c.post("/v1/jobs", files={"params": (None, "{}"), "image": (name, data)})
                assert r.status_code in (415, 422) and r.json()["error"]["type"] != "InternalError"
                b64 = base64.b64encode(data).decode()
                r = c.post("/sdapi/v1/png-info", json={"image": b64})
                assert r.status_code in (415, 422), r.text
                r = c.post("/sdapi/v1/img2img", json={"init_images": [b64], "styles": ["oil"]})
                assert r.status_code in (415, 422), r.text
    finally:
        server.stop()
    err = server.proc.stderr.read().decode()
    assert "More samples" not in err and "Traceback" not in err, err
