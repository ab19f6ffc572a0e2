"""HTTP methods per path, decided before any route runs (one ASGI middleware, :class:`Methods`).

* A method a path does not take (``OPTIONS`` included, unless it is a CORS preflight from an
  allowed origin) gets 405 with an ``Allow`` header listing **every** method of the path. Starlette
  alone lists only the methods of the first route that matched the path (``GET /v1/jobs/{id}``
  and ``DELETE /v1/jobs/{id}`` are two routes).
* ``HEAD`` works wherever ``GET`` does: FastAPI's routes answer only the methods they were
  declared with, so ``HEAD`` runs the ``GET`` route and its body is dropped (the server sends the
  headers, ``Content-Length`` included, as ``GET`` would).
"""

from __future__ import annotations

import json

from starlette.routing import Match, Mount

ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app, scope) -> list[str]:
    """Every method some route takes on ``scope``'s path ([] for a path no route has).

    Each route is asked whether it fully matches the path with each method: routes that
    FastAPI includes from a router are matched that way too, without reading their insides.
    """
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Mount):  # static files: read-only
            if route.matches({**scope, "type": "http", "method": "GET"})[0] != Match.NONE:
                methods |= {"GET", "HEAD"}
            continue
        for m in ORDER:
            if m not in methods and route.matches({**scope, "type": "http", "method": m})[0] == Match.FULL:
                methods.add(m)
    if "GET" in methods:
        methods.add("HEAD")
    return [m for m in ORDER if m in methods]


class Methods:
    """ASGI middleware applying the rules above; ``app`` is the FastAPI app whose routes count."""

    def __init__(self, app, routes, cors_origins: tuple[str, ...] = ()):
        self.app = app
        self.routes = routes
        self.cors_origins = set(cors_origins)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method = scope["method"]
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if (method == "OPTIONS" and b"access-control-request-method" in headers
                and headers.get(b"origin", b"").decode("latin-1") in self.cors_origins):
            return await self.app(scope, receive, send)  # a CORS preflight: CORSMiddleware's
        if method == "OPTIONS":
            allowed = allowed_methods(self.routes, scope)
            if allowed:
                return await _refuse(send, method, allowed)
            return await self.app(scope, receive, send)  # an unknown path: its 404
        if method == "HEAD":
            scope, (send, receive) = {**scope, "method": "GET"}, _headers_only(send, receive)
        return await self.app(scope, receive, self._full_allow(scope, send))

    def _full_allow(self, scope, send):
        """Starlette's 405 lists the methods of one route; this lists the path's."""
        scope = dict(scope)  # as it came: routing updates the scope it is given in place

        async def fixed(message):
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = ", ".join(allowed_methods(self.routes, scope)).encode()
                message = {**message, "headers": [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"],
                    (b"allow", allowed)]}
            await send(message)

        return fixed


async def _refuse(send, method: str, allowed: list[str]) -> None:
    payload = json.dumps({"error": {"type": "MethodNotAllowed", "message": (
        f"{method} is not a method of this path; it takes {', '.join(allowed)}")}}).encode()
    await send({"type": "http.response.start", "status": 405, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        (b"allow", ", ".join(allowed).encode())]})
    await send({"type": "http.response.body", "body": payload})


def _headers_only(send, receive):
    """(send, receive) for a HEAD request run as GET: the first body message ends the response
    and the rest is dropped; from then on the route hears that the client is gone, so a stream
    (server-sent events) stops at once instead of running on unseen."""
    done = False

    async def head_send(message):
        nonlocal done
        if message["type"] != "http.response.body":
            return await send(message)
        if not done:
            done = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def head_receive():
        if done:
            return {"type": "http.disconnect"}
        return await receive()

    return head_send, head_receive
