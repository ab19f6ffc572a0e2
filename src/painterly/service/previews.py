"""The style catalogue for ``GET /v1/styles``, with a small preview of each style on a sample photo."""

from __future__ import annotations

import threading
from pathlib import Path

from painterly.styles import get_style, list_styles

PREVIEW_SIDE = 160  # px: a thumbnail, cheap enough to make on first request
_LOCK = threading.Lock()  # one preview made at a time: the API process is not a worker


def catalogue() -> list[dict]:
    return [{"name": s.name, "family": s.family, "description": s.description, "tags": list(s.tags),
             "aliases": list(s.aliases), "preview": f"/v1/styles/{s.name}/preview"}
            for s in list_styles()]


def preview_png(name: str, folder: Path) -> bytes:
    """The style on the sample photo, made once and kept in ``folder`` under the style's
    registered name (a request's text never becomes a file name)."""
    from painterly.io import encode_image, resize_max
    from painterly.samples import sample_photo
    from painterly.stylize import stylize

    spec = get_style(name)  # UnknownStyleError (422) for anything else
    path = folder / f"{spec.name}.png"
    with _LOCK:
        if path.is_file():
            return path.read_bytes()
        photo = resize_max(sample_photo("chelsea"), PREVIEW_SIDE)
        data = encode_image(stylize(photo, spec.name, seed=0), "PNG", metadata={"style": spec.name})
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{spec.name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(path)
        return data
