"""The rules every request passes before any route runs (one ASGI middleware, :class:`Guard`).

* **Token**: with ``--token T`` every route, HTTP and WebSocket, needs ``Authorization: Bearer T``
  or HTTP Basic with ``T`` as the password (what AUTOMATIC1111 clients send); else 401.
* **Host**: without a token the server is loopback-only, so requests must name a loopback host;
  this refuses DNS-rebinding pages that would otherwise reach 127.0.0.1 through a browser.
* **Other sites**: state-changing requests (and WebSocket handshakes) from another site are
  refused (``Sec-Fetch-Site``, ``Origin``), unless that origin was allowed with ``--cors-origin``.
* **Body size**: request bodies over ``max_upload_bytes`` get 413 before any parsing.
* **Probes**: ``GET /livez`` and ``GET /readyz`` pass without token or Host check; they reveal
  nothing but "the process answers" and "jobs can be taken".

Written as plain ASGI rather than FastAPI dependencies so that it also covers routes added later
(static files, WebSockets) and 404s, with nothing to remember per route.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from urllib.parse import urlsplit

from painterly.service.config import LOOPBACK_NAMES, ServiceConfig, is_loopback

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Liveness and readiness probes for load balancers and Kubernetes: no token, no Host check, and
#: nothing in the answer but the status (see painterly.service.app)
PROBES = ("/livez", "/readyz")


def token_matches(authorization: str | None, token: str) -> bool:
    """``Bearer T`` or ``Basic base64(any-user:T)``, compared in constant time."""
    if not authorization:
        return False
    scheme, _, value = authorization.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer":
        return hmac.compare_digest(value.encode(), token.encode())
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _, sep, password = decoded.partition(":")
        return bool(sep) and hmac.compare_digest(password.encode(), token.encode())
    return False


def _host_name(host_header: str) -> str:
    try:
        return (urlsplit("//" + host_header).hostname or "").lower()
    except ValueError:
        return ""


def own_origin(scope, headers: dict[str, str]) -> str:
    """This server's origin as the client addressed it: scheme (as served: http unless TLS, or
    a trusted proxy's X-Forwarded-Proto, reached uvicorn) and the Host header."""
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
    return f"{scheme}://{headers.get('host', '')}"


def cross_site(scope, headers: dict[str, str], cors_origins=()) -> str | None:
    """Why a request comes from another site (None: same site, or an allowed origin).

    ``headers``: lower-case names. Browsers send ``Sec-Fetch-Site`` and, on anything but a
    plain GET, ``Origin``; the origin must match scheme, host and port, so a page served over
    https cannot pass for this http server's own (or the other way round).
    """
    origin = headers.get("origin")
    if origin is not None and origin in cors_origins:
        return None
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return (f"requests from other sites are refused (Sec-Fetch-Site: {site}); allow an "
                "origin with --cors-origin")
    if origin == "null":
        return "requests from opaque origins are refused"
    if origin is not None and origin != own_origin(scope, headers):
        return f"requests from {origin[:100]} are refused; allow it with --cors-origin"
    return None


class Guard:
    """ASGI middleware applying the rules above."""

    def __init__(self, app, config: ServiceConfig):
        self.app = app
        self.config = config
        self.allowed_hosts = set(LOOPBACK_NAMES) | {config.host.strip("[]").lower()}

    async def _refuse(self, scope, send, status: int, type_: str, message: str, headers=()) -> None:
        if scope["type"] == "websocket":  # closing before accept answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
            return
        payload = json.dumps({"error": {"type": type_, "message": message}}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode()),
                                *[(k.encode(), v.encode()) for k, v in headers]]})
        await send({"type": "http.response.body", "body": payload})

    def _check(self, scope) -> tuple[int, str, str, tuple] | None:
        if (scope["type"] == "http" and scope.get("path") in PROBES
                and scope.get("method") in ("GET", "HEAD")):
            return None  # probes answer a status and nothing else: no token, any Host
        h = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        cfg = self.config
        if cfg.token is None and not is_loopback(_host_name(h.get("host", ""))) \
                and _host_name(h.get("host", "")) not in self.allowed_hosts:
            return (403, "HostRefused", "this server answers on a loopback address only "
                    "(start it with --token to serve other hosts)", ())
        preflight = (scope.get("method") == "OPTIONS" and "access-control-request-method" in h
                     and h.get("origin") in cfg.cors_origins)  # browsers send no credentials here
        if cfg.token is not None and not preflight and not token_matches(h.get("authorization"),
                                                                          cfg.token):
            return (401, "Unauthorized", "this server needs its token: send 'Authorization: "
                    "Bearer TOKEN' (or HTTP Basic with the token as the password)",
                    # one challenge per header, Basic first: browsers read only the first
                    # scheme of a header line, and Basic lets them ask for the token
                    (("www-authenticate", 'Basic realm="painterly"'), ("www-authenticate", "Bearer")))
        method = scope.get("method", "GET")
        if scope["type"] == "websocket" or method not in SAFE_METHODS:
            why = cross_site(scope, h, cfg.cors_origins)
            if why is not None:
                return (403, "CrossSiteRefused", why, ())
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refused = self._check(scope)
        if refused is not None:
            return await self._refuse(scope, send, *refused)
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            receive = await self._limited_body(scope, receive, send)
            if receive is None:
                return
        return await self.app(scope, receive, send)

    async def _limited_body(self, scope, receive, send):
        """Read the body (at most ``max_upload_bytes``) and replay it; 413 past the limit."""
        limit = self.config.max_upload_bytes
        too_big = (413, "PayloadTooLarge", f"the request body is over the {limit // (1024 * 1024)} MB "
                   "limit (configurable with --max-upload-mb)", ())
        for k, v in scope.get("headers", []):
            if k == b"content-length" and v.isdigit() and int(v) > limit:
                await self._refuse(scope, send, *too_big)
                return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, send, *too_big)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()  # after the body: the client's disconnect, when it comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay
