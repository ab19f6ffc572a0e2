"""The live wire format (WebSocket ``/v1/live``), shared by the page, the server and the benchmark.

Client -> server
  text   JSON settings, any time: ``{"style": "starry-swirls", "strength": 1.0, "stabilize": true,
         "auto_size": true}`` (``auto_size``: paint smaller frames when painting cannot keep up)
  binary a camera frame: 4-byte little-endian frame id, then a JPEG (or PNG/WebP) image
Server -> client
  text   ``{"type": "ready", ...}`` after settings are accepted, ``{"type": "error", "error":
         {"type", "message"}}`` for bad settings or a bad frame, ``{"type": "size", "width",
         "height", "max_side", "auto"}`` before the first painted frame and whenever the painted
         size changes (smaller when painting cannot keep up, larger again when it can)
  binary a painted frame: 4-byte frame id, 4-byte server time in microseconds (receipt to
         painted), then a JPEG image
The client measures end-to-end latency from its own clock: the time it sent frame id to the time
it shows the painted frame with that id.
"""

from __future__ import annotations

import struct

_FRAME_IN = struct.Struct("<I")
_FRAME_OUT = struct.Struct("<II")


def pack_frame(frame_id: int, image: bytes) -> bytes:
    return _FRAME_IN.pack(frame_id & 0xFFFFFFFF) + image


def unpack_frame(message: bytes) -> tuple[int, bytes]:
    if len(message) <= _FRAME_IN.size:
        raise ValueError("a live frame is a 4-byte id followed by an image")
    return _FRAME_IN.unpack_from(message)[0], bytes(message[_FRAME_IN.size:])


def pack_painted(frame_id: int, server_us: int, image: bytes) -> bytes:
    return _FRAME_OUT.pack(frame_id & 0xFFFFFFFF, min(max(0, server_us), 0xFFFFFFFF)) + image


def unpack_painted(message: bytes) -> tuple[int, int, bytes]:
    frame_id, server_us = _FRAME_OUT.unpack_from(message)
    return frame_id, server_us, bytes(message[_FRAME_OUT.size:])
