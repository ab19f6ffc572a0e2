"""Calibrate the subject-drift guard: false alarms on ordinary styles vs detections on broken outputs.

Subjects: the test photos (shared/testdata/photos) and skimage samples with a clear subject.
Ordinary outputs: each subject in a spread of built-in styles (filters and neural) at strength 1.
Broken outputs (what the guard must catch): (a) another subject's stylised picture in place of the
result (the pet that came back as something else), (b) heavy abstraction (16 px mosaic of the
stylised result, then a blur), (c) a flat colour field of the photo's mean colour.

For each pair it records the share of the photo's coarse subject group the result keeps, then
prints the confusion table for a few thresholds. Run: python benchmarks/bench_drift.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from painterly import stylize
from painterly.io import load_image, resize_max, to_image
from painterly.provenance.drift import GROUPS, DriftConfig, group_probs, judge

STYLES = ("watercolor", "pencil", "cartoon", "oil", "pop-art", "ukiyo-e", "ink-wash",
          "starry-swirls", "stained-glass", "acid-cubism")
SIZE = 384


def subjects() -> dict[str, np.ndarray]:
    import skimage.data as d

    out = {"chelsea (cat)": to_image(d.chelsea()), "coffee": to_image(d.coffee()),
           "rocket": to_image(d.rocket()), "astronaut": to_image(d.astronaut())}
    photos = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "photos"
    for p in sorted(photos.glob("*.jpg")):
        out[p.stem] = load_image(p)
    return {k: resize_max(v, SIZE) for k, v in out.items()}


def abstraction(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(cv2.GaussianBlur(big, (0, 0), 3), dtype=np.float32)


def report(names, probs_in, rows) -> None:
    """Markdown tables: the photos' subjects, then false alarms / detections per threshold."""
    sure = DriftConfig().sure
    print("\n| subject | photo's group (p) | judged |")
    print("|---|---|---|")
    for n in names:
        g = int(np.argmax(probs_in[n]))
        ok = GROUPS[g] != "object" and probs_in[n][g] >= sure
        print(f"| {n} | {GROUPS[g]} ({probs_in[n][g]:.2f}) | {'yes' if ok else 'no'} |")
    print("\n| keep | new_subject | ordinary styles: false alarms | broken outputs: detected |")
    print("|---|---|---|---|")
    grid = [(k, m) for k in (0.02, 0.05, 0.1, 0.2) for m in (0.0, 0.1, 0.2, 0.3)]
    for keep, m in grid:
        cfg = DriftConfig(keep=keep, new_subject=m)
        verdicts = [(r, judge(np.asarray(probs_in[r["subject"]]), np.asarray(r["p"]), cfg)) for r in rows]
        judged = [(r, v) for r, v in verdicts if "note" not in v]
        fa = [r for r, v in judged if v["drifted"] and not r["broken"]]
        det = [r for r, v in judged if v["drifted"] and r["broken"]]
        n_ord = sum(not r["broken"] for r, _ in judged)
        n_brk = sum(r["broken"] for r, _ in judged)
        print(f"| {keep:.2f} | {m:.1f} | {len(fa)} / {n_ord} | {len(det)} / {n_brk} |")
    print("\nper case at the default threshold (kept share of the photo's group among subjects):")
    for r in rows:
        v = judge(np.asarray(probs_in[r["subject"]]), np.asarray(r["p"]))
        if "note" not in v:
            print(f"  {r['subject']:20s} {r['case']:44s} kept {v['kept']:.3f} -> {v['output']}"
                  f"{'  DRIFT' if v['drifted'] else ''}")


def main() -> None:
    t0 = time.time()
    subj = subjects()
    names = list(subj)
    probs_in = {n: group_probs(im) for n, im in subj.items()}
    rows = []
    styled: dict[tuple[str, str], np.ndarray] = {}
    for n in names:
        for s in STYLES:
            art = stylize(subj[n], s, seed=0)
            styled[n, s] = art
            rows.append({"subject": n, "case": f"style {s}", "broken": False,
                         "p": group_probs(art)})
        print(f"{n}: done ({time.time() - t0:.0f} s)", file=sys.stderr)
    for i, n in enumerate(names):
        other = names[(i + len(names) // 2) % len(names)]
        for s in ("oil", "watercolor"):
            rows.append({"subject": n, "case": f"other photo ({other}, {s})", "broken": True,
                         "p": group_probs(styled[other, s])})
        rows.append({"subject": n, "case": "abstraction (oil, 16 px mosaic)", "broken": True,
                     "p": group_probs(abstraction(styled[n, "oil"]))})
        flat = np.empty_like(subj[n])
        flat[:] = subj[n].mean(axis=(0, 1))
        rows.append({"subject": n, "case": "flat colour", "broken": True, "p": group_probs(flat)})

    report(names, probs_in, rows)
    out = Path(__file__).with_name("results") / "drift.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"groups": GROUPS,
                               "photos": {n: [round(float(x), 5) for x in p] for n, p in probs_in.items()},
                               "pairs": [{**r, "p": [round(float(x), 5) for x in r["p"]]} for r in rows]},
                              indent=1))
    print(f"\n{len(rows)} pairs in {time.time() - t0:.0f} s (shared 2-core machine)", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--report":  # re-analyse a saved run
        saved = json.loads((Path(__file__).with_name("results") / "drift.json").read_text())
        report(list(saved["photos"]), saved["photos"], saved["pairs"])
    else:
        main()
