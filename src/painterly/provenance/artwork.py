"""Write an artwork with everything painterly says about it: the metadata blocks that
:mod:`painterly.io`'s writers take (PNG text, XMP with the AI label and the record), then the
C2PA manifest over the encoded bytes when the :class:`~painterly.provenance.Provenance` asks."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from painterly import io as _io
from painterly.formats import output_format
from painterly.provenance import xmp as _xmp
from painterly.provenance.c2pa_sign import finish_bytes


def encode_artwork(
    img: np.ndarray, fmt: str = "PNG", *, metadata: dict[str, Any] | None = None,
    quality: int = 92, png_compression: str = "fast",
) -> bytes:
    """Encode ``img`` (see :func:`painterly.io.encode_image`) with the AIGC label and
    painterly's provenance as XMP in every format, the A1111 ``parameters`` and painterly's
    flat parameters as PNG text, and a C2PA manifest when ``metadata["provenance"]`` has
    signing keys. ``metadata``: flat parameters and optionally a :class:`Provenance` under
    ``"provenance"`` (without one, the default label is written); never the input's metadata."""
    rgb = _io.to_uint8(img)
    fmt = fmt.upper()
    if fmt == "JPG":
        fmt = "JPEG"
    hashed = rgb
    if fmt != "PNG":
        # Lossy: the label's pixel hash (ReservedCode1) is of the pixels a reader decodes from
        # this very file, so anyone can check it. The encoder is deterministic and the XMP sits
        # in its own segment, so the file written below holds exactly these coded pixels.
        probe = BytesIO(_io.encode_image(rgb, fmt, quality=quality))
        with Image.open(probe, formats=[fmt]) as im:
            hashed = np.asarray(im.convert("RGB"))
    text, xmp, prov = _xmp.container_fields(hashed, metadata)  # hashes the pixels as read back
    data = _io.encode_image(rgb, fmt, quality=quality, png_compression=png_compression,
                            text=text, xmp=xmp)
    return finish_bytes(data, fmt, prov)


def save_artwork(
    img: np.ndarray, path: str | os.PathLike, *, metadata: dict[str, Any] | None = None,
    quality: int = 92, png_compression: str = "fast",
) -> Path:
    """:func:`encode_artwork` to ``path`` (format from the extension), written atomically
    (:func:`painterly.io.write_atomic`): a failed write leaves no file."""
    path = Path(path)
    data = encode_artwork(img, output_format(path), metadata=metadata, quality=quality,
                          png_compression=png_compression)
    _io.write_atomic(path, data)
    return path
