"""The image contract: every source, every mode, orientation, limits and hostile input."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from painterly.errors import InputError, LimitError, UnsupportedFormatError
from painterly.io import (
    Limits,
    encode_image,
    load_image,
    read_metadata,
    resize_max,
    save_image,
    to_image,
)
from painterly.provenance.artwork import save_artwork


def _check_contract(img: np.ndarray, shape=None) -> None:
    assert img.dtype == np.float32
    assert img.ndim == 3 and img.shape[2] == 3
    assert img.flags.c_contiguous
    assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
    if shape is not None:
        assert img.shape[:2] == shape


def _png_bytes(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", **kw)
    return buf.getvalue()


@pytest.fixture
def gradient() -> Image.Image:
    x = np.linspace(0, 255, 64, dtype=np.float32)
    arr = np.stack(np.broadcast_arrays(x[None, :], x[:, None], np.full((64, 64), 128.0)), axis=2)
    return Image.fromarray(arr.astype(np.uint8)[:48], "RGB")


# --- sources -------------------------------------------------------------------------------


def test_every_source_gives_the_same_pixels(tmp_path, gradient):
    data = _png_bytes(gradient)
    path = tmp_path / "g.png"
    path.write_bytes(data)
    ref = load_image(path)
    _check_contract(ref, (48, 64))
    for src in (str(path), data, io.BytesIO(data), gradient, np.asarray(gradient)):
        np.testing.assert_array_equal(load_image(src), ref)
    np.testing.assert_allclose(ref * 255, np.asarray(gradient), atol=1e-3)


def test_format_detected_from_content_not_name(tmp_path, gradient):
    buf = io.BytesIO()
    gradient.save(buf, format="JPEG", quality=95)
    p = tmp_path / "really_a_jpeg.png"
    p.write_bytes(buf.getvalue())
    _check_contract(load_image(p), (48, 64))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"])
def test_allowed_formats(fmt, gradient):
    buf = io.BytesIO()
    gradient.save(buf, format=fmt)
    _check_contract(load_image(buf.getvalue()), (48, 64))


def test_gif_uses_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    img = load_image(buf.getvalue())
    assert img[..., 0].mean() > 0.9 and img[..., 2].mean() < 0.1


# --- modes ---------------------------------------------------------------------------------


def test_mode_1_and_L():
    im = Image.new("1", (8, 8), 0)
    im.putpixel((1, 1), 1)
    img = load_image(im)
    assert img[1, 1].tolist() == [1.0, 1.0, 1.0] and img[0, 0].tolist() == [0.0, 0.0, 0.0]
    grey = load_image(Image.new("L", (4, 4), 51))
    np.testing.assert_allclose(grey, 0.2, atol=1e-6)


def test_alpha_composited_on_white():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red
    np.testing.assert_allclose(load_image(_png_bytes(rgba)), 1.0)
    half = Image.new("RGBA", (4, 4), (0, 0, 0, 128))
    np.testing.assert_allclose(load_image(half), 1 - 128 / 255, atol=1e-6)
    la = Image.new("LA", (4, 4), (0, 0))
    np.testing.assert_allclose(load_image(_png_bytes(la)), 1.0)


def test_palette_with_transparency():
    p = Image.new("P", (4, 4), 0)
    p.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    p.putpixel((0, 0), 1)
    p.info["transparency"] = 0  # index 0 transparent -> white
    img = load_image(_png_bytes(p, transparency=0))
    np.testing.assert_allclose(img[1, 1], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(img[0, 0], [0.0, 1.0, 0.0])


def test_cmyk():
    img = load_image(Image.new("CMYK", (4, 4), (0, 255, 255, 0)))  # pure red in CMYK
    np.testing.assert_allclose(img[0, 0], [1.0, 0.0, 0.0], atol=1e-6)


def test_16bit_is_scaled_not_clipped():
    arr = np.array([[0, 1000, 40000, 65535]], dtype=np.uint16)
    im = Image.fromarray(arr)  # mode I;16
    img = load_image(_png_bytes(im))
    np.testing.assert_allclose(img[0, :, 0], arr[0] / 65535.0, atol=1e-6)
    assert len(np.unique(img)) == 4  # 1000 and 40000 not clipped to 1


def test_mode_I_and_F():
    i = Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.int32), mode="I")
    np.testing.assert_allclose(load_image(i)[0, :, 1], [0, 32768 / 65535, 1.0], atol=1e-6)
    f = Image.fromarray(np.array([[0.0, 0.25, 1.0]], dtype=np.float32), mode="F")
    np.testing.assert_allclose(load_image(f)[0, :, 2], [0, 0.25, 1.0], atol=1e-6)
    wide = Image.fromarray(np.array([[-10.0, 0.0, 10.0]], dtype=np.float32), mode="F")
    np.testing.assert_allclose(load_image(wide)[0, :, 0], [0, 0.5, 1.0], atol=1e-6)


def test_numpy_arrays():
    _check_contract(to_image(np.zeros((5, 6), np.uint8)), (5, 6))
    np.testing.assert_allclose(to_image(np.full((2, 2, 3), 65535, np.uint16)), 1.0)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        to_image(np.full((2, 2, 3), 2.0, np.float64))
    with pytest.raises(InputError):
        to_image(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(InputError):
        to_image(np.zeros((2, 2, 3), np.complex64))


@pytest.mark.parametrize("orientation,expected_shape", [(1, (20, 40)), (3, (20, 40)), (6, (40, 20)), (8, (40, 20))])
def test_exif_orientation_applied(orientation, expected_shape):
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:5, :5] = 255  # a white corner, top-left in stored pixels
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif.tobytes(), quality=100)
    img = load_image(buf.getvalue())
    assert img.shape[:2] == expected_shape
    corner = {1: (0, 0), 3: (-1, -1), 6: (0, -1), 8: (-1, 0)}[orientation]
    y, x = corner
    assert img[y, x].mean() > 0.8  # the white corner moved where the rotation puts it


def test_exif_orientation_leaves_a_callers_pil_image_alone():
    """Files are turned in place (no copy); a PIL image the caller passes is never changed."""
    arr = np.zeros((20, 40, 3), np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", exif=exif.tobytes())
    im = Image.open(io.BytesIO(buf.getvalue()))
    assert load_image(im).shape[:2] == (40, 20)
    assert im.size == (40, 20) and im.getexif().get(0x0112) == 6  # (width, height) as stored


# --- limits and hostile input ------------------------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height but has no real pixel data (a bomb header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_huge_header_refused_quickly_without_allocating():
    data = _png_header_only(100_000, 100_000)
    tracemalloc.start()
    t = time.perf_counter()
    with pytest.raises(LimitError, match="12000"):
        load_image(data)
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024  # 30 GB of pixels were never allocated
    assert elapsed < 5  # generous: it reads a header only


def test_megapixel_limit_configurable():
    data = _png_header_only(8000, 8000)  # 64 MP, sides under 12000
    with pytest.raises(LimitError, match="MP"):
        load_image(data)
    with pytest.raises(LimitError):
        load_image(_png_bytes(Image.new("RGB", (50, 50))), limits=Limits(max_pixels=1000))
    _check_contract(load_image(_png_bytes(Image.new("RGB", (50, 50))), limits=Limits(max_side=50)))


def test_truncated_jpeg_at_several_lengths(gradient):
    buf = io.BytesIO()
    gradient.resize((256, 256)).save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    for n in (1, 2, 10, 100, len(data) // 3, len(data) // 2, len(data) - 10):
        with pytest.raises(InputError):
            load_image(data[:n])


def test_truncated_png(gradient):
    data = _png_bytes(gradient.resize((256, 256)))
    for n in (8, 30, len(data) // 2):
        with pytest.raises(InputError):
            load_image(data[:n])


def test_zero_bytes_and_random_bytes(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(empty)
    rng = np.random.default_rng(0)
    with pytest.raises(UnsupportedFormatError):
        load_image(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())


def test_pdf_named_png_is_refused(tmp_path):
    p = tmp_path / "photo.png"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    with pytest.raises(UnsupportedFormatError, match="PNG"):
        load_image(p)


def test_eps_refused_before_any_external_program():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    with pytest.raises(UnsupportedFormatError):
        load_image(eps)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="not a regular file"):
        load_image(tmp_path)
    with pytest.raises(InputError, match="accepted"):
        load_image(12345)  # type: ignore[arg-type]


# --- output --------------------------------------------------------------------------------


def test_output_carries_no_exif_or_gps(tmp_path, gradient):
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (37.0, 48.0, 30.0)}  # GPS IFD
    buf = io.BytesIO()
    gradient.save(buf, format="JPEG", exif=exif.tobytes())
    img = load_image(buf.getvalue())
    for ext in ("png", "jpg", "webp"):
        out = save_artwork(img, tmp_path / f"o.{ext}", metadata={"style": "oil"})
        with Image.open(out) as im:
            assert not im.getexif(), ext
            assert "exif" not in im.info and "icc_profile" not in im.info
            xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")  # painterly's own only
            assert xmp and "tc260" in str(xmp).lower() and "37.0" not in str(xmp), ext
            assert b"CameraMaker" not in out.read_bytes()
    assert read_metadata(tmp_path / "o.png") == {"style": "oil"}


def test_save_roundtrip_and_bad_extension(tmp_path):
    img = np.random.default_rng(1).random((10, 12, 3), dtype=np.float32)
    out = save_image(img, tmp_path / "sub" / "x.png")
    np.testing.assert_allclose(load_image(out), img, atol=0.5 / 255 + 1e-6)
    with pytest.raises(InputError, match=".png"):
        save_image(img, tmp_path / "x.exe")
    with pytest.raises(InputError):
        encode_image(img, "EPS")


def test_resize_max():
    img = np.zeros((100, 50, 3), np.float32)
    assert resize_max(img, 40).shape == (40, 20, 3)
    assert resize_max(img, 400).shape == (100, 50, 3)  # never upscales
    with pytest.raises(InputError):
        resize_max(img, 0)


def test_io_is_the_ground_floor():
    """painterly.io (images, and the clip reader/writer) takes ready metadata blocks and imports
    nothing of painterly.provenance, not even lazily inside a function: provenance builds the
    blocks and calls io, never the other way round (the old circle io -> provenance.xmp ->
    provenance.record -> io)."""
    import ast
    import subprocess
    import sys

    import painterly.io

    for mod in ("painterly.io", "painterly.videoio"):
        src = Path(__import__(mod, fromlist=["_"]).__file__).read_text()
        for node in ast.walk(ast.parse(src)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith("painterly.provenance") for n in names), (mod, names)
    code = ("import sys, numpy as np, painterly.io as io\n"
            "io.encode_image(np.zeros((8, 8, 3), np.float32), 'PNG', xmp='<x/>', text={'a': 'b'})\n"
            "io.encode_image(np.zeros((8, 8, 3), np.float32), 'JPEG', xmp='<x/>')\n"
            "print(sorted(m for m in sys.modules if m.startswith('painterly.provenance')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
    assert painterly.io.PNG_XMP_KEY == "XML:com.adobe.xmp"


def test_io_writes_the_blocks_it_is_given(tmp_path):
    img = np.full((16, 16, 3), 0.5, np.float32)
    xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><given/></x:xmpmeta>'
    for ext in ("png", "jpg", "webp"):
        data = save_image(img, tmp_path / f"b.{ext}", xmp=xmp, text={"painterly:k": "v"}).read_bytes()
        assert b"<given/>" in data
    assert read_metadata(tmp_path / "b.png") == {"k": "v"}
    plain = save_image(img, tmp_path / "p.png").read_bytes()
    assert b"xmpmeta" not in plain and b"TC260" not in plain
