"""SD-Turbo speed on this CPU: painterly's pipeline vs plain diffusers, same run, random weights.

Speed does not depend on the weights' values, so the real architectures are built from their
published configs (src/painterly/models/configs/, written from knowledge of the published files:
the hub is not reachable here) with random weights: text encoder + UNet (1 step) + VAE decode at
512x512, guidance 0 (SD-Turbo's setting). Each configuration runs in its own process under the
benchmark lock; peak memory is the process's peak RSS during generation (VmHWM reset after the
model is built, so building random fp32 weights does not count).

    python benchmarks/bench_diffusion.py            # all configurations, writes a markdown table
    python benchmarks/bench_diffusion.py --one NAME # one configuration, prints one JSON line
    python benchmarks/bench_diffusion.py --paired   # plain vs painterly variants, one process
    python benchmarks/bench_diffusion.py --vae-check --onnx  # VAE decode variants, one process
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "src" / "painterly" / "models" / "configs"
PROMPT = "a watercolor painting of a lighthouse on a cliff at sunset"

# name -> (pipeline, options). "plain" is diffusers' defaults: fp32, contiguous tensors.
RUNS = {
    "plain": ("plain", {}),
    "fp32+channels_last": ("painterly", {"dtype": "float32", "channels_last": True, "fold_upsample": False}),
    "bf16": ("painterly", {"dtype": "bfloat16", "channels_last": False, "fold_upsample": False}),
    "bf16+channels_last": ("painterly", {"dtype": "bfloat16", "channels_last": True, "fold_upsample": False}),
    "bf16+channels_last+fold_upsample": ("painterly", {"dtype": "bfloat16", "channels_last": True}),
    "bf16+channels_last+tiny_vae": ("painterly", {"dtype": "bfloat16", "channels_last": True,
                                                  "tiny_vae": True}),
    "bf16+channels_last+tiny_vae+compile": ("painterly", {"dtype": "bfloat16", "channels_last": True,
                                                          "tiny_vae": True, "compile": True}),
}


def tokenizer(folder: Path):
    """A CLIP tokenizer over a-z: the vocabulary does not change the cost (77 tokens always)."""
    from transformers import CLIPTokenizer

    letters = [chr(c) for c in range(97, 123)]
    tokens = ["<|startoftext|>", "<|endoftext|>", "!"] + letters + [c + "</w>" for c in letters]
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                         model_max_length=77, pad_token="!")


def build(tiny_vae: bool = False):
    import torch
    from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    def cfg(name):
        d = json.loads((CONFIGS / name).read_text())
        return {k: v for k, v in d.items() if not k.startswith("_")}

    torch.manual_seed(0)
    te_cfg = cfg("sd_turbo_text_encoder.json")
    te_cfg.pop("architectures", None)
    parts = {
        "unet": UNet2DConditionModel.from_config(cfg("sd_turbo_unet.json")),
        "vae": (AutoencoderTiny.from_config(cfg("taesd.json")) if tiny_vae
                else AutoencoderKL.from_config(cfg("sd_turbo_vae.json"))),
        "text_encoder": CLIPTextModel(CLIPTextConfig(**te_cfg)),
        "tokenizer": tokenizer(Path(tempfile.mkdtemp())),
        "scheduler_config": cfg("sd_turbo_scheduler.json"),
    }
    for k in ("unet", "vae", "text_encoder"):
        parts[k].eval().requires_grad_(False)
    return parts


def peak_reset() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux)
    except OSError:
        pass


def peak_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def stage_timer(parts):
    """Forward hooks that add up the time spent in each component (per call)."""
    times = {}

    def add(name, mod):
        def pre(*_):
            times.setdefault("_t", {})[name] = time.perf_counter()

        def post(*_):
            times[name] = times.get(name, 0.0) + time.perf_counter() - times["_t"][name]

        mod.register_forward_pre_hook(pre)
        mod.register_forward_hook(post)

    add("text_encoder", parts["text_encoder"])
    add("unet", parts["unet"])
    add("vae_decode", parts["vae"].decoder)
    return times


def run_one(name: str, repeats: int) -> dict:
    import gc

    import torch

    kind, opts = RUNS[name]
    t0 = time.perf_counter()
    parts = build(tiny_vae=opts.get("tiny_vae", False))
    build_s = time.perf_counter() - t0
    sched = parts.pop("scheduler_config")
    compile_s = None
    if kind == "plain":
        from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline

        pipe = StableDiffusionPipeline(**parts, scheduler=EulerDiscreteScheduler.from_config(sched),
                                       safety_checker=None, feature_extractor=None,
                                       requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)

        def call():
            return pipe(PROMPT, num_inference_steps=1, guidance_scale=0.0, width=512, height=512,
                        generator=torch.Generator("cpu").manual_seed(0)).images[0]
    else:
        from painterly.generation import DiffusionModel, Runtime, generate
        from painterly.generation.model import prepare

        model = DiffusionModel(**parts, scheduler_config=sched, name="sd-turbo-arch",
                               defaults={"steps": 1, "guidance": 0.0, "size": (512, 512)})
        prepare(model, Runtime(dtype=opts["dtype"], channels_last=opts["channels_last"],
                               fold_upsample=opts.get("fold_upsample", True)))
        if opts.get("compile"):
            model.unet = torch.compile(model.unet)
            model.vae.decoder = torch.compile(model.vae.decoder)

        def call():
            return generate(PROMPT, model=model, steps=1, seed=0, size=(512, 512))
    times = stage_timer(parts if kind == "plain" else {"unet": getattr(model.unet, "_orig_mod", model.unet),
                                                       "vae": model.vae,
                                                       "text_encoder": model.text_encoder})
    gc.collect()
    peak_reset()
    t1 = time.perf_counter()
    first_img = call()  # warm-up (and compilation when compiling)
    first_s = time.perf_counter() - t1
    if opts.get("compile"):
        compile_s = first_s
    walls, stages = [], []
    for _ in range(repeats):
        times.clear()
        t = time.perf_counter()
        call()
        walls.append(time.perf_counter() - t)
        stages.append({k: v for k, v in times.items() if not k.startswith("_")})
    best = min(range(repeats), key=lambda i: walls[i])
    import numpy as np

    arr = np.asarray(first_img, dtype=np.float32)
    return {
        "name": name, "median_s": statistics.median(walls), "min_s": min(walls), "runs_s": walls,
        "stages_s": stages[best], "first_call_s": first_s, "compile_s": compile_s,
        "peak_gb": peak_gb(), "build_s": build_s, "threads": torch.get_num_threads(),
        "image_shape": list(arr.shape), "image_finite": bool(np.isfinite(arr).all()),
    }


def run_paired(rounds: int) -> dict:
    """plain fp32, painterly bf16+channels_last (with and without the folded upsampling) and
    painterly bf16+channels_last+tiny VAE in ONE process, called in turn, so that load from other processes on this shared machine hits all
    three alike. The painterly variants share bf16 copies of the text encoder and UNet."""
    import copy
    import gc

    import torch
    from diffusers import AutoencoderTiny, EulerDiscreteScheduler, StableDiffusionPipeline

    from painterly.generation import DiffusionModel, Runtime, generate
    from painterly.generation.model import prepare

    parts = build()
    sched = parts.pop("scheduler_config")
    pipe = StableDiffusionPipeline(**parts, scheduler=EulerDiscreteScheduler.from_config(sched),
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    bf = {}
    for k in ("text_encoder", "unet", "vae"):  # one module at a time: the fp32 copy is short-lived
        bf[k] = copy.deepcopy(parts[k]).to(torch.bfloat16)
        gc.collect()
    rt = Runtime(dtype="bfloat16", channels_last=True, fold_upsample=False)
    real = prepare(DiffusionModel(unet=bf["unet"], vae=bf["vae"], text_encoder=bf["text_encoder"],
                                  tokenizer=parts["tokenizer"], scheduler_config=sched), rt)
    # today's default: the same, with the VAE decoder's upsampling convs folded (generation/upsample.py)
    folded = prepare(DiffusionModel(unet=bf["unet"], vae=copy.deepcopy(bf["vae"]), text_encoder=bf["text_encoder"],
                                    tokenizer=parts["tokenizer"], scheduler_config=sched),
                     Runtime(dtype="bfloat16", channels_last=True))
    cfg = {k: v for k, v in json.loads((CONFIGS / "taesd.json").read_text()).items() if not k.startswith("_")}
    tiny = prepare(DiffusionModel(unet=bf["unet"], vae=AutoencoderTiny.from_config(cfg).eval(),
                                  text_encoder=bf["text_encoder"], tokenizer=parts["tokenizer"],
                                  scheduler_config=sched), rt)
    calls = {
        "plain": lambda: pipe(PROMPT, num_inference_steps=1, guidance_scale=0.0, width=512, height=512,
                              generator=torch.Generator("cpu").manual_seed(0)).images[0],
        "bf16+channels_last": lambda: generate(PROMPT, model=real, steps=1, seed=0, size=(512, 512)),
        "bf16+channels_last+fold_upsample": lambda: generate(PROMPT, model=folded, steps=1, seed=0,
                                                             size=(512, 512)),
        "bf16+channels_last+tiny_vae": lambda: generate(PROMPT, model=tiny, steps=1, seed=0, size=(512, 512)),
    }
    walls = {k: [] for k in calls}
    for k, f in calls.items():  # warm-up
        f()
    for _ in range(rounds):
        for k, f in calls.items():
            t = time.perf_counter()
            f()
            walls[k].append(time.perf_counter() - t)
    return {k: {"min_s": min(v), "median_s": statistics.median(v), "runs_s": v} for k, v in walls.items()}


def run_compile_check(repeats: int) -> dict:
    """torch.compile (inductor, static shapes) on painterly's bf16+channels_last pipeline. An eager
    and a compiled model share the same weights and are called in turn, in one process."""
    import copy

    import torch

    from painterly.generation import DiffusionModel, Runtime, generate
    from painterly.generation.model import prepare

    parts = build()
    sched = parts.pop("scheduler_config")
    eager = prepare(DiffusionModel(**parts, scheduler_config=sched), Runtime(dtype="bfloat16"))
    vae_c = copy.copy(eager.vae)  # shares the weights; only the decoder entry is swapped
    vae_c._modules = dict(eager.vae._modules)
    vae_c.decoder = torch.compile(eager.vae.decoder)
    compiled = DiffusionModel(unet=torch.compile(eager.unet), vae=vae_c, text_encoder=eager.text_encoder,
                              tokenizer=eager.tokenizer, scheduler_config=sched)

    def call(m):
        t = time.perf_counter()
        generate(PROMPT, model=m, steps=1, seed=0, size=(512, 512))
        return time.perf_counter() - t

    call(eager)
    compile_s = call(compiled)
    print(f"first compiled call (compilation included): {compile_s:.1f} s", flush=True)
    walls = {"eager": [], "compiled": []}
    for _ in range(repeats):
        walls["eager"].append(call(eager))
        walls["compiled"].append(call(compiled))
    print(f"eager {[round(x, 2) for x in walls['eager']]}  compiled {[round(x, 2) for x in walls['compiled']]}")
    return {**walls, "first_compiled_call_s": compile_s,
            "ratio_min": min(walls["compiled"]) / min(walls["eager"])}


def run_vae_check(repeats: int, onnx: bool) -> dict:
    """VAE decode alone (64x64 latent -> 512x512), every variant in ONE process, called in turn:
    plain fp32, bf16 + channels-last, the same with folded upsampling, torch.jit.trace + freeze of
    it, and (with --onnx) onnxruntime's CPU provider on an fp32 ONNX export (static shape).
    Differences are against the fp32 decode, on the decoder's raw output (nominal range [-1, 1])."""
    import copy

    import torch

    from painterly.generation.upsample import fold_upsamplers

    torch.manual_seed(0)
    vae = build()["vae"]
    z = torch.randn(1, 4, 64, 64, generator=torch.Generator().manual_seed(0)) / vae.config.scaling_factor
    cl = torch.channels_last
    bf = copy.deepcopy(vae).to(torch.bfloat16).to(memory_format=cl)
    fold = copy.deepcopy(bf)
    fold_upsamplers(fold.decoder)
    zb = z.to(torch.bfloat16).to(memory_format=cl)

    class Decode(torch.nn.Module):
        def __init__(self, v):
            super().__init__()
            self.v = v

        def forward(self, x):
            return self.v.decode(x).sample

    calls = {"fp32": lambda: vae.decode(z).sample,
             "bf16+channels_last": lambda: bf.decode(zb).sample.float(),
             "bf16+channels_last+fold_upsample": lambda: fold.decode(zb).sample.float()}
    with torch.inference_mode():
        jit = torch.jit.freeze(torch.jit.trace(Decode(fold).eval(), (zb,), check_trace=False))
    calls["bf16+channels_last+fold_upsample+jit_freeze"] = lambda: jit(zb).float()
    if onnx:
        import onnxruntime as ort

        path = Path(tempfile.mkdtemp()) / "vae_decoder.onnx"
        t = time.perf_counter()
        torch.onnx.export(Decode(vae), (z,), str(path), input_names=["z"], output_names=["image"],
                          opset_version=17, dynamo=False)
        print(f"onnx export: {time.perf_counter() - t:.1f} s", flush=True)
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = torch.get_num_threads()
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        zn = z.numpy()
        calls["onnxruntime fp32"] = lambda: torch.from_numpy(sess.run(None, {"z": zn})[0])
    walls = {k: [] for k in calls}
    outs = {}
    with torch.inference_mode():
        for k, f in calls.items():  # warm-up
            outs[k] = f()
        for _ in range(repeats):
            for k, f in calls.items():
                t = time.perf_counter()
                f()
                walls[k].append(time.perf_counter() - t)
    ref = outs["fp32"]
    res = {}
    for k, v in walls.items():
        d = (outs[k] - ref).abs()
        res[k] = {"min_s": min(v), "runs_s": v, "max_abs_diff": float(d.max()), "mean_abs_diff": float(d.mean())}
        print(f"{k:46s} min {min(v):6.2f} s  {min(v) / min(walls['fp32']):5.2f}x of fp32  "
              f"max|d| {float(d.max()):.2e}  mean|d| {float(d.mean()):.2e}  runs {[round(x, 2) for x in v]}",
              flush=True)
    print(f"fp32 output: std {float(ref.std()):.3f}, range [{float(ref.min()):.2f}, {float(ref.max()):.2f}]")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", choices=sorted(RUNS))
    ap.add_argument("--paired", action="store_true", help="plain vs painterly alternated in one process")
    ap.add_argument("--compile-check", action="store_true", help="eager vs torch.compile, one process")
    ap.add_argument("--only", nargs="*", default=None, help="configurations to run (default all)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "diffusion.json")
    ap.add_argument("--vae-check", action="store_true", help="VAE decode variants alone, one process")
    ap.add_argument("--onnx", action="store_true", help="with --vae-check: add onnxruntime (fp32 export)")
    args = ap.parse_args()
    if args.vae_check:
        print(json.dumps(run_vae_check(args.repeats, args.onnx)))
        return
    if args.compile_check:
        print(json.dumps(run_compile_check(args.repeats)))
        return
    if args.paired:
        r = run_paired(args.repeats)
        base = r["plain"]["min_s"]
        for k, v in r.items():
            print(f"{k:32s} min {v['min_s']:6.2f} s  median {v['median_s']:6.2f} s  "
                  f"{v['min_s'] / base:5.2f}x (min)  {v['median_s'] / r['plain']['median_s']:5.2f}x (median)  "
                  f"runs {[round(x, 2) for x in v['runs_s']]}", flush=True)
        print(json.dumps(r))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.repeats)), flush=True)
        return
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for name in args.only or list(RUNS):
        cmd = ["flock", "/tmp/painterly-bench.lock", sys.executable, __file__, "--one", name,
               "--repeats", str(args.repeats)]
        # the timeout includes waiting for the lock
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800, check=False)
        line = (p.stdout.strip().splitlines() or [""])[-1]
        if p.returncode or not line.startswith("{"):
            print(f"{name}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
            continue
        results[name] = json.loads(line)
        results[name]["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        r = results[name]
        print(f"{name:40s} {r['median_s']:7.2f} s  peak {r['peak_gb']:.2f} GB  {r['stages_s']}", flush=True)
        args.out.write_text(json.dumps(results, indent=1))
    if "plain" in results:
        base = results["plain"]["median_s"]
        print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        for name, r in results.items():
            print(f"{name:40s} {r['median_s']:7.2f} s  {r['median_s'] / base:5.2f}x  peak {r['peak_gb']:.2f} GB")


if __name__ == "__main__":
    main()
