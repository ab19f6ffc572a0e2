"""Load test of ``painterly serve``: concurrent clients on loopback against the library called directly.

Usage (under the shared lock, so benchmarks never overlap)::

    flock /tmp/painterly-bench.lock python benchmarks/bench_service.py [--seconds 60] [--clients 20]
        [--workers 2] [--style cartoon] [--poll 0.25]

What runs:

1. **Service.** A server (``python -m painterly serve``, ``--workers W``) on a fresh data folder.
   ``--clients`` threads each loop for ``--seconds``: submit a 512x512 stylize job (multipart
   upload of a PNG), poll ``GET /v1/jobs/{id}`` every ``--poll`` s until it has finished, fetch
   the result. Job latency is submit -> result in hand; every status poll's latency is recorded
   too. Submissions stop at ``--seconds``; jobs in flight then finish (bounded by a timeout).
2. **Direct.** The same work (decode the PNG, ``painterly.stylize``, encode the PNG) in ``W``
   plain processes (``multiprocessing`` spawn): the library's own throughput. It runs for half the
   time just before the service and half just after, so a change in the machine's load during the
   run hits both sides alike.

``--garbage 0.1``: that fraction of the clients sends bad requests instead (deep JSON, huge
numbers, random bytes, truncated multipart, A1111 settings of the wrong types, unknown ids,
wrong methods) as fast as they are answered; their statuses are counted (a 5xx is a bug).
``--idle-sockets N``: first, N sockets that send nothing or half their headers; the server must
answer meanwhile and close them all after ``--header-seconds``. ``--no-direct``: skip the
library-direct baseline (for the robustness figures alone).

With ``--a1111``: the AUTOMATIC1111 routes' overhead instead (see :func:`run_a1111`)::

    flock /tmp/painterly-bench.lock python benchmarks/bench_service.py --a1111 [--rounds 5]

Reported: service throughput (jobs/s), p50/p99 job latency, p50/p99 status-poll latency, direct
throughput, and the service's overhead two ways: by throughput, 1 - service / direct (target
< 15%), and by CPU time per job (server and workers, against the direct processes), which other
programs on a shared machine disturb much less. p99 poll latency target < 100 ms. The client
threads share the machine with the server, as a loopback test does.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path


def photo_png(side: int = 512) -> bytes:
    import cv2
    import numpy as np
    from PIL import Image

    from painterly.samples import sample_photo

    img = sample_photo("astronaut")
    img = cv2.resize(img, (side, side), interpolation=cv2.INTER_AREA)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img * 255 + 0.5, 0, 255).astype("uint8")).save(buf, "PNG")
    return buf.getvalue()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


# --- 1. the service ----------------------------------------------------------------------------

def run_service(args, data: bytes) -> dict:
    import httpx

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _service import Server

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), "--queue-limit", "10000", "--header-seconds",
                        str(args.header_seconds), workers=args.workers).start(timeout=120)
        try:
            idle = idle_sockets(server.url, args.idle_sockets, args.header_seconds) \
                if args.idle_sockets else None
            api0 = _cpu_s(server.proc.pid)
            workers0 = sum(_cpu_s(p) for p in _children(server.proc.pid))
            out = _load(args, data, server.url, httpx)
            api = _cpu_s(server.proc.pid) - api0
            workers = sum(_cpu_s(p) for p in _children(server.proc.pid)) - workers0
            out["cpu_s_api"], out["cpu_s_workers"] = round(api, 2), round(workers, 2)
            out["cpu_s"] = round(api + workers, 2)
            out["cpu_s_per_job"] = round(out["cpu_s"] / max(out["jobs"], 1), 4)
            out["idle_sockets"] = idle
            return out
        finally:
            server.stop()


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load(args, data: bytes, url: str, httpx) -> dict:
    lock = threading.Lock()
    jobs, polls, errors = [], [], []
    t0 = time.monotonic()
    stop_at = t0 + args.seconds
    params = json.dumps({"task": "stylize", "style": args.style, "seed": 1})

    def client():
        with httpx.Client(base_url=url, timeout=120) as c:
            while time.monotonic() < stop_at:
                start = time.monotonic()
                r = c.post("/v1/jobs", files={"image": ("p.png", data, "image/png"),
                                              "params": (None, params)})
                if r.status_code != 202:
                    with lock:
                        errors.append(f"{r.status_code} {r.text[:200]}")
                    time.sleep(float(r.headers.get("retry-after", 1)))
                    continue
                job_id = r.json()["id"]
                while True:
                    time.sleep(args.poll)
                    p0 = time.monotonic()
                    state = c.get(f"/v1/jobs/{job_id}").json()["state"]
                    with lock:
                        polls.append(time.monotonic() - p0)
                    if state in ("succeeded", "failed", "cancelled"):
                        break
                    if time.monotonic() > stop_at + args.drain:
                        state = "unfinished"
                        break
                if state == "succeeded":
                    c.get(f"/v1/jobs/{job_id}/result").raise_for_status()
                    with lock:
                        jobs.append(time.monotonic() - start)
                else:
                    with lock:
                        errors.append(state)

    garbage_statuses: dict[int, int] = {}

    def garbage_client(seed: int):
        """Bad requests of every kind, as fast as they are answered: none may get a 5xx."""
        import random

        rng = random.Random(seed)
        bodies = _garbage(data)
        with httpx.Client(base_url=url, timeout=120) as c:
            while time.monotonic() < stop_at:
                method, path, kw = rng.choice(bodies)
                try:
                    status = c.request(method, path, **kw).status_code
                except httpx.TransportError:
                    status = 0  # the server closed the connection
                with lock:
                    garbage_statuses[status] = garbage_statuses.get(status, 0) + 1

    n_bad = round(args.clients * args.garbage)
    threads = ([threading.Thread(target=client) for _ in range(args.clients - n_bad)]
               + [threading.Thread(target=garbage_client, args=(i,)) for i in range(n_bad)])
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    return {"jobs": len(jobs), "elapsed_s": round(elapsed, 2),
            "throughput_jobs_s": round(len(jobs) / elapsed, 3),
            "job_p50_s": round(pct(jobs, 50), 3), "job_p99_s": round(pct(jobs, 99), 3),
            "poll_n": len(polls), "poll_p50_ms": round(pct(polls, 50) * 1000, 1),
            "poll_p99_ms": round(pct(polls, 99) * 1000, 1), "errors": errors[:20],
            "n_errors": len(errors), "garbage_clients": n_bad,
            "garbage_statuses": dict(sorted(garbage_statuses.items()))}


def _garbage(image: bytes) -> list[tuple[str, str, dict]]:
    """Requests a careless client or an attacker sends (each answered 4xx by a sound server)."""
    deep = "[" * 3000 + "]" * 3000
    form = lambda params, img=image: {"files": {"params": (None, params),  # noqa: E731
                                                 "image": ("p.png", img, "image/png")}}
    return [
        ("POST", "/v1/jobs", form(deep)),
        ("POST", "/v1/jobs", form('{"seed": ' + "9" * 400 + "}")),
        ("POST", "/v1/jobs", form('{"style": "nope"}')),
        ("POST", "/v1/jobs", form("{not json")),
        ("POST", "/v1/jobs", form("{}", os.urandom(2048))),
        ("POST", "/v1/jobs", form("{}", image[: len(image) // 3])),
        ("POST", "/v1/jobs", {"content": b"--x\r\nContent-Disposition: form-data; name=\"params\""
                              b"\r\n\r\n{}\r\n", "headers": {
                                  "content-type": "multipart/form-data; boundary=x"}}),
        ("POST", "/v1/jobs", {"json": {"style": "oil"}}),
        ("POST", "/sdapi/v1/txt2img", {"json": {"prompt": "x", "alwayson_scripts": {"x": {"args": None}}}}),
        ("POST", "/sdapi/v1/txt2img", {"json": {"prompt": "x", "override_settings": {
            "sd_model_checkpoint": 5}}}),
        ("POST", "/sdapi/v1/img2img", {"json": {"init_images": ["not base64!"], "styles": ["oil"]}}),
        ("GET", "/v1/jobs/../../etc/passwd", {}),
        ("GET", "/v1/jobs/" + "0" * 32 + "/result", {}),
        ("DELETE", "/v1/jobs/" + "f" * 32, {}),
        ("OPTIONS", "/v1/jobs", {}),
        ("PUT", "/v1/jobs", {}),
        ("GET", "/v1/jobs?limit=0", {}),
    ]


def idle_sockets(url: str, n: int, header_s: float) -> dict:
    """Open ``n`` sockets that send nothing or half their headers; how many the server still
    holds open after its header deadline, and whether it answered meanwhile."""
    import socket

    import httpx

    host, port = url.split("//")[1].split(":")
    socks = []
    for i in range(n):
        s = socket.create_connection((host, int(port)))
        if i % 2:
            s.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        socks.append(s)
    t0 = time.monotonic()
    answered = httpx.get(url + "/livez", timeout=10).status_code
    latency_ms = (time.monotonic() - t0) * 1000
    time.sleep(header_s + 1.5)
    still_open = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) != b"":
                still_open += 1
        except BlockingIOError:
            still_open += 1  # nothing to read and not closed
        s.close()
    return {"sockets": n, "livez_status_meanwhile": answered, "livez_ms": round(latency_ms, 1),
            "still_open_after_deadline": still_open, "header_seconds": header_s}


# --- 2. the library directly, same number of processes -----------------------------------------

def _direct_worker(data: bytes, style: str, seconds: float, out) -> None:
    import painterly
    from painterly.provenance.artwork import encode_artwork

    painterly.stylize(painterly.load_image(data), style, seed=1)  # warm, as a server's worker is
    n, end, cpu0 = 0, time.monotonic() + seconds, time.process_time()
    while time.monotonic() < end:
        encode_artwork(painterly.stylize(painterly.load_image(data), style, seed=1), "PNG")
        n += 1
    out.put((n, time.process_time() - cpu0))


def run_direct(args, data: bytes, seconds: float) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_direct_worker, args=(data, args.style, seconds, q))
             for _ in range(args.workers)]
    for p in procs:
        p.start()
    got = [q.get() for _ in procs]
    for p in procs:
        p.join()
    jobs, cpu = sum(n for n, _ in got), sum(c for _, c in got)
    return {"jobs": jobs, "seconds": seconds, "cpu_s": round(cpu, 2)}


# --- 3. the A1111 routes against the library, one call at a time --------------------------------

def _sd_turbo_arch(folder: Path) -> Path:
    """SD-Turbo's architecture with random weights (speed does not depend on their values), in
    diffusers' folder layout, bf16 safetensors (what the worker runs on a bf16 CPU anyway)."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _tiny_sd import save_folder
    from bench_diffusion import build

    from painterly.generation import DiffusionModel

    parts = build()
    for k in ("unet", "vae", "text_encoder"):
        parts[k].to(torch.bfloat16)
    save_folder(DiffusionModel(**parts, name="sd-turbo-arch"), folder)
    return folder


