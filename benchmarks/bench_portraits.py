"""Do the filters keep the people? Faces found, features kept and time, against main's filters.

Usage (under the shared lock, so benchmarks never overlap)::

    flock /tmp/painterly-bench.lock env PYTHONPATH=src python benchmarks/bench_portraits.py \
        [--set tune|judge|all] [--filters cartoon ink-wash ...] [--base-ref a1753cc] \
        [--rounds 3] [--no-speed] [--no-process] [--no-base] [--sheet docs/img/portraits.jpg] \
        [--before-after docs/img/cartoon_before_after.jpg --before-after-style cartoon]

Prints, for this tree's filters and for the same filters at ``--base-ref`` (today's, before the
people steps; the base tree gets this tree's ``painterly.faces`` to measure with, nothing
else), on the portraits of ``tests/data/portraits/faces.json`` (``extra/`` photos where
present):

1. per filter: faces found in the result (of those the detector finds in the photo) and
   features kept (of the faces with landmarks), as ``tests/_portraits.py`` defines them
   (landmarks in place, edges at the features, the face stylised as much as the picture);
2. compute time per image at 512 px and 1024 px (long side), medians of ``--rounds``, this
   tree against the base, each in its own process, rounds alternated;
3. the whole process at 1024 px (``painterly stylize photo.png --style F -o out.png``), this
   tree against the base, alternated (target: at most 1.3x);
4. with ``--sheet``, a contact sheet of every filter on three tune portraits.

``--no-base`` measures the faces for this tree only (no base column): a quick check while tuning.
``--before-after`` draws one filter (``--before-after-style``) at ``--base-ref`` and now, side by
side, on the tune portraits and two non-portraits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILTERS = ("cartoon", "ink-wash", "ukiyo-e", "pop-art", "pencil", "color-pencil", "oil", "watercolor")
SHEET_PHOTOS = ("astronaut", "obama_podium.jpg", "luispedro.jpg")
BEFORE_AFTER_PHOTOS = ("astronaut", "obama_podium.jpg", "luispedro.jpg", "obama_cut.jpg", "chelsea", "coffee")

WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np, cv2
import _portraits as P
from painterly.faces import find_faces
from painterly.styles import get_style
mode, names, filters = sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
out = {}
if mode == "measure":
    photos = {n: P.load(n) for n in names}
    photos = {n: im for n, im in photos.items() if im is not None}
    refs = {n: find_faces(im) for n, im in photos.items()}
    for f in filters:
        st = get_style(f)
        rows = []
        for n, im in photos.items():
            for r in P.compare(im, st.apply(im, seed=0), refs[n]):
                rows.append([n, r.found, r.kept, r.error, r.structure, r.style])
        out[f] = rows
elif mode == "render":  # one filter on the photos at most 720 px long, saved to an .npz
    f, path = sys.argv[5], sys.argv[6]
    res = {}
    for n in names:
        im = P.load(n)
        s = min(1.0, 720 / max(im.shape[:2]))
        if s < 1:
            im = cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)), interpolation=cv2.INTER_AREA)
        res[n] = get_style(f).apply(im, seed=0)
    np.savez(path, **res)
else:  # speed: compute time per image at a long side
    side, rounds = int(sys.argv[5]), int(sys.argv[6])
    photos = []
    for n in names:
        im = P.load(n)
        if im is not None:
            s = side / max(im.shape[:2])
            photos.append(cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)),
                                     interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC))
    for f in filters:
        st = get_style(f)
        st.apply(photos[0], seed=0)  # lazy imports, model sessions
        t = time.perf_counter()
        for im in photos:
            st.apply(im, seed=0)
        out[f] = (time.perf_counter() - t) / len(photos)
print(json.dumps(out))
"""


def base_tree(ref: str, work: Path) -> Path:
    """``src`` of ``ref`` with this tree's ``painterly.faces`` (and its model registry) laid in."""
    dst = work / "base"
    dst.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dst)], input=archive, check=True)
    src = dst / "src" / "painterly"
    shutil.copytree(ROOT / "src" / "painterly" / "faces", src / "faces", dirs_exist_ok=True)
    for f in (ROOT / "src" / "painterly" / "models").glob("*.py"):
        shutil.copy(f, src / "models" / f.name)
    return dst / "src"


def worker(src: Path, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    p = subprocess.run([sys.executable, "-c", WORKER, str(ROOT / "tests"), *args], env=env,
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def summarise(rows: list) -> dict:
    found = sum(1 for r in rows if r[1])
    judged = [r for r in rows if r[2] is not None]
    kept = sum(1 for r in judged if r[2])
    return {"faces": len(rows), "found": found, "judged": len(judged), "kept": kept,
            "photos_all_found": sorted({r[0] for r in rows} - {r[0] for r in rows if not r[1]})}


def whole_process(src: Path, style: str, photo: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "painterly", "stylize", str(photo), "--style", style,
                    "-o", str(out)], env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def contact(names: list[str], filters: list[str], path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import _portraits as P

    from painterly.io import save_image
    from painterly.sheet import contact_sheet
    from painterly.styles import get_style

    items = []
    for n in names:
        im = P.load(n)
        items.append((f"{n.split('.')[0]}: photo", im))
        items += [(f"{f}", get_style(f).apply(im, seed=0)) for f in filters]
    sheet = contact_sheet(items, cols=len(filters) + 1, cell=220, caption_px=26,
                          title="Every filter on three portraits (tune set)")
    save_image(sheet, path, quality=82)  # under ~400 kB for the README


def before_after(ours: Path, base: Path, ref: str, style: str, names: list[str], path: Path, work: Path) -> None:
    """A contact sheet: each photo, ``style`` at ``ref`` and in this tree (at most 720 px)."""
    import numpy as np

    from painterly.io import save_image
    from painterly.sheet import contact_sheet

    worker(ours, "render", json.dumps(names), "[]", style, str(work / "now.npz"))
    worker(base, "render", json.dumps(names), "[]", style, str(work / "base.npz"))
    now, old = np.load(work / "now.npz"), np.load(work / "base.npz")
    import _portraits as P
    import cv2

    items = []
    for n in names:
        im = P.load(n)
        s = min(1.0, 720 / max(im.shape[:2]))
        if s < 1:
            im = cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)), interpolation=cv2.INTER_AREA)
        b = n.split(".")[0]
        items += [(f"{b}: photo", im), (f"{b}: {style} at {ref}", old[n]), (f"{b}: {style} now", now[n])]
    sheet = contact_sheet(items, cols=6, cell=300, caption_px=24,
                          title=f"{style} before and after (tune photos and two non-portraits)")
    save_image(sheet, path, quality=82)


