"""`painterly library add|list|rm`: the user's own paintings as named styles."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import note, result

library_app = typer.Typer(
    help="Your own style library: add paintings by name; prompts and --style can then use them.",
    no_args_is_help=True,
)
app.add_typer(library_app, name="library")


@library_app.command("add")
def library_add(
    painting: Path = typer.Argument(..., help="The painting whose style to keep (PNG/JPEG/WebP...)."),
    name: str = typer.Option(..., "--name", "-n", help="Style name: letters, digits and '-'."),
    description: str = typer.Option("", "--description", "-d",
                                    help="What it looks like, in words: prompts match it."),
    tags: str = typer.Option("", "--tags", "-t", help="Comma-separated words, any language: "
                             "'dreamy,blue,梦幻'."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an entry of the same name."),
) -> None:
    """Add a painting to the library as a named style."""
    from painterly import library

    entry = library.add(painting, name=name, description=description, tags=tags,
                        overwrite=overwrite)
    vec = "style vector stored" if entry.vector is not None else "style vector computed on first use"
    result(f"added {entry.name!r} to {library.library_dir()} ({vec})")


@library_app.command("list")
def library_list() -> None:
    """List the library's styles."""
    from rich.console import Console
    from rich.table import Table

    from painterly import library

    entries = library.list_entries()
    if not entries:
        note(f"the library is empty ({library.library_dir()}); "
             "add a painting with: painterly library add PAINTING --name NAME")
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("name", "description", "tags", "added"):
        table.add_column(col)
    for e in entries:
        table.add_row(e.name, e.description, ", ".join(e.tags), e.created[:10])
    Console().print(table)


@library_app.command("rm")
def library_rm(name: str = typer.Argument(..., help="The style to remove.")) -> None:
    """Remove a style from the library (its JSON and image files)."""
    from painterly import library

    entry = library.remove(name)
    result(f"removed {entry.name!r}")
