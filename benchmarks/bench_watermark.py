"""Invisible watermark: painterly against the `invisible-watermark` package on the same images.

Usage (under the shared lock, so benchmarks never overlap)::

    flock /tmp/painterly-bench.lock python benchmarks/bench_watermark.py [--images 18] [--rounds 7]
    flock /tmp/painterly-bench.lock python benchmarks/bench_watermark.py --false-positives 10000

Needs the benchmark-only package ``invisible-watermark`` (``pip install 'painterly[bench]'``),
which imports torch and pulls opencv-python; rivaGAN also needs onnxruntime (its ONNX weights
ship in that wheel). painterly itself uses numpy and OpenCV only.

Contenders: painterly (48-bit payload, default public key), dwtDct (the SDXL watermark),
dwtDctSvd (both with the same 48 bits) and rivaGAN (its fixed 32-bit payload), each embedding
into the same images: the shared test paintings and photos with the long side set to 1024 px,
and painterly outputs of several styles. Every marked image is rounded to 8 bits (as saved),
attacked, and decoded. Bit accuracy is the share of payload bits recovered (painterly: the bits
its decoder settles on even when the tag rejects them); "exact" is the share of images whose
whole payload came back (painterly: detected with the right payload). PSNR is against the same
image without the mark, both rounded to 8 bits.

Timing: embed (with its read-back, ``embed_checked``) and detect on a 1024x1024 image, the median of ``--rounds`` runs (rivaGAN: two),
each contender in the same process, interleaved, so the ratios hold under a shared machine's
changing load; wall-clock and CPU time (the process's, all threads) are both given, since a
shared machine's wall clock includes waiting for a core.

False positives: ``--false-positives N`` runs detection on N unmarked images (random crops and
rescales of the test images and skimage's photos, painterly outputs of several styles, noise,
some JPEG-compressed) and counts detections.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from painterly.io import load_image, to_image, to_uint8
from painterly.watermark import WatermarkConfig, embed_checked, make_payload
from painterly.watermark.detection import search

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
STYLES = ("oil", "starry-swirls", "watercolor", "cartoon", "ukiyo-e", "ink-wash", "pencil", "pop-art",
          "color-pencil", "fauve-swirls", "teal-mosaic", "expressionist-oil")
PAYLOAD = make_payload(0x2A17, 0x9E3779B9)


# Attacks: uint8 RGB in, uint8 RGB out.
def _jpeg(q):
    def f(img):
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "JPEG", quality=q)
        return np.asarray(Image.open(buf).convert("RGB"))

    return f


def _resize(s):
    def f(img):
        h, w = img.shape[:2]
        return cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)

    return f


def _crop(c):
    def f(img):
        h, w = img.shape[:2]
        dy, dx = round(c * h), round(c * w)
        return np.ascontiguousarray(img[dy : h - dy, dx : w - dx])

    return f


def _webp(q):
    def f(img):
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "WEBP", quality=q)
        return np.asarray(Image.open(buf).convert("RGB"))

    return f


def _fit(img, side):
    h, w = img.shape[:2]
    s = side / max(h, w)
    if s >= 1:
        return img
    return cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def _social(img):
    """Three rounds of what a social network does to an upload: long side to 1080, JPEG 85."""
    for _ in range(3):
        img = _jpeg(85)(_fit(img, 1080))
    return img


def _centre_half(img):
    h, w = img.shape[:2]
    return np.ascontiguousarray(img[h // 4 : h // 4 + h // 2, w // 4 : w // 4 + w // 2])


def _screenshot(img):
    """A screenshot-like chain: 60 % resize, JPEG 80, 2 px off every edge."""
    img = _jpeg(80)(_resize(0.6)(img))
    return np.ascontiguousarray(img[2:-2, 2:-2])


def _rotate(deg, fill, reflect=False):
    """Rotate about the centre; ``fill``: crop to the largest upright rectangle inside (no
    corners); ``reflect``: keep the size, corners filled with the mirrored picture (as a
    content-aware fill would); else keep the size with black corners."""
    def f(img):
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
        border = cv2.BORDER_REFLECT if reflect else cv2.BORDER_CONSTANT
        out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                             borderMode=border, borderValue=(0, 0, 0))
        if fill:
            a = np.radians(abs(deg))
            # inner rectangle of the same aspect: a margin of sin(a) * the other side
            dy = int(np.ceil(w / 2 * np.sin(a) + 1))
            dx = int(np.ceil(h / 2 * np.sin(a) + 1))
            out = np.ascontiguousarray(out[dy : h - dy, dx : w - dx])
        return out

    return f


def _contrast(img):
    """Brightness +10 % and contrast +20 % about mid-grey."""
    x = img.astype(np.float32)
    return np.clip((x - 128) * 1.2 + 128 + 25, 0, 255).astype(np.uint8)


def _gray(img):
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(np.repeat(g[..., None], 3, axis=2))


# The attacks (#24): what people do to a painting they post or copy.
ATTACKS = {
    "none": lambda img: img,
    "JPEG 50": _jpeg(50),
    "WebP 75": _webp(75),
    "resize 50%": _resize(0.5),
    "resize 33%": _resize(1 / 3),
    "bright/contrast": _contrast,
    "grayscale": _gray,
    "social x3": _social,
    "crop 5%": _crop(0.05),
    "crop 10%": _crop(0.10),
    "centre half": _centre_half,
    "screenshot": _screenshot,
    "rotate 1": _rotate(1, False),
    "rotate 2": _rotate(2, False),
    "rotate 2 crop": _rotate(2, True),
    "rotate -2 fill": _rotate(-2, False, reflect=True),
}


def _bits(data: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(data, np.uint8))


class Painterly:
    name, payload = "painterly", PAYLOAD

    def __init__(self, config=WatermarkConfig()):
        self.config = config

    def embed(self, rgb8):
        # What every output gets: embed, then read back at write time (embed_checked); an image
        # the mark does not read back from comes back unmarked (and then counts as missed).
        done = embed_checked(to_image(rgb8), self.payload, config=self.config)
        return to_uint8(done.image)

    def decode(self, rgb8):
        ok, payload, _ = search(to_image(rgb8), self.config)
        return _bits(payload), ok and payload == self.payload


class Anchor:
    """An ``imwatermark`` method, on BGR uint8 as that package expects."""

    def __init__(self, method):
        from imwatermark import WatermarkDecoder, WatermarkEncoder

        self.name, self.method = method, method
        self.payload = PAYLOAD[:4] if method == "rivaGan" else PAYLOAD  # rivaGAN: 32 bits only
        if method == "rivaGan":
            WatermarkEncoder.loadModel()
        self.enc = WatermarkEncoder()
        self.enc.set_watermark("bytes", self.payload)
        self.dec = WatermarkDecoder("bytes", 8 * len(self.payload))

    def embed(self, rgb8):
        bgr = self.enc.encode(np.ascontiguousarray(rgb8[..., ::-1]), self.method)
        return np.ascontiguousarray(bgr[..., ::-1])

    def decode(self, rgb8):
        try:
            got = self.dec.decode(np.ascontiguousarray(rgb8[..., ::-1]), self.method)
        except RuntimeError:  # "image too small" after a resize
            return np.zeros(8 * len(self.payload), np.uint8) + 2, False
        return _bits(got), got == self.payload


def _to_side(img: np.ndarray, side: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = side / max(h, w)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    out = cv2.resize(img, (round(w * s), round(h * s)), interpolation=interp)
    return np.ascontiguousarray(np.clip(out, 0, 1), dtype=np.float32)


PAINT_STYLES = ("watercolor", "cartoon", "ink-wash", "pencil", "pop-art", "ukiyo-e",
                "color-pencil", "expressionist-oil", "fauve-swirls", "teal-mosaic")
CACHE = Path("/tmp/painterly-bench-painted")


def _photos() -> list[tuple[str, np.ndarray]]:
    from painterly.samples import sample_photo

    out = [(p.stem, load_image(p)) for p in sorted(TESTDATA.glob("photos/*.jpg"))]
    return out + [(n, sample_photo(n)) for n in ("astronaut", "chelsea", "coffee", "rocket")]


def painted_images(count: int) -> list[tuple[str, np.ndarray]]:
    """Real ``painterly stylize`` outputs, unmarked, uint8 RGB: every photo in oil and in the
    neural starry-swirls with the long side at 1024 px, then one other filter or neural style
    per photo at the photo's own size. Cached as PNG under /tmp between runs."""
    from painterly import stylize

    jobs = []
    photos = _photos()
    for i, (name, photo) in enumerate(photos):
        jobs.append((f"oil({name})@1024", photo, "oil", 1024, i))
        jobs.append((f"starry-swirls({name})@1024", photo, "starry-swirls", 1024, i))
    for i, (name, photo) in enumerate(photos):
        style = PAINT_STYLES[i % len(PAINT_STYLES)]
        jobs.append((f"{style}({name})", photo, style, 0, i))
    # Interleave so a small --images count holds each kind.
    order = [j for k in range(len(photos)) for j in (jobs[2 * k], jobs[2 * len(photos) + k],
                                                     jobs[2 * k + 1])]
    CACHE.mkdir(exist_ok=True)
    out = []
    for name, photo, style, side, seed in order[:count]:
        path = CACHE / f"{name}.png"
        if path.is_file():
            out.append((name, np.asarray(Image.open(path).convert("RGB"))))
            continue
        src = _to_side(photo, side) if side else photo
        img = to_uint8(stylize(src, style, seed=seed))
        Image.fromarray(img).save(path)
        out.append((name, img))
    return out


