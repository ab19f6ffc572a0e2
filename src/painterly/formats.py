"""Which image formats painterly reads and writes: no numpy, no Pillow, so that the command line
can check names and extensions before anything heavy loads (painterly.io re-exports these)."""

from __future__ import annotations

import os
from pathlib import Path

from painterly.errors import InputError

#: Formats decoded, by Pillow format name. Detection is by content (magic bytes), never by name.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
#: File extensions of the formats read (a folder's images are found by these).
INPUT_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
#: Output formats by file extension.
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def output_format(path: str | os.PathLike) -> str:
    """The format written for ``path``'s extension, or InputError naming the accepted ones."""
    ext = Path(path).suffix.lower()
    if ext not in OUTPUT_FORMATS:
        raise InputError(
            f"cannot write {Path(path).name!r}: output extension must be one of "
            f"{', '.join(sorted(OUTPUT_FORMATS))}"
        )
    return OUTPUT_FORMATS[ext]
