"""The implicit label in the file: XMP with the TC260 AIGC label and painterly's provenance,
and an AUTOMATIC1111-style ``parameters`` text in PNG.

XMP goes where each format keeps it: PNG ``iTXt`` chunk ``XML:com.adobe.xmp``, JPEG ``APP1``
(``http://ns.adobe.com/xap/1.0/``), WebP ``XMP `` chunk (Pillow writes all three). The label is
the property ``TC260:AIGC`` (namespace :data:`TC260_NS`) holding the standard's JSON; painterly's
own record is ``painterly:Provenance`` (JSON). Readers accept the property as an element or as an
attribute of ``rdf:Description``, as the standard's examples and other writers use both.

The XML is written by hand (a fixed template, values escaped) because it is tiny and fixed; it is
read with the standard library's expat parser, DOCTYPEs refused (no entity expansion).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html import escape as _html_escape
from typing import Any

import numpy as np

from painterly.provenance.record import Provenance


def escape(text: str) -> str:
    """XML character data: &, < and > escaped (html.escape, not xml.sax.saxutils, whose import
    pulls urllib and http.client into every write)."""
    return _html_escape(text, quote=False)

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
PAINTERLY_NS = "urn:painterly:provenance:1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: PNG text key that AUTOMATIC1111's "PNG info" (and readers that copy it) show.
A1111_KEY = "parameters"
PNG_XMP_KEY = "XML:com.adobe.xmp"
#: Keys of ``metadata`` that are painterly objects, not flat parameters.
PROVENANCE_KEY = "provenance"
#: Key of ``metadata`` holding a ready AUTOMATIC1111 infotext (the A1111 API's own), written
#: as the ``parameters`` text instead of the one built from the flat parameters.
A1111_TEXT = "a1111_parameters"


def build_xmp(aigc: dict[str, str] | None, record: dict[str, Any]) -> str:
    """An XMP packet with ``TC260:AIGC`` (unless ``aigc`` is None) and ``painterly:Provenance``
    as elements."""
    label = "" if aigc is None else (
        f"   <TC260:AIGC>{escape(json.dumps(aigc, ensure_ascii=False, separators=(',', ':')))}"
        "</TC260:AIGC>\n")
    prov = escape(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{RDF_NS}">\n'
        f'  <rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" xmlns:painterly="{PAINTERLY_NS}">\n'
        f"{label}"
        f"   <painterly:Provenance>{prov}</painterly:Provenance>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


def parse_xmp(xmp: str | bytes) -> dict[str, Any]:
    """``{"ai_label": dict | None, "provenance": dict | None}`` from an XMP packet.

    Both the element form (``<TC260:AIGC>{...}</TC260:AIGC>``) and the attribute form
    (``<rdf:Description TC260:AIGC="{...}"/>``) are read; a value that is not JSON is returned
    under ``"raw"``.
    """
    text = xmp.decode("utf-8", "replace") if isinstance(xmp, (bytes, bytearray)) else xmp
    out: dict[str, Any] = {"ai_label": None, "provenance": None}
    start = text.find("<x:xmpmeta")
    if start < 0:
        start = text.find("<rdf:RDF")
    end_tag = "</x:xmpmeta>" if text.startswith("<x:xmpmeta", start) else "</rdf:RDF>"
    end = text.find(end_tag, start)
    if start < 0 or end < 0 or "<!DOCTYPE" in text.upper():
        return out
    try:
        root = ET.fromstring(text[start:end + len(end_tag)])
    except ET.ParseError:
        return out
    wanted = {f"{{{TC260_NS}}}AIGC": "ai_label", f"{{{PAINTERLY_NS}}}Provenance": "provenance"}
    for el in root.iter():
        if el.tag in wanted and out[wanted[el.tag]] is None:
            out[wanted[el.tag]] = _json(el.text or "")
        for attr, value in el.attrib.items():
            if attr in wanted and out[wanted[attr]] is None:
                out[wanted[attr]] = _json(value)
    return out


def _json(value: str) -> Any:
    try:
        obj = json.loads(value)
    except ValueError:
        return {"raw": value}
    return obj if isinstance(obj, dict) else {"raw": value}


def a1111_parameters(params: dict[str, Any], record: dict[str, Any]) -> str:
    """AUTOMATIC1111's ``parameters`` text: prompt, ``Negative prompt:``, then ``Key: value, ...``."""
    prompt = str(params.get("prompt") or f"painterly {record.get('technique') or 'image'}"
                 + (f": {params['style']}" if "style" in params else ""))
    lines = [prompt]
    if params.get("negative"):
        lines.append(f"Negative prompt: {params['negative']}")
    items = []
    for k, v in params.items():
        if k in ("prompt", "negative") or isinstance(v, (dict, list)):
            continue
        value = str(v)
        if "," in value or ":" in value or "\n" in value:
            value = json.dumps(value, ensure_ascii=False)  # A1111 quotes values with separators
        items.append(f"{k.replace('_', ' ').capitalize()}: {value}")
    items.append(f"Version: {record['generator']}")
    lines.append(", ".join(items))
    return "\n".join(lines)


def container_fields(img: np.ndarray, metadata: dict[str, Any] | None
                     ) -> tuple[dict[str, str], str, Provenance]:
    """What :func:`painterly.provenance.encode_artwork` hands to the encoder: PNG text chunks, the XMP packet, and the
    :class:`Provenance` (for the C2PA step). ``metadata`` holds flat parameters and optionally a
    :class:`Provenance` under ``"provenance"``; without one, the default label is written."""
    params = dict(metadata or {})
    prov = params.pop(PROVENANCE_KEY, None)
    infotext = params.pop(A1111_TEXT, None)
    if not isinstance(prov, Provenance):
        prov = Provenance()
    record = prov.record(params)
    text = {f"painterly:{k}": _text(v) for k, v in params.items()}
    text[A1111_KEY] = infotext if isinstance(infotext, str) else a1111_parameters(params, record)
    return text, build_xmp(prov.aigc.fields(img) if prov.aigc else None, record), prov


def _text(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list, tuple)) else str(v)


_XMP_RE = re.compile(rb"<x:xmpmeta[\s\S]*?</x:xmpmeta>")


def read_xmp(data: bytes) -> str | None:
    """The XMP packet of a PNG, JPEG or WebP file (via Pillow), or ``None``."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as im:
            xmp = im.info.get(PNG_XMP_KEY) or im.info.get("xmp")
    except Exception:  # not an image Pillow opens: fall back to a scan of the bytes
        xmp = None
    if xmp is None:
        m = _XMP_RE.search(data)
        xmp = m.group(0) if m else None
    if isinstance(xmp, (bytes, bytearray)):
        xmp = bytes(xmp).decode("utf-8", "replace")
    return xmp
