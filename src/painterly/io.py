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
divided by 65535 and clipped; ``F`` used as is when inside ``[0, 1]``, else min-max normalised
(a float file has no agreed scale); NaN or infinite pixels are refused.
EXIF orientation is applied. Animated inputs use their first frame.

Arrays are converted by their dtype: ``uint8`` / 255, ``uint16`` / 65535, ``bool`` as 0/1. Float
arrays must already be in ``[0, 1]``: an overshoot up to :data:`RANGE_TOLERANCE` (rounding) is
clipped; anything further out, and any NaN or infinity, raises :class:`InputError` saying so
(``img * 255`` is refused, not painted white). :func:`save_image` accepts what :func:`load_image`
accepts for arrays and PIL images, under the same rules.

Decoder warnings: damage a decoder worked around becomes one :class:`DecodeWarning` per image
read, in painterly's words, attributed to the caller's line; everything the decoders said (their
warnings, libtiff's stderr output) is logged at DEBUG on the ``painterly.io`` logger. See
:mod:`painterly._capture` for how that stays off the terminal and thread-safe.

Safety: the format is detected from content against an allow-list (PNG, JPEG, WebP, BMP,
TIFF, GIF); anything else, EPS/PDF included, is refused before decoding. The pixel count and
side are checked from the header before pixels are decoded. Truncated files are refused.
"""

from __future__ import annotations

import io as _io
import logging
import os
import secrets
import sys
import warnings
import zlib
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

from painterly._capture import DecoderOutput, decoder_output
from painterly.errors import (
    ContractError,
    DecodeWarning,
    InputError,
    LimitError,
    UnsupportedFormatError,
)
from painterly.formats import ALLOWED_FORMATS, OUTPUT_FORMATS, output_format

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | Image.Image | np.ndarray

#: How far a float image may overshoot [0, 1] and still be accepted (then clipped): half an 8-bit
#: level, so the overshoot of resampling and colour maths (1.0000001) never changes a saved pixel,
#: while 0-255 data (``img * 255``) and other scales are refused.
RANGE_TOLERANCE = 0.5 / 255
#: Formats whose native decoder prints to stderr (libtiff's default handlers). Pillow silences
#: libjpeg (its own output_message), decodes PNG, GIF and BMP itself over zlib, and libwebp does
#: not print, so only TIFF reads redirect file descriptor 2 (tests/test_decode_notes.py checks).
NATIVE_STDERR_FORMATS = frozenset({"TIFF"})

log = logging.getLogger(__name__)
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


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
    # Called inside decoder_output, which ignores Pillow's DecompressionBombWarning: our own
    # header check below is stricter.
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


def _decode(im: Image.Image, label: str, said: DecoderOutput, owned: bool) -> Image.Image:
    """Decode pixels of the first frame, apply EXIF orientation (inside decoder_output).
    ``owned``: ``im`` was opened here, so it may be turned in place (no copy of the pixels);
    a caller's PIL image is never changed."""
    native = said.native_stderr() if im.format in NATIVE_STDERR_FORMATS else nullcontext()
    try:
        with native:
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
        if owned:
            ImageOps.exif_transpose(im, in_place=True)
            return im
        oriented = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block must not make a readable image unreadable
        oriented = im
    return oriented if oriented is not None else im


def _read(label: str, open_image, owned: bool = False) -> Image.Image:
    """``open_image()`` then decode, with the decoders' output captured and reported.

    Reported once per read: a DecodeWarning when the image was still read (none when it is
    refused: the error says why), and everything at DEBUG on this module's logger either way.
    """
    said = DecoderOutput()
    try:
        with decoder_output(ignore=(Image.DecompressionBombWarning,)) as said:
            im = _decode(opened := open_image(), label, said, owned)
    except BaseException:
        if said.details():
            log.debug("%s: refused; the decoder said:\n%s", label, said.details())
        raise
    if said.details():
        log.debug("%s: the decoder said:\n%s", label, said.details())
    messages = said.messages(opened.format)
    if messages:
        summary = "; ".join(messages)
        if len(summary) > 200:
            summary = summary[:197] + "..."
        _warn_from_caller(DecodeWarning(f"{label}: read, but the file looks damaged ({summary})"))
    return im


def _warn_from_caller(warning: Warning) -> None:
    """``warnings.warn`` attributed to the first caller outside painterly (not Pillow's line)."""
    level, frame = 1, sys._getframe(0)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level += 1
        frame = frame.f_back
    warnings.warn(warning, stacklevel=level)


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
        lo, hi = float(arr.min()), float(arr.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            n = int(np.count_nonzero(~np.isfinite(arr)))
            raise InputError(f"float image has {n} NaN or infinite pixel(s); painterly needs "
                             "finite values")
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
    arr = np.asarray(im).astype(np.float32)  # a new contiguous array, divided in place
    arr /= np.float32(255.0)
    return arr


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2), dtype=np.float32)


