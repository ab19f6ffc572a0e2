"""Reading what clients send: JSON with a depth limit, and the multipart form of ``POST /v1/jobs``.

Python's ``json.loads`` raises ``RecursionError`` (not ``ValueError``) on input nested about a
thousand deep, and anything a little less deep still costs every later recursive walk (hashing,
logging, pydantic) stack and time: painterly's parameters are at most a few levels deep, so
anything deeper than :data:`MAX_DEPTH` is refused as bad input.
"""

from __future__ import annotations

import json
from typing import Any

from painterly.errors import InputError

MAX_DEPTH = 32  # params are 2 levels deep at most; 32 leaves room and stops abuse


def depth(value: Any) -> int:
    """Nesting depth of a JSON value (a scalar is 0), walked without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            deepest = max(deepest, d + 1)
            stack.extend((x, d + 1) for x in v)
    return deepest


def load_json(text: str | bytes, what: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` whose every failure is an :class:`InputError` naming ``what``."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError(f"{what} is nested too deep (at most {max_depth} levels)") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, the int digit limit
        raise InputError(f"{what} is not valid JSON ({e})") from None
    check_depth(value, what, max_depth=max_depth)
    return value


def check_depth(value: Any, what: str, *, max_depth: int = MAX_DEPTH) -> None:
    if depth(value) > max_depth:
        raise InputError(f"{what} is nested too deep (at most {max_depth} levels)")


def multipart_closed(body: bytes, content_type: str) -> bool:
    """Whether a multipart body ends with its close delimiter (``--BOUNDARY--``, RFC 2046 5.1.1).

    python-multipart (through Starlette) accepts a body cut off before its close delimiter as if
    it were whole, so a truncated upload would be taken for a complete one. The delimiter can
    appear nowhere else (the boundary is chosen not to occur in the parts), so finding it is
    enough; written here because neither library reports it.
    """
    boundary = _boundary(content_type)
    if boundary is None:
        return False
    close = b"--" + boundary + b"--"
    return body.startswith(close) or b"\r\n" + close in body or b"\n" + close in body


def _boundary(content_type: str) -> bytes | None:
    from python_multipart.multipart import parse_options_header  # as Starlette reads it

    _, options = parse_options_header(content_type)
    value = options.get(b"boundary")
    return value if value and len(value) <= 200 else None
