"""``/docs``: Swagger UI over ``/openapi.json``, served from this server (painterly is offline).

FastAPI's own ``/docs`` loads Swagger UI from a CDN and starts it with an inline script; here its
files come from the ``swagger-ui-bundle-v2`` package (Swagger UI 5, which reads OpenAPI 3.1;
part of the ``serve`` extra) under
``/docs/assets/``, and the page starts it with a script file of its own, so the page's
Content-Security-Policy needs no inline script. Without the package, ``/docs`` answers 501 and
names it; ``/openapi.json`` is there either way.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from painterly.errors import MissingExtraError

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>painterly API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<script src="/docs/assets/swagger-ui-bundle.js" defer></script>
<script src="/docs/start.js" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>
"""
START = """window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
});
"""


def swagger_ui_files() -> Path | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    path = Path(str(swagger_ui_path))
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def install(app: FastAPI) -> None:
    files = swagger_ui_files()
    if files is not None:
        app.mount("/docs/assets", StaticFiles(directory=files), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs_page():
        if files is None:
            raise MissingExtraError("serve", "swagger-ui-bundle-v2")
        return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})

    @app.get("/docs/start.js", include_in_schema=False)
    def docs_start():
        return Response(START, media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})
