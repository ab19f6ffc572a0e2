"""The service under attack (issue 21): bad input of every kind gets a typed 4xx (or 501), never a
500; methods, headers, probes, previews and the live socket behave as documented."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import threading

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from _service import png, submit, wait_for
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from painterly.errors import MissingExtraError, PainterlyError
from painterly.service import tasks
from painterly.service.app import create_app
from painterly.service.config import ServiceConfig

LOCAL = "http://127.0.0.1"
TOKEN = "hardening-token"


def config(path, **kw) -> ServiceConfig:
    base = dict(data_dir=path, workers=1, lease_s=3.0, heartbeat_s=0.5, poll_s=0.02)
    return ServiceConfig(**{**base, **kw})


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """An app with one real worker."""
    app = create_app(config(tmp_path_factory.mktemp("svc")))
    with TestClient(app, base_url=LOCAL) as c:
        yield c


@pytest.fixture
def idle(tmp_path):
    """Apps without workers: for checks that never need a job to run."""
    made = []

    def make(**kw):
        c = TestClient(create_app(config(tmp_path / f"d{len(made)}", **kw), start_workers=False),
                       base_url=kw.pop("base_url", LOCAL), raise_server_exceptions=False)
        c.__enter__()
        made.append(c)
        return c

    yield make
    for c in made:
        c.__exit__(None, None, None)


def _error(r, status, type_=None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert set(body) == {"type", "message"} and body["message"]
    if type_:
        assert body["type"] == type_, body
    return body


def _form(params_text: str, image: bytes | None = None):
    return {"params": (None, params_text), **({"image": ("a.png", image, "image/png")} if image else {})}


# --- params: depth and size of numbers ----------------------------------------------------------

@pytest.mark.parametrize("text", ["[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000,
                                  '{"style": "oil", "x": ' + "[" * 40 + "]" * 40 + "}"])
def test_params_nested_deep_get_422(idle, text):
    c = idle()
    msg = _error(c.post("/v1/jobs", files=_form(text, png())), 422, "InputError")["message"]
    assert "nested too deep" in msg


@pytest.mark.parametrize("key", ["seed", "max_size", "strength", "style_scale", "tile"])
def test_numbers_past_floats_range_get_422(idle, key):
    c = idle()
    style = "crimson" if key in ("style_scale", "tile") else "oil"
    for number in ("9" * 400, "-" + "9" * 400):
        text = f'{{"style": "{style}", "{key}": {number}}}'
        msg = _error(c.post("/v1/jobs", files=_form(text, png())), 422, "InputError")["message"]
        assert key in msg and len(msg) < 200  # the 400 digits are not echoed back


_EXTREMES = [10**400, -(10**400), 2**64, 1e308, float("inf"), float("nan"), -0.0]
_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
            | st.sampled_from([*_EXTREMES, "oil", "crimson", "png", "sd-turbo", "clip-vit-b-32"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=4)


@st.composite
def _job_requests(draw):
    task = draw(st.sampled_from(tasks.TASKS))
    keys = sorted(tasks.OPTIONS[task] - {"task"})
    params = draw(st.dictionaries(st.sampled_from(keys), _VALUES, max_size=3))
    if draw(st.booleans()):  # numbers at the edges, where conversions overflow
        numeric = [k for k in ("seed", "strength", "max_size", "style_scale", "tile", "steps",
                               "width", "height", "guidance", "keep") if k in keys]
        params[draw(st.sampled_from(numeric))] = draw(st.sampled_from(_EXTREMES))
    files = {k: draw(st.integers(0, 2)) for k in tasks.FILES[task]}
    return {**params, "task": task}, files


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(_job_requests())
def test_any_params_are_accepted_or_refused_with_a_typed_error(request_):
    """Every value of every field of every task: checked, or refused with painterly's own error
    (a 400-digit seed once raised OverflowError here, a 500)."""
    tasks.load_registries()
    params, files = request_
    with contextlib.suppress(PainterlyError):
        tasks.check_params(params, files)


# --- the multipart body ----------------------------------------------------------------------------

def _multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "XyZzY", close=True):
    body = b""
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + data + b"\r\n"
    if close:
        body += f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_multipart_without_its_closing_boundary_is_refused(idle):
    c = idle()
    parts = [("params", None, b'{"style": "oil"}'), ("image", "a.png", png())]
    body, headers = _multipart(parts, close=False)
    msg = _error(c.post("/v1/jobs", content=body, headers=headers), 422, "InputError")["message"]
    assert "closing boundary" in msg
    assert c.get("/v1/jobs").json()["jobs"] == []
    body, headers = _multipart(parts)
    assert c.post("/v1/jobs", content=body, headers=headers).status_code == 202


def test_params_sent_twice_is_refused(idle):
    c = idle()
    body, headers = _multipart([("params", None, b'{"style": "oil"}'),
                                ("params", None, b'{"style": "pencil"}'), ("image", "a.png", png())])
    msg = _error(c.post("/v1/jobs", content=body, headers=headers), 422, "InputError")["message"]
    assert "params" in msg and "2 times" in msg
    assert c.get("/v1/jobs").json()["jobs"] == []


# --- A1111 bodies of the wrong types ------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"prompt": "x", "override_settings": {"sd_model_checkpoint": 5}},
    {"prompt": "x", "override_settings": {"sd_model_checkpoint": ["a"]}},
    {"prompt": "x", "alwayson_scripts": {"x": {"args": None}}},
    {"prompt": "x", "alwayson_scripts": {"x": {"args": 5}}},
    {"prompt": "x", "alwayson_scripts": {"x": {"args": True}}},
    {"prompt": "x", "alwayson_scripts": {"x": 5}},
    {"prompt": "x", "alwayson_scripts": {"x": {"args": [1]}}},
])
def test_a1111_settings_of_the_wrong_types_get_422(idle, body):
    c = idle()
    for route in ("/sdapi/v1/txt2img", "/sdapi/v1/img2img"):
        payload = {**body, **({"init_images": [base64.b64encode(png()).decode()]}
                              if "img2img" in route else {})}
        r = c.post(route, json=payload)
        assert r.status_code == 422, (route, body, r.text)
        # A1111's error body on its routes: {"error": type, "detail", "body", "errors"}
        assert r.json()["error"] != "InternalError", r.text
    r = c.post("/sdapi/v1/options", json={"sd_model_checkpoint": 5})
    assert r.status_code == 422 and r.json()["error"] == "InputError", r.text


# --- tiny pictures with neural styles ------------------------------------------------------------

@pytest.mark.parametrize("side", [1, 2, 4, 16])
def test_tiny_pictures_with_a_neural_style_are_painted(client, side):
    job = submit(client, {"style": "crimson"}, png(side, side, seed=side)).json()
    done = wait_for(client, job["id"], timeout=120)
    assert done["state"] == "succeeded", done
    assert done["attempts"] == 1 and done["info"]["width"] == side
    # the visible label has no room on a thumbnail this small: left off, and the job says so
    assert done["info"]["visible_label"]["drawn"] is False
    assert "does not fit" in done["info"]["visible_label"]["note"]
    assert client.get(done["result"]).status_code == 200


def test_a1111_img2img_of_a_2px_picture_with_a_neural_style(client):
    r = client.post("/sdapi/v1/img2img", json={
        "init_images": [base64.b64encode(png(2, 2)).decode()], "styles": ["crimson"],
        "width": 64, "height": 64})
    assert r.status_code == 200, r.text
    assert "onnx" not in r.text.lower()


# --- a package missing on the server ------------------------------------------------------------

def test_a_missing_optional_package_answers_501_naming_the_extra(idle, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("diffusers", "torch") else real(name, *a))
    c = idle()
    body = _error(submit(c, {"task": "paint", "prompt": "a boat"}), 501, "MissingExtraError")
    assert "painterly[diffusion]" in body["message"]
    # words need no extra: without painterly[text] they are matched on the catalogue's words
    assert submit(c, {"prompt": "stormy sea"}, png()).status_code == 202


def test_an_optional_check_missing_its_package_is_skipped_and_recorded(tmp_path, monkeypatch):
    import numpy as np

    import painterly.provenance.drift as drift

    def lacking(*a, **kw):
        raise MissingExtraError("torch", "torch")

    monkeypatch.setattr(drift, "check_drift", lacking)
    photo = tmp_path / "p.png"
    photo.write_bytes(png(64, 64))
    info: dict = {}
    data = tasks.encode_result("0" * 32, "stylize", {"style": "oil"}, info,
                               np.full((64, 64, 3), 0.5, np.float32), {"image": [photo]})
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert info["subject"]["checked"] is False and "painterly[torch]" in info["subject"]["note"]


# --- the live WebSocket ---------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "code"), [
    (json.dumps({"viewer": 1}), 1008), (json.dumps({"style": "oil", "bogus": 1}), 1008),
    ("[" * 3000 + "]" * 3000, 1007), ('{"style": ' + "[" * 100 + "]" * 100 + "}", 1007),
    ("not json", 1007), ("[1, 2]", 1003), ("5", 1003),
])
def test_live_socket_closes_on_bad_messages_with_a_code_and_a_reason(idle, caplog, message, code):
    c = idle()
    with caplog.at_level(logging.WARNING, logger="painterly"), \
            c.websocket_connect("ws://127.0.0.1/v1/live") as ws:
        ws.send_text(message)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == code and closed.value.reason
    lines = [r for r in caplog.records if r.name.startswith("painterly")]
    assert len(lines) == 1 and f"({code})" in lines[0].getMessage() and not lines[0].exc_info


def test_live_socket_closes_on_a_binary_message_too_short_to_be_a_frame(idle, caplog):
    c = idle()
    with caplog.at_level(logging.WARNING, logger="painterly"), \
            c.websocket_connect("ws://127.0.0.1/v1/live") as ws:
        ws.send_bytes(b"\x01\x00")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1007 and "4-byte id" in closed.value.reason
    assert len([r for r in caplog.records if r.name.startswith("painterly")]) == 1


def test_live_socket_keeps_going_after_a_refused_value(idle):
    c = idle()
    with c.websocket_connect("ws://127.0.0.1/v1/live") as ws:
        ws.send_text(json.dumps({"strength": "lots"}))
        assert json.loads(ws.receive_text())["type"] == "error"
        ws.send_text(json.dumps({"style": "pencil"}))
        assert json.loads(ws.receive_text())["type"] == "ready"


# --- methods --------------------------------------------------------------------------------------

def test_options_answers_405_with_every_method_of_the_path(idle):
    c = idle()
    expect = {"/v1/jobs": "GET, HEAD, POST", "/v1/jobs/" + "0" * 32: "GET, HEAD, DELETE",
              "/sdapi/v1/options": "GET, HEAD, POST", "/health": "GET, HEAD",
              "/sdapi/v1/txt2img": "POST", "/studio/studio.js": "GET, HEAD"}
    for path, allow in expect.items():
        for method in ("OPTIONS", "PUT", "PATCH"):
            r = c.request(method, path)
            assert r.status_code == 405 and r.headers["allow"] == allow, (method, path, r.headers)
            assert r.json()["error"]["type"] == "MethodNotAllowed"
    assert c.options("/no/such/path").status_code == 404


def test_head_works_on_every_get_route(idle):
    c = idle()
    job = submit(c, {"style": "oil"}, png()).json()["id"]
    schema = c.get("/openapi.json").json()
    paths = [p.replace("{job_id}", job).replace("{name}", "oil") for p, ops in schema["paths"].items()
             if "get" in ops and "preview" not in p]
    events = [p for p in paths if p.endswith("/events")]
    for path in events:  # a queued job's stream runs until the job ends: HEAD must not wait
        head = c.head(path)
        assert head.status_code == 200 and head.headers["content-type"].startswith("text/event-stream")
    for path in [*paths, "/", "/docs", "/docs/start.js", "/studio/studio.js", "/openapi.json"]:
        if path in events:
            continue
        get, head = c.get(path), c.head(path)
        assert head.status_code == get.status_code, (path, head.status_code)
        assert head.status_code < 500 or path == "/readyz"  # no worker here: not ready
        assert head.content == b"" and head.headers.get("content-type") == get.headers.get("content-type")


# --- headers ----------------------------------------------------------------------------------------

def _csp(r) -> dict[str, str]:
    return {d.split()[0]: d.strip() for d in r.headers["content-security-policy"].split(";") if d.strip()}


def test_page_static_files_results_and_errors_carry_the_security_headers(client):
    job = wait_for(client, submit(client, {"style": "oil"}, png()).json()["id"])
    result = client.get(job["result"])
    for r in (client.get("/"), client.get("/studio/studio.js"), client.get("/studio/studio.css"),
              result, client.get("/v1/jobs/" + "0" * 32), client.get("/docs"), client.get("/health")):
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = _csp(r)
        assert csp["frame-ancestors"] == "frame-ancestors 'none'", r.url
        assert "unsafe-inline" not in r.headers["content-security-policy"]
    page = _csp(client.get("/"))
    assert page["script-src"] == "script-src 'self'" and page["default-src"] == "default-src 'none'"
    assert "sandbox" in _csp(result)
    assert result.headers["content-disposition"] == f'inline; filename="painterly-{job["id"]}.png"'


def test_the_studio_page_and_docs_have_no_inline_script():
    """The CSP allows scripts from files only: an inline script or handler would not run."""
    from html.parser import HTMLParser

    from painterly.service.docs import PAGE
    from painterly.studio import STATIC

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.srcs, self.inline, self.handlers = False, [], [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.handlers += [k for k in attrs if k.startswith("on")]
            self.handlers += [k for k, v in attrs.items() if (v or "").lower().startswith("javascript:")]
            if tag == "script":
                self.inside = True
                self.srcs.append(attrs.get("src"))

        def handle_endtag(self, tag):
            self.inside = self.inside and tag != "script"

        def handle_data(self, data):
            if self.inside and data.strip():
                self.inline.append(data)

    for html in ((STATIC / "index.html").read_text(), PAGE):
        found = Scripts()
        found.feed(html)
        assert found.srcs and all(found.srcs), found.srcs  # every script is a file
        assert found.inline == [] and found.handlers == []


def test_docs_are_served_from_this_server(idle):
    c = idle()
    page = c.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    for u in urls:
        assert c.get(u).status_code == 200, u
    assert "/openapi.json" in c.get("/docs/start.js").text
    assert c.get("/redoc").status_code == 404


def test_an_origin_with_another_scheme_is_another_site(idle):
    c = idle()
    port = "7860"
    h = {"Host": f"127.0.0.1:{port}"}
    _error(submit(c, {"style": "oil"}, png(), headers={**h, "Origin": f"https://127.0.0.1:{port}"}),
           403, "CrossSiteRefused")
    ok = submit(c, {"style": "oil"}, png(), headers={**h, "Origin": f"http://127.0.0.1:{port}"})
    assert ok.status_code == 202


# --- probes -------------------------------------------------------------------------------------------

def test_probes_need_no_token_and_reveal_nothing(idle):
    c = idle(token=TOKEN)
    _error(c.get("/health"), 401, "Unauthorized")
    for path in ("/livez", "/readyz"):
        for host in ("127.0.0.1:7860", "10.1.2.3:7860"):
            r = c.get(path, headers={"Host": host})
            assert r.json() in ({"status": "ok"}, {"status": "unavailable"}), r.text
        assert c.head(path).status_code == c.get(path).status_code
        _error(c.post(path), 401)  # only GET/HEAD pass without the token
    assert c.get("/livez").status_code == 200
    assert c.get("/readyz").status_code == 503  # no worker: not ready
    no_token = idle()
    _error(no_token.get("/health", headers={"Host": "evil.example"}), 403, "HostRefused")


def test_readyz_is_ready_with_a_worker(client):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


# --- previews -------------------------------------------------------------------------------------------

def test_previews_are_made_once_and_never_for_another_site(client):
    store = client.app.state.service.store
    before = len(store.list(None, 500, source="preview"))
    cross = client.get("/v1/styles/pop-art/preview", headers={"Sec-Fetch-Site": "cross-site"})
    _error(cross, 403, "CrossSiteRefused")
    cross = client.get("/v1/styles/pop-art/preview", headers={"Origin": "https://evil.example"})
    _error(cross, 403, "CrossSiteRefused")
    assert len(store.list(None, 500, source="preview")) == before  # nothing was queued

    results: list[int] = []

    def fetch():
        results.append(client.get("/v1/styles/pop-art/preview",
                                  headers={"Sec-Fetch-Site": "same-origin"}).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    assert len(store.list(None, 500, source="preview")) == before + 1  # one job for four requests
    # made: now a static file, for any site
    r = client.get("/v1/styles/pop-art/preview", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    assert len(store.list(None, 500, source="preview")) == before + 1


# --- idle and slow sockets ------------------------------------------------------------------------

def test_idle_and_half_sent_sockets_are_closed(tmp_path):
    """Sockets that send nothing, half their headers, or stay open after a response are closed
    by the server (uvicorn alone timed out only the last kind); meanwhile the server answers."""
    import socket
    import time

    import httpx
    from _service import Server

    server = Server(tmp_path / "d", "--header-seconds", "1", "--keep-alive-seconds", "1",
                    workers=1).start(timeout=120)
    try:
        socks = []
        for i in range(60):
            s = socket.create_connection(("127.0.0.1", server.port))
            if i % 3 == 1:
                s.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # half-sent
            elif i % 3 == 2:  # a whole request, then the connection kept alive and idle
                s.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                got = b""
                while b'{"status":"ok"}' not in got:
                    got += s.recv(4096)
                assert got.startswith(b"HTTP/1.1 200")
            socks.append(s)
        assert httpx.get(server.url + "/livez", timeout=5).status_code == 200
        time.sleep(2.5)
        for s in socks:
            s.settimeout(5)
            assert s.recv(4096) == b"", "the server kept an idle socket open"
            s.close()
    finally:
        server.stop()


def test_docs_and_studio_run_under_their_csp_in_a_browser(tmp_path):
    """Chromium loads /docs (Swagger UI 5 from local files renders every operation) and the
    studio page (its style gallery fills in) with no Content-Security-Policy violation."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian package 'chromium')")
    from _service import Server

    server = Server(tmp_path / "d", workers=1).start(timeout=120)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for path, ready in (("/docs", ".opblock"), ("/", "[data-style]")):
                page = browser.new_page()
                said: list[str] = []
                page.on("console", lambda m, said=said: said.append(m.text))
                page.goto(server.url + path)
                page.wait_for_selector(ready, timeout=60_000)
                page.wait_for_timeout(500)
                assert not [m for m in said if "Content Security Policy" in m], said
                if path == "/docs":
                    assert page.locator(".opblock").count() >= 20
            browser.close()
    finally:
        server.stop()
