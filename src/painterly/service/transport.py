"""uvicorn's HTTP protocol with a deadline on request headers.

uvicorn closes a keep-alive connection that stays idle ``timeout_keep_alive`` seconds *after a
response*, but a connection that never sends a byte, or sends half its headers and stops (the
slowloris attack), stays open for ever: 10,000 of them exhaust the server's file descriptors and
nobody else gets in. uvicorn has no setting for this (its ``limit_concurrency`` counts requests,
not connections), so this subclass of its httptools protocol arms one timer when a connection
opens and whenever a new request begins, and closes the connection unless the request's headers
are complete by then. Everything else is uvicorn's.
"""

from __future__ import annotations

import asyncio

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # uvicorn without httptools (not the serve extra): uvicorn's own choice
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


def protocol_class(header_timeout_s: float):
    """An ``asyncio.Protocol`` class for ``uvicorn.run(http=...)``, or "auto" without httptools."""
    if HttpToolsProtocol is None:
        return "auto"

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(header_timeout_s, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()  # the first request's headers must arrive in time

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._deadline is None:  # a later request on a kept-alive connection
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

    return HeaderDeadlineProtocol
