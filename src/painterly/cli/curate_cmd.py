"""`painterly curate`: keep the best of many pictures by CLIP score and/or quality score."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from painterly.cli import app
from painterly.cli._common import console, expand_inputs, progress_bar
from painterly.cli._common import result as result_line
from painterly.cli._trust import NO_SIGN, NO_WATERMARK, VISIBLE_LABEL, finish_config
from painterly.errors import InputError, PainterlyError
from painterly.formats import OUTPUT_FORMATS

if TYPE_CHECKING:
    import numpy as np

# Pictures are scored at this size at most: CLIP sees 224 px, the quality score 512 px.
SCORE_SIZE = 1024


def print_ranking(result, names: list[str]) -> None:
    """The ranking as a table on stderr, and a line saying which signal decided."""
    from rich.markup import escape
    from rich.table import Table

    kept = {r.index for r in result.kept}
    table = Table(title=f"ranked by {result.signal}", title_justify="left")
    for col in ("rank", "picture", "clip", "quality", "kept"):
        table.add_column(col, justify="right" if col in ("rank", "clip", "quality") else "left")
    for pos, r in enumerate(result.ranked, 1):
        table.add_row(str(pos), names[r.index], "-" if r.clip is None else f"{r.clip:.3f}",
                      f"{r.quality.total:.3f}", "yes" if r.index in kept else "")
    console.print(table)
    if result.note:
        console.print(f"[yellow]note:[/] {escape(result.note)}", highlight=False, soft_wrap=True)


def write_sheet_and_summary(out: Path, images: list[np.ndarray], result, names: list[str],
                            finish=None, **extra) -> tuple[Path, Path]:
    from painterly.curation.report import curation_sheet, curation_summary
    from painterly.provenance.artwork import save_artwork

    sheet_path, json_path = out / "contact-sheet.png", out / "ranking.json"
    sheet = curation_sheet(images, result, names=names)
    meta = {"signal": result.signal, **{k: v for k, v in extra.items() if v is not None}}
    if finish is not None:  # painterly.provenance: label, watermark, C2PA (no drift: no photo)
        from painterly.provenance.finish import finish_artwork

        sheet, meta = finish_artwork(sheet, params=meta, technique="curate", config=finish)
    save_artwork(sheet, sheet_path, metadata=meta)
    json_path.write_text(json.dumps(curation_summary(result, names, **extra), indent=2) + "\n")
    return sheet_path, json_path


def check_many(count: int, keep: int | None, output: Path) -> bool:
    """`paint -n N --keep K` arguments, checked before any model loads; True when curating."""
    if count < 1:
        raise InputError(f"-n must be at least 1, got {count}")
    if keep is not None and not 1 <= keep <= count:
        raise InputError(f"--keep must be between 1 and -n ({count}), got {keep}")
    many = count > 1 or keep is not None
    if many and output.suffix.lower() in OUTPUT_FORMATS:
        raise InputError(f"-n/--keep write several files: -o must be a folder, not {output.name!r}")
    return many


def paint_and_curate(
    generate_one: Callable[[int, Callable[[int, int], Any]], np.ndarray],
    seeds: Sequence[int],
    *,
    prompt: str,
    keep: int,
    output: Path,
    clip_model: str | None,
    metadata: dict[str, Any],
    steps: int,
    label: str = "paint",
    finish=None,
    inputs: dict | None = None,
) -> int:
    """`painterly paint -n N --keep K`: generate one picture per seed, keep the K best.

    ``generate_one(seed, progress)`` returns a contract image and calls ``progress(done, total)``
    per denoising step. The kept pictures are written as ``01-seed42.png``... with their seed,
    rank and scores in the PNG metadata, next to ``contact-sheet.png`` (all candidates, scores
    in the captions) and ``ranking.json``.
    """
    from painterly.curation.rank import check_keep, curate
    from painterly.provenance.artwork import save_artwork

    if keep < 1:
        raise InputError(f"--keep must be at least 1, got {keep}")
    if output.suffix.lower() in OUTPUT_FORMATS:
        raise InputError(f"-n/--keep write several files: -o must be a folder, not {output.name!r}")
    check_keep(keep, len(seeds))
    images: list[np.ndarray] = []
    with progress_bar(len(seeds) * steps, f"{label}: {len(seeds)} pictures") as step:
        for s in seeds:
            images.append(generate_one(s, lambda done, total: step()))
    names = [f"seed{s}" for s in seeds]
    with console.status(f"scoring {len(images)} pictures"):
        result = curate(images, prompt, keep=keep, model=clip_model)
    print_ranking(result, names)

    output.mkdir(parents=True, exist_ok=True)
    for pos, r in enumerate(result.kept, 1):
        h, w = images[r.index].shape[:2]
        meta = {**metadata, "seed": seeds[r.index], "size": f"{w}x{h}", "rank": pos,
                "ranked_by": result.signal, "quality": round(r.quality.total, 4)}
        if r.clip is not None:
            meta["clip"] = round(r.clip, 4)
        art = images[r.index]
        if finish is not None:  # painterly.provenance: label, watermark, C2PA
            from painterly.provenance.finish import finish_artwork

            art, meta = finish_artwork(art, params=meta, inputs=inputs, technique="paint", config=finish)
        save_artwork(art, output / f"{pos:02d}-{names[r.index]}.png", metadata=meta)
    sheet, summary = write_sheet_and_summary(output, images, result, names, finish, prompt=prompt,
                                             seeds=list(seeds))
    result_line(f"kept {len(result.kept)} of {len(images)} in {output} "
                f"(contact sheet {sheet.name}, scores {summary.name})")
    return 0


@app.command("curate")
def curate_command(
    inputs: list[Path] = typer.Argument(..., help="Pictures or folders of pictures."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the kept pictures, the "
                                "contact sheet and ranking.json."),
    prompt: str = typer.Option(None, "--prompt", "-p", help="The text the pictures should match "
                               "(CLIP). Without it, pictures are ranked by quality only."),
    keep: int = typer.Option(3, "--keep", "-k", help="How many of the best to keep."),
    model: str = typer.Option("clip-vit-b-32", "--model", help="CLIP model name or local folder."),
    no_clip: bool = typer.Option(False, "--no-clip", help="Rank by the quality score only."),
    visible_label: bool = VISIBLE_LABEL,
    no_sign: bool = NO_SIGN,
    no_watermark: bool = NO_WATERMARK,
) -> int:
    """Rank pictures by how well they match a prompt (CLIP) and by quality; keep the best."""
    from painterly.curation.rank import check_keep, curate
    from painterly.io import load_image

    if keep < 1:
        raise InputError(f"--keep must be at least 1, got {keep}")
    if output.suffix.lower() in OUTPUT_FORMATS:
        raise InputError(f"-o must be a folder, not the file name {output.name!r}")
    files = expand_inputs(inputs)
    images, names, used, failed = [], [], [], []
    with progress_bar(len(files), "reading") as step:
        for f in files:
            try:
                images.append(load_image(f, max_size=SCORE_SIZE))
                names.append(f.name)
                used.append(f)
            except PainterlyError as e:
                failed.append(f"{f}: {e}" if str(f) not in str(e) else str(e))
            step()
    for msg in failed:
        typer.echo(f"painterly: error: {msg}", err=True)
    if not images:
        raise InputError("no readable pictures to curate")
    check_keep(keep, len(images))
    with console.status(f"scoring {len(images)} pictures"):
        result = curate(images, prompt, keep=keep, model=None if no_clip else model)
    print_ranking(result, names)

    output.mkdir(parents=True, exist_ok=True)
    for pos, r in enumerate(result.kept, 1):  # the files as they were: no re-encoding
        src = used[r.index]
        shutil.copyfile(src, output / f"{pos:02d}-{src.name}")
    finish = finish_config(visible_label, no_sign, no_watermark)  # for the contact sheet: the
    #                                                   kept pictures are copied byte for byte
    sheet, summary = write_sheet_and_summary(output, images, result, names, finish, prompt=prompt)
    result_line(f"kept {len(result.kept)} of {len(images)} in {output} "
                f"(contact sheet {sheet.name}, scores {summary.name})")
    return 2 if failed else 0
