"""Read back everything painterly writes into a file: label, provenance, watermark, C2PA."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from painterly.errors import InputError, UnsupportedFormatError
from painterly.provenance.xmp import A1111_KEY, parse_xmp, read_xmp

_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))


def sniff_format(data: bytes) -> str:
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedFormatError("inspect reads PNG, JPEG and WebP files (detected from content)")


def inspect(src: str | os.PathLike | bytes, *, anchors: str | None = None,
            home: Path | None = None, watermark: bool = True) -> dict[str, Any]:
    """Everything painterly can tell about a file, as one JSON-able dict.

    Keys: ``format``, ``ai_label`` (the TC260 AIGC fields or None), ``provenance`` (painterly's
    record or None), ``parameters`` (the A1111 text or None), ``watermark`` (``detected``,
    ``payload`` hex, ``confidence``), ``c2pa`` (``state``: Valid / Trusted / Invalid, or None when
    the file has no manifest, with the failure ``codes``), and ``subject`` when recorded.
    ``anchors`` (PEM) defaults to painterly's own root from ``painterly keys init``.
    """
    if isinstance(src, (bytes, bytearray)):
        data = bytes(src)
    else:
        path = Path(src)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        data = path.read_bytes()
    fmt = sniff_format(data)
    xmp = read_xmp(data)
    parsed = parse_xmp(xmp) if xmp else {"ai_label": None, "provenance": None}
    out: dict[str, Any] = {"format": fmt, **parsed, "parameters": _a1111(data, fmt)}
    out["watermark"] = _watermark(data) if watermark else None
    out["c2pa"] = _c2pa(data, fmt, anchors, home)
    prov = out["provenance"] or {}
    if "subject" in prov:
        out["subject"] = prov["subject"]
    return out


def _a1111(data: bytes, fmt: str) -> str | None:
    if fmt != "PNG":
        return None
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
        value = im.info.get(A1111_KEY)
    return value if isinstance(value, str) else None


def _watermark(data: bytes) -> dict[str, Any]:
    from painterly.io import load_image
    from painterly.watermark import detect

    d = detect(load_image(data))
    return {"detected": bool(d.detected), "payload": d.payload.hex() if d.payload else None,
            "confidence": round(float(d.confidence), 4)}


def _c2pa(data: bytes, fmt: str, anchors: str | None, home: Path | None) -> dict[str, Any] | None:
    try:
        import c2pa  # noqa: F401
    except ImportError:
        return {"state": None, "codes": [],
                "note": "C2PA not checked: install the trust extra (pip install 'painterly[trust]')"}
    from painterly.provenance.c2pa_sign import trust_anchors, verify

    return verify(data, fmt, anchors=anchors if anchors is not None else trust_anchors(home))
