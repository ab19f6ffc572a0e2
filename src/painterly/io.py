"""The one place where images come in and go out.

The image contract
------------------
Inside painterly every image is a ``numpy.ndarray`` of shape ``(H, W, 3)``, dtype ``float32``,
C-contiguous, values in ``[0, 1]``, sRGB, no alpha. Every technique takes and returns this.
Conversion happens only here, at the edges:

* :func:`load_image` accepts a path, ``bytes``, a binary file object, a PIL image or a numpy
  array and returns the contract.
* :func:`save_image` / :func:`encode_image` write PNG, JPEG or WebP without any metadata of the
  input (no EXIF, GPS, XMP, ICC), optionally with painterly's own text metadata.

Mode conversion (PIL mode -> contract): ``1``/``L`` grey replicated to RGB; ``P`` through its
palette, its transparency honoured; ``LA``/``PA``/``RGBA``/``La``/``RGBa`` alpha-composited on
white; ``CMYK``/``YCbCr``/``LAB``/``HSV`` converted by Pillow; ``I;16*`` divided by 65535 (scaled, not
clipped); ``I`` (32-bit int) taken as 16-bit data (the container Pillow uses for 16-bit PNG),
divided by 65535 and clipped; ``F`` used as is when inside ``[0, 1]``, else min-max normalised.
EXIF orientation is applied. Animated inputs use their first frame.

Safety: the format is detected from content against an allow-list (PNG, JPEG, WebP, BMP,
TIFF, GIF); anything else, EPS/PDF included, is refused before decoding. The pixel count and
side are checked from the header before pixels are decoded. Truncated files are refused.
"""

from __future__ import annotations

import io as _io
import os
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

from painterly.errors import InputError, LimitError, UnsupportedFormatError

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | Image.Image | np.ndarray

#: Formats decoded, by Pillow format name. Detection is by content (magic bytes), never by name.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
#: Output formats by file extension.
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


@dataclass(frozen=True)
class Limits:
    """Input limits, checked from the header before any pixel is decoded."""

    max_pixels: int = 40_000_000  # 40 MP: a 12-bit camera frame fits; a bomb does not
    max_side: int = 12_000  # px on either side
    max_bytes: int = 200 * 1024 * 1024  # encoded size read from a stream


DEFAULT_LIMITS = Limits()


