"""Damaged files found in the wild: decoders' complaints become painterly's one line, never theirs.

The files are built here: an APNG whose ``acTL`` says 0 frames, a TIFF whose tag data runs past
the end of the file (read anyway), the same TIFF with its strip past the end too (refused, with
libtiff printing to file descriptor 2), a JPEG whose EXIF block points past its end.
"""

from __future__ import annotations

import io
import logging
import os
import struct
import subprocess
import sys
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import painterly
from painterly.errors import DecodeWarning, InputError
from painterly.io import load_image


def _picture(w: int = 32, h: int = 24) -> Image.Image:
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // w, y * 255 // h, (x + y) % 256], axis=2).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def apng_bad_actl(w: int = 32, h: int = 24) -> bytes:
    """A PNG with an animation-control chunk claiming 0 frames: Pillow warns, uses the still."""
    buf = io.BytesIO()
    _picture(w, h).save(buf, format="PNG")
    data = buf.getvalue()
    at = data.index(b"IDAT") - 4
    return data[:at] + _chunk(b"acTL", struct.pack(">II", 0, 0)) + data[at:]


def tiff_tags_past_end(*, strip_too: bool) -> bytes:
    """A deflate TIFF (decoded by libtiff) whose ImageDescription's count runs past the file.

    ``strip_too``: the strip's offset and byte count also run past the end, so libtiff fails
    (and prints ``TIFFFillStrip: Read error ...`` to fd 2 through its default handler).
    """
    buf = io.BytesIO()
    _picture(64, 48).save(buf, format="TIFF", compression="tiff_adobe_deflate",
                          tiffinfo={270: "x" * 600})
    data = bytearray(buf.getvalue())
    assert data[:2] == b"II"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for k in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * k
        tag, _, _, value = struct.unpack_from("<HHII", data, entry)
        if tag == 270:  # ImageDescription: 4x the file's size
            struct.pack_into("<I", data, entry + 4, 4 * len(data))
        elif strip_too and tag == 273:  # StripOffsets
            struct.pack_into("<I", data, entry + 8, value + 700)
        elif strip_too and tag == 279:  # StripByteCounts
            struct.pack_into("<I", data, entry + 8, value + 800)
    return bytes(data)


def jpeg_corrupt_exif() -> bytes:
    """A JPEG whose EXIF Make tag points past the end of its APP1 segment."""
    exif = Image.Exif()
    exif[0x010F] = "Maker" * 20  # long enough to be stored out of line, at an offset
    buf = io.BytesIO()
    _picture().save(buf, format="JPEG", exif=exif.tobytes())
    data = bytearray(buf.getvalue())
    t = data.index(b"Exif\0\0") + 6  # the TIFF header inside APP1
    end = ">" if data[t:t + 2] == b"MM" else "<"
    ifd = t + struct.unpack_from(end + "I", data, t + 4)[0]
    for k in range(struct.unpack_from(end + "H", data, ifd)[0]):
        entry = ifd + 2 + 12 * k
        if struct.unpack_from(end + "H", data, entry)[0] == 0x010F:
            struct.pack_into(end + "I", data, entry + 8, 0xFFFF)
    return bytes(data)


ACCEPTED = {"apng.png": apng_bad_actl, "tags.tif": lambda: tiff_tags_past_end(strip_too=False),
            "exif.jpg": jpeg_corrupt_exif}
REFUSED = {"strip.tif": lambda: tiff_tags_past_end(strip_too=True)}


@pytest.fixture
def damaged(tmp_path) -> Path:
    folder = tmp_path / "damaged"
    folder.mkdir()
    for name, build in {**ACCEPTED, **REFUSED}.items():
        (folder / name).write_bytes(build())
    return folder


# --- the Python API ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_file_gives_one_painterly_warning_at_the_callers_line(damaged, name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        img = load_image(damaged / name)
    assert img.shape[2] == 3 and 0.0 <= img.min() and img.max() <= 1.0
    assert [w.category for w in caught] == [DecodeWarning]  # Pillow's own: none
    w = caught[0]
    assert w.filename == __file__  # the caller's line, not Pillow's nor painterly's
    assert str(w.message).startswith(f"{damaged / name}: read, but the file looks damaged (")


def test_messages_say_what_was_damaged(damaged):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("apng.png", "tags.tif", "exif.jpg"):
            load_image(damaged / name)
    text = [str(w.message) for w in caught]
    assert "Invalid APNG" in text[0]
    assert "Tag data larger than file" in text[1] and text[1].count("Tag data") == 1  # once
    assert "EXIF metadata" in text[2]


