"""The studio's routes on the service app, without a browser: the page and its files, the live
WebSocket, and the speech route."""

from __future__ import annotations

import io
import json
import re
import wave

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from painterly.io import encode_image, load_image, resize_max
from painterly.live.protocol import pack_frame, unpack_painted
from painterly.service.app import create_app
from painterly.service.config import ServiceConfig
from painterly.studio import STATIC

TEST_IDS = ("photo-input", "style-option", "paint-button", "result-image", "progress", "error")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(ServiceConfig(data_dir=tmp_path_factory.mktemp("svc"), workers=1),
                     start_workers=False)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def test_page_and_files_are_served(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for tid in ("photo-input", "paint-button", "result-image", "progress", "error"):
        assert f'data-testid="{tid}"' in page
    # style options are made from the catalogue by the script, with the same test id
    assert '"data-testid", "style-option"' in (STATIC / "studio.js").read_text()
    for path in re.findall(r'(?:src|href)="(/studio/[^"]+)"', page):
        assert client.get(path).status_code == 200, path
    assert client.get("/studio/../app.py").status_code == 404


def test_nothing_is_loaded_from_the_internet():
    for f in STATIC.iterdir():
        text = f.read_text(encoding="utf-8")
        # no absolute URLs at all, except the SVG namespace
        urls = [u for u in re.findall(r"https?://[^\s\"')]+", text) if "www.w3.org" not in u]
        assert not urls, (f.name, urls)


def test_every_control_has_a_label():
    page = (STATIC / "index.html").read_text()
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
    assert len(ids) >= 10
    wrapping = re.findall(r"<label\b.*?</label>", page, re.S)
    for i in ids:
        labelled = f'for="{i}"' in page or any(f'id="{i}"' in block for block in wrapping)
        assert labelled, f"control #{i} has no label"


@pytest.fixture(scope="module")
def frame(chelsea) -> bytes:
    return encode_image(resize_max(chelsea, 128), "JPEG")


def test_live_socket_paints_frames(client, frame):
    with client.websocket_connect("ws://127.0.0.1/v1/live") as ws:
        ws.send_text(json.dumps({"style": "pencil", "stabilize": True}))
        ready = json.loads(ws.receive_text())
        assert ready["type"] == "ready" and ready["settings"]["style"] == "pencil"
        for fid in (5, 6):
            ws.send_bytes(pack_frame(fid, frame))
            got, us, jpeg = unpack_painted(ws.receive_bytes())
            assert got == fid and us > 0
            out = load_image(jpeg)
            assert out.shape == (85, 128, 3)
            assert np.abs(out - load_image(frame)).mean() > 0.05  # painted, not echoed


def test_live_socket_reports_bad_settings_and_frames(client, frame):
    with client.websocket_connect("ws://127.0.0.1/v1/live") as ws:
        ws.send_text(json.dumps({"style": "no-such-style"}))
        msg = json.loads(ws.receive_text())
        assert msg["type"] == "error" and msg["error"]["type"] == "UnknownStyleError"
        assert "pencil" in msg["error"]["message"]  # it lists the valid names
        ws.send_bytes(pack_frame(1, b"garbage bytes"))
        msg = json.loads(ws.receive_text())
        assert msg["type"] == "error" and "image" in msg["error"]["message"]
        ws.send_bytes(pack_frame(2, frame))  # the stream goes on after a bad frame
        assert unpack_painted(ws.receive_bytes())[0] == 2


def _wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def test_speech_route(client):
    pytest.importorskip("pocketsphinx")
    pytest.importorskip("soundfile")
    r = client.post("/v1/speech", files={"audio": ("a.wav", _wav(np.zeros(16000)), "audio/wav")})
    assert r.status_code == 200 and r.json() == {"text": ""}
    r = client.post("/v1/speech", files={"audio": ("a.wav", b"RIFF not really", "audio/wav")})
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"]
    r = client.post("/v1/speech", files={"audio": ("a.wav", b"", "audio/wav")})
    assert r.status_code == 422 and "empty" in r.json()["error"]["message"]