def _open_bytes(src: ImageSource, limits: Limits) -> tuple[_io.BytesIO | IO[bytes], str]:
    """Return a seekable binary stream and a label for messages."""
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
        label = "<bytes>"
    elif isinstance(src, (str, os.PathLike)):
        path = Path(src)
        label = str(path)
        if not path.exists():
            raise InputError(f"{label}: no such file")
        if not path.is_file():
            raise InputError(f"{label}: not a regular file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise LimitError(f"{label}: file is {size} bytes; at most {limits.max_bytes} accepted")
        data = path.read_bytes()
    elif hasattr(src, "read"):
        label = getattr(src, "name", "<stream>")
        data = src.read(limits.max_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise InputError(f"{label}: file object must be opened in binary mode")
        if len(data) > limits.max_bytes:
            raise LimitError(f"{label}: stream exceeds {limits.max_bytes} bytes")
    else:
        raise InputError(
            f"cannot read an image from {type(src).__name__}; "
            "accepted: path, bytes, binary file object, PIL.Image.Image, numpy array"
        )
    if len(data) == 0:
        raise InputError(f"{label}: empty file (0 bytes)")
    return _io.BytesIO(data), str(label)


def check_size(width: int, height: int, limits: Limits = DEFAULT_LIMITS, label: str = "image") -> None:
    """Raise :class:`LimitError` if ``width x height`` is over the limits."""
    if width <= 0 or height <= 0:
        raise InputError(f"{label}: invalid size {width}x{height}")
    if max(width, height) > limits.max_side:
        raise LimitError(
            f"{label}: {width}x{height} px has a side over {limits.max_side} px "
            f"(limit configurable with max_side)"
        )
    if width * height > limits.max_pixels:
        raise LimitError(
            f"{label}: {width}x{height} = {width * height / 1e6:.1f} MP is over the "
            f"{limits.max_pixels / 1e6:.0f} MP limit (configurable with max_pixels)"
        )


def _open_pil(stream: IO[bytes], label: str, limits: Limits) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns (then errors) on huge images; our own header check below is stricter.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(stream, formats=list(ALLOWED_FORMATS))
        except Image.DecompressionBombError as e:
            raise LimitError(
                f"{label}: refused as a decompression bomb: the header claims far more pixels than "
                f"the limits ({limits.max_side} px per side, {limits.max_pixels / 1e6:.0f} MP) ({e})"
            ) from None
        except Image.UnidentifiedImageError:
            raise UnsupportedFormatError(
                f"{label}: not a recognised image; accepted formats: {', '.join(ALLOWED_FORMATS)} "
                "(detected from content, not from the file name)"
            ) from None
        except (OSError, ValueError, SyntaxError) as e:
            raise InputError(f"{label}: cannot read image header ({e})") from None
    if im.format not in ALLOWED_FORMATS:  # defensive: formats= already restricts this
        raise UnsupportedFormatError(f"{label}: format {im.format} is not accepted")
    check_size(im.width, im.height, limits, label)
    return im


def _decode(im: Image.Image, label: str) -> Image.Image:
    """Decode pixels of the first frame, apply EXIF orientation."""
    try:
        im.seek(0)
        im.load()
    except EOFError:
        raise InputError(f"{label}: truncated image data") from None
    except (OSError, ValueError, SyntaxError) as e:
        msg = str(e)
        if "truncated" in msg.lower() or "premature" in msg.lower():
            raise InputError(f"{label}: truncated image data ({msg})") from None
        raise InputError(f"{label}: corrupt image data ({msg})") from None
    try:
        oriented = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block must not make a readable image unreadable
        oriented = im
    return oriented if oriented is not None else im


def _composite_on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    return rgb * a + (1.0 - a)


def pil_to_array(im: Image.Image) -> np.ndarray:
    """Convert a decoded PIL image of any mode to the contract (float32 HxWx3 in [0, 1])."""
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
        mode = im.mode
    if mode == "PA":
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("La", "RGBa"):  # premultiplied alpha
        im = im.convert("RGBA" if mode == "RGBa" else "LA")
        mode = im.mode
    if mode.startswith("I;16"):
        arr = np.asarray(im).astype(np.float32) / 65535.0
        return _grey_to_rgb(arr)
    if mode == "I":
        arr = np.asarray(im).astype(np.float32)
        return _grey_to_rgb(np.clip(arr / 65535.0, 0.0, 1.0))
    if mode == "F":
        arr = np.asarray(im).astype(np.float32)
        arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=0.0)
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0.0 or hi > 1.0:
            arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
        return _grey_to_rgb(arr)
    if mode == "1":
        im = im.convert("L")
        mode = "L"
    if mode == "L":
        return _grey_to_rgb(np.asarray(im).astype(np.float32) / 255.0)
    if mode == "LA":
        arr = np.asarray(im).astype(np.float32) / 255.0
        grey = _composite_on_white(np.repeat(arr[..., :1], 3, axis=2), arr[..., 1])
        return np.ascontiguousarray(grey, dtype=np.float32)
    if mode == "RGBA":
        arr = np.asarray(im).astype(np.float32) / 255.0
        return np.ascontiguousarray(_composite_on_white(arr[..., :3], arr[..., 3]), dtype=np.float32)
    if mode != "RGB":
        im = im.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    return np.ascontiguousarray(np.asarray(im), dtype=np.float32) / np.float32(255.0)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2), dtype=np.float32)


