"""`painterly styles`: list every style; `--sheet` renders them all on one photo."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import progress_bar, result
from painterly.formats import output_format


@app.command("styles")
def styles_command(
    sheet: Path = typer.Option(None, "--sheet", help="Render a contact sheet of all styles to this PNG/JPEG."),
    photo: Path = typer.Option(None, "--photo", help="Photo for the sheet (default: a sample photo that ships with scikit-image)."),
    family: str = typer.Option(None, "--family", help="Only this family: filter, neural, library."),
    cell: int = typer.Option(320, "--cell", help="Sheet cell size in pixels."),
) -> None:
    """List every style with a one-line description."""
    from rich.console import Console
    from rich.table import Table

    from painterly.styles import list_styles

    styles = list_styles(family)
    table = Table(show_header=True, header_style="bold")
    table.add_column("style")
    table.add_column("family")
    table.add_column("description")
    for s in styles:
        table.add_row(s.name, s.family, s.description)
    Console().print(table)
    if sheet is None:
        return
    output_format(sheet)  # fail early on a bad extension
    from painterly.engine import stylize
    from painterly.io import load_image
    from painterly.provenance.artwork import save_artwork
    from painterly.sheet import contact_sheet  # OpenCV: loaded by the command, not by --help

    if photo is not None:
        img = load_image(photo, max_size=768)
    else:
        from painterly.samples import sample_photo

        img = sample_photo("chelsea")
    items = [("photo", img)]
    with progress_bar(len(styles), "rendering styles") as step:
        for s in styles:
            items.append((s.name, stylize(img, s.name)))
            step()
    save_artwork(contact_sheet(items, cell=cell), sheet)
    result(f"contact sheet: {sheet}")