def bench_images(count: int, side: int = 1024) -> list[tuple[str, np.ndarray]]:
    """The shared test paintings and photos (unpainted), long side at ``side``; uint8 RGB."""
    plain = [(p.stem, _to_side(load_image(p), side)) for p in sorted(TESTDATA.glob("*/*.jpg"))]
    return [(n, to_uint8(img)) for n, img in plain[:count]]


def robustness(contenders, images, limit: dict[str, int] | None = None) -> None:
    """Embed, round to 8 bits, attack, decode; a table of exact payloads recovered. A contender
    named in ``limit`` runs on the first ``limit[name]`` images only (its column says so)."""
    limit = limit or {}
    acc = {c.name: {a: [] for a in ATTACKS} for c in contenders}
    exact = {c.name: {a: [] for a in ATTACKS} for c in contenders}
    psnr = {c.name: [] for c in contenders}
    for k, (name, img) in enumerate(images):
        line = []
        for c in contenders:
            if k >= limit.get(c.name, len(images)):
                continue
            marked = c.embed(img)
            mse = np.mean((marked.astype(np.float64) - img) ** 2)
            psnr[c.name].append(10 * np.log10(255.0**2 / max(mse, 1e-12)))
            missed = []
            for a, attack in ATTACKS.items():
                bits, ok = c.decode(attack(marked))
                acc[c.name][a].append(float(np.mean(bits == _bits(c.payload))))
                exact[c.name][a].append(ok)
                if not ok:
                    missed.append(a)
            line.append(f"{c.name} {psnr[c.name][-1]:.1f} dB, missed: {', '.join(missed) or '-'}")
        print(f"  {name} {img.shape[1]}x{img.shape[0]}: " + "; ".join(line), flush=True)
    print(f"\nExact payload recovered (and mean bit accuracy), {len(images)} painted outputs:\n")
    print("| attack | " + " | ".join(
        f"{c.name} (/{len(psnr[c.name])})" for c in contenders) + " |")
    print("|---|" + "---:|" * len(contenders))
    for a in ATTACKS:
        cells = [f"{sum(exact[c.name][a])}/{len(exact[c.name][a])} ({np.mean(acc[c.name][a]):.3f})"
                 for c in contenders]
        print(f"| {a} | " + " | ".join(cells) + " |")
    cells = [f"{np.mean(psnr[c.name]):.1f} (min {np.min(psnr[c.name]):.1f})" for c in contenders]
    print("| PSNR dB mean (min) | " + " | ".join(cells) + " |")


