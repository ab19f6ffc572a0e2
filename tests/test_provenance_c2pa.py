"""Content Credentials: offline keys, a signed manifest on every format, tampering detected."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

pytest.importorskip("c2pa")
pytest.importorskip("cryptography")

from painterly.cli import main
from painterly.io import save_image
from painterly.provenance import InputRef, Provenance, SignConfig, inspect
from painterly.provenance.artwork import encode_artwork
from painterly.provenance.c2pa_sign import TRAINED_ALGORITHMIC_MEDIA, verify
from painterly.provenance.keys import init_keys, key_paths

FORMATS = ("PNG", "JPEG", "WEBP")
# where each format keeps its compressed pixels: flipping a byte there edits the picture
PIXEL_CHUNK = {"PNG": b"IDAT", "JPEG": b"\xff\xda", "WEBP": b"VP8 "}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    h = tmp_path_factory.mktemp("home")
    init_keys(h)
    return h


@pytest.fixture
def art():
    return np.random.default_rng(5).random((40, 56, 3), dtype=np.float32)


def _signed(art, fmt, home):
    prov = Provenance(technique="stylize", inputs=(InputRef("photo", "cd" * 32, "cat.jpg", "image/jpeg"),),
                      sign=SignConfig(home))
    return encode_artwork(art, fmt, metadata={"style": "oil", "provenance": prov})


def test_keys_are_a_two_level_chain_with_c2pa_usages(home):
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    paths = key_paths(home)
    leaf, root = x509.load_pem_x509_certificates(paths.chain.read_bytes())
    assert leaf.issuer == root.subject and leaf.subject != leaf.issuer  # not self-signed
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert stat.S_IMODE(os.stat(paths.key).st_mode) == 0o600


@pytest.mark.parametrize("fmt", FORMATS)
def test_signed_output_verifies_offline(art, fmt, home):
    data = _signed(art, fmt, home)
    anchors = key_paths(home).root_cert.read_text()
    v = verify(data, fmt, anchors=anchors)
    assert v["state"] == "Trusted" and v["codes"] == []
    assert v["actions"][0] == {"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}
    assert v["ingredients"] == [{"title": "cat.jpg", "relationship": "inputTo",
                                 "instance_id": "sha256:" + "cd" * 32}]
    untrusted = verify(data, fmt)  # no anchor: intact but not trusted
    assert untrusted["state"] == "Valid" and "signingCredential.untrusted" in untrusted["codes"]
    info = inspect(data, anchors=anchors, watermark=False)  # the XMP label survives signing
    assert info["ai_label"]["Label"] == "1" and info["provenance"]["style"] == "oil"


def _pixel_chunk(data: bytes, fmt: str) -> int:
    """Offset of the pixel data's chunk, found by walking the container's structure (a byte
    search could land inside the manifest, whose signature bytes are random)."""
    import struct

    if fmt == "PNG":
        pos = 8
        while data[pos + 4:pos + 8] != b"IDAT":
            pos += 12 + struct.unpack(">I", data[pos:pos + 4])[0]
        return pos + 4
    if fmt == "JPEG":
        pos = 2
        while data[pos:pos + 2] != b"\xff\xda":
            pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        return pos
    pos = 12  # WebP: RIFF chunks, little-endian sizes, padded to even
    while data[pos:pos + 4] != b"VP8 ":
        n = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        pos += 8 + n + (n & 1)
    return pos


@pytest.mark.parametrize("fmt", FORMATS)
def test_edited_pixels_are_invalid_with_hash_mismatch(art, fmt, home):
    data = bytearray(_signed(art, fmt, home))
    at = _pixel_chunk(bytes(data), fmt)
    assert data[at:at + len(PIXEL_CHUNK[fmt])] == PIXEL_CHUNK[fmt]
    data[at + 24] ^= 0x5A
    v = verify(bytes(data), fmt, anchors=key_paths(home).root_cert.read_text())
    assert v["state"] == "Invalid"
    assert any("hash.mismatch" in c.lower() or "datahash.mismatch" in c.lower() for c in v["codes"]), v


def test_unsigned_file_has_no_manifest(art):
    assert verify(encode_artwork(art, "PNG"), "PNG") is None


def test_cli_signs_when_keys_exist_and_no_sign_skips(tmp_path, monkeypatch, small_photo, capsys):
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    assert main(["keys", "init"]) == 0
    assert main(["keys", "init"]) == 2  # never overwritten silently
    src = save_image(small_photo, tmp_path / "in.png")
    signed, plain = tmp_path / "s.webp", tmp_path / "p.webp"
    base = ["stylize", str(src), "--style", "pencil", "--no-watermark"]
    assert main([*base, "-o", str(signed)]) == 0
    assert main([*base, "-o", str(plain), "--no-sign"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(signed), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["c2pa"]["state"] == "Trusted"
    assert info["provenance"]["inputs"][0]["role"] == "photo"
    assert inspect(plain, watermark=False)["c2pa"] is None


def test_inspect_without_c2pa_says_not_checked(art, hide_package):
    hide_package("c2pa")
    info = inspect(encode_artwork(art, "PNG"), watermark=False)
    assert info["c2pa"]["state"] is None and "trust extra" in info["c2pa"]["note"]
