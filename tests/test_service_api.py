"""painterly's own HTTP routes, in process (FastAPI's TestClient) with one real worker process."""

from __future__ import annotations

import io
import json
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from _service import png, submit, wait_for
from fastapi.testclient import TestClient

import painterly
from painterly.errors import InputError
from painterly.io import to_uint8
from painterly.service.app import create_app
from painterly.service.config import ServiceConfig

LOCAL = "http://127.0.0.1"


def config(path, **kw) -> ServiceConfig:
    base = dict(data_dir=path, workers=1, lease_s=3.0, heartbeat_s=0.5, poll_s=0.02, test_hooks=True)
    return ServiceConfig(**{**base, **kw})


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(config(tmp_path_factory.mktemp("svc")))
    with TestClient(app, base_url=LOCAL) as c:
        yield c


@pytest.fixture
def idle(tmp_path):
    """An app without workers: for checks that never need a job to run."""
    made = []

    def make(**kw):
        c = TestClient(create_app(config(tmp_path / f"d{len(made)}", **kw), start_workers=False),
                       base_url=kw.pop("base_url", LOCAL))
        c.__enter__()
        made.append(c)
        return c

    yield make
    for c in made:
        c.__exit__(None, None, None)


def _error(r, status, type_=None):
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert set(body) == {"type", "message"} and body["message"]
    if type_:
        assert body["type"] == type_, body
    return body


# --- jobs ---------------------------------------------------------------------------------------

def test_stylize_job_matches_the_library(client):
    photo = png(48, 32, seed=1)
    r = submit(client, {"task": "stylize", "style": "oil", "strength": 0.8, "seed": 1,
                        "watermark": False, "visible_label": False}, photo)
    assert r.status_code == 202
    job = r.json()
    assert job["state"] == "queued" and r.headers["location"] == f"/v1/jobs/{job['id']}"
    assert set(job) >= {"id", "state", "progress", "attempts", "error", "created", "started", "finished"}
    done = wait_for(client, job["id"])
    assert done["state"] == "succeeded" and done["progress"] == 1 and done["attempts"] == 1
    assert done["error"] is None and done["started"] and done["finished"]
    res = client.get(f"/v1/jobs/{job['id']}/result")
    assert res.status_code == 200 and res.headers["content-type"] == "image/png"
    served = np.asarray(Image.open(io.BytesIO(res.content)).convert("RGB"))
    direct = to_uint8(painterly.stylize(painterly.load_image(photo), "oil", strength=0.8, seed=1))
    assert served.shape == direct.shape == (32, 48, 3)
    assert np.array_equal(served, direct)


def test_results_carry_the_ai_label_watermark_and_visible_label(client):
    from painterly.provenance.readback import inspect
    from painterly.watermark import detect

    photo = png(320, 240, seed=3)
    plain = wait_for(client, submit(client, {"task": "stylize", "style": "oil", "seed": 2,
                                             "visible_label": False}, photo).json()["id"])
    job = wait_for(client, submit(client, {"task": "stylize", "style": "oil", "seed": 2},
                                  photo).json()["id"])
    assert job["state"] == plain["state"] == "succeeded"
    assert job["info"]["watermark"]["embedded"] is True and "subject" in job["info"]
    data = client.get(f"/v1/jobs/{job['id']}/result").content
    report = inspect(data)
    assert report["ai_label"]["Label"] == "1"
    assert report["provenance"]["technique"] == "stylize"
    img = painterly.load_image(data)
    mark = detect(img)
    assert mark.detected and mark.payload.hex() == job["info"]["watermark"]["payload"]
    # the visible label (on by default in the service) changes the bottom-right corner only
    unlabelled = painterly.load_image(client.get(f"/v1/jobs/{plain['id']}/result").content)
    diff = np.abs(img - unlabelled).max(axis=2) > 0.2
    assert diff[-40:, -160:].mean() > 0.05 and diff[:120, :120].mean() == 0


