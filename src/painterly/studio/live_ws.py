"""The WebSocket ``/v1/live``: bridges a browser (or any client speaking
:mod:`painterly.live.protocol`) to the app's :class:`~painterly.live.LiveEngine`."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from painterly.errors import InputError, PainterlyError
from painterly.live import LiveEngine, LiveSettings
from painterly.live.protocol import pack_painted, unpack_frame

log = logging.getLogger("painterly.service")
#: Painted frames waiting to be sent: if the socket falls behind, the oldest go (latest wins).
OUTBOX = 3


def _read_settings(text: str) -> tuple[dict, None] | tuple[None, tuple[int, str]]:
    """(settings, None), or (None, (close code, reason)) for a text message that is not a
    settings object.

    1007 (invalid payload): not JSON, or nested deeper than any setting; 1003 (unsupported
    data): JSON, but not an object; 1008 (policy): fields that are not live settings."""
    from painterly.service.parsing import load_json

    try:
        value = load_json(text, "a live settings message")
    except InputError as e:
        return None, (1007, str(e))
    if not isinstance(value, dict):
        return None, (1003, "live settings are a JSON object, e.g. "
                      '{"style": "pencil", "strength": 0.8, "stabilize": true}')
    unknown = sorted(set(value) - set(LiveSettings.__dataclass_fields__))
    if unknown:
        shown = ", ".join(repr(k[:20]) for k in unknown[:3])
        return None, (1008, f"not live settings: {shown}; settings: "
                            f"{', '.join(LiveSettings.__dataclass_fields__)}")
    return value, None


def _error(exc: PainterlyError) -> str:
    return json.dumps({"type": "error", "error": {"type": type(exc).__name__, "message": str(exc)}})


async def live_socket(ws: WebSocket, engine: LiveEngine) -> None:
    await ws.accept()
    loop = asyncio.get_running_loop()
    outbox: collections.deque = collections.deque(maxlen=OUTBOX)
    ready = asyncio.Event()

    def push(message) -> None:  # runs on the event loop
        outbox.append(message)
        ready.set()

    told = {"size": None}  # the painted size the client was last told

    def on_painted(fid: int, us: int, jpeg: bytes) -> None:  # runs on a painting thread
        size = viewer.painted_size
        if size != told["size"]:  # smaller (or larger again) to keep up: say so before the frame
            told["size"] = size
            loop.call_soon_threadsafe(push, json.dumps({
                "type": "size", "width": size[0], "height": size[1],
                "max_side": engine.config.max_side, "auto": viewer.settings.auto_size}))
        loop.call_soon_threadsafe(push, pack_painted(fid, us, jpeg))

    def on_error(exc: PainterlyError) -> None:
        loop.call_soon_threadsafe(push, _error(exc))

    try:
        viewer = engine.connect(on_painted, on_error)
    except PainterlyError as e:
        await ws.send_text(_error(e))
        await ws.close(code=1013)  # try again later
        return

    async def sender() -> None:
        while True:
            await ready.wait()
            ready.clear()
            while outbox:
                message = outbox.popleft()
                if isinstance(message, bytes):
                    await ws.send_bytes(message)
                else:
                    await ws.send_text(message)

    send_task = asyncio.create_task(sender())
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("bytes") is not None:
                if len(message["bytes"]) <= 4:  # not a frame at all: no room for an image
                    reason = "a live frame is a 4-byte id followed by an image"
                    log.warning("live socket closed (1007): %s", reason)
                    await ws.close(code=1007, reason=reason)
                    break
                try:
                    fid, data = unpack_frame(message["bytes"])
                    engine.submit(viewer, fid, data)
                except ValueError as e:  # PainterlyErrors are ValueErrors too
                    push(_error(e if isinstance(e, PainterlyError) else InputError(str(e))))
            elif message.get("text") is not None:
                changes, refused = _read_settings(message["text"])
                if refused is not None:  # not a settings message at all: close, say why
                    code, reason = refused
                    log.warning("live socket closed (%d): %s", code, reason)
                    await ws.close(code=code, reason=reason[:120])
                    break
                try:
                    settings = engine.configure(viewer, **changes)
                    push(json.dumps({"type": "ready", "viewer": viewer.id,
                                     "max_side": engine.config.max_side,
                                     "settings": settings.__dict__,
                                     "painted": viewer.painted, "dropped": viewer.dropped}))
                except PainterlyError as e:  # a value refused: said, and the stream goes on
                    push(_error(e))
    except WebSocketDisconnect:
        pass
    except Exception as e:  # a bug must still end the socket with a close frame, not a drop
        log.error("live socket closed (1011): %s: %s", type(e).__name__, e)
        with contextlib.suppress(Exception):
            await ws.close(code=1011, reason="internal error; the server logged it")
    finally:
        engine.disconnect(viewer)
        send_task.cancel()
