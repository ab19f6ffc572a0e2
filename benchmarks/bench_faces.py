"""The face steps' time at 1024 px, and the whole process with them (issue 19, parts 4 and speed).

Usage (under the shared lock, so benchmarks never overlap)::

    flock /tmp/painterly-bench.lock env PYTHONPATH=src python benchmarks/bench_faces.py \
        [--rounds 5] [--filters cartoon oil] [--no-process]

1. In one process, per portrait resized to 1024 px on the long side (medians of ``--rounds``,
   contenders alternated): the photo's search as the filters and the CLI do it
   (``find_faces(max_side=768)``, with landmarks) with the network runs on one thread (as
   before this change) and on the per-call pool of 2; the face guard on a painted result given
   the photo's faces (what a filter run adds), and the guard searching the photo itself (what a
   neural style's run adds; boxes only).
2. The whole ``painterly stylize`` process on one 1024 px portrait, for each filter: this tree
   against ``--base-ref`` (a1753cc: the filters before their people steps, "today" in the
   issue) and ``--prev-ref`` (the people steps without the face guard), each with its own code.
3. ``--calibrate``: the guard's verdicts on every portrait in each style, and on results whose
   faces were erased (false alarms / detections).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ("astronaut", "obama_podium.jpg", "grace_hopper.jpg", "group_composite.jpg", "chelsea")


def _load_1024(name: str):
    import cv2

    sys.path.insert(0, str(ROOT / "tests"))
    import _portraits as P

    im = P.load(name)
    s = 1024 / max(im.shape[:2])
    import numpy as np

    big = cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)),
                     interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    return np.clip(big, 0.0, 1.0)


def _timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms of the whole process: every thread) of one call."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000


def compute(rounds: int) -> None:
    from functools import partial

    from painterly import stylize
    from painterly.faces import FaceConfig, find_faces
    from painterly.provenance.people import check_faces, search_side

    print("Medians, wall ms (CPU ms of all threads: what an idle core would take)")
    print("| photo (1024 px) | faces | search, 1 thread | search, pool of 2 | guard on a "
          "result, faces given | guard alone |")
    print("|---|---|---|---|---|---|")
    for name in PHOTOS:
        img = _load_1024(name)
        side = search_side(img.shape)
        faces = find_faces(img, max_side=side)
        result = stylize(img, "oil")
        calls = [partial(find_faces, img, config=FaceConfig(threads=1), max_side=side),
                 partial(find_faces, img, max_side=side),
                 partial(check_faces, img, result, faces=faces),
                 partial(check_faces, img, result)]
        times: list[list[tuple[float, float]]] = [[] for _ in calls]
        for fn in calls:
            fn()  # first use
        for _ in range(rounds):  # alternated, so that the machine's load hits all alike
            for fn, out in zip(calls, times):
                out.append(_timed(fn))
        cells = [f"{statistics.median(w for w, _ in t):.1f} ({statistics.median(c for _, c in t):.1f})"
                 for t in times]
        print(f"| {name} | {len(faces)} | " + " | ".join(cells) + " |")


def calibrate(styles: list[str], side: int) -> None:
    """How often the guard warns: on every style's results of every portrait (and the
    no-face photos), and on results whose faces were erased (OpenCV inpainting over each face's
    box grown by half: must warn)."""
    import cv2
    import numpy as np

    sys.path.insert(0, str(ROOT / "tests"))
    import _portraits as P

    from painterly import stylize
    from painterly.io import resize_max
    from painterly.provenance.people import check_faces, photo_faces

    names = [n for n in P.portraits("all", with_faces=False) if P.load(n) is not None]
    print(f"\nthe guard's verdicts, {len(names)} photos at {side} px at most "
          f"({sum(P.portraits('all').count(n) for n in names)} with faces):")
    print("| result | results warned | photo faces | kept | lost | new faces | warned on |")
    print("|---|---|---|---|---|---|---|")
    photos = {n: np.clip(resize_max(P.load(n), side), 0, 1) for n in names}
    faces = {n: photo_faces(im) for n, im in photos.items()}

    def erased(im, fs):
        out = (im * 255).astype(np.uint8)
        mask = np.zeros(im.shape[:2], np.uint8)
        for f in fs:
            x0, y0, x1, y1 = f.box
            gx, gy = (x1 - x0) / 2, (y1 - y0) / 2
            mask[max(0, int(y0 - gy)):int(y1 + gy), max(0, int(x0 - gx)):int(x1 + gx)] = 255
        return cv2.inpaint(out, mask, 5, cv2.INPAINT_TELEA).astype(np.float32) / 255

    for st in [*styles, "faces erased"]:
        warned, n_faces, kept, lost, new, on = 0, 0, 0, 0, 0, []
        for n, im in photos.items():
            out = erased(im, faces[n]) if st == "faces erased" else stylize(im, st)
            v = check_faces(im, out, faces=faces[n])
            warned += v["changed"]
            if v["changed"]:
                on.append(f"{n.split('.')[0]} ({v['lost']}/{v['found']} lost, {v['new']} new)")
            n_faces, kept, lost, new = n_faces + v["found"], kept + v["kept"], lost + v["lost"], \
                new + v["new"]
        print(f"| {st} | {warned}/{len(photos)} | {n_faces} | {kept} | {lost} | {new} | "
              + (", ".join(on) if st != "faces erased" else "every photo with a face") + " |")


def _tree(ref: str, work: Path) -> Path:
    dst = work / ref
    dst.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dst)], input=archive, check=True)
    return dst / "src"


def _process(src: Path, style: str, photo: Path, out: Path) -> tuple[float, float]:
    """(wall s, CPU s: user + system of the process and its threads)."""
    import resource

    env = dict(os.environ, PYTHONPATH=str(src))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "painterly", "stylize", str(photo), "--style", style,
                    "-o", str(out)], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def process(filters: list[str], rounds: int, base_ref: str, prev_ref: str) -> None:
    from painterly.io import save_image

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        trees = {"now": ROOT / "src", "base": _tree(base_ref, work), "prev": _tree(prev_ref, work)}
        photo = work / "portrait1024.png"
        save_image(_load_1024("obama_podium.jpg"), photo)
        print(f"\nwhole process, one 1024 px portrait, medians of {rounds} (base {base_ref}, "
              f"prev {prev_ref}); wall s (CPU s):")
        print("| style | now | prev | base | now / base | prev / base |")
        print("|---|---|---|---|---|---|")
        for f in filters:
            times = {k: [] for k in trees}
            for k, src in trees.items():
                _process(src, f, photo, work / f"{k}.png")  # disk cache, graph cache
            for _ in range(rounds):
                for k, src in trees.items():
                    times[k].append(_process(src, f, photo, work / f"{k}.png"))
            w = {k: statistics.median(t for t, _ in v) for k, v in times.items()}
            c = {k: statistics.median(u for _, u in v) for k, v in times.items()}
            cells = [f"{w[k]:.2f} ({c[k]:.2f})" for k in ("now", "prev", "base")]
            cells += [f"{w[k] / w['base']:.2f}x ({c[k] / c['base']:.2f}x)" for k in ("now", "prev")]
            print(f"| {f} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--filters", nargs="+", default=["cartoon", "oil", "ink-wash", "pop-art",
                                                     "teal-mosaic"],
                    help="styles of the whole-process runs (a neural one: the guard and the "
                         "portrait option's search)")
    ap.add_argument("--base-ref", default="a1753cc")
    ap.add_argument("--prev-ref", default="82d40a8")
    ap.add_argument("--no-compute", action="store_true")
    ap.add_argument("--no-process", action="store_true")
    ap.add_argument("--calibrate", nargs="*", default=None, metavar="STYLE",
                    help="the guard's verdicts on every portrait in these styles (none given: "
                         "the 8 filters and 3 built-in neural styles)")
    ap.add_argument("--calibrate-side", type=int, default=1024)
    args = ap.parse_args()
    print(f"# bench_faces {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}")
    if not args.no_compute:
        compute(args.rounds)
    if not args.no_process:
        process(args.filters, args.rounds, args.base_ref, args.prev_ref)
    if args.calibrate is not None:
        calibrate(args.calibrate or ["cartoon", "ink-wash", "ukiyo-e", "pop-art", "pencil",
                                     "color-pencil", "oil", "watercolor", "teal-mosaic",
                                     "fauve-swirls", "starry-swirls"], args.calibrate_side)


if __name__ == "__main__":
    main()
