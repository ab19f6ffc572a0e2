"""Speed of curation: the quality score and CLIP ranking, against baselines run in the same process.

    flock /tmp/painterly-bench.lock python benchmarks/bench_quality.py [--no-clip] [--n 16]

1. quality_score per picture at 512 and 2048 px, against the cheapest one-number check
   (variance of the Laplacian on the full picture): how much the six components cost.
2. Ranking N pictures for one prompt: quality only, against CLIP ViT-B/32 + quality. CLIP runs
   the real ViT-B/32 architecture (transformers' CLIPConfig defaults) with random weights,
   through painterly's loader: the arithmetic is that of the real model; no weights are
   downloaded (none ship offline).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from painterly.curation.quality import quality_score  # noqa: E402
from painterly.samples import sample_photo  # noqa: E402


def timeit(fn, repeat: int = 5) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_quality() -> None:
    photo = sample_photo("astronaut")  # 512 x 512
    big = np.clip(cv2.resize(photo, (2048, 2048), interpolation=cv2.INTER_CUBIC), 0, 1)
    for name, img in (("512 px", photo), ("2048 px", big)):
        grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        base = timeit(lambda: cv2.Laplacian(grey, cv2.CV_32F).var())
        q = timeit(lambda: quality_score(img))
        print(f"quality_score {name}: {q * 1e3:.1f} ms; Laplacian variance alone {base * 1e3:.2f} ms;"
              f" ratio {q / base:.1f}x")


def write_vit_b32(folder: Path) -> Path:
    """ViT-B/32-sized CLIP with random weights, in the Hub layout painterly's loader reads."""
    import torch
    from transformers import CLIPConfig, CLIPModel

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _curation_tiny_clip import build_tiny_clip

    try:
        from transformers import CLIPImageProcessorPil as ImageProcessor
    except ImportError:
        from transformers import CLIPImageProcessor as ImageProcessor

    build_tiny_clip(folder)  # tokenizer files (vocabulary size is irrelevant to speed)
    vocab = json.loads((folder / "vocab.json").read_text())
    config = CLIPConfig(text_config={"vocab_size": len(vocab),
                                     "bos_token_id": vocab["<|startoftext|>"],
                                     "eos_token_id": vocab["<|endoftext|>"],
                                     "pad_token_id": vocab["<|endoftext|>"]},
                        vision_config={"image_size": 224, "patch_size": 32}, projection_dim=512)
    torch.manual_seed(0)
    CLIPModel(config).eval().save_pretrained(folder, safe_serialization=True)
    ImageProcessor(size={"shortest_edge": 224},
                   crop_size={"height": 224, "width": 224}).save_pretrained(folder)
    return folder


def bench_rank(n: int, with_clip: bool) -> None:
    from painterly.curation.rank import rank

    photos = [sample_photo(k) for k in ("chelsea", "astronaut", "coffee", "rocket")]
    images = [cv2.resize(photos[i % 4], (512, 512), interpolation=cv2.INTER_AREA) for i in range(n)]
    t_quality = timeit(lambda: rank(images, None), repeat=3)
    print(f"rank {n} pictures (512 px), quality only: {t_quality:.2f} s "
          f"({t_quality / n * 1e3:.0f} ms per picture)")
    if not with_clip:
        return
    import torch

    from painterly.curation.clip import load_clip

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_vit_b32(Path(tmp) / "vit-b-32")
        t = time.perf_counter()
        load_clip(folder)
        print(f"load ViT-B/32 (605 MB safetensors): {time.perf_counter() - t:.2f} s")
        t_clip = timeit(lambda: rank(images, "a photo of a cat", model=folder), repeat=3)
    print(f"rank {n} pictures, CLIP ViT-B/32 + quality: {t_clip:.2f} s "
          f"({t_clip / n * 1e3:.0f} ms per picture); ratio to quality only {t_clip / t_quality:.1f}x"
          f" (torch {torch.__version__}, {torch.get_num_threads()} threads)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--no-clip", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, python {platform.python_version()}")
    bench_quality()
    bench_rank(args.n, not args.no_clip)


if __name__ == "__main__":
    main()
