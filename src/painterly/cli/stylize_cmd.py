"""`painterly stylize`: photos (files or folders) to art, with a progress bar for batches."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import console, expand_inputs, output_paths, progress_bar
from painterly.errors import PainterlyError
from painterly.io import save_image
from painterly.styles import check_strength, get_style
from painterly.stylize import stylize


@app.command("stylize")
def stylize_command(
    inputs: list[Path] = typer.Argument(..., help="Photos or folders of photos."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (one input) or folder."),
    style: list[str] = typer.Option(
        ["cartoon"], "--style", "-s",
        help="Style name (see 'painterly styles'), or the path of any painting; repeat with "
             "weights to blend: --style starry.jpg:0.7 --style wave.jpg:0.3"),
    strength: float = typer.Option(1.0, "--strength", help="0 = the photo, 1 = the full style."),
    max_size: int = typer.Option(None, "--max-size", help="Downscale so the longer side is at most N px."),
    seed: int = typer.Option(0, "--seed", help="Seed for random elements (same seed, same result)."),
    preserve_color: bool = typer.Option(False, "--preserve-color", help="Neural styles: keep the photo's colours, transfer texture only."),
    style_scale: float = typer.Option(1.0, "--style-scale", help="Neural styles: brush-stroke size, 1 = as trained, 2 = twice as large."),
    tile: int = typer.Option(None, "--tile", help="Neural styles: tile size in px for huge images (0 = never tile)."),
) -> int:
    """Turn photos into art in the given style."""
    check_strength(strength)
    style_arg, label = _style_arg(style)  # unknown names and missing files fail before any work
    options = {}  # only what the user set, so that filter styles never see neural-only options
    if preserve_color:
        options["preserve_color"] = True
    if style_scale != 1.0:
        options["style_scale"] = style_scale
    if tile is not None:
        options["tile"] = tile
    files = expand_inputs(inputs)
    outs = output_paths(files, output, label)
    failed: list[tuple[Path, str]] = []
    with progress_bar(len(files), f"stylize: {label}") as step:
        for src, dst in zip(files, outs):
            try:
                art = stylize(src, style_arg, strength=strength, seed=seed, max_size=max_size, **options)
                save_image(art, dst, metadata={"style": label, "strength": strength, "seed": seed, **options})
            except PainterlyError as e:
                failed.append((src, str(e)))
            step()
    done = len(files) - len(failed)
    if len(files) == 1 and not failed:
        console.print(f"wrote {outs[0]}")
    else:
        console.print(f"{done} of {len(files)} written to {output}")
    if failed:
        for src, msg in failed:
            typer.echo(f"painterly: error: {msg}" if str(src) in msg else f"painterly: error: {src}: {msg}", err=True)
        return 2
    return 0


def _style_arg(styles: list[str]):
    """CLI --style values -> (argument for stylize, label for file names and metadata)."""
    from painterly.neural import parse_style_arg
    from painterly.neural.transfer import _resolve

    if len(styles) == 1 and ":" not in styles[0] and not Path(styles[0]).is_file():
        spec = get_style(styles[0])
        return spec.name, spec.name
    items = [parse_style_arg(s) for s in styles]
    _resolve([(src, w) for src, w in items])  # validates names, files and weights up front
    label = "+".join(Path(src).stem if Path(src).is_file() else src for src, _ in items)
    if len(items) == 1 and Path(items[0][0]).is_file():
        return items[0][0], label
    return items, label
