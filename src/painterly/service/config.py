"""The service's configuration, and the rule that keeps an unauthenticated server on loopback."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from painterly.errors import InputError

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``painterly serve`` can be told. Workers receive it as JSON (see ``to_json``)."""

    data_dir: Path  # SQLite queue, uploads, results: the one place the service writes
    host: str = "127.0.0.1"  # loopback by default: nothing outside this machine can reach it
    port: int = 7860  # AUTOMATIC1111's port, so its clients find the service unchanged
    workers: int = 2  # worker processes; each keeps its models loaded between jobs
    token: str | None = None  # bearer token (or HTTP Basic password); required off loopback
    cors_origins: tuple[str, ...] = ()  # sites allowed to call from a browser; none by default
    queue_limit: int = 200  # queued jobs before new ones get 429: bounded memory, honest waits
    max_upload_bytes: int = 25 * 1024 * 1024  # whole request body; 413 past it
    max_prompt_chars: int = 2000  # longer prompts are refused (422) before they are queued
    max_attempts: int = 3  # a job whose worker died this many times fails with the last error
    lease_s: float = 30.0  # a job's lease; a worker that misses its heartbeats loses the job
    heartbeat_s: float = 5.0  # how often a running worker renews its lease (well inside lease_s)
    poll_s: float = 0.1  # idle workers look for new jobs this often
    result_ttl_s: float = 7 * 24 * 3600.0  # finished jobs and their results are kept this long
    a1111_timeout_s: float = 600.0  # an A1111 call waits this long for its jobs, then 504
    test_hooks: bool = False  # accept the `_test_sleep` parameter (durability tests only)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser().resolve())
        object.__setattr__(self, "cors_origins", tuple(self.cors_origins))
        if self.workers < 1:
            raise InputError(f"--workers must be at least 1, got {self.workers}")
        if not 1 <= self.port <= 65535:
            raise InputError(f"--port must be from 1 to 65535, got {self.port}")
        if self.queue_limit < 1:
            raise InputError(f"queue limit must be at least 1, got {self.queue_limit}")
        if not 0 < self.heartbeat_s < self.lease_s:
            raise InputError("the heartbeat interval must be shorter than the lease")
        if self.token is not None and len(self.token) < 8:
            raise InputError("--token must be at least 8 characters")

    # paths inside the data folder: fixed names, never anything a request supplies
    @property
    def db_path(self) -> Path:
        return self.data_dir / "queue.sqlite3"

    @property
    def inputs_dir(self) -> Path:
        return self.data_dir / "inputs"

    @property
    def results_dir(self) -> Path:
        return self.data_dir / "results"

    @property
    def previews_dir(self) -> Path:
        return self.data_dir / "previews"

    def to_json(self) -> str:
        d = asdict(self)
        d["data_dir"] = str(self.data_dir)
        d["token"] = None  # workers never need it, and argv is visible to every local user
        return json.dumps(d)

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        d = json.loads(text)
        names = {f.name for f in fields(cls)}
        return cls(**{k: (tuple(v) if k == "cors_origins" else v) for k, v in d.items() if k in names})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(config: ServiceConfig) -> None:
    """Refuse to serve beyond this machine without a token (secure by default)."""
    if not is_loopback(config.host) and not config.token:
        raise InputError(
            f"refusing to bind {config.host}: a server reachable from other machines needs "
            "--token (or PAINTERLY_TOKEN); without one, bind 127.0.0.1"
        )


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/painterly/service`` (``~/.local/share/painterly/service``)."""
    import os

    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "painterly" / "service"


