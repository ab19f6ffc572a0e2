"""``OUT/manifest.csv``: one row per output, appended and fsynced as each output lands.

The manifest is the run's record and its resume point. Rules that make a SIGKILL harmless:
an output file is complete before its row is written (temp name, fsync, ``os.replace``); rows
are appended in whole lines and fsynced (several at once under load: see
:mod:`painterly.augment.commit`); on start, a torn last line, rows of files that are
gone or whose bytes no longer match their sha256, and repeated rows are dropped (the manifest is
rewritten atomically), so the file never holds a row twice. CSV rather than Parquet: appending
a row is one ``write``, and the standard library reads it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

from painterly._files import lock_exclusive, write_synced

FIELDS = ("source", "style", "strength", "seed", "output", "sha256", "status", "error")
NAME = "manifest.csv"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a kill at any moment leaves the old file or the new one.

    The temporary name starts with a dot and ends in ``.tmp``; :func:`remove_stale_temps` clears
    the ones a killed run left behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_synced(tmp, data)
    os.replace(tmp, path)


def lock_output(out_dir: Path):
    """One run per output folder: a second one would delete the first one's temporary files and
    write its rows twice. Returns the open lock file (held until closed or the process ends)."""
    return lock_exclusive(out_dir / ".augment.lock",
                          f"{out_dir}: another 'painterly augment' is writing here; wait for it "
                          "or choose another output folder")


def remove_stale_temps(out_dir: Path) -> int:
    """Delete temporary files of an earlier, killed run. Returns how many."""
    n = 0
    for p in out_dir.rglob(".*.tmp"):
        p.unlink(missing_ok=True)
        n += 1
    return n


def _row_key(row: dict) -> tuple[str, str]:
    return row["source"], row["output"]


def _render(row: dict) -> str:
    buf = io.StringIO()
    csv.DictWriter(buf, FIELDS, lineterminator="\n").writerow({k: row.get(k, "") for k in FIELDS})
    return buf.getvalue()


class Manifest:
    """The rows of a run, keyed by (source, output); ``append`` makes one row durable."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / NAME
        self.out_dir = out_dir
        self.rows: dict[tuple[str, str], dict] = {}
        self._file = None

    def load(self) -> None:
        """Read the manifest of an earlier run, keep the rows that still hold, rewrite if needed."""
        if not self.path.exists():
            return
        text = self.path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        torn = bool(lines) and not lines[-1].endswith("\n")
        body = "".join(lines[:-1] if torn else lines)
        kept: dict[tuple[str, str], dict] = {}
        dropped = torn
        for row in csv.DictReader(io.StringIO(body)):
            if None in row or any(row.get(k) is None for k in FIELDS):
                dropped = True  # a malformed row
                continue
            key = _row_key(row)
            if key in kept:
                dropped = True
            if row["status"] == "ok":
                out = self.out_dir / row["output"]
                if not out.is_file() or sha256_file(out) != row["sha256"]:
                    dropped = True  # gone or changed: paint it again
                    kept.pop(key, None)
                    continue
            kept[key] = row
        self.rows = kept
        if dropped:
            data = "".join([",".join(FIELDS) + "\n"] + [_render(r) for r in kept.values()])
            write_atomic(self.path, data.encode("utf-8"))

    def done(self, source: str, output: str) -> dict | None:
        return self.rows.get((source, output))

    def append(self, row: dict) -> None:
        self.append_many([row])

    def append_many(self, rows: list[dict]) -> None:
        """Append ``rows`` with one write and one fsync (their files must already be on disk)."""
        if self._file is None:
            new = not self.path.exists() or self.path.stat().st_size == 0
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115  closed in close()
            if new:
                self._file.write(",".join(FIELDS) + "\n")
        self._file.write("".join(_render(row) for row in rows))
        self._file.flush()
        os.fsync(self._file.fileno())
        for row in rows:
            self.rows[_row_key(row)] = row

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_rows(out_dir: Path) -> list[dict]:
    """Every row of ``OUT/manifest.csv``, as written (for tests and reports)."""
    with open(out_dir / NAME, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
