"""The style catalogue for ``GET /v1/styles``, and the photo each style's preview is painted on.

Previews are painted by the workers, as ordinary jobs (a model that crashes must never take the
API process down), once per style; the API keeps the file under the style's registered name, as
a small WebP (a first visit loads about 30 of them: 5-10 kB each instead of 35-45 kB as PNG).
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from painterly.styles import list_styles

PREVIEW_SIDE = 160  # px: a thumbnail, cheap for a worker to paint on first request
WEBP_QUALITY = 80  # painted textures stay crisp at 160 px; about 7 kB a preview


def catalogue() -> list[dict]:
    return [{"name": s.name, "family": s.family, "description": s.description, "tags": list(s.tags),
             "aliases": list(s.aliases), "preview": f"/v1/styles/{s.name}/preview"}
            for s in list_styles()]


@functools.cache
def sample_png() -> bytes:
    """The sample cat (scikit-image's, shipped in its wheel), PREVIEW_SIDE px, as PNG bytes."""
    from painterly.io import encode_image, resize_max
    from painterly.samples import sample_photo

    return encode_image(resize_max(sample_photo("chelsea"), PREVIEW_SIDE), "PNG")


def save_webp(src: Path, dst: Path, *, side: int | None = None, quality: int = WEBP_QUALITY) -> None:
    """``src`` (any image Pillow reads) as WebP at ``dst``, its longer side at most ``side``;
    written to a temporary name first, so a reader never sees half a file."""
    from PIL import Image

    with Image.open(src) as im:
        im = im.convert("RGB")
        if side is not None:
            im.thumbnail((side, side), Image.Resampling.LANCZOS)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        im.save(tmp, "WEBP", quality=quality, method=4)
    os.replace(tmp, dst)
