"""Painting a clip, whole process: `painterly stylize clip.mp4 -o out.mp4` on a 1280x720 30 fps
clip made from a test photo with slight motion (a slow sub-pixel pan, tests/_clips.py), with
its sound, against two baselines measured in the same run:

* the floor: re-encoding alone (decode, convert to the image contract and back, encode H.264,
  copy the audio: painterly's reader and writer with an identity painter, no watermark);
* frames as separate images: the frames written as PNG files, painted by
  `painterly stylize frames/ -o painted/` (a folder batch), per frame.

It prints frames/s, wall time and each stage's share (decode, paint, stabilise, finish =
watermark, encode: from stylize_clip's own timings, in-process), and the flicker (warping error,
Lai et al. 2018, of the written clip against its input) of neural painting stabilised vs frame by
frame.

    python benchmarks/bench_video.py --seconds 10 --filter pencil --neural starry-swirls
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def make_source(folder: Path, seconds: float, size=(1280, 720), fps=30) -> Path:
    from _clips import make_clip

    from painterly.io import load_image

    photo = load_image(ROOT.parent / "shared/testdata/photos/golden_gate.jpg")
    return make_clip(folder / "clip.mp4", photo, seconds=seconds, fps=fps, size=size)


def cli(args: list[str], cwd: Path) -> float:
    env = {**os.environ, "PAINTERLY_HOME": str(cwd / "home")}  # no keys: no C2PA signing
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "painterly", *args], cwd=cwd, env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"painterly {' '.join(args)} failed:\n{r.stderr}")
    return wall


def floor(src: Path, dst: Path) -> tuple[float, dict]:
    from painterly.video.clip import stylize_clip

    t = time.perf_counter()
    res = stylize_clip(src, dst, lambda x: x)
    return time.perf_counter() - t, res.timings


def shares(src: Path, dst: Path, style: str, stabilize: bool, seconds: float
           ) -> tuple[float, dict, int]:
    """In-process, the CLI's painter and trust steps on the first ``seconds``: stage timings."""
    from painterly.engine import stylize
    from painterly.provenance.finish import FinishConfig
    from painterly.provenance.video import clip_trust
    from painterly.video.clip import stylize_clip

    ff, tags, blocks = clip_trust(FinishConfig(sign=False), params={"style": style},
                                  inputs={"clip": src})
    t = time.perf_counter()
    res = stylize_clip(src, dst, lambda x: stylize(x, style), stabilize=stabilize,
                       finish_frame=ff, tags=tags, blocks=blocks, end=seconds)
    return time.perf_counter() - t, res.timings, res.frames


def frames_as_images(src: Path, folder: Path, style: str, n: int) -> float:
    """Seconds per frame for `painterly stylize frames/ -o painted/` on the first n frames."""
    from painterly.io import save_image
    from painterly.videoio import ClipReader

    frames = folder / "frames"
    frames.mkdir(parents=True)
    with ClipReader(src) as rd:
        k = 0
        for kind, x in rd.events():
            if kind == "video":
                save_image(x.image, frames / f"f{k:04d}.png")
                k += 1
                if k == n:
                    break
    wall = cli(["stylize", "frames", "-o", "painted/", "--style", style], folder)
    return wall / n


def flicker(src: Path, folder: Path, style: str, seconds: float = 2.0) -> dict:
    from painterly.engine import stylize
    from painterly.video import warping_error
    from painterly.video.clip import stylize_clip
    from painterly.videoio import ClipReader

    def frames(path):
        with ClipReader(path) as rd:
            return [x.image for k, x in rd.events() if k == "video"]

    out = {}
    for stab in (False, True):
        dst = folder / f"flicker-{stab}.mp4"
        stylize_clip(src, dst, lambda x: stylize(x, style), stabilize=stab, end=seconds,
                     max_size=640, crf=12)
        inputs = frames(folder / "short.mp4") if (folder / "short.mp4").exists() else None
        if inputs is None:
            stylize_clip(src, folder / "short.mp4", lambda x: x, end=seconds, max_size=640, crf=12)
            inputs = frames(folder / "short.mp4")
        out[stab] = warping_error(frames(dst), inputs)
    return out


