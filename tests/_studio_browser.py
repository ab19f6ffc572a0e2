"""Shared pieces of the studio's browser tests: headless Chromium (Debian's `chromium`) driven by
Playwright against `painterly serve` in a child process, and axe-core served to the page.

The test modules import the fixtures from here. They skip only when Chromium or the playwright
package is missing (CI installs both: .ci/run); axe-core comes with the test extra
(``axe-playwright-python`` ships axe-core's ``axe.min.js``) and its absence fails the tests.
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
TIMEOUT = 120_000  # ms; the machine may be busy
LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
RESULT_SHOWN = "document.querySelector('[data-testid=result-image]').naturalWidth > 0"


def axe_source() -> str:
    """axe-core's script, from the axe-playwright-python wheel (the test extra)."""
    try:
        from importlib.resources import files

        return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError) as e:  # a missing checker must not pass as a skip
        pytest.fail(f"axe-core is missing ({e}); install the test extra: pip install -e '.[test]'")


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA, best practices, and the rules axe still marks experimental,
    such as label-content-name-mismatch) on the page as it is now; the script is served to the
    page from the page's own origin (so a Content-Security-Policy allows it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        source = axe_source()
        page.route("**/__test__/axe.min.js",
                   lambda route: route.fulfill(body=source, content_type="text/javascript"))
        page.add_script_tag(url="/__test__/axe.min.js")
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice',
                                    'experimental']},
        resultTypes: ['violations']})""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


def make_photo(folder: Path, image: np.ndarray, size=(W, H), name="cat.png") -> Path:
    import cv2

    img = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    path = folder / name
    Image.fromarray(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)).save(path)
    return path


def split(page) -> str:
    return page.evaluate(
        "getComputedStyle(document.querySelector('#compare')).getPropertyValue('--split').trim()")


def paint_with(page, photo: Path, style: str, search: str | None = None) -> None:
    page.set_input_files('[data-testid="photo-input"]', str(photo))
    if search:
        page.fill('[data-testid="style-search"]', search)
    option = page.locator(f'[data-testid="style-option"][data-style="{style}"]')
    sync_api.expect(option).to_be_visible()
    option.click()
    sync_api.expect(option).to_have_attribute("aria-selected", "true")
    page.click('[data-testid="paint-button"]')
    page.wait_for_function(RESULT_SHOWN, timeout=TIMEOUT)


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


def open_page(browser, server, **context):
    # bypass_csp: the page's CSP forbids eval, which Playwright's wait_for_function(string) uses;
    # the page under its own CSP is checked in test_service_hardening.py
    ctx = browser.new_context(**{"viewport": LAPTOP, "bypass_csp": True, **context})
    pg = ctx.new_page()
    pg.js_errors = []
    pg.on("pageerror", lambda e: pg.js_errors.append(str(e)))
    pg.goto(server.url + "/")
    pg.wait_for_selector('[data-testid="style-option"]', timeout=TIMEOUT)
    return ctx, pg


@pytest.fixture
def page(browser, server):
    ctx, pg = open_page(browser, server)
    yield pg
    ctx.close()
    assert not pg.js_errors, f"JavaScript errors on the page: {pg.js_errors}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("PAINTERLY_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def photo(tmp_path_factory, chelsea) -> Path:
    return make_photo(tmp_path_factory.mktemp("in"), chelsea)
