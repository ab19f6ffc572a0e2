"""The ``painterly`` command line. Each capability adds its commands in its own module here."""

from __future__ import annotations

import sys

import typer

from painterly.errors import PainterlyError

app = typer.Typer(
    name="painterly",
    help="Offline AI painting: turn photos into art, describe a style in words, generate images.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help text: rich's panels cost ~90 ms of CPU per `--help` (measured), a third of it
    rich_markup_mode=None,
)

_state = {"debug": False}


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print errors only: no notes, no 'wrote' lines."
    ),
) -> None:
    _state["debug"] = debug
    from painterly.cli._notes import configure

    configure(ctx, quiet=quiet, debug=debug)


# Command modules register themselves on `app` when imported; they import numpy, OpenCV, the
# styles and rich inside their commands, so that `painterly --help` starts fast.
from painterly.cli import (  # noqa: E402,F401
    attribute_cmd,
    augment_cmd,
    curate_cmd,
    demo_cmd,
    inspect_cmd,
    keys_cmd,
    library_cmd,
    listen_cmd,
    models_cmd,
    paint_cmd,
    serve_cmd,
    styles_cmd,
    stylize_cmd,
    stylize_hq_cmd,
)

_GLOBAL_FLAGS = frozenset({"--debug", "--quiet", "-q"})


def _hoist_global_flags(args: list[str]) -> list[str]:
    """``painterly stylize ... -q`` as ``painterly -q stylize ...``: the global flags are
    accepted after the sub-command too (the parser knows them only before it). A token that is
    the value of a sub-command's option (``--prompt -q``) and anything after ``--`` stay."""
    if not _GLOBAL_FLAGS.intersection(args):
        return args
    command = typer.main.get_command(app)
    takes_value: set[str] = set()
    front, rest, in_sub = [], [], False
    skip_value = False
    for i, tok in enumerate(args):
        if tok == "--":
            rest.extend(args[i:])
            break
        if skip_value:
            skip_value = False
            rest.append(tok)
        elif tok in _GLOBAL_FLAGS and in_sub:
            front.append(tok)
        elif tok.startswith("-"):
            skip_value = tok in takes_value
            rest.append(tok)
        else:
            sub = getattr(command, "commands", {}).get(tok)
            if sub is not None:  # a (nested) sub-command: its options from here on
                command, in_sub = sub, True
                takes_value = {o for p in command.params if getattr(p, "opts", None)
                               and not getattr(p, "is_flag", False) and not getattr(p, "count", False)
                               for o in (*p.opts, *p.secondary_opts)}
            rest.append(tok)
    return front + rest


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Bad input exits 2 with one line on stderr; ``--debug`` shows the traceback instead.
    Usage errors (missing argument, bad option value, unknown command) exit 2 with the usage.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    args = _hoist_global_flags(args)
    debug = "--debug" in args[: args.index("--") if "--" in args else len(args)]
    from painterly.cli._process import prefer_one_blas_thread, quiet_third_party_logs

    prefer_one_blas_thread()  # before numpy loads (see painterly.cli._process)
    if not debug:
        quiet_third_party_logs()
    try:
        result = app(args=args, standalone_mode=False, prog_name="painterly")
        return result if isinstance(result, int) else 0
    except PainterlyError as e:
        if debug:
            raise
        typer.echo(f"painterly: error: {e}", err=True)
        return 2
    except typer.Exit as e:
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("painterly: interrupted", err=True)
        return 130
    except Exception as e:
        # Typer's usage errors (its vendored click's UsageError family) carry exit_code and show();
        # matched by shape because Typer does not export the class.
        if callable(getattr(e, "show", None)) and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            return e.exit_code
        if debug:
            raise
        typer.echo(f"painterly: internal error: {type(e).__name__}: {e} (run with --debug for details)",
                   err=True)
        return 1


def script() -> None:
    """Console-script entry point (and ``python -m painterly``): the process ends right after
    the command, without the interpreter's teardown (see painterly.cli._process.exit_now)."""
    from painterly.cli._process import exit_now

    exit_now(main())
