"""Shared CLI helpers: input expansion, progress bars, output naming, the batch runner.

Imports stay light here (numpy, OpenCV and the styles load inside the commands), so that
``painterly --help`` starts fast."""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from painterly.cli._notes import quiet
from painterly.errors import InputError, PainterlyError
from painterly.formats import INPUT_SUFFIXES as IMAGE_SUFFIXES
from painterly.formats import OUTPUT_FORMATS, output_format


@functools.cache
def stderr_console():
    """rich's Console on stderr, made on first use: importing rich costs ~50 ms of CPU, and a
    one-photo run prints one plain line. Hand this (not :data:`console`) to rich objects that
    take a console (Progress, Live, Status): they use it as a context manager, which a proxy
    cannot be (Python looks ``__enter__`` up on the type, not through ``__getattr__``)."""
    from rich.console import Console

    return Console(stderr=True)


class _LazyConsole:
    """Stands for :func:`stderr_console` in module-level imports, for printing notes."""

    def __getattr__(self, name: str):
        return getattr(stderr_console(), name)


console = _LazyConsole()  # notes and warnings: stderr


def note(text: str, **kwargs) -> None:
    """A note on stderr (rich markup allowed); nothing under --quiet."""
    if not quiet():
        console.print(text, **kwargs)


def plain_note(line: str) -> None:
    """One ``painterly: note: ...`` line on stderr, never wrapped, without rich (a one-photo run
    does not import it); nothing under --quiet."""
    if not quiet():
        import sys

        sys.stderr.write(f"painterly: note: {line}\n")
        sys.stderr.flush()


