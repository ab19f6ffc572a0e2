"""Helpers for the service tests: small images, a server in its own process, waiting for jobs."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image


def png(w: int = 48, h: int = 32, seed: int = 0, fmt: str = "PNG") -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def owner_pid(owner: str) -> int | None:
    """The pid of the worker holding lease ``owner`` (its id is on its command line)."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if owner.encode() in (d / "cmdline").read_bytes():
                    return int(d.name)
            except OSError:
                continue
    return None


class Server:
    """``painterly serve`` in a child process (so that tests can SIGKILL it)."""

    def __init__(self, data: Path, *args: str, workers: int = 1, env: dict | None = None):
        self.data, self.port = data, free_port()
        self.args = ["serve", "--data", str(data), "--port", str(self.port), "--workers",
                     str(workers), *args]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start_with(self, token: str, timeout: float = 120) -> Server:
        return self.start(timeout, headers={"Authorization": f"Bearer {token}"})

    def start(self, timeout: float = 60, headers: dict | None = None) -> Server:
        self.proc = subprocess.Popen([sys.executable, "-m", "painterly", *self.args], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()}")
            try:
                r = httpx.get(self.url + "/health", timeout=2, headers=headers)
                if r.status_code == 200 and r.json()["workers"] >= 1:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError("server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def submit(client, params: dict, image: bytes | None = None, headers=None, **files):
    parts = {"params": (None, json.dumps(params))}
    if image is not None:
        parts["image"] = ("photo.png", image, "image/png")
    for name, data in files.items():
        parts[name] = (f"{name}.png", data, "image/png")
    return client.post("/v1/jobs", files=parts, headers=headers or {})


def wait_for(client, job_id: str, states=("succeeded", "failed", "cancelled"), timeout=60.0,
             pred=None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in states and (pred is None or pred(job)):
            return job
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} stayed {job['state']}")
