"""One augmentation run: plan, skip what the manifest says is finished, paint the rest, record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from painterly.augment.commit import Committer
from painterly.augment.engines import check_engine, run_engine
from painterly.augment.job import Result
from painterly.augment.manifest import Manifest, lock_output, remove_stale_temps
from painterly.augment.plan import AugmentConfig, find_sources, plan_jobs, resolve_styles
from painterly.errors import InputError

ProgressFn = Callable[[int, int], None]  # (done, total) over the outputs this run paints


@dataclass
class Summary:
    planned: int = 0  # outputs in the plan
    skipped: int = 0  # already finished by an earlier run (manifest + checksum)
    written: int = 0  # painted and written by this run
    failed: dict[str, str] = field(default_factory=dict)  # source -> error, this run and earlier
    recorded_errors: int = 0  # outputs this run recorded as failed

    @property
    def unfinished(self) -> int:
        """Outputs with no row (lost with a worker that died): the next run paints them."""
        return self.planned - self.skipped - self.written - self.recorded_errors


def augment(
    src_dir: str | Path,
    out_dir: str | Path,
    *,
    styles: str,
    per_image: int = 1,
    strength: tuple[float, float] = (1.0, 1.0),
    seed: int = 0,
    size: int | None = None,
    engine: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    progress: ProgressFn | None = None,
) -> Summary:
    """Repaint every image under ``src_dir`` into ``out_dir``, keeping its class folders.

    ``styles``: comma-separated style names or a folder of paintings. For each source,
    ``per_image`` distinct styles and a strength in ``strength`` are drawn from ``seed``. Writes
    ``out_dir/manifest.csv`` (see :mod:`painterly.augment.manifest`); a second call with the
    same arguments paints only what is missing. Bad sources are recorded and skipped, never
    raised: see ``Summary.failed``.
    """
    # 1. Check inputs: everything that can be wrong fails before a worker starts
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if size is not None and size < 16:
        raise InputError(f"--size must be at least 16 px, got {size}")
    check_engine(engine, ray_address)
    if out_dir.resolve() == src_dir.resolve() or src_dir.resolve() in out_dir.resolve().parents:
        raise InputError(f"{out_dir}: the output folder must be outside the source folder")
    style_pairs = resolve_styles(styles)
    config = AugmentConfig(styles=tuple(a for _, a in style_pairs), per_image=per_image,
                           strength=strength, seed=seed, size=size)
    jobs = plan_jobs(src_dir, find_sources(src_dir), style_pairs, config)

    # 2. Resume: drop temp files of a killed run, keep the manifest rows that still hold
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_output(out_dir)
    remove_stale_temps(out_dir)
    summary = Summary(planned=len(jobs))
    with lock, Manifest(out_dir) as manifest:
        manifest.load()
        todo = []
        for job in jobs:
            row = manifest.done(job.source, job.output)
            if row is None:
                todo.append(job)
                continue
            summary.skipped += 1
            if row["status"] != "ok":
                summary.failed.setdefault(job.source, row["error"])

        # 3. Paint; the committer writes each file (atomically), then its row (fsynced)
        used = tuple(dict.fromkeys(j.style_arg for j in todo))
        if progress:
            progress(0, len(todo))
        committed = 0

        def on_commit(batch: list[Result]) -> None:
            nonlocal committed
            for r in batch:
                if r.data is None:
                    summary.failed.setdefault(r.job.source, r.error)
                    summary.recorded_errors += 1
                else:
                    summary.written += 1
            committed += len(batch)
            if progress:
                progress(committed, len(todo))

        if todo:
            committer = Committer(out_dir, manifest, on_commit)
            try:
                for r in run_engine(engine, todo, src_dir=str(src_dir), size=size,
                                    workers=workers, style_args=used, ray_address=ray_address):
                    committer.put(r)
            finally:
                committer.close()  # commits what arrived, even when the engine failed
    return summary