def measure(ours: Path, base: Path, names: list[str], filters: list[str]) -> None:
    m_ours = worker(ours, "measure", json.dumps(names), json.dumps(filters))
    if base is None:
        m_base = {f: [] for f in filters}
    else:
        m_base = worker(base, "measure", json.dumps(names), json.dumps(filters))
    print("\n| filter | faces found: now | base | features kept: now | base |")
    print("|---|---|---|---|---|")
    for f in filters:
        a, b = summarise(m_ours[f]), summarise(m_base[f])
        print(f"| {f} | {a['found']}/{a['faces']} ({100 * a['found'] / max(1, a['faces']):.0f} %) "
              f"| {b['found']}/{b['faces']} | {a['kept']}/{a['judged']} "
              f"({100 * a['kept'] / max(1, a['judged']):.0f} %) | {b['kept']}/{b['judged']} |")
    lost = {f: sorted({r[0] for r in m_ours[f] if not r[1]}) for f in filters}
    print("\nphotos with a face lost (now):", json.dumps({k: v for k, v in lost.items() if v}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="all", choices=("tune", "judge", "all"))
    ap.add_argument("--filters", nargs="+", default=list(FILTERS))
    ap.add_argument("--base-ref", default="a1753cc")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-measure", action="store_true")
    ap.add_argument("--no-base", action="store_true", help="measure faces for this tree only")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--speed-set", default="tune", choices=("tune", "judge", "all"),
                    help="portraits timed (crowd photos repaint up to 24 small faces each)")
    ap.add_argument("--no-process", action="store_true")
    ap.add_argument("--sheet", type=Path)
    ap.add_argument("--before-after", type=Path,
                    help="contact sheet of --before-after-style at --base-ref and now (tune photos)")
    ap.add_argument("--before-after-style", default="cartoon")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    import _portraits as P

    names = P.portraits(args.set)
    filters = json.dumps(args.filters)
    print(f"# bench_portraits: {len(names)} photos ({args.set}), base {args.base_ref}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = base_tree(args.base_ref, work)
        ours = ROOT / "src"
        if args.before_after:
            before_after(ours, base, args.base_ref, args.before_after_style, list(BEFORE_AFTER_PHOTOS),
                         args.before_after, work)
            print(f"\nbefore/after sheet: {args.before_after}")
        if not args.no_measure:
            measure(ours, None if args.no_base else base, names, args.filters)

        if not args.no_speed:
            speed_names = P.portraits(args.speed_set)
            print(f"\ncompute time per image, {len(speed_names)} photos ({args.speed_set}), "
                  f"medians of {args.rounds}:")
            print("| filter | 512 px now s | base s | ratio | 1024 px now s | base s | ratio |")
            print("|---|---|---|---|---|---|---|")
            times = {(s, k): {f: [] for f in args.filters} for s in (512, 1024) for k in ("now", "base")}
            for _ in range(args.rounds):
                for side in (512, 1024):
                    for key, src in (("now", ours), ("base", base)):
                        r = worker(src, "speed", json.dumps(speed_names), filters, str(side), "1")
                        for f in args.filters:
                            times[(side, key)][f].append(r[f])
            for f in args.filters:
                cells = []
                for side in (512, 1024):
                    n = statistics.median(times[(side, "now")][f])
                    b = statistics.median(times[(side, "base")][f])
                    cells += [f"{n:.3f}", f"{b:.3f}", f"{n / b:.2f}x"]
                print(f"| {f} | " + " | ".join(cells) + " |")

        if not args.no_process:
            import cv2

            im = P.load(SHEET_PHOTOS[1])
            s = 1024 / max(im.shape[:2])
            photo = work / "portrait1024.png"
            big = cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)), interpolation=cv2.INTER_CUBIC)
            cv2.imwrite(str(photo), cv2.cvtColor((big * 255 + 0.5).astype("uint8"), cv2.COLOR_RGB2BGR))
            print("\nwhole process, one 1024 px portrait (painterly stylize), medians:")
            print("| filter | now s | base s | ratio |")
            print("|---|---|---|---|")
            for f in args.filters:
                tn, tb = [], []
                whole_process(ours, f, photo, work / "o.png")  # warm the disk cache
                for _ in range(args.rounds):
                    tn.append(whole_process(ours, f, photo, work / "o.png"))
                    tb.append(whole_process(base, f, photo, work / "b.png"))
                n, b = statistics.median(tn), statistics.median(tb)
                print(f"| {f} | {n:.2f} | {b:.2f} | {n / b:.2f}x |")
    if args.sheet:
        contact(list(SHEET_PHOTOS), args.filters, args.sheet)
        print(f"\ncontact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
