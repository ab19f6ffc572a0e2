"""The web studio: the page at ``/`` of ``painterly serve`` (plain HTML, CSS and JavaScript in
``static/``, no build step, nothing from the internet), the live painting WebSocket
``/v1/live``, ``POST /v1/speech`` for the page's microphone prompt, ``GET /v1/styles/match``
(which styles a prompt picks, before Paint) and ``GET /v1/jobs/{id}/thumbnail`` (the history's
small WebP of a result).

``install(app)`` adds them to a FastAPI app; the service's app factory calls it.
"""

from pathlib import Path

# Imported at module level (and no postponed annotations here): FastAPI reads the route
# functions' annotations (WebSocket, UploadFile) from this module's namespace.
from fastapi import File, Query, UploadFile, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install(app, *, live_config=None, speech: bool = True) -> None:
    """Add the studio page, its static files, ``/v1/live`` (and ``/v1/speech`` unless the app
    already has it, or ``speech=False``) to the FastAPI ``app``."""
    from painterly.live import LiveConfig, LiveEngine
    from painterly.studio.live_ws import live_socket

    engine = LiveEngine(live_config or LiveConfig())
    app.state.live_engine = engine

    @app.get("/", include_in_schema=False)
    def studio_page():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/studio", StaticFiles(directory=STATIC), name="studio")

    from painterly.text.match import MAX_PROMPT_CHARS

    @app.get("/v1/styles/match", tags=["styles"])
    async def match_styles(prompt: str = Query(..., max_length=MAX_PROMPT_CHARS)):
        """The styles a prompt (English or Chinese) picks, with their weights: what a job with
        this ``prompt`` would paint with. 422 when no style matches the words."""
        from painterly.studio.words import match

        return await run_in_threadpool(match, prompt)

    service = getattr(app.state, "service", None)
    if service is not None:  # the full service (not the live-only benchmark app)
        from painterly.studio.thumbs import thumbnail_path

        @app.get("/v1/jobs/{job_id}/thumbnail", tags=["jobs"], response_class=FileResponse)
        def job_thumbnail(job_id: str):
            """The result as a WebP of at most 256 px (made on first request, then kept)."""
            path = thumbnail_path(service.config, service.job(job_id))
            return FileResponse(path, media_type="image/webp",
                                headers={"Cache-Control": "private, max-age=604800, immutable"})

    @app.websocket("/v1/live")
    async def live(ws: WebSocket):
        await live_socket(ws, engine)

    paths = {getattr(r, "path", None) for r in app.router.routes}
    if speech and "/v1/speech" not in paths:
        from painterly.studio.speech_route import transcribe_upload

        @app.post("/v1/speech", summary="Speech to text (the page's microphone prompt)")
        async def speech_to_text(audio: UploadFile = File(...)):
            return await transcribe_upload(audio)
