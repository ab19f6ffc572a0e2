"""Time and measure every registered filter style at 1920x1080 beside OpenCV's own stylisers.

Usage (always under the shared lock, so benchmarks never overlap)::

    flock /tmp/painterly-bench.lock python benchmarks/bench_filters.py [--rounds 5] [--image PATH]

Timing: all filters and the baselines (``cv2.stylization``, ``cv2.pencilSketch`` with their
default parameters) run in the same process, interleaved round by round, so a change of machine
load hits every entry alike; we report the median per entry and its ratio to the median of
``cv2.stylization`` measured in the same run. Filters take the float32 contract image, the
OpenCV baselines the uint8 BGR image they are built for (conversions are not timed).

Memory: tracemalloc cannot see OpenCV's allocations, so every entry is also run once in a
fresh subprocess that reports its peak resident set size (VmHWM) before and after the
call: "peak" is the whole process (Python, numpy, OpenCV and the 1080p input included) and
"added" is what the filter call added on top of that.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

W, H = 1920, 1080
PHOTO = Path("/work/shared/testdata/photos/tubingen.jpg")
BASELINES = ("cv2.stylization", "cv2.pencilSketch")


def load_test_image(path: str | None) -> np.ndarray:
    """1920x1080 contract image: the given photo, the test photo, or skimage's cat upscaled."""
    from painterly.io import load_image, to_image

    p = Path(path) if path else PHOTO
    if p.exists():
        img = load_image(p)
    else:
        import skimage.data

        img = to_image(skimage.data.chelsea())
    return np.ascontiguousarray(
        cv2.resize(img, (W, H), interpolation=cv2.INTER_CUBIC), dtype=np.float32
    )


def make_runner(name: str, img: np.ndarray):
    """A zero-argument callable that runs entry ``name`` on ``img``."""
    if name in BASELINES:
        bgr = cv2.cvtColor((img * 255.0 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
        fn = cv2.stylization if name == "cv2.stylization" else cv2.pencilSketch
        return lambda: fn(bgr)
    from painterly.styles import get_style

    style = get_style(name)
    return lambda: style.apply(img, seed=0)


def rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    ``/proc/self/status`` VmHWM belongs to the current address space; ``ru_maxrss`` is not used
    where VmHWM exists because Linux carries it over from the parent through fork+exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def worker(name: str, image: str | None) -> None:
    """Subprocess mode: run one entry once, print its peak RSS as JSON."""
    img = load_test_image(image)
    run = make_runner(name, img)
    before = rss_mb()
    run()
    print(json.dumps({"name": name, "before_mb": before, "peak_mb": rss_mb()}))


def measure_memory(name: str, image: str | None) -> dict:
    cmd = [sys.executable, __file__, "--worker", name]
    if image:
        cmd += ["--image", image]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="timed runs per entry (median reported)")
    ap.add_argument("--image", default=None, help="photo to resize to 1920x1080")
    ap.add_argument("--only", nargs="*", default=None, help="filter names to run (default: all)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.image)
        return 0

    from painterly.styles import list_styles

    filters = [s.name for s in list_styles("filter")]
    if args.only:
        filters = [f for f in filters if f in args.only]
    entries = [*BASELINES, *filters]
    img = load_test_image(args.image)
    runners = {n: make_runner(n, img) for n in entries}
    for run in runners.values():  # warm-up: first-call allocations, lazy imports, thread pools
        run()
    times: dict[str, list[float]] = {n: [] for n in entries}
    for _ in range(args.rounds):
        for n in entries:
            t0 = time.perf_counter()
            runners[n]()
            times[n].append((time.perf_counter() - t0) * 1000.0)
    mem = {n: measure_memory(n, args.image) for n in entries}

    base = statistics.median(times["cv2.stylization"])
    print(f"# filters at {W}x{H}, {args.rounds} rounds, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"cv2 {cv2.__version__} threads={cv2.getNumThreads()}, load avg {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| entry | median ms | min ms | vs cv2.stylization | peak RSS MB | added MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in entries:
        med = statistics.median(times[n])
        m = mem[n]
        print(
            f"| {n} | {med:.0f} | {min(times[n]):.0f} | {med / base:.2f}x | "
            f"{m['peak_mb']:.0f} | {m['peak_mb'] - m['before_mb']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
