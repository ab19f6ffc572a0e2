"""The studio page in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright against `painterly serve` in a child process. Skipped only when Chromium or the
playwright package is missing; CI installs both (.ci/run).

Screenshots of each state go to $PAINTERLY_SCREENSHOTS when set (else a temporary folder).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (Debian package 'chromium')", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).parent))
from _service import Server  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
W, H = 150, 100  # the photo: small, so every painting takes a fraction of a second
TIMEOUT = 60_000  # ms; the machine may be busy


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("studio-data"), workers=1).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def camera_clip_file(tmp_path_factory, chelsea) -> Path:
    """A clip for Chromium's fake camera: the sample photo filmed by a moving virtual camera."""
    from painterly.io import resize_max
    from painterly.video.synthetic import CameraPath, camera_clip, write_y4m

    frames, _ = camera_clip(resize_max(chelsea, 480), CameraPath(frames=20, size=(288, 384)))
    path = tmp_path_factory.mktemp("camera") / "clip.y4m"
    write_y4m(frames, path)
    return path


@pytest.fixture(scope="module")
def browser(camera_clip_file):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=[*ARGS, f"--use-file-for-fake-video-capture={camera_clip_file}"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    # bypass_csp: the page's CSP forbids eval, which Playwright's wait_for_function(string) uses;
    # the page under its own CSP is checked in test_service_hardening.py
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server.url + "/")
    pg.wait_for_selector('[data-testid="style-option"]', timeout=TIMEOUT)
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("PAINTERLY_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def photo(tmp_path_factory, chelsea) -> Path:
    import cv2

    img = cv2.resize(chelsea, (W, H), interpolation=cv2.INTER_AREA)
    path = tmp_path_factory.mktemp("in") / "cat.png"
    Image.fromarray(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)).save(path)
    return path


def _paint_with(page, photo: Path, style: str, search: str):
    page.set_input_files('[data-testid="photo-input"]', str(photo))
    page.fill('[data-testid="style-search"]', search)
    option = page.locator(f'[data-testid="style-option"][data-style="{style}"]')
    sync_api.expect(option).to_be_visible()
    # the search hides styles that do not match
    assert page.locator('[data-testid="style-option"]:visible').count() < \
        page.locator('[data-testid="style-option"]').count()
    option.click()
    sync_api.expect(option).to_have_attribute("aria-pressed", "true")
    page.click('[data-testid="paint-button"]')
    page.wait_for_function(
        "document.querySelector('[data-testid=result-image]').naturalWidth > 0", timeout=TIMEOUT)


def test_paint_a_photo_through_the_gallery(page, photo, shots):
    page.screenshot(path=str(shots / "1-start.png"), full_page=True)
    _paint_with(page, photo, "pencil", "pencil")
    size = page.evaluate("(() => { const i = document.querySelector('[data-testid=result-image]');"
                         " return [i.naturalWidth, i.naturalHeight]; })()")
    assert size == [W, H]  # the painting is at the photo's size
    progress = page.locator('[data-testid="progress"]')
    assert progress.get_attribute("value") == "1"
    meta = page.locator('[data-testid="metadata"]').inner_text()
    assert "pencil" in meta and f"{W} × {H}" in meta
    href = page.locator('[data-testid="download"]').get_attribute("href")
    assert href.startswith("/v1/jobs/") and href.endswith("/result")
    # the result differs from the photo: it was painted
    got = page.evaluate("""(async () => {
        const r = await fetch(document.querySelector('[data-testid=download]').href);
        return Array.from(new Uint8Array(await r.arrayBuffer()).slice(0, 8)); })()""")
    assert bytes(got[:4]) == b"\x89PNG"

    # the before/after slider moves the split, by keyboard too
    slider = page.locator('[data-testid="compare-slider"]')
    split = lambda: page.evaluate(  # noqa: E731
        "getComputedStyle(document.querySelector('#compare')).getPropertyValue('--split').trim()")
    assert split() == "50%"
    slider.focus()
    page.keyboard.press("Home")
    assert split() == "0%"
    page.screenshot(path=str(shots / "2-result-after.png"), full_page=True)
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    assert split() in {"74%", "75%", "76%"}
    page.screenshot(path=str(shots / "3-result-slider.png"), full_page=True)


def test_history_survives_a_reload(page, photo, server):
    _paint_with(page, photo, "starry-swirls", "starry")
    page.reload()
    item = page.locator('[data-testid="history"] li.state-succeeded').first
    sync_api.expect(item).to_be_visible(timeout=TIMEOUT)
    assert page.locator('[data-testid="history"] li').count() >= 1
    item.locator("button").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=result-image]').naturalWidth > 0", timeout=TIMEOUT)
    assert not page.locator("#result-actions").is_hidden()


