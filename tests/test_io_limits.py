"""The input limits hold on each side on its own, not only on the pixel count."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from painterly.errors import LimitError
from painterly.io import DEFAULT_LIMITS, Limits, load_image


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height (its pixel data is never read)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(DEFAULT_LIMITS.max_side + 1, 2),
                                           (2, DEFAULT_LIMITS.max_side + 1)])
def test_one_long_side_is_refused_however_few_pixels(width, height):
    with pytest.raises(LimitError, match=str(DEFAULT_LIMITS.max_side)):
        load_image(_png_header_only(width, height))


def test_the_side_limit_is_configurable_and_inclusive():
    limits = Limits(max_side=100)
    with pytest.raises(LimitError, match="side"):
        load_image(np.zeros((2, 101, 3), np.uint8), limits=limits)
    with pytest.raises(LimitError, match="side"):
        load_image(np.zeros((101, 2, 3), np.uint8), limits=limits)
    assert load_image(np.zeros((2, 100, 3), np.uint8), limits=limits).shape == (2, 100, 3)
