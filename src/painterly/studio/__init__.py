"""The web studio: the page at ``/`` of ``painterly serve`` (plain HTML, CSS and JavaScript in
``static/``, no build step, nothing from the internet), the live painting WebSocket
``/v1/live``, and ``POST /v1/speech`` for the page's microphone prompt.

``install(app)`` adds them to a FastAPI app; the service's app factory calls it.
"""

from pathlib import Path

# Imported at module level (and no postponed annotations here): FastAPI reads the route
# functions' annotations (WebSocket, UploadFile) from this module's namespace.
from fastapi import File, UploadFile, WebSocket
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

    @app.websocket("/v1/live")
    async def live(ws: WebSocket):
        await live_socket(ws, engine)

    paths = {getattr(r, "path", None) for r in app.router.routes}
    if speech and "/v1/speech" not in paths:
        from painterly.studio.speech_route import transcribe_upload

        @app.post("/v1/speech", summary="Speech to text (the page's microphone prompt)")
        async def speech_to_text(audio: UploadFile = File(...)):
            return await transcribe_upload(audio)