def _check_range(arr: np.ndarray, label: str) -> np.ndarray:
    """A float array's values: finite and in [0, 1] (clipped within RANGE_TOLERANCE), or InputError.

    Two reductions and no copy when the values are fine; min/max propagate NaN, so one pass each
    finds NaN, infinities and the range.
    """
    lo, hi = float(arr.min()), float(arr.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        n = int(np.count_nonzero(~np.isfinite(arr)))
        raise InputError(
            f"{label}: {n} value(s) are NaN or infinite; a float image needs finite values in "
            "[0, 1] (replace them first, e.g. with numpy.nan_to_num)"
        )
    if lo < -RANGE_TOLERANCE or hi > 1.0 + RANGE_TOLERANCE:
        hint = ""
        if lo >= -RANGE_TOLERANCE and hi <= 255.0 + RANGE_TOLERANCE and hi > 1.5:
            hint = "; this looks like 0-255 data: divide it by 255 or pass a uint8 array"
        raise InputError(
            f"{label}: float values range over [{lo:.6g}, {hi:.6g}], but a float image must be in "
            f"[0, 1]{hint}"
        )
    if lo < 0.0 or hi > 1.0:
        return np.clip(arr, 0.0, 1.0)
    return arr


def to_image(arr: np.ndarray, label: str = "image array") -> np.ndarray:
    """Bring a user's numpy array to the contract (always a new array).

    Accepts HxW (grey), HxWx1, HxWx3 or HxWx4 (alpha composited on white); dtype uint8
    (0..255), uint16 (0..65535), bool, or float in [0, 1] (see :data:`RANGE_TOLERANCE`).

    Raises
    ------
    InputError
        Another shape or dtype; float values outside [0, 1], NaN or infinite.
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
        f = _check_range(arr, label).astype(np.float32)  # checked before the cast: 1e300 is no inf
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

    Warns
    -----
    DecodeWarning
        The file was read, but its decoder reported damage it worked around.
    """
    if isinstance(src, np.ndarray):
        check_size(src.shape[1] if src.ndim >= 2 else 0, src.shape[0] if src.ndim >= 1 else 0,
                   limits, "array")
        img = to_image(src, "array")
    elif isinstance(src, Image.Image):
        check_size(src.width, src.height, limits, "PIL image")
        img = pil_to_array(_read("PIL image", lambda: src))
    else:
        stream, label = _open_bytes(src, limits)
        img = pil_to_array(_read(label, lambda: _open_pil(stream, label, limits), owned=True))
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


def check_image(img: np.ndarray | Image.Image, label: str = "image") -> np.ndarray:
    """``img`` as a contract image: itself when it is one already (values checked, no copy).

    Other arrays are converted by :func:`to_image`, PIL images decoded like :func:`load_image`
    does (without its size limits: this is for images already in memory, outputs included).
    """
    if isinstance(img, Image.Image):
        return pil_to_array(_read(label, lambda: img))
    if not isinstance(img, np.ndarray):
        raise InputError(f"{label}: expected a numpy array or PIL image, got {type(img).__name__}")
    if img.dtype == np.float32 and img.ndim == 3 and img.shape[2] == 3 and img.flags.c_contiguous:
        if img.shape[0] == 0 or img.shape[1] == 0:
            raise InputError(f"{label}: image array is empty: shape {img.shape}")
        return _check_range(img, label)
    return to_image(img, label)


def check_output(out: Any, like: np.ndarray, name: str) -> np.ndarray:
    """What technique ``name`` returned for ``like``, held to the contract.

    Same shape as ``like``, float32, finite, in [0, 1]; an overshoot within
    :data:`RANGE_TOLERANCE` is clipped. Anything else raises :class:`ContractError`.
    """
    if not isinstance(out, np.ndarray) or out.dtype != np.float32 or out.shape != like.shape:
        got = (f"{out.dtype} array of shape {out.shape}" if isinstance(out, np.ndarray)
               else type(out).__name__)
        raise ContractError(
            f"style {name!r} broke the image contract: it returned a {got}, not a float32 array "
            f"of shape {like.shape}; this is a defect of that style, please report it"
        )
    try:
        out = _check_range(out, f"style {name!r} returned an image whose")
    except InputError as e:
        raise ContractError(f"{e}; this is a defect of that style, please report it") from None
    return np.ascontiguousarray(out)


def to_uint8(img: np.ndarray | Image.Image) -> np.ndarray:
    """Image -> uint8 HxWx3 (rounded). Takes what :func:`check_image` takes, under its rules."""
    x = check_image(img)  # in [0, 1]: x * 255 + 0.5 lies in [0.5, 255.5], truncation rounds it
    t = np.multiply(x, np.float32(255.0))
    t += np.float32(0.5)
    return t.astype(np.uint8)


def to_pil(img: np.ndarray | Image.Image) -> Image.Image:
    return Image.fromarray(to_uint8(img), mode="RGB")


#: PNG compression, by measurement on 1024 px and 1920x1080 artworks (benchmarks/RESULTS.md):
#: "fast" is painterly's own encoder (:mod:`painterly._png`: Paeth filter, ISA-L deflate), 3-4x
#: faster than Pillow's fastest setting at a similar size (from 13 % smaller to 17 % larger);
#: "small" also tries Pillow's adaptive filters with zlib level 9 and with Huffman coding only,
#: and keeps the smallest file (tens of times slower).
PNG_COMPRESSION = ("fast", "small")
_PNG_SMALL = ({"compress_level": 9, "compress_type": zlib.Z_DEFAULT_STRATEGY},
              {"compress_level": 1, "compress_type": zlib.Z_HUFFMAN_ONLY})


def encode_image(
    img: np.ndarray, fmt: str = "PNG", *, quality: int = 92, metadata: dict[str, Any] | None = None,
    png_compression: str = "fast",
) -> bytes:
    """Encode an image (see :func:`check_image`). Nothing of the input's metadata is carried over.

    ``metadata`` (painterly's own: style, seed, prompt, ...) goes into PNG text chunks; every
    format gets the AIGC label and painterly's provenance as XMP (:mod:`painterly.provenance`),
    built from ``metadata`` and its optional ``"provenance"`` entry, never from the input.
    ``png_compression``: "fast" (default) or "small" (the smallest file, several times slower);
    see :data:`PNG_COMPRESSION`.
    """
    if png_compression not in PNG_COMPRESSION:
        raise InputError(f"png_compression must be one of {', '.join(PNG_COMPRESSION)}, "
                         f"got {png_compression!r}")
    fmt = fmt.upper()
    if fmt == "JPG":
        fmt = "JPEG"
    if fmt not in set(OUTPUT_FORMATS.values()):
        raise InputError(f"output format must be PNG, JPEG or WEBP, got {fmt!r}")
    rgb = to_uint8(img)  # a fresh array: no info/exif from the source
    # --- provenance: AI label + painterly's record as XMP in every format, the A1111 text in
    # PNG, and a C2PA manifest when the metadata's Provenance has signing keys (painterly.provenance)
    from painterly.provenance import xmp as _xmp
    from painterly.provenance.c2pa_sign import finish_bytes

    hashed = rgb
    if fmt != "PNG":
        # Lossy: the label's pixel hash (ReservedCode1) is of the pixels a reader decodes from
        # this very file, so anyone can check it. The encoder is deterministic and the XMP sits
        # in its own segment, so the file written below holds exactly these coded pixels.
        probe = _io.BytesIO()
        Image.fromarray(rgb, mode="RGB").save(probe, format=fmt, quality=quality)
        with Image.open(probe, formats=[fmt]) as im:
            hashed = np.asarray(im.convert("RGB"))
    text, xmp, prov = _xmp.container_fields(hashed, metadata)  # hashes the pixels as read back
    # --- end provenance
    if fmt == "PNG":
        from painterly import _png

        chunks = [_png.text_chunk(k, v) for k, v in text.items()]
        chunks.append(_png.itxt_chunk(_xmp.PNG_XMP_KEY, xmp))
        data = _png.encode_rgb(rgb, chunks)  # see painterly._png: 3-4x Pillow's fastest setting
        if png_compression == "small":  # Pillow's adaptive filters at zlib 9, and Huffman-only
            info = PngImagePlugin.PngInfo()
            for k, v in text.items():
                info.add_text(k, v)
            info.add_itxt(_xmp.PNG_XMP_KEY, xmp)
            pil = Image.fromarray(rgb, mode="RGB")
            for options in _PNG_SMALL:
                small = _io.BytesIO()
                pil.save(small, format=fmt, pnginfo=info, **options)
                if small.tell() < len(data):
                    data = small.getvalue()
    else:
        buf = _io.BytesIO()  # JPEG APP1, WebP XMP chunk
        Image.fromarray(rgb, mode="RGB").save(buf, format=fmt, xmp=xmp.encode("utf-8"), quality=quality)
        data = buf.getvalue()
    return finish_bytes(data, fmt, prov)


def save_image(
    img: np.ndarray,
    path: str | os.PathLike,
    *,
    quality: int = 92,
    metadata: dict[str, Any] | None = None,
    png_compression: str = "fast",
) -> Path:
    """Write an image; the format follows the extension (.png, .jpg/.jpeg, .webp).
    ``png_compression``: "fast" (default) or "small" (see :func:`encode_image`).

    ``img``: a contract image, or any array or PIL image :func:`load_image` accepts (a uint8
    array is written as 0-255 data). A float array out of [0, 1] raises :class:`InputError`.
    The file is written to a temporary name and renamed, so a failed write never leaves half a
    file nor the temporary one; it raises :class:`InputError` naming the path.
    """
    path = Path(path)
    data = encode_image(img, output_format(path), quality=quality, metadata=metadata,
                        png_compression=png_compression)
    _write_atomic(path, data)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a fresh hidden name in the same folder, then rename over ``path``.

    The temporary name is unique (two writers of one path never share it) and created with
    O_EXCL and mode 0o666 less the umask, like any new file; it is removed when anything fails.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        with suppress(OSError):
            tmp.unlink()
        raise InputError(f"cannot write {path}: {e.strerror or e}") from e
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def read_metadata(src: str | os.PathLike | bytes) -> dict[str, str]:
    """painterly's own metadata from a PNG written by :func:`save_image`."""
    data = bytes(src) if isinstance(src, (bytes, bytearray)) else Path(src).read_bytes()
    with Image.open(_io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as im:
        return {k.split(":", 1)[1]: v for k, v in im.info.items()
                if isinstance(k, str) and k.startswith("painterly:")}
