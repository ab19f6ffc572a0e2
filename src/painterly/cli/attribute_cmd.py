"""`painterly attribute FILE`: the styles a picture is closest to, among a named reference set."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import console


@app.command("attribute")
def attribute_command(
    file: Path = typer.Argument(..., help="A picture."),
    library: bool = typer.Option(False, "--library", help="Also compare with your library's paintings."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Compare with the built-in styles."),
    top: int = typer.Option(5, "--top", help="How many to show (--json lists all)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of {style, score}, best first."),
) -> int:
    """Rank styles by similarity of style vectors: closest in style among this reference set,
    not proof of origin."""
    from painterly.errors import InputError
    from painterly.io import load_image
    from painterly.provenance.attribution import NOTE, attribute

    if not builtin and not library:
        raise InputError("nothing to compare with: use --library and/or --builtin")
    image = load_image(file)
    with console.status("computing style vectors"):
        ranked = attribute(image, builtin=builtin, library=library)
    if as_json:
        typer.echo(json.dumps(ranked, ensure_ascii=False))
        return 0
    typer.echo(f"{file}: {NOTE}")
    for r in ranked[:top]:
        typer.echo(f"  {r['score']:+.3f}  {r['style']}")
    return 0