def test_refused_file_raises_without_warning_and_native_text_only_in_the_log(damaged, capfd, caplog):
    with caplog.at_level(logging.DEBUG, logger="painterly"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(InputError, match="strip.tif: corrupt image data"):
                load_image(damaged / "strip.tif")
    assert caught == []
    assert capfd.readouterr().err == ""  # libtiff's line did not reach fd 2
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "TIFFFillStrip" in logged and "Tag data larger than file" in logged


def test_an_error_filter_on_userwarning_does_not_break_decoding(damaged):
    # Pillow's UserWarning would otherwise be raised from inside the decoder.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", DecodeWarning)
        assert load_image(damaged / "apng.png").shape == (24, 32, 3)


def test_other_threads_warnings_are_not_taken_while_decoding(damaged, monkeypatch):
    shown: list[tuple[type, str]] = []
    monkeypatch.setattr(warnings, "showwarning",
                        lambda message, category, *a, **k: shown.append((category, str(message))))
    data = apng_bad_actl(512, 384)  # a read long enough for the other thread to run meanwhile
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        done = threading.Event()

        def other():
            while not done.is_set():
                warnings.warn("from another thread", RuntimeWarning)

        t = threading.Thread(target=other)
        t.start()
        try:
            for _ in range(30):
                load_image(data)
        finally:
            done.set()
            t.join()
    mine = [m for c, m in shown if c is DecodeWarning]
    theirs = [m for c, m in shown if c is RuntimeWarning]
    assert len(mine) == 30  # one per read
    assert not [m for m in mine if "another thread" in m]  # the other thread's stay its own
    assert theirs and set(theirs) == {"from another thread"}
    assert not [m for c, m in shown if "APNG" in m and c is not DecodeWarning]  # Pillow's: none


def test_decoding_restores_filters_showwarning_and_stderr(damaged):
    before_filters, before_show = list(warnings.filters), warnings.showwarning
    before_fd = os.fstat(2)
    for name in (*ACCEPTED, *REFUSED):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DecodeWarning)
            try:
                load_image(damaged / name)
            except InputError:
                pass
    assert warnings.filters == before_filters and warnings.showwarning is before_show
    after_fd = os.fstat(2)
    assert (after_fd.st_dev, after_fd.st_ino) == (before_fd.st_dev, before_fd.st_ino)


# --- the command line: one line per file, nothing of Pillow's or libtiff's -----------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real CLI in its own process, so libtiff's writes to fd 2 would show."""
    env = dict(os.environ)
    src = str(Path(painterly.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "painterly", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_stderr_is_one_line_per_damaged_file(damaged, tmp_path):
    # --no-watermark: these pictures are too small to carry the mark, which is a note of its own
    r = _cli("stylize", "damaged", "-s", "pencil", "-o", "out", "--no-watermark", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    # a whole line for each accepted file as it is read (worker threads read them in any order),
    # then the refusals in name order; the summary is the result: stdout
    assert r.stdout.splitlines() == ["3 of 4 written to out"]
    fields = [line.split(": ")[:3] for line in lines]
    assert sorted(fields[:3]) == [
        ["painterly", "note", "damaged/apng.png"],
        ["painterly", "note", "damaged/exif.jpg"],
        ["painterly", "note", "damaged/tags.tif"],
    ], r.stderr
    assert fields[3:] == [["painterly", "error", "damaged/strip.tif"]], r.stderr
    assert lines[-1] == "painterly: error: damaged/strip.tif: corrupt image data (decoder error -2)"
    assert "PIL" not in r.stderr and "TIFFFillStrip" not in r.stderr and "Warning" not in r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{Path(n).stem}-pencil.png" for n in ACCEPTED)


def test_cli_quiet_prints_only_the_refusals(damaged, tmp_path):
    r = _cli("--quiet", "stylize", "damaged", "-s", "pencil", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "painterly: error: damaged/strip.tif: corrupt image data (decoder error -2)"]
    assert r.stdout == ""
    after = _cli("stylize", "damaged", "-s", "pencil", "-o", "out2", "--quiet", cwd=tmp_path)
    assert (after.returncode, after.stdout, after.stderr) == (r.returncode, r.stdout, r.stderr)


def test_cli_single_files(damaged, tmp_path):
    r = _cli("stylize", "damaged/apng.png", "-s", "pencil", "-o", "x.png", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stderr.splitlines() == [  # one line per note, each whole
        "painterly: note: damaged/apng.png: read, but the file looks damaged "
        "(Invalid APNG, will use default PNG image if possible)",
        "painterly: note: apng.png: no invisible watermark in this picture: image too small to "
        "carry a watermark: 32x24; needs at least 32 px a side"]
    assert r.stdout.splitlines() == ["wrote x.png"]
    r = _cli("stylize", "damaged/strip.tif", "-s", "pencil", "-o", "y.png", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "painterly: error: damaged/strip.tif: corrupt image data (decoder error -2)"]


def test_cli_debug_shows_what_the_decoders_said(damaged, tmp_path):
    r = _cli("--debug", "stylize", "damaged/tags.tif", "-s", "pencil", "-o", "x.png", cwd=tmp_path)
    assert r.returncode == 0
    assert "painterly: debug: damaged/tags.tif: the decoder said:" in r.stderr
    assert "warning: Tag data larger than file" in r.stderr