def test_result_has_no_input_metadata_and_honours_format(client):
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    Image.fromarray(np.full((24, 24, 3), 120, np.uint8)).save(buf, "JPEG", exif=exif)
    job = submit(client, {"style": "pencil", "format": "jpeg"}, buf.getvalue()).json()
    assert wait_for(client, job["id"])["state"] == "succeeded"
    res = client.get(f"/v1/jobs/{job['id']}/result")
    assert res.headers["content-type"] == "image/jpeg"
    out = Image.open(io.BytesIO(res.content))
    assert out.format == "JPEG" and not out.getexif() and b"SecretCam" not in res.content


def test_style_image_and_earlier_result_as_input(client):
    first = submit(client, {"style": "cartoon", "seed": 2}, png(40, 40, seed=3)).json()
    wait_for(client, first["id"])
    # an earlier job's result as the photo, any painting as the style
    second = submit(client, {"task": "stylize", "image_job": first["id"]}, None,
                    style_image=png(64, 64, seed=4)).json()
    done = wait_for(client, second["id"])
    assert done["state"] == "succeeded", done
    img = Image.open(io.BytesIO(client.get(f"/v1/jobs/{second['id']}/result").content))
    assert img.size == (40, 40)
    for bad in ("../../etc/passwd", "0" * 32, first["id"].upper()):
        _error(submit(client, {"image_job": bad}), 422, "InputError")


