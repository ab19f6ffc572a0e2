"""Throughput of `painterly augment` at 512 px: the local process pool against Ray, 1 and 2 workers.

Usage (under the shared lock, so benchmarks never overlap)::

    flock /tmp/painterly-bench.lock python benchmarks/bench_augment.py [--images 12] [--repeat 2]

What is measured, per engine and worker count, on the same plan (same sources, styles, seed):

* steady rate: images/s between the first and the last finished image, so worker start-up and
  model loading (paid once per worker, not per image) are left out; the wall time of the whole
  run, start-up included, is reported beside it;
* scaling efficiency: rate(2 workers) / (2 x rate(1 worker)), per engine;
* Ray's overhead against the local pool: 1 - rate(ray) / rate(local) at the same worker count;
* Ray's scheduling overhead per image: the round trip of a no-op actor call carrying a 512 px
  source in and a 512 px PNG out;
* the driver's serial cost per image: that round trip plus the fsynced write of the output and
  its manifest row, through the group committer (one result at a time, and many at once). One driver handles every image, so this bounds a cluster: projected images/s
  on N machines of C workers is min(N x C / (1/per-worker rate + scheduling), 1 / driver cost).

Engines alternate within each repeat (local 1, ray 1, local 2, ray 2), so a change of machine
load hits both alike. Ray is started once (``ray.init(num_cpus=2)``) and its start-up is
reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

STYLES = "oil,watercolor,starry-swirls,pencil"  # two filters, a neural built-in, a sketch
SIZE = 512


def make_dataset(root: Path, n: int) -> None:
    """``n`` 512 px photos from skimage.data and the shared test photos, in two class folders."""
    import skimage.data

    from painterly.io import load_image, resize_max, save_image, to_image

    photos = [to_image(getattr(skimage.data, name)()) for name in ("chelsea", "astronaut", "coffee",
                                                                   "rocket")]
    shared = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "photos"
    if shared.is_dir():
        photos += [load_image(p) for p in sorted(shared.glob("*.jpg"))]
    for k in range(n):
        img = resize_max(photos[k % len(photos)], SIZE)
        if img.shape[1] < SIZE and img.shape[0] < SIZE:  # small photos: upscale to 512 px
            import cv2

            s = SIZE / max(img.shape[:2])
            img = np.ascontiguousarray(cv2.resize(img, None, fx=s, fy=s), dtype=np.float32)
        save_image(np.ascontiguousarray(np.roll(img, 37 * k, axis=1)),
                   root / ("a" if k % 2 else "b") / f"img_{k}.png")


def timed_run(src: Path, out: Path, engine: str, workers: int) -> dict:
    from painterly.augment import augment

    stamps: list[tuple[float, int]] = []  # (time, images committed): a commit may hold several
    t0 = time.perf_counter()
    summary = augment(src, out, styles=STYLES, seed=0, size=SIZE, engine=engine, workers=workers,
                      progress=lambda done, total: stamps.append((time.perf_counter(), done))
                      if done else None)
    wall = time.perf_counter() - t0
    assert summary.written == summary.planned and not summary.failed, summary
    (t_first, n_first), (t_last, n_last) = stamps[0], stamps[-1]
    steady = (n_last - n_first) / (t_last - t_first)
    return {"engine": engine, "workers": workers, "images": summary.written, "wall_s": wall,
            "first_image_s": t_first - t0, "steady_img_s": steady}


def driver_cost(src: Path, rounds: int = 40) -> dict:
    """Per-image serial work of the driver: a Ray no-op round trip with real payloads, and the
    fsynced output write plus manifest row."""
    import ray

    from painterly.augment.manifest import Manifest

    data = next(src.rglob("*.png")).read_bytes()

    @ray.remote(num_cpus=1)
    class Echo:
        def paint(self, payload: bytes) -> bytes:
            return payload

    actors = [Echo.remote() for _ in range(2)]
    ray.get([a.paint.remote(b"") for a in actors])
    t = time.perf_counter()
    refs = [actors[i % 2].paint.remote(data) for i in range(rounds)]
    ray.get(refs)
    ray_s = (time.perf_counter() - t) / rounds
    for a in actors:
        ray.kill(a)
    # the driver's writes, through the committer: one result at a time (light load), and many
    # arriving together (a cluster outpacing the disk), where commits group them
    from painterly.augment.commit import Committer
    from painterly.augment.job import Result
    from painterly.augment.plan import Job

    def commit_cost(wait_each: bool) -> float:
        with tempfile.TemporaryDirectory() as d, Manifest(Path(d)) as m:
            done = threading.Event()
            committer = Committer(Path(d), m, lambda batch: done.set())
            t = time.perf_counter()
            for i in range(rounds):
                job = Job(f"s{i}.png", "oil", "oil", 1.0, 0, f"o{i}.png")
                committer.put(Result(job, data, "0" * 64))
                if wait_each:
                    done.wait()
                    done.clear()
            committer.close()
            return (time.perf_counter() - t) / rounds

    single, grouped = commit_cost(True), commit_cost(False)
    return {"payload_bytes": len(data), "ray_roundtrip_s": ray_s, "write_row_single_s": single,
            "write_row_grouped_s": grouped, "driver_s": ray_s + grouped}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write every run here")
    args = ap.parse_args()
    import ray

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        make_dataset(src, args.images)
        t = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        ray_init_s = time.perf_counter() - t
        for rep in range(args.repeat):
            for workers in (1, 2):
                for engine in ("local", "ray"):
                    r = timed_run(src, Path(tmp) / f"out-{rep}-{engine}-{workers}", engine, workers)
                    r["repeat"] = rep
                    r["load1"] = os.getloadavg()[0]
                    runs.append(r)
                    print(f"repeat {rep} {engine:5s} x{workers}: {r['steady_img_s']:.3f} img/s steady, "
                          f"{r['wall_s']:.1f} s wall ({r['first_image_s']:.1f} s to the first image), "
                          f"load {r['load1']:.1f}", flush=True)
        cost = driver_cost(src)
        ray.shutdown()

    def rate(engine, workers):
        return statistics.median(r["steady_img_s"] for r in runs
                                 if r["engine"] == engine and r["workers"] == workers)

    per_worker = rate("local", 1)
    overhead = {w: 1 - rate("ray", w) / rate("local", w) for w in (1, 2)}
    report = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
        "images": args.images, "size": SIZE, "styles": STYLES, "ray_init_s": ray_init_s,
        "runs": runs, "driver": cost,
        "median_img_s": {f"{e}x{w}": rate(e, w) for e in ("local", "ray") for w in (1, 2)},
        "scaling_efficiency": {e: rate(e, 2) / (2 * rate(e, 1)) for e in ("local", "ray")},
        "ray_overhead": overhead,
    }
    print(f"\nray.init: {ray_init_s:.1f} s (once per run of the command)")
    for e in ("local", "ray"):
        print(f"{e:5s}: x1 {rate(e, 1):.3f} img/s, x2 {rate(e, 2):.3f} img/s, scaling efficiency "
              f"{report['scaling_efficiency'][e]:.2f}")
    print(f"Ray overhead against the local pool: x1 {overhead[1]:+.1%}, x2 {overhead[2]:+.1%}")
    print(f"driver per image: Ray round trip {cost['ray_roundtrip_s'] * 1e3:.1f} ms "
          f"({cost['payload_bytes'] / 1e3:.0f} kB each way); file + row, fsynced: "
          f"{cost['write_row_single_s'] * 1e3:.1f} ms one at a time, "
          f"{cost['write_row_grouped_s'] * 1e3:.2f} ms grouped")
    # the projection: each image costs a worker 1/rate plus one Ray round trip (scheduling,
    # shipping the source in and the PNG out); the one driver writes every file and row, so
    # its serial cost per image caps the cluster
    t_img = 1 / per_worker
    sched = cost["ray_roundtrip_s"]
    cap = 1 / cost["driver_s"]
    report["sched_fraction"] = sched / t_img
    report["projection"] = {}
    print(f"scheduling overhead per image: {sched * 1e3:.1f} ms = {sched / t_img:.1%} of the "
          f"{t_img:.2f} s a worker paints one (local x1 median)")
    print("projection, machines of 16 workers at this per-worker rate:")
    for n in (1, 4, 16, 64):
        p = min(n * 16 / (t_img + sched), cap)
        report["projection"][n] = p
        print(f"  {n:3d} machines: {p:8.1f} img/s ({p * 86400 / 1e6:.2f} M images/day)"
              + ("  <- bound by the driver's writes" if p == cap else ""))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
