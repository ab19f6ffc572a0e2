"""Response headers every answer carries (one ASGI middleware, :class:`SecurityHeaders`).

* ``X-Content-Type-Options: nosniff``: a browser never takes a result, a JSON error or an upload
  echoed back for HTML or script;
* ``Referrer-Policy: no-referrer``: job ids in URLs never leave with a link;
* ``Content-Security-Policy``: on the studio page and ``/docs``, scripts and styles only from this
  server's own files (no inline script, so an injected ``<script>`` does not run), pictures also
  from ``blob:``/``data:`` (the page shows results it fetched), connections only back here (the
  live WebSocket included); on everything else (JSON, results, static files) nothing at all may
  load or run (``default-src 'none'; sandbox``). ``frame-ancestors 'none'`` everywhere: no other
  site can frame the studio to trick clicks.
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
"""

from __future__ import annotations

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
            "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
COMMON = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
          (b"x-frame-options", b"DENY"))


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response (errors included)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in COMMON if k not in have]
                if b"content-security-policy" not in have:
                    html = any(k.lower() == b"content-type" and v.startswith(b"text/html")
                               for k, v in message.get("headers", []))
                    extra.append((b"content-security-policy",
                                  (PAGE_CSP if html else OTHER_CSP).encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return await self.app(scope, receive, with_headers)