def loop_clip(src: Path, dst: Path, times: int) -> Path:
    """``src`` repeated ``times`` times by remuxing its packets (no re-encoding): a long clip
    made in seconds."""
    import av

    with av.open(str(src)) as a, av.open(str(dst), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in (a.streams.video[0],
                                                                        a.streams.audio[0])}
        length = {s.index: s.duration for s in (a.streams.video[0], a.streams.audio[0])}
        for k in range(times):
            a.seek(0)
            for p in a.demux(*[a.streams.video[0], a.streams.audio[0]]):
                if p.dts is None:
                    continue
                shift = k * length[p.stream.index]
                p.pts += shift
                p.dts += shift
                p.stream = streams[p.stream.index]
                out.mux(p)
    return dst


def memory(folder: Path, style: str) -> None:
    """Peak RSS of the whole process for a 10-minute 1080p 30 fps clip (and a 10-s one): every
    frame is decoded; --fps 0.2 paints one frame in 150 (painting all 18,000 takes hours here)."""


    short = make_source(folder, 10.0, size=(1920, 1080))
    long = loop_clip(short, folder / "long.mp4", 60)
    for name, clip in (("10 s", short), ("10 min", long)):
        r = subprocess.run(
            ["/usr/bin/time", "-f", "%M %e", sys.executable, "-m", "painterly", "stylize",
             clip.name, "-o", f"out-{clip.stem}.mp4", "--style", style, "--fps", "0.2",
             "--no-watermark"], cwd=folder, capture_output=True, text=True,
            env={**os.environ, "PAINTERLY_HOME": str(folder / "home")})
        if r.returncode != 0:
            raise SystemExit(r.stderr)
        kb, wall = r.stderr.strip().splitlines()[-1].split()
        print(f"| 1920x1080 30 fps, {name} ({clip.stat().st_size / 1e6:.0f} MB) | --fps 0.2, "
              f"{style} | peak RSS {int(kb) / 1024:.0f} MiB | {float(wall):.0f} s |")



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--filter", default="pencil")
    ap.add_argument("--neural", default="starry-swirls")
    ap.add_argument("--image-frames", type=int, default=30, help="frames painted as images")
    ap.add_argument("--shares-seconds", type=float, default=2.0,
                    help="seconds of the clip painted in-process for the stage shares")
    ap.add_argument("--memory", action="store_true",
                    help="only the peak RSS of a 10-minute 1080p clip")
    a = ap.parse_args()
    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if a.memory:
            memory(d, a.filter)
            return
        src = make_source(d, a.seconds)
        n = round(a.seconds * 30)
        wall, t = floor(src, d / "floor.mp4")
        print(f"| re-encode alone (floor) | {n} | {wall:.1f} s | {n / wall:.1f} | "
              + ", ".join(f"{k} {v / wall:.0%}" for k, v in t.items() if v > 0.005 * wall) + " |")
        for style, stab in ((a.filter, False), (a.neural, True)):
            w = cli(["stylize", "clip.mp4", "-o", f"{style}.mp4", "--style", style], d)
            w2, t2, _ = shares(src, d / f"{style}-shares.mp4", style, stab, a.shares_seconds)
            print(f"| `stylize --style {style}` (CLI, whole process) | {n} | {w:.1f} s | "
                  f"{n / w:.2f} | in-process, first {a.shares_seconds:g} s: "
                  + ", ".join(f"{k} {v / w2:.0%}" for k, v in t2.items()) + " |")
            per = frames_as_images(src, d / f"img-{style}", style, a.image_frames) \
                if a.image_frames else float("nan")
            print(f"| frames as images, `stylize frames/` ({style}) | {a.image_frames} | "
                  f"{per * n:.1f} s for {n} (extrapolated) | {1 / per:.2f} | per frame "
                  f"{per:.2f} s, without decoding or encoding the clip |")
        f = flicker(src, d, a.neural)
        print(f"flicker ({a.neural}, 640 px, 2 s): frame by frame {f[False]:.5f}, stabilised "
              f"{f[True]:.5f}, ratio {f[True] / f[False]:.2f}")
        print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