def test_running_job_cancel_events_and_409(client):
    job = submit(client, {"style": "oil", "_test_sleep": 3}, png()).json()
    wait_for(client, job["id"], states=("running",))
    _error(client.get(f"/v1/jobs/{job['id']}/result"), 409, "NotFinished")
    with client.stream("GET", f"/v1/jobs/{job['id']}/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        chunks = events.iter_text()
        text = next(chunks)  # the running job's first event, before it is cancelled
        r = client.delete(f"/v1/jobs/{job['id']}")
        assert r.status_code == 200 and r.json()["state"] == "cancelled"
        text += "".join(chunks)
    assert "event: progress" in text and "event: cancelled" in text
    again = client.delete(f"/v1/jobs/{job['id']}")  # idempotent
    assert again.status_code == 200 and again.json() == r.json()
    _error(client.get(f"/v1/jobs/{job['id']}/result"), 409)
    time.sleep(0.6)  # past a heartbeat: the worker has noticed and dropped the job
    assert client.get(f"/v1/jobs/{job['id']}").json()["state"] == "cancelled"
    nxt = submit(client, {"style": "oil"}, png()).json()  # the worker is free again
    assert wait_for(client, nxt["id"], timeout=30)["state"] == "succeeded"


def test_events_of_a_finished_job(client):
    job = submit(client, {"style": "pop-art"}, png()).json()
    wait_for(client, job["id"])
    text = client.get(f"/v1/jobs/{job['id']}/events").text
    data = json.loads(text.split("data: ", 1)[1])
    assert text.startswith("event: succeeded") and data["id"] == job["id"]


def test_failed_job_reports_its_error(client):
    # accepted (an earlier job's result as the photo), then that result is gone when it runs
    first = wait_for(client, submit(client, {"style": "oil"}, png()).json()["id"])
    busy = submit(client, {"style": "oil", "_test_sleep": 1.5}, png()).json()  # holds the worker
    wait_for(client, busy["id"], states=("running",))
    job = submit(client, {"style": "oil", "image_job": first["id"]}).json()
    for f in client.app.state.service.config.results_dir.glob(f"{first['id']}.*"):
        f.unlink()
    done = wait_for(client, job["id"])
    assert done["state"] == "failed" and done["attempts"] == 1  # bad input: not retried
    assert done["error"]["type"] == "InputError" and first["id"] in done["error"]["message"]
    _error(client.get(f"/v1/jobs/{job['id']}/result"), 409)
    # a tile the engine cannot use is refused before anything is queued
    _error(submit(client, {"style": "crimson", "tile": 1}, png()), 422, "InputError")
    # a neural option on a filter is refused before anything is queued
    _error(submit(client, {"style": "oil", "preserve_color": True}, png()), 422, "InputError")


def test_curate_keeps_the_best_picture(client):
    pics = [png(40, 40, seed=s) for s in (1, 2, 3)]
    files = [("image", (f"{i}.png", p, "image/png")) for i, p in enumerate(pics)]
    r = client.post("/v1/jobs", files=[*files, ("params", (None, json.dumps(
        {"task": "curate", "no_clip": True})))])
    assert r.status_code == 202, r.text
    done = wait_for(client, r.json()["id"])
    assert done["state"] == "succeeded", done
    ranking = done["info"]["ranking"]
    assert sorted(x["index"] for x in ranking) == [0, 1, 2] and done["info"]["signal"] == "quality"
    best = np.asarray(Image.open(io.BytesIO(client.get(done["result"]).content)).convert("RGB"))
    assert np.array_equal(best, np.asarray(Image.open(io.BytesIO(pics[ranking[0]["index"]]))))


def test_list_jobs_health_and_styles(client):
    ids = [submit(client, {"style": "oil"}, png()).json()["id"] for _ in range(2)]
    listed = client.get("/v1/jobs?limit=2").json()["jobs"]
    assert [j["id"] for j in listed] == ids[::-1]
    for j in client.get("/v1/jobs?state=queued&limit=50").json()["jobs"]:
        assert j["state"] == "queued"
    _error(client.get("/v1/jobs?state=bogus"), 422)
    _error(client.get("/v1/jobs?limit=0"), 422)
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["workers"] == 1
    styles = client.get("/v1/styles").json()["styles"]
    names = {s["name"] for s in styles}
    assert {"oil", "watercolor", "cartoon"} <= names and all(s["preview"] for s in styles)
    prev = client.get(next(s["preview"] for s in styles if s["name"] == "oil"))
    assert prev.status_code == 200 and Image.open(io.BytesIO(prev.content)).size[0] == 160
    _error(client.get("/v1/styles/no-such-style/preview"), 422, "UnknownStyleError")
    assert client.get("/openapi.json").json()["paths"]["/v1/jobs"]["post"]
    assert client.get("/docs").status_code == 200


def test_idempotency_key(client):
    photo = png(seed=9)
    h = {"Idempotency-Key": "order-42"}
    a = submit(client, {"style": "oil", "seed": 5}, photo, headers=h)
    b = submit(client, {"style": "oil", "seed": 5}, photo, headers=h)
    assert a.status_code == b.status_code == 202 and a.json()["id"] == b.json()["id"]
    _error(submit(client, {"style": "oil", "seed": 6}, photo, headers=h), 409, "Conflict")
    _error(submit(client, {"style": "oil", "seed": 5}, png(seed=10), headers=h), 409)
    _error(submit(client, {"style": "oil"}, photo, headers={"Idempotency-Key": "x" * 201}), 422)


# --- bad input: typed 4xx, never a 500, and the server keeps serving ---------------------------

def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) \
        + chunk(b"IEND", b"")


