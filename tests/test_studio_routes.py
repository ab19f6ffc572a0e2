"""The studio's routes on the service app, without a browser: the page and its files, the live
WebSocket, and the speech route."""

from __future__ import annotations

import io
import json
import re
import time
import wave

import numpy as np
import pytest

pytest.importorskip("fastapi")
from _service import png, submit, wait_for
from fastapi.testclient import TestClient
from PIL import Image

from painterly.io import encode_image, load_image, resize_max
from painterly.live.protocol import pack_frame, unpack_painted
from painterly.service.app import create_app
from painterly.service.config import ServiceConfig
from painterly.service.jobs import upload_name
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
    assert '"data-testid", "style-option"' in (STATIC / "gallery.js").read_text()
    for path in re.findall(r'(?:src|href)="(/studio/[^"]+)"', page):
        assert client.get(path).status_code == 200, path
    # every module the entry point imports is served, as JavaScript
    for name in re.findall(r'from "\./([\w-]+\.js)"', (STATIC / "main.js").read_text()):
        r = client.get(f"/studio/{name}")
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], name
    assert client.get("/studio/../app.py").status_code == 404


def test_no_inline_script_or_style():
    """Everything runs under a strict Content-Security-Policy: scripts are files, no inline
    handlers (onclick=...), no style attributes in the page, none set as attributes by a script
    (styles change through CSS classes and custom properties)."""
    page = (STATIC / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\son[a-z]+\s*=", page)
    assert not re.search(r"\sstyle\s*=", page)
    for f in STATIC.glob("*.js"):
        text = f.read_text()
        assert not re.search(r"setAttribute\(\s*[\"']style|\.innerHTML\s*=|\bon[a-z]+=\\?[\"']", text), f.name


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
            if fid == 5:  # the painted size comes first (the frame's own: a small frame keeps up)
                size = json.loads(ws.receive_text())
                assert size == {"type": "size", "width": 128, "height": 85, "max_side": 384,
                                "auto": True}
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
        assert json.loads(ws.receive_text())["type"] == "size"
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


# --- the studio's service routes, with one real worker ----------------------------------------

@pytest.fixture(scope="module")
def working(tmp_path_factory):
    config = ServiceConfig(data_dir=tmp_path_factory.mktemp("svc-w"), workers=1, poll_s=0.02)
    with TestClient(create_app(config), base_url="http://127.0.0.1") as c:
        c.config = config
        yield c


def test_jobs_report_progress_before_they_finish(working):
    """The stages and a neural style's steps reach the job (and so its events), not just 0 and 1."""
    job = submit(working, {"style": "starry-swirls", "max_size": 256}, png(320, 240, seed=5)).json()
    seen = set()
    while True:
        now = working.get(f"/v1/jobs/{job['id']}").json()
        if now["state"] in ("succeeded", "failed"):
            break
        if now["state"] == "running":
            seen.add(now["progress"])
        time.sleep(0.01)
    assert now["state"] == "succeeded", now
    assert any(0 < p < 1 for p in seen), seen


def test_the_style_painting_is_named_and_previews_are_not_listed(working):
    photo, painting = png(64, 48, seed=6), png(64, 64, seed=7)
    r = working.post("/v1/jobs", files={"params": (None, "{}"),
                                        "image": ("me.png", photo, "image/png"),
                                        "style_image": ("C:\\art\\Starry Night.png", painting, "image/png")})
    done = wait_for(working, r.json()["id"])
    assert done["info"]["style"] == "style_image"
    assert done["info"]["style_image_name"] == "Starry Night.png"  # its name, never its path
    # a job of the gallery's previews: the server's own, not listed among the paintings
    service = working.app.state.service
    row, _ = service.submit({"style": "pencil"}, {"image": [png(32, 32)]}, source="preview")
    listed = [j["id"] for j in working.get("/v1/jobs?limit=500").json()["jobs"]]
    assert r.json()["id"] in listed and row["id"] not in listed
    assert working.get(f"/v1/jobs/{row['id']}").status_code == 200  # still a job by its id


def test_upload_names_are_cleaned():
    assert upload_name(["../../x/y.png"]) == "y.png"
    assert upload_name(["C:\\fakepath\\a b.jpg"]) == "a b.jpg"
    assert upload_name(["bad\x00name\n.png"]) == "badname.png"
    assert len(upload_name(["x" * 500])) == 100
    assert upload_name([]) is None and upload_name([None]) is None and upload_name([""]) is None


def test_thumbnail_is_a_small_webp(working):
    job = submit(working, {"style": "pencil"}, png(900, 600, seed=8)).json()
    wait_for(working, job["id"])
    r = working.get(f"/v1/jobs/{job['id']}/thumbnail")
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    assert "immutable" in r.headers["cache-control"]
    thumb = Image.open(io.BytesIO(r.content))
    assert thumb.format == "WEBP" and max(thumb.size) == 256 and thumb.size[0] > thumb.size[1]
    full = working.get(f"/v1/jobs/{job['id']}/result").content
    assert len(r.content) * 10 < len(full)
    assert working.get(f"/v1/jobs/{job['id']}/thumbnail").content == r.content  # kept, not redone
    bad = working.get("/v1/jobs/../../etc/thumbnail")
    assert bad.status_code == 404
    assert working.get(f"/v1/jobs/{'0' * 32}/thumbnail").status_code == 404
    # the data folder's purge removes the thumbnail with its job
    from painterly.service.supervisor import Supervisor

    path = working.config.data_dir / "thumbs" / f"{job['id']}.webp"
    assert path.is_file()
    store = working.app.state.service.store
    store._db.execute("UPDATE jobs SET finished = 0 WHERE id = ?", (job["id"],))
    Supervisor(working.config, store).purge()
    assert not path.exists()


def test_words_are_matched_before_paint(client):
    r = client.get("/v1/styles/match", params={"prompt": "a soft watercolor"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["styles"][0]["name"] == "watercolor" and body["matcher"] in ("meaning", "words")
    assert abs(sum(s["weight"] for s in body["styles"]) - 1) < 1e-3
    r = client.get("/v1/styles/match", params={"prompt": "水墨"})
    assert r.json()["styles"][0]["name"] in ("ink-wash", "ink-brush")
    r = client.get("/v1/styles/match", params={"prompt": "   "})
    assert r.status_code == 422 and "empty" in r.json()["error"]["message"]


def test_visitors_jobs_are_painted_before_the_gallery_previews(tmp_path):
    """A first visit asks for ~30 previews at once; a painting the visitor then asks for is
    claimed before them (the previews still run, in their own order)."""
    from painterly.service.store import Store

    store = Store(tmp_path / "q.sqlite3")
    for i in range(3):
        store.submit(f"{i:032x}", "stylize", {}, [], source="preview")
    store.submit("f" * 32, "stylize", {}, [], source="v1")
    order = [store.claim("w", 30.0)["id"] for _ in range(4)]
    assert order == ["f" * 32, f"{0:032x}", f"{1:032x}", f"{2:032x}"]
    store.close()
