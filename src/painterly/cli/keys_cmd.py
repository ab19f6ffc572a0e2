"""`painterly keys init|show`: the offline key pair that signs Content Credentials (C2PA)."""

from __future__ import annotations

import typer

from painterly.cli import app
from painterly.cli._common import result

keys_app = typer.Typer(help="Signing keys for Content Credentials (C2PA), made offline.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("init")
def keys_init(
    name: str = typer.Option("painterly", "--name", help="Organisation name in the certificates."),
    force: bool = typer.Option(False, "--force", help="Replace existing keys."),
) -> None:
    """Create a private root CA and a signing certificate under $PAINTERLY_HOME/keys.

    From then on every image painterly writes is signed (skip with --no-sign), and
    'painterly inspect' trusts this root.
    """
    from painterly.provenance.keys import init_keys

    paths = init_keys(name=name, overwrite=force)
    result(f"keys written to {paths.folder} (root certificate: {paths.root_cert.name})")


@keys_app.command("show")
def keys_show() -> None:
    """Where the keys are and what the signing certificate says."""
    from painterly.errors import InputError
    from painterly.provenance.keys import describe, key_paths

    paths = key_paths()
    if not paths.exist():
        raise InputError(f"{paths.folder}: no keys; create them with 'painterly keys init'")
    for k, v in describe(paths).items():
        typer.echo(f"{k}: {v}")