def run_a1111(args) -> dict:
    """End-to-end A1111 txt2img and img2img calls (one client, one worker) against the same
    generation through the library in this process (``generate`` + PNG encoding), alternated
    call by call so that both see the same machine. Each service call is timed from the request
    to the decoded answer; painterly's trust steps are on (the service's default) in one series
    and off (``painterly_watermark``/``painterly_visible_label`` false) in another."""
    import base64

    import httpx
    import numpy as np

    from painterly.generation import generate, load_pipeline
    from painterly.io import load_image
    from painterly.provenance.artwork import encode_artwork

    tmp = Path(tempfile.mkdtemp(prefix="bench-a1111-"))
    folder = _sd_turbo_arch(tmp / "sd-turbo-arch")
    models = tmp / "models.json"
    models.write_text(json.dumps([{"name": "sd-turbo-arch", "kind": "diffusion",
                                   "local_path": str(folder),
                                   "defaults": {"steps": 1, "guidance": 0.0, "size": [512, 512]}}]))
    os.environ["PAINTERLY_MODELS_FILE"] = str(models)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _service import Server

    photo = photo_png(args.size)
    init = load_image(photo)
    model = load_pipeline("sd-turbo-arch")
    prompt = "a watercolor painting of a lighthouse on a cliff at sunset"
    side = args.size
    common = {"prompt": prompt, "seed": 1, "steps": 1, "cfg_scale": 0, "width": side,
              "height": side, "sampler_name": "Euler"}
    plain = {"painterly_watermark": False, "painterly_visible_label": False}
    calls = {
        "txt2img": ("/sdapi/v1/txt2img", dict(common),
                    lambda: generate(prompt, model=model, steps=1, seed=1, size=(side, side),
                                     guidance=0.0, sampler="Euler")),
        "img2img": ("/sdapi/v1/img2img", {**common, "init_images": [base64.b64encode(photo).decode()],
                                          "denoising_strength": 0.5},
                    lambda: generate(prompt, model=model, steps=1, seed=1, size=(side, side),
                                     guidance=0.0, sampler="Euler", init=init, strength=0.5)),
    }
    out: dict = {"rounds": args.rounds, "size": side}
    server = Server(tmp / "data", workers=1).start(timeout=300)
    try:
        with httpx.Client(base_url=server.url, timeout=900) as c:
            c.post("/sdapi/v1/options", json={"sd_model_checkpoint": "sd-turbo-arch"})
            for name, (route, body, direct) in calls.items():
                for extra in ({}, {"override_settings": plain}):
                    c.post(route, json={**body, **extra}).raise_for_status()  # warm the worker
                encode_artwork(direct(), "PNG")  # and this process
                times: dict[str, list[float]] = {"direct": [], "trust on": [], "trust off": []}
                for _ in range(args.rounds):
                    t0 = time.perf_counter()
                    encode_artwork(direct(), "PNG")
                    times["direct"].append(time.perf_counter() - t0)
                    for trust, extra in (("trust on", {}), ("trust off", {"override_settings": plain})):
                        t0 = time.perf_counter()
                        r = c.post(route, json={**body, **extra})
                        r.raise_for_status()
                        img = load_image(base64.b64decode(r.json()["images"][0]))
                        times[trust].append(time.perf_counter() - t0)
                        assert img.shape == (side, side, 3) and np.isfinite(img).all()
                med = {k: round(statistics.median(v), 3) for k, v in times.items()}
                out[name] = {"median_s": med, "all_s": {k: [round(x, 3) for x in v]
                                                        for k, v in times.items()},
                             "overhead_trust_on": round(med["trust on"] / med["direct"] - 1, 4),
                             "overhead_trust_off": round(med["trust off"] / med["direct"] - 1, 4)}
    finally:
        server.stop()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--style", default="cartoon")
    ap.add_argument("--poll", type=float, default=0.25, help="status poll interval per client, s")
    ap.add_argument("--drain", type=float, default=120.0, help="bound on finishing in-flight jobs, s")
    ap.add_argument("--garbage", type=float, default=0.0,
                    help="fraction of the clients that send bad requests (none may get a 5xx)")
    ap.add_argument("--idle-sockets", type=int, default=0,
                    help="before the load: open this many idle / half-sent sockets")
    ap.add_argument("--header-seconds", type=float, default=10.0, help="the server's header deadline")
    ap.add_argument("--direct", action=argparse.BooleanOptionalAction, default=True,
                    help="also measure the library directly (the overhead baseline)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--a1111", action="store_true", help="measure the A1111 routes' overhead")
    ap.add_argument("--rounds", type=int, default=5, help="--a1111: calls of each kind")
    ap.add_argument("--size", type=int, default=512, help="--a1111: picture side, px")
    args = ap.parse_args()
    if args.a1111:
        result = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                  "load_avg_1m": os.getloadavg()[0], **run_a1111(args)}
        result["load_avg_1m_after"] = os.getloadavg()[0]
        print(json.dumps(result, indent=1))
        for name in ("txt2img", "img2img"):
            m = result[name]["median_s"]
            print(f"{name}: direct {m['direct']:.2f} s, A1111 call {m['trust on']:.2f} s "
                  f"({result[name]['overhead_trust_on']:+.1%}), trust steps off "
                  f"{m['trust off']:.2f} s ({result[name]['overhead_trust_off']:+.1%})")
        if args.json:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
        return

    data = photo_png(512)
    if not args.direct:
        service = run_service(args, data)
        result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                  "load_avg_1m": os.getloadavg()[0],
                  "args": {k: str(v) for k, v in vars(args).items()}, "service": service}
        print(json.dumps(result, indent=1))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
        bad = {k: v for k, v in service["garbage_statuses"].items() if int(k) >= 500}
        print(f"\nservice: {service['throughput_jobs_s']:.2f} jobs/s, status poll p50 "
              f"{service['poll_p50_ms']:.0f} ms p99 {service['poll_p99_ms']:.0f} ms; "
              f"{service['garbage_clients']} garbage clients: {sum(service['garbage_statuses'].values())} "
              f"bad requests, 5xx: {sum(bad.values())}")
        return
    before = run_direct(args, data, args.seconds / 2)
    service = run_service(args, data)
    after = run_direct(args, data, args.seconds / 2)
    jobs, cpu = before["jobs"] + after["jobs"], before["cpu_s"] + after["cpu_s"]
    direct = {"before": before, "after": after, "throughput_jobs_s": round(jobs / args.seconds, 3),
              "cpu_s_per_job": round(cpu / max(jobs, 1), 4)}
    overhead = 1 - service["throughput_jobs_s"] / direct["throughput_jobs_s"]
    cpu_overhead = service["cpu_s_per_job"] / direct["cpu_s_per_job"] - 1
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu": platform.processor() or
        platform.machine(), "cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0],
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "service": service, "direct": direct, "overhead_throughput": round(overhead, 4),
        "overhead_cpu_per_job": round(cpu_overhead, 4),
    }
    print(json.dumps(result, indent=1))
    print(f"\nservice: {service['throughput_jobs_s']:.2f} jobs/s, job p50 {service['job_p50_s']:.2f} s "
          f"p99 {service['job_p99_s']:.2f} s, status poll p50 {service['poll_p50_ms']:.0f} ms "
          f"p99 {service['poll_p99_ms']:.0f} ms (target < 100)")
    print(f"direct:  {direct['throughput_jobs_s']:.2f} jobs/s with {args.workers} processes; "
          f"service overhead {overhead:+.1%} by throughput, {cpu_overhead:+.1%} by CPU per job "
          f"(target < 15%)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
