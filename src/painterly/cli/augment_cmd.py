"""`painterly augment`: repaint a whole labelled dataset, locally or on a Ray cluster."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app


def _rate_columns():
    """Images per second and "ETA", between done/total and the time left."""
    from rich.progress import ProgressColumn, TextColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Images per second, from Rich's moving average of completed steps."""

        def render(self, task) -> Text:
            return Text(f"{task.speed:.2f} img/s" if task.speed else "-- img/s")

    return RateColumn(), TextColumn("ETA")


@app.command("augment")
def augment_command(
    src_dir: Path = typer.Argument(..., help="Dataset root; class folders under it are kept."),
    output: Path = typer.Option(..., "-o", "--output", help="Output root (gets manifest.csv)."),
    styles: str = typer.Option(..., "--styles", help="Comma-separated style names (see 'painterly "
                               "styles'), or a folder of paintings: each painting is a style."),
    per_image: int = typer.Option(1, "--per-image", help="Outputs per image, each in another style."),
    strength: str = typer.Option("1", "--strength", help="Strength, or a range A..B to draw from."),
    seed: int = typer.Option(0, "--seed", help="Seeds every draw: same seed, same outputs."),
    size: int = typer.Option(None, "--size", help="Longer side of the outputs in px (default: the source's)."),
    engine: str = typer.Option("local", "--engine", help="local (a process pool) or ray."),
    workers: int = typer.Option(None, "--workers", help="Worker processes (default: one per CPU)."),
    ray_address: str = typer.Option(None, "--ray-address", help="Ray cluster to join: 'auto' or "
                                    "HOST:PORT of 'ray start --head' (default: start Ray here)."),
) -> int:
    """Repaint every image under SRC_DIR in styles drawn from --seed; resumable, exits 2 on bad files."""
    from painterly.augment import augment, parse_strength
    from painterly.cli._common import result, stderr_progress

    lo_hi = parse_strength(strength)
    with stderr_progress(*_rate_columns()) as bar:
        task = bar.add_task("augment", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = augment(src_dir, output, styles=styles, per_image=per_image, strength=lo_hi,
                          seed=seed, size=size, engine=engine, workers=workers,
                          ray_address=ray_address, progress=progress)
    result(f"{summary.written} written, {summary.skipped} already done, "
           f"{summary.planned} planned; manifest: {output / 'manifest.csv'}")
    for msg in summary.failed.values():
        typer.echo(f"painterly: error: {msg}", err=True)
    if summary.unfinished:
        typer.echo(f"painterly: {summary.unfinished} images were lost with a worker; run the "
                   "same command again to finish them", err=True)
    return 2 if summary.failed else 1 if summary.unfinished else 0
