"""The WebSocket ``/v1/live``: bridges a browser (or any client speaking
:mod:`painterly.live.protocol`) to the app's :class:`~painterly.live.LiveEngine`."""

from __future__ import annotations

import asyncio
import collections
import json

from starlette.websockets import WebSocket, WebSocketDisconnect

from painterly.errors import InputError, PainterlyError
from painterly.live import LiveEngine
from painterly.live.protocol import pack_painted, unpack_frame

#: Painted frames waiting to be sent: if the socket falls behind, the oldest go (latest wins).
OUTBOX = 3


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
                try:
                    fid, data = unpack_frame(message["bytes"])
                    engine.submit(viewer, fid, data)
                except ValueError as e:  # PainterlyErrors are ValueErrors too
                    push(_error(e if isinstance(e, PainterlyError) else InputError(str(e))))
            elif message.get("text") is not None:
                try:
                    changes = json.loads(message["text"])
                    if not isinstance(changes, dict):
                        raise InputError("live settings are a JSON object, e.g. "
                                         '{"style": "pencil", "strength": 0.8, "stabilize": true}')
                    settings = engine.configure(viewer, **changes)
                    push(json.dumps({"type": "ready", "viewer": viewer.id,
                                     "max_side": engine.config.max_side,
                                     "settings": settings.__dict__,
                                     "painted": viewer.painted, "dropped": viewer.dropped}))
                except json.JSONDecodeError:
                    push(_error(InputError("live settings must be JSON")))
                except PainterlyError as e:
                    push(_error(e))
    except WebSocketDisconnect:
        pass
    finally:
        engine.disconnect(viewer)
        send_task.cancel()