def test_bad_photo_shows_a_sentence_next_to_it(page, shots):
    page.set_input_files('[data-testid="photo-input"]',
                         files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    err = page.locator('[data-testid="error"][data-for="photo"]')
    sync_api.expect(err).to_be_visible()
    text = err.inner_text()
    assert "notes.png" in text and "PNG, JPEG" in text and text.endswith(".")
    assert page.locator('[data-testid="paint-button"]').is_disabled()
    page.screenshot(path=str(shots / "4-bad-photo.png"), full_page=True)


def test_api_error_appears_next_to_its_cause(page, photo):
    """A painting-as-style file the server refuses: its 4xx message shows beside that input."""
    page.set_input_files('[data-testid="photo-input"]', str(photo))
    page.check('input[name="mode"][value="painting"]')
    page.set_input_files('[data-testid="style-image-input"]',
                         files=[{"name": "painting.png", "mimeType": "image/png", "buffer": b"GIF89a-broken"}])
    page.click('[data-testid="paint-button"]')
    err = page.locator('[data-testid="error"][data-for="style_image"]')
    sync_api.expect(err).to_be_visible(timeout=TIMEOUT)
    text = err.inner_text()
    assert "painting you chose as the style" in text and "not a recognised image" in text
    assert not any(code in text for code in ("415", "422", "400"))
    assert page.locator('[data-testid="error"][data-for="photo"]').is_hidden()


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_drop_or_paste_a_photo(page, photo, how):
    data = list(photo.read_bytes())
    page.evaluate("""([how, bytes]) => {
        const file = new File([new Uint8Array(bytes)], "cat.png", {type: "image/png"});
        const dt = new DataTransfer();
        dt.items.add(file);
        if (how === "drop") {
            document.querySelector("#drop").dispatchEvent(
                new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
        } else {
            document.body.dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
        }
    }""", [how, data])
    sync_api.expect(page.locator("#photo-info")).to_contain_text(f"{W} × {H} px")
    assert page.locator("#photo-preview").is_visible()


def test_any_painting_as_the_style(page, photo, tmp_path):
    painting = tmp_path / "painting.png"
    img = np.asarray(Image.open(photo))[::-1, :, ::-1]  # any other picture will do as a "painting"
    Image.fromarray(np.ascontiguousarray(img)).save(painting)
    page.set_input_files('[data-testid="photo-input"]', str(photo))
    page.check('input[name="mode"][value="painting"]')
    page.set_input_files('[data-testid="style-image-input"]', str(painting))
    page.click('[data-testid="paint-button"]')
    page.wait_for_function(
        "document.querySelector('[data-testid=result-image]').naturalWidth > 0", timeout=TIMEOUT)
    assert page.evaluate("document.querySelector('[data-testid=result-image]').naturalWidth") == W
    assert "your painting" in page.locator('[data-testid="metadata"]').inner_text()


def test_phone_sized_screen(browser, server, shots):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                              bypass_csp=True)  # see page()
    pg = ctx.new_page()
    pg.goto(server.url + "/")
    pg.wait_for_selector('[data-testid="style-option"]', timeout=TIMEOUT)
    # nothing wider than the screen: no sideways scrolling
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    assert pg.locator('[data-testid="paint-button"]').bounding_box()["width"] < 390
    pg.screenshot(path=str(shots / "5-phone.png"), full_page=False)
    ctx.close()


def test_live_paints_the_fake_camera(page, shots):
    """The fake camera plays a clip of the cat (a file made here); painted frames come back."""
    page.click('[data-testid="tab-live"]')
    page.select_option('[data-testid="live-style"]', "pencil")
    page.click('[data-testid="live-button"]')
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=live-output]').dataset.frames || 0) >= 8",
        timeout=TIMEOUT)
    fps = float(page.locator('[data-testid="live-fps"]').inner_text())
    latency = float(page.locator('[data-testid="live-latency"]').inner_text())
    assert fps > 0 and latency > 0
    # the painted frame is not blank: the canvas holds an image with variation
    spread = page.evaluate("""(() => { const c = document.querySelector('[data-testid=live-output]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lo = 255, hi = 0; for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
        return [c.width, c.height, hi - lo]; })()""")
    assert spread[:2] == [384, 288] and spread[2] > 30
    page.screenshot(path=str(shots / "6-live.png"), full_page=True)
    page.click('[data-testid="live-button"]')
    assert page.locator('[data-testid="error"][data-for="live"]').is_hidden()


def test_microphone_recording_reaches_the_recogniser(page):
    """Chromium's fake microphone plays a beep: the page records it as WAV and the server's
    recogniser must accept the file (no words is fine; a refused file is not)."""
    pytest.importorskip("pocketsphinx")
    page.check('input[name="mode"][value="prompt"]')
    page.click('[data-testid="mic-button"]')
    sync_api.expect(page.locator('[data-testid="mic-button"]')).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(1500)
    page.click('[data-testid="mic-button"]')
    page.wait_for_function(
        "document.querySelector('#mic-status').textContent.startsWith('Heard')"
        " || !document.querySelector('.error[data-for=prompt]').hidden", timeout=TIMEOUT)
    err = page.locator('[data-testid="error"][data-for="prompt"]')
    if err.is_visible():
        assert err.inner_text().startswith("No words were recognised"), err.inner_text()
    else:
        assert page.input_value('[data-testid="prompt"]').strip()


def test_page_and_live_behind_a_token(browser, tmp_path):
    """With --token the browser asks for HTTP Basic credentials (any name, the token as the
    password); the page, its API calls and the live WebSocket then all go through."""
    import subprocess
    import time

    import httpx

    token = "studio-test-token"
    srv = Server(tmp_path / "data", "--token", token, workers=1)
    srv.proc = subprocess.Popen([sys.executable, "-m", "painterly", *srv.args], env=srv.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = httpx.get(srv.url + "/health", headers={"Authorization": f"Bearer {token}"})
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        assert httpx.get(srv.url + "/").status_code == 401
        ctx = browser.new_context(http_credentials={"username": "me", "password": token},
                                  bypass_csp=True)  # see page()
        pg = ctx.new_page()
        pg.goto(srv.url + "/")
        pg.wait_for_selector('[data-testid="style-option"]', timeout=TIMEOUT)
        pg.click('[data-testid="tab-live"]')
        pg.select_option('[data-testid="live-style"]', "pencil")
        pg.click('[data-testid="live-button"]')
        pg.wait_for_function(
            "Number(document.querySelector('[data-testid=live-output]').dataset.frames || 0) >= 3",
            timeout=TIMEOUT)
        pg.click('[data-testid="live-button"]')
        ctx.close()
    finally:
        srv.stop()
