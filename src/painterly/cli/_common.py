"""Shared CLI helpers: input expansion, progress bars, output naming."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from painterly.errors import InputError
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
