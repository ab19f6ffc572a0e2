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
    raise UnsupportedFormatError("inspect reads PNG, JPEG and WebP files and clips (MP4/MOV, "
                                 "WebM, animated GIF/WebP), detected from content")


def inspect(src: str | os.PathLike | bytes, *, anchors: str | None = None,
            home: Path | None = None, watermark: bool = True) -> dict[str, Any]:
    """Everything painterly can tell about a file, as one JSON-able dict.

    Keys: ``format``, ``ai_label`` (the TC260 AIGC fields or None), ``provenance`` (painterly's
    record or None), ``parameters`` (the A1111 text or None), ``watermark`` (``detected``,
    ``payload`` hex, ``confidence``), ``c2pa`` (``state``: Valid / Trusted / Invalid, or None when
    the file has no manifest, with the failure ``codes``), and ``subject`` when recorded.
    ``anchors`` (PEM) defaults to painterly's own root from ``painterly keys init``. A clip
    (MP4/MOV, WebM, animated GIF/WebP) is read by :func:`painterly.provenance.video.inspect_clip`
    (its watermark from frames averaged over the clip, ``video`` with its recorded summary).
    """
    if not isinstance(src, (bytes, bytearray)) and _is_clip(Path(src)):
        from painterly.provenance.video import inspect_clip

        return inspect_clip(src, anchors=anchors, home=home, watermark=watermark)
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


def _is_clip(path: Path) -> bool:
    from painterly.videoio import is_clip

    return path.is_file() and is_clip(path)


def painted_from(path: str | os.PathLike, inputs: dict[str, Any], params: dict[str, Any]) -> bool:
    """Whether ``path`` is a finished painterly output of these ``inputs`` (role -> file, whose
    bytes' sha256 the record holds) with these ``params``: what a rerun of the same command
    would write again. painterly writes every file under a temporary name and renames it when
    complete, so a file that carries the matching record is whole. A file that is missing,
    unreadable, written by another program or with other settings is not."""
    import hashlib

    from painterly.provenance.record import _jsonable

    try:
        data = Path(path).read_bytes()
        sniff_format(data)
        xmp = read_xmp(data)
    except (OSError, UnsupportedFormatError):
        return False
    record = (parse_xmp(xmp)["provenance"] if xmp else None) or {}
    recorded = record.get("params") if isinstance(record.get("params"), dict) else {}
    if any(recorded.get(k) != _jsonable(v) for k, v in params.items()):
        return False
    hashes = {}
    for item in record.get("inputs") or []:
        if isinstance(item, dict):
            hashes.setdefault(item.get("role"), item.get("sha256"))
    for role, src in inputs.items():
        try:
            digest = hashlib.sha256(Path(src).read_bytes()).hexdigest()
        except OSError:
            return False
        if hashes.get(role) != digest:
            return False
    return True


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
