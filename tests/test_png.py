"""painterly._png, the fast PNG encoder: every reader decodes it to the same pixels."""

from __future__ import annotations

import builtins
import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from painterly import _png
from painterly.io import read_metadata, to_uint8
from painterly.provenance.artwork import encode_artwork


def _images():
    rng = np.random.default_rng(3)
    yield "noise", rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    yield "one pixel", np.array([[[255, 0, 128]]], np.uint8)
    yield "one column", rng.integers(0, 256, (9, 1, 3), dtype=np.uint8)
    yield "one row", rng.integers(0, 256, (1, 17, 3), dtype=np.uint8)
    y, x = np.mgrid[0:64, 0:96]  # smooth: the Paeth predictor picks all three neighbours
    yield "gradient", np.stack([x * 2, y * 3, (x + y) % 256], -1).astype(np.uint8)
    yield "extremes", np.where(rng.random((31, 29, 3)) < 0.5, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name,rgb", list(_images()), ids=[n for n, _ in _images()])
def test_decoders_read_the_same_pixels(name, rgb):
    data = _png.encode_rgb(rgb)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), rgb)
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(bgr[..., ::-1], rgb)


def _paeth_reference(rows: np.ndarray) -> np.ndarray:
    """The PNG specification's Paeth filter, byte by byte (slow, obviously right)."""
    h, n = rows.shape
    out = np.zeros((h, n), np.uint8)
    r = rows.astype(int)
    for y in range(h):
        for i in range(n):
            a = r[y, i - 3] if i >= 3 else 0
            b = r[y - 1, i] if y else 0
            c = r[y - 1, i - 3] if y and i >= 3 else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[y, i] = (r[y, i] - pred) % 256
    return out


def test_paeth_matches_the_specification():
    rgb = np.random.default_rng(5).integers(0, 256, (12, 11, 3), dtype=np.uint8)
    rgb[4:8] = 250  # ties between the neighbours
    rows = _png.paeth_rows(rgb)
    assert (rows[:, 0] == 4).all()
    assert np.array_equal(rows[:, 1:], _paeth_reference(rgb.reshape(12, 33)))


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body), kind
        out.append((kind, body))
        pos += 12 + n
    return out


def test_chunks_and_text():
    rgb = np.zeros((4, 5, 3), np.uint8)
    data = _png.encode_rgb(rgb, [_png.text_chunk("style", "oil"), _png.text_chunk("prompt", "水墨 ink"),
                                 _png.itxt_chunk("XML:com.adobe.xmp", "<x/>")])
    kinds = [k for k, _ in _chunks(data)]
    assert kinds == [b"IHDR", b"tEXt", b"iTXt", b"iTXt", b"IDAT", b"IEND"]
    info = Image.open(io.BytesIO(data)).info
    assert info["style"] == "oil" and info["prompt"] == "水墨 ink" and info["XML:com.adobe.xmp"] == "<x/>"


def test_refuses_what_it_cannot_write():
    with pytest.raises(ValueError):
        _png.encode_rgb(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError):
        _png.encode_rgb(np.zeros((4, 4), np.uint8))


def test_without_isal_zlib_writes_the_same_pixels(monkeypatch):
    real_import = builtins.__import__

    def no_isal(name, *args, **kwargs):
        if name == "isal" or name.startswith("isal."):
            raise ImportError("no isal here")
        return real_import(name, *args, **kwargs)

    rgb = next(img for n, img in _images() if n == "gradient")
    monkeypatch.setattr(builtins, "__import__", no_isal)
    data = _png.encode_rgb(rgb)
    monkeypatch.undo()
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), rgb)


def test_encode_image_uses_it_with_painterly_metadata():
    img = np.random.default_rng(1).random((40, 60, 3), dtype=np.float32)
    data = encode_artwork(img, "PNG", metadata={"style": "oil", "prompt": "水墨"})
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), to_uint8(img))
    meta = read_metadata(data)
    assert meta["style"] == "oil" and meta["prompt"] == "水墨"
    assert b"IDAT" in data and "parameters" in Image.open(io.BytesIO(data)).info