def to_image(arr: np.ndarray) -> np.ndarray:
    """Bring a user's numpy array to the contract.

    Accepts HxW (grey), HxWx1, HxWx3 or HxWx4 (alpha composited on white); dtype uint8
    (0..255), uint16 (0..65535), bool, or float (taken as [0, 1] and clipped).
    """
    if not isinstance(arr, np.ndarray):
        raise InputError(f"expected a numpy array, got {type(arr).__name__}")
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise InputError(f"image array must be HxW, HxWx1, HxWx3 or HxWx4; got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"image array is empty: shape {arr.shape}")
    if arr.dtype == np.uint8:
        f = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        f = arr.astype(np.float32) / 65535.0
    elif arr.dtype == np.bool_:
        f = arr.astype(np.float32)
    elif np.issubdtype(arr.dtype, np.floating):
        f = np.clip(np.nan_to_num(arr.astype(np.float32), nan=0.0), 0.0, 1.0)
    else:
        raise InputError(f"unsupported array dtype {arr.dtype}; accepted: uint8, uint16, bool, float")
    if f.shape[2] == 1:
        f = np.repeat(f, 3, axis=2)
    elif f.shape[2] == 4:
        f = _composite_on_white(f[..., :3], f[..., 3])
    return np.ascontiguousarray(f, dtype=np.float32)


def load_image(
    src: ImageSource,
    *,
    max_size: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> np.ndarray:
    """Read an image from any accepted source into the contract.

    Parameters
    ----------
    src : path, bytes, binary file object, PIL.Image.Image or numpy.ndarray
    max_size : int, optional
        If given, downscale (area interpolation) so that the longer side is at most this.
    limits : Limits
        Header-checked limits on pixels and side.

    Returns
    -------
    numpy.ndarray, float32, shape (H, W, 3), values in [0, 1].

    Raises
    ------
    InputError, UnsupportedFormatError, LimitError
    """
    if isinstance(src, np.ndarray):
        check_size(src.shape[1] if src.ndim >= 2 else 0, src.shape[0] if src.ndim >= 1 else 0,
                   limits, "array")
        img = to_image(src)
    elif isinstance(src, Image.Image):
        check_size(src.width, src.height, limits, "PIL image")
        img = pil_to_array(_decode(src, "PIL image"))
    else:
        stream, label = _open_bytes(src, limits)
        im = _open_pil(stream, label, limits)
        img = pil_to_array(_decode(im, label))
    if max_size is not None:
        img = resize_max(img, max_size)
    return img


def resize_max(img: np.ndarray, max_size: int) -> np.ndarray:
    """Downscale so the longer side is at most ``max_size`` (never upscales)."""
    import cv2

    if max_size <= 0:
        raise InputError(f"max_size must be a positive number of pixels, got {max_size}")
    h, w = img.shape[:2]
    scale = max_size / max(h, w)
    if scale >= 1.0:
        return img
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.ascontiguousarray(cv2.resize(img, size, interpolation=cv2.INTER_AREA))


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Contract image -> uint8 HxWx3 (rounded, clipped)."""
    return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)


def to_pil(img: np.ndarray) -> Image.Image:
    return Image.fromarray(to_uint8(img), mode="RGB")


def output_format(path: str | os.PathLike) -> str:
    ext = Path(path).suffix.lower()
    if ext not in OUTPUT_FORMATS:
        raise InputError(
            f"cannot write {Path(path).name!r}: output extension must be one of "
            f"{', '.join(sorted(OUTPUT_FORMATS))}"
        )
    return OUTPUT_FORMATS[ext]


#: PNG compression, by measurement on 1024 px artworks (benchmarks/RESULTS.md): "fast" codes
#: PNG's filtered rows with zlib's Huffman-only strategy: 2-8x faster than zlib's default level 6,
#: and within 15 % of its size (smaller on noisy or smooth art, where string matches are rare);
#: "small" also tries level 9 and keeps the smaller file (several times slower).
PNG_COMPRESSION = ("fast", "small")
_PNG_FAST = {"compress_level": 1, "compress_type": zlib.Z_HUFFMAN_ONLY}
_PNG_SMALL = {"compress_level": 9, "compress_type": zlib.Z_DEFAULT_STRATEGY}


def encode_image(
    img: np.ndarray, fmt: str = "PNG", *, quality: int = 92, metadata: dict[str, Any] | None = None,
    png_compression: str = "fast",
) -> bytes:
    """Encode a contract image. Nothing of the input's metadata is carried over.

    ``metadata`` (painterly's own: style, seed, prompt, ...) goes into PNG text chunks; JPEG and
    WebP get none, so that nothing private can leak through them. ``png_compression``: "fast"
    (default) or "small" (the smallest file, several times slower); see :data:`PNG_COMPRESSION`.
    """
    if png_compression not in PNG_COMPRESSION:
        raise InputError(f"png_compression must be one of {', '.join(PNG_COMPRESSION)}, "
                         f"got {png_compression!r}")
    fmt = fmt.upper()
    if fmt == "JPG":
        fmt = "JPEG"
    if fmt not in set(OUTPUT_FORMATS.values()):
        raise InputError(f"output format must be PNG, JPEG or WEBP, got {fmt!r}")
    pil = to_pil(img)  # a fresh image: no info/exif from the source
    buf = _io.BytesIO()
    kwargs: dict[str, Any] = {}
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        for k, v in (metadata or {}).items():
            info.add_text(f"painterly:{k}", str(v))
        kwargs["pnginfo"] = info
        kwargs.update(_PNG_FAST)
    else:
        kwargs["quality"] = quality
    pil.save(buf, format=fmt, **kwargs)
    if fmt == "PNG" and png_compression == "small":
        small = _io.BytesIO()
        pil.save(small, format=fmt, **dict(kwargs, **_PNG_SMALL))
        if small.tell() < buf.tell():
            return small.getvalue()
    return buf.getvalue()


def save_image(
    img: np.ndarray,
    path: str | os.PathLike,
    *,
    quality: int = 92,
    metadata: dict[str, Any] | None = None,
    png_compression: str = "fast",
) -> Path:
    """Write a contract image; the format follows the extension (.png, .jpg/.jpeg, .webp).
    ``png_compression``: "fast" (default) or "small" (see :func:`encode_image`).

    The file is written to a temporary name and renamed, so a failed write never leaves half a file.
    """
    path = Path(path)
    data = encode_image(img, output_format(path), quality=quality, metadata=metadata,
                        png_compression=png_compression)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def read_metadata(src: str | os.PathLike | bytes) -> dict[str, str]:
    """painterly's own metadata from a PNG written by :func:`save_image`."""
    data = bytes(src) if isinstance(src, (bytes, bytearray)) else Path(src).read_bytes()
    with Image.open(_io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as im:
        return {k.split(":", 1)[1]: v for k, v in im.info.items()
                if isinstance(k, str) and k.startswith("painterly:")}