def _corpus() -> dict[str, tuple[bytes, int]]:
    jpeg = png(256, 256, seed=5, fmt="JPEG")
    full = png(256, 256, seed=6)
    return {
        "empty": (b"", 422),
        "random bytes": (np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes(), 415),
        "text": (b"hello, I am not an image\n" * 10, 415),
        "pdf named png": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n", 415),
        "eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", 415),
        "svg": (b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", 415),
        "bomb header 100000 px": (_png_header(100_000, 100_000), 422),
        "too many pixels 64 MP": (_png_header(8000, 8000), 422),
        "truncated jpeg": (jpeg[: len(jpeg) // 2], 422),
        "truncated png": (full[: len(full) // 2], 422),
        "png signature only": (full[:8], 415),
    }


@pytest.mark.parametrize("name", list(_corpus()))
def test_every_bad_upload_gets_a_typed_4xx(idle, name):
    c = idle()
    data, status = _corpus()[name]
    for field in ("image", "style_image"):
        files = {"params": (None, "{}"), "image": ("x.png", data if field == "image" else png()),
                 **({"style_image": ("s.png", data)} if field == "style_image" else {})}
        _error(c.post("/v1/jobs", files=files), status)
    assert c.get("/health").status_code == 200
    assert c.get("/v1/jobs").json()["jobs"] == []  # nothing was queued


def test_upload_size_limit(idle):
    c = idle(max_upload_bytes=20_000)
    body = _error(submit(c, {"style": "oil"}, png(200, 200)), 413, "PayloadTooLarge")
    assert "MB" in body["message"]
    assert submit(c, {"style": "oil"}, png(16, 16)).status_code == 202


def test_bad_params(idle):
    c = idle(max_prompt_chars=50)
    msg = _error(submit(c, {"style": "nope"}, png()), 422, "UnknownStyleError")["message"]
    assert "oil" in msg and "watercolor" in msg  # the valid names
    assert "colour" in _error(submit(c, {"colour": 1}, png()), 422)["message"]
    _error(submit(c, {"prompt": "x" * 51}, png()), 422)
    _error(submit(c, {"strength": 2}, png()), 422)
    _error(submit(c, {"seed": "one"}, png()), 422)
    _error(submit(c, {"task": "explode"}, png()), 422)
    _error(submit(c, {"format": "gif"}, png()), 422)
    _error(submit(c, {"style": "oil"}, None), 422)  # no image
    _error(submit(c, {"style": "oil", "style_image_job": "0" * 32}, png()), 422)
    _error(c.post("/v1/jobs", files={"params": (None, "{not json"), "image": ("a.png", png())}), 422)
    _error(c.post("/v1/jobs", files={"params": (None, "[1]"), "image": ("a.png", png())}), 422)
    _error(c.post("/v1/jobs", files={"params": (None, "{}"), "photo": ("a.png", png())}), 422)
    _error(c.post("/v1/jobs", json={"style": "oil"}), 415, "UnsupportedMediaType")
    _error(submit(c, {"task": "paint", "prompt": "a cat", "model": "/etc"}), 422)
    assert c.get("/health").status_code == 200


def test_test_hooks_are_off_by_default(idle):
    c = idle(test_hooks=False)
    _error(submit(c, {"style": "oil", "_test_sleep": 1}, png()), 422, "InputError")


def test_queue_limit_answers_429(idle):
    c = idle(queue_limit=2)
    for _ in range(2):
        assert submit(c, {"style": "oil"}, png()).status_code == 202
    r = submit(c, {"style": "oil"}, png())
    _error(r, 429, "QueueFull")
    assert int(r.headers["retry-after"]) >= 1


@pytest.mark.parametrize("bad", ["..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2e%2e%2fqueue.sqlite3",
                                 "%00", "a%00b", "a" * 5000, "queue.sqlite3", "..%5c..%5cwin.ini",
                                 "server.lock"])
def test_traversal_ids_never_reach_a_file(idle, bad):
    c = idle()
    for method, suffix in (("GET", ""), ("GET", "/result"), ("GET", "/events"), ("DELETE", "")):
        r = c.request(method, f"/v1/jobs/{bad}{suffix}")
        assert r.status_code in (404, 405, 422), (bad, suffix, r.status_code)
        assert r.headers["content-type"] == "application/json" and "error" in r.json()
        assert b"sqlite" not in r.content.lower() or b"no job" in r.content


# --- security rules ----------------------------------------------------------------------------

def test_token_is_needed_on_every_route(idle):
    import base64

    c = idle(token="s3cret-token")
    for method, path in (("GET", "/health"), ("GET", "/v1/jobs"), ("GET", "/docs"),
                         ("GET", "/sdapi/v1/options"), ("POST", "/sdapi/v1/txt2img"),
                         ("GET", "/v1/jobs/" + "0" * 32), ("GET", "/no/such/route")):
        r = c.request(method, path)
        _error(r, 401, "Unauthorized")
        assert "Bearer" in r.headers["www-authenticate"] and "Basic" in r.headers["www-authenticate"]
        _error(c.request(method, path, headers={"Authorization": "Bearer wrong-token"}), 401)
    assert c.get("/health", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    basic = base64.b64encode(b"anyone:s3cret-token").decode()
    assert c.get("/sdapi/v1/options", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    wrong = base64.b64encode(b"s3cret-token:nope").decode()
    _error(c.get("/health", headers={"Authorization": f"Basic {wrong}"}), 401)
    r = submit(c, {"style": "oil"}, png(), headers={"Authorization": "Bearer s3cret-token"})
    assert r.status_code == 202


def test_loopback_server_refuses_other_host_names(idle):
    c = idle()
    _error(c.get("/health", headers={"Host": "evil.example:7860"}), 403, "HostRefused")
    assert c.get("/health", headers={"Host": "localhost:7860"}).status_code == 200


def test_other_sites_are_refused(idle):
    c = idle()
    _error(submit(c, {"style": "oil"}, png(), headers={"Origin": "https://evil.example"}), 403,
           "CrossSiteRefused")
    _error(submit(c, {"style": "oil"}, png(), headers={"Sec-Fetch-Site": "cross-site"}), 403)
    _error(c.delete("/v1/jobs/" + "0" * 32, headers={"Sec-Fetch-Site": "same-site"}), 403)
    _error(c.post("/sdapi/v1/interrupt", headers={"Origin": "null"}), 403)
    ok = submit(c, {"style": "oil"}, png(), headers={"Origin": LOCAL, "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 202
    assert c.get("/v1/jobs", headers={"Origin": "https://evil.example"}).status_code == 200  # reads
    assert "access-control-allow-origin" not in c.get("/v1/jobs", headers={
        "Origin": "https://evil.example"}).headers  # CORS is off


def test_cors_origin_allows_that_site_only(idle):
    c = idle(cors_origins=("https://app.example",))
    r = submit(c, {"style": "oil"}, png(), headers={"Origin": "https://app.example",
                                                    "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 202 and r.headers["access-control-allow-origin"] == "https://app.example"
    _error(submit(c, {"style": "oil"}, png(), headers={"Origin": "https://evil.example"}), 403)


def test_cors_preflight_passes_without_the_token(idle):
    c = idle(cors_origins=("https://app.example",), token="s3cret-token")
    pre = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization"}
    r = c.options("/v1/jobs", headers=pre)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://app.example"
    _error(c.options("/v1/jobs", headers={**pre, "Origin": "https://evil.example"}), 401)
    _error(c.get("/v1/jobs", headers={"Origin": "https://app.example"}), 401)


def test_bind_rules(tmp_path, capsys):
    from painterly.cli import main
    from painterly.service.config import check_bind

    assert main(["serve", "--host", "0.0.0.0", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--token" in err and err.startswith("painterly: error:")
    assert main(["serve", "--host", "0.0.0.0", "--token", "short", "--data", str(tmp_path)]) == 2
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(ServiceConfig(data_dir=tmp_path, host=host))
    check_bind(ServiceConfig(data_dir=tmp_path, host="0.0.0.0", token="long-enough-token"))
    with pytest.raises(InputError):
        check_bind(ServiceConfig(data_dir=tmp_path, host="192.168.1.5"))


def test_one_server_per_data_folder(idle, tmp_path):
    idle()
    with pytest.raises(InputError, match="another painterly server"):
        create_app(config(tmp_path / "d0"), start_workers=False)
