"""The HTTP app: ``create_app(config) -> FastAPI`` with painterly's own routes.

    POST   /v1/jobs                 multipart: image, style_image, params (JSON) -> 202 job
    GET    /v1/jobs?state=&limit=   recent jobs
    GET    /v1/jobs/{id}            state, progress, attempts, error, times
    GET    /v1/jobs/{id}/result     the image (409 until it exists)
    GET    /v1/jobs/{id}/events     server-sent events: progress, then the final state
    DELETE /v1/jobs/{id}            cancel (idempotent)
    GET    /v1/styles               the catalogue, each with a preview URL
    GET    /health                  version, workers, job counts (needs the token when set)
    GET    /livez, /readyz          probes: no token, nothing but a status
    GET    /docs, /openapi.json     Swagger UI (local files) and this server's OpenAPI document

The AUTOMATIC1111 routes come from :mod:`painterly.service.a1111`; the web studio (``/``,
``/studio/...``, the live WebSocket ``/v1/live`` and ``POST /v1/speech``) from
:mod:`painterly.studio`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from contextlib import asynccontextmanager

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from painterly import __version__
from painterly.errors import InputError, PainterlyError
from painterly.service import errors, openapi, parsing, tasks
from painterly.service.config import ServiceConfig
from painterly.service.docs import install as install_docs
from painterly.service.headers import SecurityHeaders
from painterly.service.jobs import Service, view
from painterly.service.methods import Methods
from painterly.service.security import Guard, cross_site
from painterly.service.store import FINAL, STATES, Store
from painterly.service.supervisor import Supervisor, lock_data_dir

log = logging.getLogger("painterly.service")
FILE_FIELDS = ("image", "style_image", "mask")
MAX_FILES = 66  # curate takes up to 64 images
EVENTS_POLL_S = 0.1
_IDEM_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PainterlyError)
    async def _painterly(request: Request, exc: PainterlyError):
        headers = getattr(exc, "headers", None) or None
        return JSONResponse(errors.body(exc), status_code=errors.status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors()[:5]:
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return JSONResponse(errors.error("InputError", "; ".join(parts) or "invalid request"),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        kind = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
        return JSONResponse(errors.error(kind, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(errors.body(exc), status_code=500)


def create_app(config: ServiceConfig, *, start_workers: bool = True) -> FastAPI:
    """The service's FastAPI app. Takes the data folder's lock now (one server per folder); the
    workers start with the app and stop with it."""
    lock = lock_data_dir(config)
    tasks.load_registries()  # before any request thread can race to load them
    store = Store(config.db_path, max_attempts=config.max_attempts)
    recovered = store.recover()  # jobs a killed server left running run again
    if recovered:
        log.warning("%d job(s) left running by the previous run go back to the queue", recovered)
    service = Service(config, store)
    service.default_model = store.get_setting("sd_model_checkpoint", service.default_model)
    if config.ray_address:  # a fleet of machines behind one API; the queue stays here
        from painterly.service.ray_workers import RaySupervisor

        supervisor = RaySupervisor(config, store)
    else:
        supervisor = Supervisor(config, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if start_workers:
            supervisor.start()
        try:
            yield
        finally:
            await run_in_threadpool(supervisor.stop)
            store.close()
            lock.close()

    app = FastAPI(title="painterly", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # theirs load from a CDN: see service.docs
                  description="Offline AI painting over HTTP: a durable jobs API and an "
                              "AUTOMATIC1111-compatible API.")
    app.state.service = service
    app.openapi = lambda: openapi.document(app, config)  # this server's, rebuilt when asked
    app.state.supervisor = supervisor
    _install_error_handlers(app)

    @app.get("/health", tags=["service"])
    def health():
        """The server's state (version, live workers, jobs per state); needs the token when
        one is set. Probes that need none: ``/livez``, ``/readyz``."""
        return {"status": "ok", "version": __version__, "workers": supervisor.alive(),
                "jobs": store.counts()}

    @app.get("/livez", tags=["service"])
    def livez():
        """Liveness probe: 200 while the process answers. No token; says nothing else."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["service"])
    def readyz():
        """Readiness probe: 200 when a worker is alive to take jobs, else 503. No token; says
        nothing else."""
        if supervisor.alive() < 1:
            return JSONResponse({"status": "unavailable"}, status_code=503,
                                headers={"Retry-After": "5"})
        return {"status": "ok"}

    @app.post("/v1/jobs", status_code=202, tags=["jobs"])
    async def submit_job(request: Request):
        """Queue a job. multipart/form-data: file ``image`` (several for ``curate``), optional file
        ``style_image`` (any painting as the style) or ``mask``, and ``params`` (JSON)."""
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise errors.UnsupportedMediaType("send multipart/form-data with a file field 'image' and a "
                                      "field 'params' holding JSON")
        key = request.headers.get("idempotency-key")
        if key is not None and not _IDEM_KEY.fullmatch(key):
            raise InputError("Idempotency-Key must be 1 to 200 visible ASCII characters")
        if not parsing.multipart_closed(await request.body(), ctype):  # Guard read it already
            raise InputError("the multipart body is incomplete: it lacks its closing boundary "
                             "(--BOUNDARY--)")
        try:
            form = await request.form(max_files=MAX_FILES, max_fields=20)
        except StarletteHTTPException as e:  # malformed multipart
            raise InputError(f"cannot read the form: {e.detail}") from None
        files: dict[str, list[bytes]] = {}
        filenames: dict[str, list[str | None]] = {}
        params_texts: list[str] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name not in FILE_FIELDS:
                    raise InputError(f"unknown file field {name!r}; file fields: {', '.join(FILE_FIELDS)}")
                files.setdefault(name, []).append(await value.read())
                filenames.setdefault(name, []).append(value.filename)
            elif name == "params":
                params_texts.append(value)
            else:
                raise InputError(f"unknown form field {name!r}; fields: params, {', '.join(FILE_FIELDS)}")
        if len(params_texts) > 1:
            raise InputError(f"the field 'params' was sent {len(params_texts)} times; send it once")
        params = parsing.load_json(params_texts[0] if params_texts else "{}", "params")
        row, _created = await run_in_threadpool(service.submit, params, files, idem_key=key,
                                                 filenames=filenames)
        return JSONResponse(view(row), status_code=202,
                            headers={"Location": f"/v1/jobs/{row['id']}"})

    @app.get("/v1/jobs", tags=["jobs"])
    def list_jobs(state: str | None = None, limit: int = Query(50, ge=1, le=500)):
        if state is not None and state not in STATES:
            raise InputError(f"state {state!r} is not one of {', '.join(STATES)}")
        # the gallery's previews are the server's own jobs, not anyone's paintings
        return {"jobs": [view(r) for r in store.list(state, limit, hide_source="preview")]}

    @app.get("/v1/jobs/{job_id}", tags=["jobs"])
    async def get_job(job_id: str):
        # the route clients poll: answered on the event loop (a WAL read never waits for a
        # writer) and serialised directly, without a thread hop or response-model encoding
        return JSONResponse(view(service.job(job_id)))

    @app.delete("/v1/jobs/{job_id}", tags=["jobs"])
    def cancel_job(job_id: str):
        return view(service.cancel(job_id))

    @app.get("/v1/jobs/{job_id}/result", tags=["jobs"])
    def job_result(job_id: str):
        row = service.job(job_id)
        if row["state"] != "succeeded":
            why = "is not finished" if row["state"] not in FINAL else f"{row['state']}: no result"
            raise errors.NotFinished(f"job {job_id} {why} (state {row['state']})")
        path = config.results_dir / row["result_name"]  # a name the worker chose, never a request's
        if not path.is_file():
            raise errors.NotFound(f"the result of job {job_id} is no longer kept")
        return FileResponse(path, media_type=row["result_media"],
                            content_disposition_type="inline", filename=f"painterly-{path.name}",
                            headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/v1/jobs/{job_id}/events", tags=["jobs"])
    async def job_events(job_id: str, request: Request):
        """Server-sent events: ``progress`` while the job runs, then one event named after its
        final state; each ``data`` is the job as ``GET /v1/jobs/{id}`` shows it."""
        await asyncio.to_thread(service.job, job_id)

        async def stream():
            last = None
            while True:
                row = await asyncio.to_thread(store.get, job_id)
                if row is None:
                    return
                now = view(row)
                key = (now["state"], now["progress"], now["attempts"])
                if key != last:
                    last = key
                    name = now["state"] if now["state"] in FINAL else "progress"
                    yield f"event: {name}\ndata: {json.dumps(now)}\n\n"
                    if now["state"] in FINAL:
                        return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(EVENTS_POLL_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    from painterly.service import previews

    previews_made = previews.Previews(config, service)

    @app.get("/v1/styles", tags=["styles"])
    def styles():
        return {"styles": previews.catalogue()}

    @app.get("/v1/styles/{name}/preview", tags=["styles"], response_class=FileResponse)
    async def style_preview(name: str, request: Request):
        """The style on a sample photo: painted once, on the first request from this server's
        own pages or a non-browser client, then kept and served to anyone."""
        path = await previews_made.get(name, cross_site(request.scope, _headers(request)))
        return FileResponse(path, media_type="image/webp",
                            headers={"Cache-Control": "public, max-age=86400"})

    from painterly.service.a1111 import install as install_a1111

    install_a1111(app, service)

    from painterly.studio import install as install_studio

    install_studio(app)  # the web page at /, /studio/ files, /v1/live, /v1/speech
    install_docs(app)  # /docs from local files
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    # the last added runs first: headers on every answer, then the Guard's refusals, then the
    # methods each path takes (405 with Allow, HEAD), then CORS and the routes
    app.add_middleware(Methods, routes=app, cors_origins=config.cors_origins)
    app.add_middleware(Guard, config=config)
    app.add_middleware(SecurityHeaders)
    return app


def _headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}