def timing(contenders, rounds: int) -> None:
    from painterly.samples import sample_photo

    photo = sample_photo("astronaut")
    img = to_uint8(np.clip(cv2.resize(photo, (1024, 1024), interpolation=cv2.INTER_CUBIC), 0, 1))
    times = {c.name: ([], []) for c in contenders}
    for r in range(rounds):
        for c in contenders:  # interleaved: load changes hit every contender alike
            if c.name == "rivaGan" and r >= 2:
                continue  # ~20 s a call at 1024 px: two rounds say enough
            t0, c0 = time.perf_counter(), time.process_time()
            marked = c.embed(img)
            t1, c1 = time.perf_counter(), time.process_time()
            c.decode(marked)
            t2, c2 = time.perf_counter(), time.process_time()
            times[c.name][0].append((t1 - t0, c1 - c0))
            times[c.name][1].append((t2 - t1, c2 - c1))
    def med(pairs, k):
        return 1000 * statistics.median(p[k] for p in pairs)

    base = med(times["dwtDct"][0], 0) if "dwtDct" in times else None
    print(f"\nTiming at 1024x1024, median of {rounds} rounds, ms "
          "(ratio: wall embed to dwtDct's):\n")
    print("| contender | embed wall | embed CPU | detect wall | detect CPU | embed / dwtDct |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (te, td) in times.items():
        ratio = f"{med(te, 0) / base:.2f}x" if base else "-"
        print(f"| {name} | {med(te, 0):.1f} | {med(te, 1):.1f} | {med(td, 0):.1f} | "
              f"{med(td, 1):.1f} | {ratio} |")


def unmarked_images(n: int, seed: int = 0):
    """n unmarked uint8 images of many kinds and sizes (generator)."""
    import skimage.data

    from painterly import stylize

    rng = np.random.default_rng(seed)
    sources = [load_image(p, max_size=1024) for p in sorted(TESTDATA.glob("*/*.jpg"))]
    for name in ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "retina"):
        sources.append(to_image(getattr(skimage.data, name)()))
    styled = [stylize(_to_side(s, 640), st, seed=i)
              for i, (s, st) in enumerate(zip(sources, STYLES * 3))]
    sources += styled
    for i in range(n):
        kind = i % 10
        if kind == 9:  # noise: white, smooth, or periodic-looking
            side = int(rng.integers(256, 768))
            noise = rng.random((side, side, 3)).astype(np.float32)
            if rng.random() < 0.5:
                noise = cv2.GaussianBlur(noise, (0, 0), float(rng.uniform(0.5, 4)))
                noise = (noise - noise.min()) / (np.ptp(noise) + 1e-6)
            img = noise
        else:
            src = sources[int(rng.integers(len(sources)))]
            h, w = src.shape[:2]
            ch, cw = int(rng.integers(min(h, 200), h + 1)), int(rng.integers(min(w, 200), w + 1))
            y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            img = src[y : y + ch, x : x + cw]
            scale = float(rng.uniform(0.4, 1.3))
            img = cv2.resize(img, (max(64, round(cw * scale)), max(64, round(ch * scale))),
                             interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        img8 = to_uint8(np.clip(img, 0, 1))
        if rng.random() < 0.3:
            img8 = _jpeg(int(rng.integers(50, 95)))(img8)
        yield img8


def false_positives(n: int, seed: int = 0) -> None:
    config = WatermarkConfig()
    hits, agreements, t0 = 0, [], time.perf_counter()
    for i, img in enumerate(unmarked_images(n, seed)):
        ok, _, agreement = search(to_image(img), config)
        hits += ok
        agreements.append(agreement)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}: {hits} detected, {time.perf_counter() - t0:.0f} s", flush=True)
    a = np.array(agreements)
    print(f"\nFalse positives: {hits} of {n} unmarked images detected "
          f"(key {config.key!r}); coded-bit agreement of the best decode: "
          f"median {np.median(a):.3f},"
          f" 99.9th percentile {np.percentile(a, 99.9):.3f}, max {a.max():.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=18, help="images in the robustness table")
    ap.add_argument("--photos", type=int, default=0,
                    help="also the shared test photos and paintings, unpainted")
    ap.add_argument("--anchor-images", type=int, default=6,
                    help="rivaGAN (~7 s a picture) runs on the first N images only")
    ap.add_argument("--rounds", type=int, default=7, help="timing rounds")
    ap.add_argument("--only", default="", help="comma-separated contenders (default: all)")
    ap.add_argument("--false-positives", type=int, default=0, metavar="N",
                    help="instead: count detections in N unmarked images")
    ap.add_argument("--seed", type=int, default=0,
                    help="seed of the unmarked set (run shards with different seeds)")
    args = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"numpy {np.__version__}, OpenCV {cv2.__version__}")
    if args.false_positives:
        false_positives(args.false_positives, args.seed)
        return
    contenders = [Painterly()] + [Anchor(m) for m in ("dwtDct", "dwtDctSvd", "rivaGan")]
    if args.only:
        contenders = [c for c in contenders if c.name in args.only.split(",")]
    if args.images:
        images = painted_images(args.images)
        if args.photos:
            images += bench_images(args.photos)
        by = {c.name: args.anchor_images for c in contenders if c.name == "rivaGan"}
        robustness(contenders, images, by)
    if args.rounds:
        timing(contenders, args.rounds)


if __name__ == "__main__":
    main()
