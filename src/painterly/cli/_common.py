"""Shared CLI helpers: input expansion, progress bars, output naming."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from painterly.cli._notes import quiet
from painterly.errors import InputError, PainterlyError
from painterly.io import ALLOWED_FORMATS, OUTPUT_FORMATS, output_format

console = Console(stderr=True)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
assert len(ALLOWED_FORMATS) == 6  # keep IMAGE_SUFFIXES in step with io.ALLOWED_FORMATS


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files as given; folders expanded to the image files directly inside them (sorted)."""
    out: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise InputError(f"{p}: folder has no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def output_paths(inputs: list[Path], out: Path, suffix: str) -> list[Path]:
    """One input and an image-extension OUT: that file. Otherwise OUT is a folder."""
    if out.suffix and not out.is_dir():
        output_format(out)  # a file name with a non-image extension: say which are accepted
    if len(inputs) == 1 and out.suffix.lower() in OUTPUT_FORMATS:
        return [out]
    if out.suffix.lower() in OUTPUT_FORMATS:
        raise InputError(f"{len(inputs)} inputs need an output folder, not the file name {out.name!r}")
    names: dict[str, int] = {}
    paths = []
    for p in inputs:
        stem = f"{p.stem}-{suffix}"
        k = names.get(stem, 0)
        names[stem] = k + 1
        paths.append(out / (f"{stem}-{k}.png" if k else f"{stem}.png"))
    return paths


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[..., None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        disable=total <= 1 or not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def run_batch(
    files: list[Path],
    outs: list[Path],
    output: Path,
    label: str,
    paint: Callable[[Path], tuple[np.ndarray, dict]],
    finish=None,
    inputs: dict | None = None,
) -> int:
    """Paint every file with ``paint(src) -> (image, metadata)`` and save it, with a progress bar.

    ``finish`` (a :class:`painterly.provenance.finish.FinishConfig`) runs the trust steps on each
    result (label, watermark, drift, signing), with ``src`` as the photo plus ``inputs``.

    Bad files do not stop the batch: they are reported at the end, one line each, and the
    exit code is 2. Returns the exit code.
    """
    from painterly.io import save_image

    failed: list[tuple[Path, str]] = []
    with progress_bar(len(files), label) as step:
        for src, dst in zip(files, outs):
            try:
                art, meta = paint(src)
                if finish is not None:  # painterly.provenance: label, watermark, drift, C2PA
                    from painterly.provenance.finish import drift_warning, finish_artwork

                    art, meta = finish_artwork(art, params=meta, inputs={"photo": src, **(inputs or {})},
                                               technique=label.split(":")[0], config=finish)
                    warning = drift_warning(meta)
                    if warning:
                        console.print(f"[yellow]{src.name}: {warning}[/]", highlight=False)
                save_image(art, dst, metadata=meta)
            except PainterlyError as e:
                failed.append((src, str(e)))
            step()
    if len(files) == 1:
        if not failed and not quiet():
            console.print(f"wrote {outs[0]}")
    elif not quiet():
        console.print(f"{len(files) - len(failed)} of {len(files)} written to {output}")
    for src, msg in failed:
        typer.echo(f"painterly: error: {msg}" if str(src) in msg else f"painterly: error: {src}: {msg}",
                   err=True)
    return 2 if failed else 0
