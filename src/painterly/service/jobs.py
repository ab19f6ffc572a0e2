"""Submitting jobs and describing them: shared by painterly's routes and the A1111 routes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from painterly.errors import InputError
from painterly.io import Limits, load_image
from painterly.service import tasks
from painterly.service.config import ServiceConfig
from painterly.service.errors import NotFound
from painterly.service.store import FINAL, Store, new_id, valid_id

JOB_REF_SUFFIX = "_job"  # params "image_job": "<id>" names an earlier job's result as the image


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


def view(row: dict) -> dict[str, Any]:
    """A job as the API shows it."""
    failed = row["state"] == "failed"
    out = {
        "id": row["id"], "task": row["task"], "state": row["state"],
        "progress": 1.0 if row["state"] == "succeeded" else round(float(row["progress"]), 4),
        "attempts": row["attempts"],
        "error": {"type": row["last_error_type"], "message": row["last_error_message"]} if failed else None,
        "created": _iso(row["created"]), "started": _iso(row["started"]),
        "finished": _iso(row["finished"]),
        "result": f"/v1/jobs/{row['id']}/result" if row["state"] == "succeeded" else None,
    }
    if row["state"] == "succeeded" and row["info"]:
        out["info"] = json.loads(row["info"])
    return out


def upload_name(names: list[str | None]) -> str | None:
    """An upload's file name as people know it (``starry_night.jpg``), for labels only: the last
    path part, control characters removed, at most 100 characters."""
    if not names or not names[0]:
        return None
    name = re.split(r"[\\/]", names[0])[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:100] or None


def request_hash(params: Any, files: dict[str, list[bytes]]) -> str:
    """What makes two requests 'the same' for an Idempotency-Key: params and file contents."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True, separators=(",", ":")).encode())
    for name in sorted(files):
        for data in files[name]:
            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


@dataclass
class Service:
    """What the routes share: the configuration, the queue, and the input checks."""

    config: ServiceConfig
    store: Store
    limits: Limits = field(default_factory=Limits)
    default_model: str = tasks.DEFAULT_MODEL

    def job(self, job_id: str) -> dict:
        """The job, or 404 (malformed ids included: nothing is ever looked up on disk by id)."""
        row = self.store.get(job_id) if valid_id(job_id) else None
        if row is None:
            shown = repr(job_id[:40]) + ("..." if len(job_id) > 40 else "")
            raise NotFound(f"no job {shown}")
        return row

    def check_image(self, data: bytes, label: str) -> None:
        """The image contract's checks (format from content, header limits, full decode for
        truncation), so that a bad upload gets its 4xx now rather than failing in a worker."""
        try:
            load_image(data, limits=self.limits)
        except InputError as e:
            raise type(e)(str(e).replace("<bytes>", label)) from None

    def submit(self, params: Any, files: dict[str, list[bytes]], *, idem_key: str | None = None,
               source: str = "v1", filenames: dict[str, list[str | None]] | None = None,
               ) -> tuple[dict, bool]:
        """Check a request, store its uploads, queue it. Blocking: call from a thread.

        ``filenames``: the uploads' own names (kept, cleaned, to label the job, e.g. the painting
        used as the style); never used as paths."""
        if not isinstance(params, dict):
            raise InputError("params must be a JSON object")
        raw = dict(params)
        refs: list[dict] = []
        for key in [k for k in raw if k.endswith(JOB_REF_SUFFIX)]:
            name = key[: -len(JOB_REF_SUFFIX)]
            ids = raw.pop(key)
            for job_id in ids if isinstance(ids, list) else [ids]:
                if not isinstance(job_id, str) or not valid_id(job_id):
                    raise InputError(f"{key}: {str(job_id)[:40]!r} is not a job id")
                ref = self.store.get(job_id)
                if ref is None or ref["state"] != "succeeded":
                    raise InputError(f"{key}: job {job_id} has no result "
                                     f"({'unknown job' if ref is None else ref['state']})")
                refs.append({"field": name, "job": job_id})
        counts = {k: len(v) for k, v in files.items() if v}
        for r in refs:
            counts[r["field"]] = counts.get(r["field"], 0) + 1
        checked = tasks.check_params(raw, counts, max_prompt_chars=self.config.max_prompt_chars,
                                     test_hooks=self.config.test_hooks,
                                     default_model=self.default_model)
        for name, blobs in files.items():
            for i, data in enumerate(blobs):
                self.check_image(data, f"{name}" if len(blobs) == 1 else f"{name}[{i}]")
        job_id = new_id()
        folder = self.config.inputs_dir / job_id
        inputs = list(refs)
        if any(files.values()):
            folder.mkdir(parents=True)
            for name, blobs in files.items():
                for i, data in enumerate(blobs):
                    (folder / f"{name}-{i}").write_bytes(data)
                    entry = {"field": name, "file": f"{name}-{i}"}
                    shown = upload_name(((filenames or {}).get(name) or [])[i:i + 1])
                    if shown:
                        entry["name"] = shown
                    inputs.append(entry)
        try:
            row, created = self.store.submit(
                job_id, checked.task, checked.params, inputs, source=source, idem_key=idem_key,
                idem_hash=request_hash(params, files) if idem_key else None,
                queue_limit=self.config.queue_limit)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if not created:
            shutil.rmtree(folder, ignore_errors=True)
        return row, created

    def cancel(self, job_id: str) -> dict:
        self.job(job_id)
        row = self.store.cancel(job_id)
        if row["state"] == "cancelled" and row["started"] is None:
            shutil.rmtree(self.config.inputs_dir / job_id, ignore_errors=True)
        return row

    async def wait(self, job_ids: list[str], timeout_s: float, poll_s: float = 0.05) -> list[dict]:
        """Wait until every job is finished (for the synchronous A1111 calls)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            rows = await asyncio.to_thread(lambda: [self.store.get(i) for i in job_ids])
            if all(r is None or r["state"] in FINAL for r in rows):
                return rows
            if loop.time() > deadline:
                from painterly.service.errors import Timeout

                raise Timeout(f"the jobs did not finish within {timeout_s:.0f} s; they go on in "
                              f"the queue: {', '.join(job_ids)}")
            await asyncio.sleep(poll_s)
