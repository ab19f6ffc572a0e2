"""`painterly serve`: the HTTP service (jobs API + AUTOMATIC1111-compatible API), extra ``serve``."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Anything but loopback "
                             "needs --token."),
    port: int = typer.Option(7860, "--port", help="Port (7860 is AUTOMATIC1111's, for its clients)."),
    workers: int = typer.Option(2, "--workers", help="Worker processes (each keeps its models loaded)."),
    data: Path = typer.Option(None, "--data", help="Folder for the job queue (SQLite) and results "
                              "(default: ~/.local/share/painterly/service)."),
    token: str = typer.Option(None, "--token", envvar="PAINTERLY_TOKEN", help="Require "
                              "'Authorization: Bearer TOKEN' (or HTTP Basic, token as password) on "
                              "every route. Prefer the PAINTERLY_TOKEN variable: argv is public."),
    cors_origin: list[str] = typer.Option(None, "--cors-origin", help="Allow browser calls from "
                                          "this origin (e.g. https://app.example); repeatable."),
    queue_limit: int = typer.Option(200, "--queue-limit", help="Queued jobs before new ones get 429."),
    max_upload_mb: float = typer.Option(25, "--max-upload-mb", help="Largest request body, MB (413 past it)."),
    keep_hours: float = typer.Option(168, "--keep-hours", help="Keep finished jobs' results this long."),
    lease_seconds: float = typer.Option(30, "--lease-seconds", help="A job whose worker stops "
                                        "renewing its lease this long runs again."),
    ray: str = typer.Option(None, "--ray", help="Run the workers as Ray actors: 'local' (Ray on "
                            "this machine), 'auto' or HOST:PORT (a cluster from 'ray start "
                            "--head'). Needs the extra ray."),
    keep_alive_seconds: float = typer.Option(5, "--keep-alive-seconds", help="Close a kept-alive "
                                             "connection idle this long after a response."),
    header_seconds: float = typer.Option(10, "--header-seconds", help="Close a connection whose "
                                         "request headers are not complete this long after it "
                                         "opened (or its request began): idle and slow sockets "
                                         "cannot pile up."),
    test_hooks: bool = typer.Option(False, "--test-hooks", hidden=True),
) -> int:
    """Serve painterly over HTTP: a durable jobs API and an AUTOMATIC1111-compatible API."""
    from painterly.errors import InputError, MissingExtraError
    from painterly.service.config import ServiceConfig, check_bind, default_data_dir

    config = ServiceConfig(
        data_dir=data or default_data_dir(), host=host, port=port, workers=workers, token=token,
        cors_origins=tuple(cors_origin or ()), queue_limit=queue_limit,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024), result_ttl_s=keep_hours * 3600,
        lease_s=lease_seconds, heartbeat_s=min(5.0, lease_seconds / 3), test_hooks=test_hooks,
        ray_address=ray)
    check_bind(config)  # before anything else: exit 2 with one line
    if not (0 < keep_alive_seconds <= 3600 and 0 < header_seconds <= 3600):
        raise InputError("--keep-alive-seconds and --header-seconds must be from 0 to 3600")
    if ray:
        from painterly.service.ray_workers import _ray

        _ray()  # the missing extra is reported before the server starts
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as e:
        raise MissingExtraError("serve", e.name or "fastapi") from None
    from painterly.service.app import create_app

    api = create_app(config)  # takes the data folder's lock: one server per folder
    typer.echo(f"painterly: serving on http://{host}:{port} (data in {config.data_dir})", err=True)
    from painterly.service.transport import protocol_class

    uvicorn.run(api, host=host, port=port, log_level="warning", timeout_graceful_shutdown=15,
                timeout_keep_alive=keep_alive_seconds, http=protocol_class(header_seconds))
    return 0
