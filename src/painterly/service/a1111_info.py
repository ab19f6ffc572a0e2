"""AUTOMATIC1111's texts: the *infotext* (generation parameters as A1111 writes them into a PNG's
``parameters`` chunk), reading it back (``/png-info``), and A1111's *prompt styles*.

Infotext format (A1111's): the prompt, an optional ``Negative prompt: ...`` line, then one line of
``Key: value`` pairs separated by ", ", values holding a comma or colon quoted as JSON strings.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# one "Key: value" of the last line; a value is a JSON string or runs to the next comma
_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SIZE = re.compile(r"^(\d+)x(\d+)$")
# Pillow's image.info keys that are not generation text (A1111 leaves the same ones out)
_NOT_TEXT = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "exif", "loop",
             "background", "timestamp", "duration", "progressive", "progression", "icc_profile",
             "chromaticity", "photoshop", "gamma", "transparency", "aspect"}


def quote(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ',:\n"') else text


def build_infotext(prompt: str, negative: str, fields: list[tuple[str, Any]]) -> str:
    """A1111's infotext; ``fields`` with a None value are left out."""
    lines = [prompt]
    if negative:
        lines.append(f"Negative prompt: {negative}")
    lines.append(", ".join(f"{k}: {quote(v)}" for k, v in fields if v is not None))
    return "\n".join(lines)


def parse_infotext(text: str) -> dict[str, Any]:
    """Infotext -> ``{"Prompt", "Negative prompt", key: value...}`` as A1111's png-info gives it
    (values as text; ``Size: 512x768`` as ``Size-1`` and ``Size-2``)."""
    if not text:
        return {}
    *lines, last = text.strip().split("\n")
    if len(_PARAM.findall(last)) < 3:  # no parameter line: all of it is prompt
        lines.append(last)
        last = ""
    prompt, negative, in_negative = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_negative = True
            line = line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    out: dict[str, Any] = {"Prompt": "\n".join(prompt).strip(),
                           "Negative prompt": "\n".join(negative).strip()}
    for key, value in _PARAM.findall(last):
        value = value.strip()
        if len(value) > 1 and value[0] == '"' and value[-1] == '"':
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        m = _SIZE.match(value) if isinstance(value, str) else None
        if m:
            out[f"{key}-1"], out[f"{key}-2"] = m.group(1), m.group(2)
        else:
            out[key] = value
    return out


def _user_comment(exif_value: bytes | str) -> str | None:
    """EXIF UserComment as A1111 writes it for JPEG and WebP (piexif's UNICODE = UTF-16BE)."""
    if isinstance(exif_value, str):
        return exif_value
    head, body = exif_value[:8], exif_value[8:]
    if head.startswith(b"UNICODE"):
        for enc in ("utf-16-be", "utf-16-le"):
            try:
                return body.decode(enc).rstrip("\0")
            except UnicodeDecodeError:
                continue
    if head.startswith(b"ASCII"):
        return body.decode("ascii", "replace").rstrip("\0")
    return exif_value.decode("utf-8", "replace").rstrip("\0") if exif_value else None


def read_png_info(data: bytes) -> dict[str, Any]:
    """``/png-info``'s answer for an image's bytes: ``info`` (the infotext: a PNG's
    ``parameters`` text, or the EXIF UserComment of a JPEG/WebP), ``items`` (the other text
    chunks, painterly's own among them) and ``parameters`` (the infotext parsed)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        info = {k: v for k, v in im.info.items() if isinstance(k, str)}
        exif = im.getexif()
        comment = exif.get_ifd(0x8769).get(0x9286) if exif else None
    text = info.pop("parameters", None)
    if not isinstance(text, str):
        text = _user_comment(comment) if comment else None
    items = {k: (v if isinstance(v, (str, int, float)) else str(v)) for k, v in info.items()
             if k not in _NOT_TEXT and not isinstance(v, (bytes, bytearray, tuple))}
    text = text or ""
    return {"info": text, "items": items, "parameters": parse_infotext(text)}


# --- A1111's prompt styles: name, prompt, negative prompt (its styles.csv) ---------------------

@dataclass(frozen=True)
class PromptStyle:
    name: str
    prompt: str = ""
    negative_prompt: str = ""


def read_styles_csv(path: Path) -> list[PromptStyle]:
    """A1111's ``styles.csv`` (columns name, prompt, negative_prompt); none when absent. Read on
    every call, so a user's edit is seen without a restart."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        return []
    out = []
    for row in csv.DictReader(io.StringIO(text), skipinitialspace=True):
        name = (row.get("name") or "").strip()
        if name:
            out.append(PromptStyle(name, row.get("prompt") or "", row.get("negative_prompt") or ""))
    return out


def merge_prompt(style_text: str, prompt: str) -> str:
    """A1111's rule: ``{prompt}`` in the style's text is replaced by the prompt; otherwise the
    style's text is appended after a comma."""
    if "{prompt}" in style_text:
        return style_text.replace("{prompt}", prompt)
    return ", ".join(p for p in (prompt.strip(), style_text.strip()) if p)
