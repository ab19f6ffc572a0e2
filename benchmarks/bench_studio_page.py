"""The studio page in Chromium, once: paint a photo, then run the Live view on a fake camera and
read the page's own frames-per-second and latency figures. Also writes the README screenshots.

Usage (under the shared lock)::

    flock /tmp/painterly-bench.lock python benchmarks/bench_studio_page.py [--seconds 12] [--shots docs/img]

Needs `painterly serve` (the serve extra), the playwright package and Debian's chromium. The fake
camera plays a 384x288 clip filmed from a test photo (pan, zoom, shake), written as Y4M.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from _service import Server  # noqa: E402

import painterly  # noqa: E402
from painterly.io import resize_max, save_image  # noqa: E402
from painterly.video.synthetic import CameraPath, camera_clip, write_y4m  # noqa: E402

PHOTO = HERE.parent.parent / "shared" / "testdata" / "photos" / "tubingen.jpg"
ARGS = ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--shots", type=Path, default=None, help="write the two README screenshots here")
    ap.add_argument("--styles", default="starry-swirls,pencil")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="studio-page-"))
    photo = painterly.load_image(PHOTO) if PHOTO.is_file() else painterly.samples.sample_photo("coffee")
    photo = resize_max(photo, 1024)
    save_image(photo, tmp / "photo.jpg")
    frames, _ = camera_clip(resize_max(photo, 900), CameraPath(frames=60, seed=3))
    write_y4m(frames, tmp / "camera.y4m")
    print(f"# bench_studio_page  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  "
          f"cores={os.cpu_count()}  load={os.getloadavg()[0]:.2f}")
    server = Server(tmp / "data", workers=1).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=[*ARGS, f"--use-file-for-fake-video-capture={tmp / 'camera.y4m'}"])
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(server.url + "/")
            page.wait_for_selector('[data-testid="style-option"]')
            page.set_input_files('[data-testid="photo-input"]', str(tmp / "photo.jpg"))
            page.click('[data-testid="style-option"][data-style="starry-swirls"]')
            t = time.perf_counter()
            page.click('[data-testid="paint-button"]')
            page.wait_for_function("document.querySelector('[data-testid=result-image]').naturalWidth > 0",
                                   timeout=180_000)
            print(f"paint {photo.shape[1]}x{photo.shape[0]} starry-swirls through the page: "
                  f"{time.perf_counter() - t:.1f} s (click to result shown)")
            page.evaluate("document.querySelector('#slider').value = 45;"
                          "document.querySelector('#slider').dispatchEvent(new Event('input'))")
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(500)
            if args.shots:
                page.screenshot(path=str(tmp / "paint.png"))
            print("| style | seconds | painted frames | page fps | page latency ms (median of last 30) |")
            print("|---|---|---|---|---|")
            page.click('[data-testid="tab-live"]')
            for style in args.styles.split(","):
                page.select_option('[data-testid="live-style"]', style)
                page.click('[data-testid="live-button"]')
                page.wait_for_function("Number(document.querySelector('[data-testid=live-output]')"
                                       ".dataset.frames || 0) >= 3", timeout=60_000)
                n0, t0 = int(page.get_attribute('[data-testid="live-output"]', "data-frames")), time.perf_counter()
                page.wait_for_timeout(1000 * args.seconds)
                n1, t1 = int(page.get_attribute('[data-testid="live-output"]', "data-frames")), time.perf_counter()
                fps = page.inner_text('[data-testid="live-fps"]')
                lat = page.inner_text('[data-testid="live-latency"]')
                print(f"| {style} | {t1 - t0:.0f} | {n1 - n0} | {(n1 - n0) / (t1 - t0):.1f} (page shows {fps}) | {lat} |")
                if args.shots and style == args.styles.split(",")[0]:
                    page.screenshot(path=str(tmp / "live.png"))
                page.click('[data-testid="live-button"]')
                page.wait_for_timeout(300)
            browser.close()
    finally:
        server.stop()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
        for name in ("paint", "live"):
            Image.open(tmp / f"{name}.png").convert("RGB").save(args.shots / f"studio_{name}.jpg", quality=85)
            print("wrote", args.shots / f"studio_{name}.jpg")


if __name__ == "__main__":
    main()