def result(line: str) -> None:
    """A result line ("wrote art.png"): stdout, so that it can be piped; nothing under --quiet.
    Notes, warnings and progress go to stderr."""
    if not quiet():
        typer.echo(line)


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files as given; folders expanded to the files directly inside them (sorted), hidden ones
    (a leading '.') left out. Every other file is read as an image, whatever its name: a PDF or a
    text file among the photos is then reported like a damaged photo, never skipped unsaid (the
    reader decides by content, not by name)."""
    out: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
            if not any(f.suffix.lower() in IMAGE_SUFFIXES for f in found):
                raise InputError(f"{p}: folder has no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def output_paths(inputs: list[Path], out: str | Path, suffix: str) -> list[Path]:
    """One input and an image-extension OUT: that file. Otherwise OUT is a folder: an existing
    one, or (several inputs, or a name that ends with '/') one that is made."""
    folder = str(out).endswith(("/", os.sep)) or Path(out).is_dir()
    out = Path(out)
    if out.suffix and not folder:
        output_format(out)  # a file name with a non-image extension: say which are accepted
    if len(inputs) == 1 and out.suffix.lower() in OUTPUT_FORMATS and not folder:
        return [out]
    if out.suffix.lower() in OUTPUT_FORMATS and not folder:
        raise InputError(f"{len(inputs)} inputs need an output folder, not the file name {out.name!r}")
    if len(inputs) == 1 and not folder:
        raise InputError(
            f"-o {out}: name the output file with an image extension ({', '.join(OUTPUT_FORMATS)}), "
            f"e.g. -o {out}.png; to write into a folder, give an existing one or end the name "
            f"with '/' (-o {out}/)")
    names: dict[str, int] = {}
    paths = []
    for p in inputs:
        stem = f"{p.stem}-{suffix}"
        k = names.get(stem, 0)
        names[stem] = k + 1
        paths.append(out / (f"{stem}-{k}.png" if k else f"{stem}.png"))
    return paths


def stderr_progress(*extra_columns):
    """rich's ``Progress`` on stderr (drawn only when stderr is a terminal) with painterly's
    columns: the label, the bar, done/total, ``extra_columns``, the time left. Imports rich."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    err = stderr_console()
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    *extra_columns, TimeRemainingColumn(), console=err, transient=False,
                    disable=not err.is_terminal)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[..., None]]:
    if total <= 1:  # no bar for one item (nor rich's import)
        yield lambda n=1: None
        return
    with stderr_progress() as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def cpu_count() -> int:
    """Cores this process may run on (its affinity mask, as a container or taskset sets it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(
    files: list[Path],
    outs: list[Path],
    output: Path,
    label: str,
    paint: Callable,
    *,
    load: Callable[[Path], object] | None = None,
    painters: int = 1,
    workers: int | None = None,
    png_compression: str = "fast",
    finish=None,
    inputs: dict | None = None,
    resume_hint: str = "",
) -> int:
    """Paint every file and save it, with a progress bar; returns the exit code.

    ``paint(load(src)) -> (image, metadata)`` (``paint(src)`` without ``load``). ``workers``
    threads (default: the cores, at least 2) each take the next file and read, paint, encode and
    save it, so reading and writing overlap with painting; at most ``painters`` of them paint at
    once (1 for a network that already uses every core; the cores for the filters, whose
    OpenCV and numpy calls release the GIL). So at most ``workers`` images are in memory,
    whatever the size of the folder.

    A file that fails, for any reason (unreadable, a full disk, an OpenCV error), does not stop
    the batch: the others are written, each failure is reported at the end in one line, and
    the exit code is 2.

    ``finish`` (a :class:`painterly.provenance.finish.FinishConfig`) runs the trust steps on each
    result (label, watermark, drift, signing), with ``src`` as the photo plus ``inputs``.

    Ctrl-C stops a batch of several files cleanly: no new file is started, the pictures being
    painted are finished and written (a second Ctrl-C ends at once), what was written is said,
    with ``resume_hint`` (how to go on), and the exit code is 130.
    """
    from painterly.cli._process import keep_freed_memory
    from painterly.provenance.artwork import save_artwork

    keep_freed_memory()  # before the workers start (see painterly.cli._process)
    if finish is not None:  # its first-use costs, off the first picture's path
        threading.Thread(target=_prepare_finish, args=(finish,), name="painterly-prepare",
                         daemon=True).start()
    n = len(files)
    workers = max(1, min(n, workers or max(2, cpu_count())))
    slots = threading.BoundedSemaphore(max(1, min(painters, workers)))
    todo = iter(list(enumerate(zip(files, outs))))
    take = threading.Lock()
    stop = threading.Event()
    done: queue.SimpleQueue = queue.SimpleQueue()  # one token per finished file, for the bar
    results: list[tuple[int, BaseException | None]] = []  # appended by the workers (atomic)

    def work() -> None:
        while not stop.is_set():
            with take:
                item = next(todo, None)
            if item is None:
                return
            i, (src, dst) = item
            try:
                x = src if load is None else load(src)
                with slots:
                    art, meta = paint(x)
                if isinstance(meta, dict) and PHOTO_FACES in meta:  # found by the paint step
                    meta = dict(meta)
                    faces = meta.pop(PHOTO_FACES)
                else:
                    faces = None
                if finish is not None:  # painterly.provenance: label, watermark, drift, C2PA
                    art, meta = _finish(art, meta, src, x, label, finish, inputs, faces)
                del x
                save_artwork(art, dst, metadata=meta, png_compression=png_compression)
                results.append((i, None))
                done.put(i)
            except BaseException as e:  # any per-file failure is reported and
                results.append((i, e))  # the batch goes on;
                done.put(i)  # nothing may leave the main thread waiting

    threads = [threading.Thread(target=work, name=f"painterly-batch-{i}", daemon=True)
               for i in range(workers)]
    interrupted = False
    with progress_bar(n, label) as step:
        for t in threads:
            t.start()
        try:
            for _ in range(n):
                done.get()
                step()
        except KeyboardInterrupt:
            if n == 1:
                raise
            interrupted = True
            stop.set()  # no new file is started; those being painted finish and are written
            for t in threads:
                t.join()
        finally:
            stop.set()
    finished = len(results)
    failed = [(i, err) for i, err in results if err is not None]
    written = finished - len(failed)
    if n == 1:
        if not failed:
            result(f"wrote {outs[0]}")
    elif not interrupted:
        result(f"{written} of {n} written to {output}")
    from painterly.cli import _state

    for i, err in sorted(failed, key=lambda f: f[0]):
        if _state["debug"] and not isinstance(err, PainterlyError):
            traceback.print_exception(err)
        typer.echo(f"painterly: error: {_describe(files[i], err)}", err=True)
    if interrupted:
        typer.echo(f"painterly: interrupted: {written} of {n} written to {output}, "
                   f"{n - finished} not started" + (f"; {resume_hint}" if resume_hint else ""),
                   err=True)
        return 130
    return 2 if failed else 0


#: Key of a ``paint`` step's metadata under which it hands the photo's faces (found for the
#: style, :func:`painterly.faces.find_faces`) to the face guard; never saved.
PHOTO_FACES = "_photo_faces"


def _describe(src: Path, err: BaseException) -> str:
    """One line for a failed file: painterly's own message, or the exception's type and text."""
    msg = str(err) if isinstance(err, PainterlyError) else f"{type(err).__name__}: {err}"
    msg = " ".join(msg.split())  # one line, whatever the exception's text
    return msg if str(src) in msg else f"{src}: {msg}"


def _prepare_finish(finish) -> None:
    from painterly.provenance.finish import prepare_finish

    with contextlib.suppress(Exception):  # the same steps report their errors when they run
        prepare_finish(finish)


def _finish(art, meta, src: Path, photo, label: str, finish, inputs: dict | None, faces=None):
    """painterly.provenance's trust steps on one result; prints the drift warning, if any.
    ``faces``: the photo's faces, when the paint step already found them."""
    import numpy as np

    from painterly.provenance.finish import drift_warning, finish_artwork, watermark_note

    art, meta = finish_artwork(art, params=meta, inputs={"photo": src, **(inputs or {})},
                               technique=label.split(":")[0], config=finish,
                               photo=photo if isinstance(photo, np.ndarray) else None,
                               photo_faces=faces)
    warning = drift_warning(meta)
    if warning:
        console.print(f"[yellow]{src.name}: {warning}[/]", highlight=False)
    wm_note = watermark_note(meta)
    if wm_note:
        plain_note(f"{src.name}: {wm_note}")
    return art, meta

