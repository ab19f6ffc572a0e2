"""The studio page in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright against `painterly serve` in a child process (fixtures: tests/_studio_browser.py).
Skipped only when Chromium or the playwright package is missing; CI installs both (.ci/run).

Screenshots of each state go to $PAINTERLY_SCREENSHOTS when set (else a temporary folder).
Keyboard, screen reader, phone and page-weight checks: tests/test_studio_access.py.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from _studio_browser import (  # noqa: F401  (fixtures are used by name)
    RESULT_SHOWN,
    TIMEOUT,
    H,
    Server,
    W,
    browser,
    camera_clip_file,
    page,
    paint_with,
    photo,
    server,
    shots,
    split,
    sync_api,
)


def test_paint_a_photo_through_the_gallery(page, photo, shots):
    page.screenshot(path=str(shots / "1-start.png"), full_page=True)
    # every value the progress bar takes, recorded in the page
    page.evaluate("""() => { const bar = document.querySelector('[data-testid=progress]');
        window.progressSeen = [];
        new MutationObserver(() => window.progressSeen.push(bar.getAttribute('value')))
            .observe(bar, {attributes: true, attributeFilter: ['value']}); }""")
    paint_with(page, photo, "starry-swirls", "starry")
    size = page.evaluate("(() => { const i = document.querySelector('[data-testid=result-image]');"
                         " return [i.naturalWidth, i.naturalHeight]; })()")
    assert size == [W, H]  # the painting is at the photo's size
    progress = page.locator('[data-testid="progress"]')
    assert progress.get_attribute("value") == "1"
    # the bar moved before "Done": the job's progress reached the page
    seen = [float(v) for v in page.evaluate("window.progressSeen") if v is not None]
    assert any(0 < v < 1 for v in seen), seen
    meta = page.locator('[data-testid="metadata"]').inner_text()
    assert "starry-swirls" in meta and f"{W} × {H}" in meta
    href = page.locator('[data-testid="download"]').get_attribute("href")
    assert href.startswith("/v1/jobs/") and href.endswith("/result")
    # the download is the painting: a PNG at the photo's size whose pixels differ from the photo's
    got = page.evaluate("""(async () => {
        const r = await fetch(document.querySelector('[data-testid=download]').href);
        return Array.from(new Uint8Array(await r.arrayBuffer())); })()""")
    assert bytes(got[:8]) == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(bytes(got))) as im:
        painted = np.asarray(im.convert("RGB"), dtype=np.float32) / 255
    with Image.open(photo) as im:
        original = np.asarray(im.convert("RGB"), dtype=np.float32) / 255
    assert painted.shape == original.shape == (H, W, 3)
    assert np.abs(painted - original).mean() > 0.05, "the result is (nearly) the photo"
    assert painted.std() > 0.02, "the result is a blank canvas"
    # starry-swirls repaints in its own palette: the colours are not the photo's
    assert np.abs(painted.mean(axis=(0, 1)) - original.mean(axis=(0, 1))).max() > 0.03

    # the before/after slider moves the split, by keyboard and by a click
    slider = page.locator('[data-testid="compare-slider"]')
    assert split(page) == "50%"
    slider.focus()
    page.keyboard.press("Home")
    assert split(page) == "0%"
    page.screenshot(path=str(shots / "2-result-after.png"), full_page=True)
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    assert split(page) in {"74%", "75%", "76%"}
    page.screenshot(path=str(shots / "3-result-slider.png"), full_page=True)


def test_the_slider_follows_a_mouse_drag(page, photo):
    """Press, move in many small steps, release: the split follows the pointer all the way (the
    browser's own image drag used to take the pointer away after a few pixels)."""
    paint_with(page, photo, "pencil", "pencil")
    box = page.locator("#compare").bounding_box()
    y = box["y"] + box["height"] / 2
    x = lambda f: box["x"] + box["width"] * f  # noqa: E731
    page.mouse.move(x(0.5), y)
    page.mouse.down()
    page.mouse.move(x(0.2), y, steps=15)
    assert abs(int(split(page).rstrip("%")) - 20) <= 1
    page.mouse.move(x(0.9), y, steps=25)
    assert abs(int(split(page).rstrip("%")) - 90) <= 1
    page.mouse.up()
    page.mouse.move(x(0.4), y, steps=5)  # no button pressed: the split stays
    assert abs(int(split(page).rstrip("%")) - 90) <= 1
    assert page.evaluate("document.activeElement.id") == "slider"


def test_history_survives_a_reload(page, photo, server):
    paint_with(page, photo, "oil", "oil")
    page.reload()
    item = page.locator('[data-testid="history"] li.state-succeeded').first
    sync_api.expect(item).to_be_visible(timeout=TIMEOUT)
    # the gallery's previews (30-odd jobs of the server's own) are not listed as paintings
    labels = page.locator('[data-testid="history"] .label').all_inner_texts()
    mine = [j for j in httpx.get(server.url + "/v1/jobs?limit=500").json()["jobs"]]
    assert len(labels) == min(len(mine), 24) and len(labels) < 20
    # thumbnails, not the full-size results
    src = item.locator("img").get_attribute("src")
    assert src.endswith("/thumbnail")
    item.locator("button").click()
    page.wait_for_function(RESULT_SHOWN, timeout=TIMEOUT)
    assert not page.locator("#result-actions").is_hidden()
    # the result is brought into view, and focus goes there from the history item
    page.wait_for_timeout(1000)  # a smooth scroll
    top = page.evaluate("document.querySelector('#result-card').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] / 2, top
    assert page.evaluate("document.activeElement.id") == "h-result"
    assert page.locator('[data-testid="result-status"]').inner_text().startswith("Painted with")


def test_bad_photo_shows_a_sentence_next_to_it(page, shots):
    page.set_input_files('[data-testid="photo-input"]',
                         files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    err = page.locator('[data-testid="error"][data-for="photo"]')
    sync_api.expect(err).to_be_visible()
    text = err.inner_text()
    assert "notes.png" in text and "PNG, JPEG" in text and text.endswith(".")
    assert page.locator('[data-testid="paint-button"]').get_attribute("aria-disabled") == "true"
    page.screenshot(path=str(shots / "4-bad-photo.png"), full_page=True)


def test_a_painting_that_is_no_image_is_refused_at_once(page, photo):
    """A text file chosen as the style painting: refused next to its box before Paint, as the
    photo is; Paint then names what is missing and sends nothing."""
    page.set_input_files('[data-testid="photo-input"]', str(photo))
    page.check('input[name="mode"][value="painting"]')
    page.set_input_files('[data-testid="style-image-input"]',
                         files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"a shopping list"}])
    err = page.locator('[data-testid="error"][data-for="style_image"]')
    sync_api.expect(err).to_be_visible()
    text = err.inner_text()
    assert "notes.txt" in text and "not an image" in text and text.endswith(".")
    assert page.locator('[data-testid="error"][data-for="photo"]').is_hidden()
    assert page.locator('[data-testid="paint-button"]').get_attribute("aria-disabled") == "true"
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.focus('[data-testid="paint-button"]')  # aria-disabled: focusable, says what is missing
    page.keyboard.press("Enter")
    sync_api.expect(err).to_have_text("Choose a painting first.")
    assert page.evaluate("document.activeElement.id") == "style-image"  # where to fix it
    assert not sent


def test_api_error_appears_next_to_its_cause(page, photo):
    """A refusal only the server can make (the painting decodes in the browser, but is larger than
    the server accepts): its 4xx message shows beside that input, in words."""
    big = Image.new("RGB", (6400, 6400), (200, 120, 40))  # 41 MP: past the service's 40 MP
    buf = io.BytesIO()
    big.save(buf, "PNG")
    page.set_input_files('[data-testid="photo-input"]', str(photo))
    page.check('input[name="mode"][value="painting"]')
    page.set_input_files('[data-testid="style-image-input"]',
                         files=[{"name": "huge.png", "mimeType": "image/png", "buffer": buf.getvalue()}])
    sync_api.expect(page.locator("#style-image-info")).to_contain_text("6400 × 6400")
    page.click('[data-testid="paint-button"]')
    err = page.locator('[data-testid="error"][data-for="style_image"]')
    sync_api.expect(err).to_be_visible(timeout=TIMEOUT)
    text = err.inner_text()
    assert "painting you chose as the style" in text and "MP" in text
    assert not re.search(r"\b(400|413|415|422)\b", text)  # words, not a status code
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
    page.wait_for_function(RESULT_SHOWN, timeout=TIMEOUT)
    assert page.evaluate("document.querySelector('[data-testid=result-image]').naturalWidth") == W
    # labelled by the painting's own name, not the API's field name
    assert "your painting “painting.png”" in page.locator('[data-testid="metadata"]').inner_text()
    first = page.locator('[data-testid="history"] li .label').first
    sync_api.expect(first).to_contain_text("painting.png", timeout=TIMEOUT)
    assert "style_image" not in page.locator('[data-testid="history"]').inner_text()


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
    # at 384x288, or smaller when the server cannot keep up: then the page says so
    shown = page.locator('[data-testid="live-output"]').get_attribute("data-size")
    assert shown == f"{spread[0]}x{spread[1]}" and 128 <= spread[0] <= 384
    assert spread[0] * 3 == spread[1] * 4 and spread[2] > 30
    assert page.locator('[data-testid="live-size"]').inner_text().startswith(
        f"painted at {spread[0]} × {spread[1]} px")
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
