"""The implicit AI label and provenance in every format painterly writes, read back."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from painterly.cli import main
from painterly.io import load_image, save_image
from painterly.provenance import InputRef, Provenance, inspect
from painterly.provenance.artwork import encode_artwork, save_artwork
from painterly.provenance.record import pixel_sha256
from painterly.provenance.xmp import PAINTERLY_NS, TC260_NS, parse_xmp, read_xmp

FORMATS = ("PNG", "JPEG", "WEBP")


@pytest.fixture
def art() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.random((48, 64, 3), dtype=np.float32)


@pytest.mark.parametrize("fmt", FORMATS)
def test_label_and_provenance_round_trip(art, fmt):
    prov = Provenance(technique="stylize", inputs=(InputRef("photo", "ab" * 32, "cat.jpg"),))
    data = encode_artwork(art, fmt, metadata={"style": "oil", "seed": 7, "strength": 0.5,
                                            "provenance": prov})
    info = inspect(data, watermark=False)
    assert info["format"] == fmt
    label = info["ai_label"]
    assert list(label) == ["Label", "ContentProducer", "ProduceID", "ReservedCode1",
                           "ContentPropagator", "PropagateID", "ReservedCode2"]
    assert label["Label"] == "1" and label["ContentProducer"] == "painterly"
    # the hash of the pixels the file itself decodes to (after lossy coding for JPEG / WebP)
    with Image.open(io.BytesIO(data)) as im:
        decoded = np.asarray(im.convert("RGB"))
    assert label["ReservedCode1"] == "sha256:" + pixel_sha256(decoded)
    assert (label["ReservedCode1"] == "sha256:" + pixel_sha256(art)) == (fmt == "PNG")
    rec = info["provenance"]
    assert rec["technique"] == "stylize" and rec["style"] == "oil" and rec["seed"] == 7
    assert rec["params"]["strength"] == 0.5
    assert rec["inputs"] == [{"role": "photo", "sha256": "ab" * 32}]
    assert rec["generator"].startswith("painterly ")
    assert info["c2pa"] is None or info["c2pa"].get("state") is None  # unsigned


def test_png_has_a1111_parameters(art):
    data = encode_artwork(art, "PNG", metadata={"prompt": "a cat, oil", "negative": "blur",
                                              "seed": 3, "steps": 1})
    with Image.open(io.BytesIO(data)) as im:
        text = im.info["parameters"]
    lines = text.split("\n")
    assert lines[0] == "a cat, oil"
    assert lines[1] == "Negative prompt: blur"
    assert "Seed: 3" in lines[2] and "Steps: 1" in lines[2] and "Version: painterly" in lines[2]
    assert inspect(data, watermark=False)["parameters"] == text


def test_reader_accepts_attribute_form():
    label = {"Label": "1", "ContentProducer": "x", "ProduceID": "42"}
    attr = json.dumps(label).replace('"', "&quot;")
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" xmlns:painterly="{PAINTERLY_NS}" '
           f'TC260:AIGC="{attr}" painterly:Provenance="{{&quot;seed&quot;: 1}}"/>'
           "</rdf:RDF></x:xmpmeta>")
    out = parse_xmp(xmp)
    assert out["ai_label"] == label
    assert out["provenance"] == {"seed": 1}


def test_reader_refuses_doctype_and_survives_garbage():
    evil = ('<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>')
    assert parse_xmp(evil) == {"ai_label": None, "provenance": None}
    assert parse_xmp("<x:xmpmeta>not xml") == {"ai_label": None, "provenance": None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_external_xmp_in_jpeg_webp_png_is_read(art, fmt):
    """A file labelled by another tool (attribute form, Pillow's own XMP writing) is read."""
    xmp = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
           f'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:TC260="{TC260_NS}" '
           'TC260:AIGC="{&quot;Label&quot;:&quot;1&quot;,&quot;ContentProducer&quot;:&quot;other&quot;}"/>'
           "</rdf:RDF></x:xmpmeta>")
    buf = io.BytesIO()
    pil = Image.fromarray((art * 255).astype(np.uint8))
    if fmt == "PNG":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp)
        pil.save(buf, format=fmt, pnginfo=info)
    else:
        pil.save(buf, format=fmt, xmp=xmp.encode())
    assert parse_xmp(read_xmp(buf.getvalue()))["ai_label"]["ContentProducer"] == "other"


def test_no_input_metadata_is_carried(tmp_path):
    src = Image.new("RGB", (40, 30), (200, 100, 50))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    buf = io.BytesIO()
    src.save(buf, format="JPEG", exif=exif.tobytes(),
             xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>')
    img = load_image(buf.getvalue())
    for ext in ("png", "jpg", "webp"):
        data = save_artwork(img, tmp_path / f"o.{ext}", metadata={"style": "oil"}).read_bytes()
        assert b"SecretCamera" not in data and b"SecretXmp" not in data
        assert parse_xmp(read_xmp(data))["ai_label"]["Label"] == "1"


def test_inspect_cli_json(tmp_path, art, capsys):
    out = save_artwork(art, tmp_path / "a.webp", metadata={"style": "ink", "seed": 2})
    assert main(["inspect", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["ai_label"]["Label"] == "1"
    assert info["provenance"]["style"] == "ink"
    assert set(info) >= {"ai_label", "provenance", "watermark", "c2pa"}
    assert main(["inspect", str(out)]) == 0
    assert "AI-generated" in capsys.readouterr().out


def test_inspect_cli_bad_file(tmp_path, capsys):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not an image")
    assert main(["inspect", str(bad)]) == 2
    assert "painterly: error:" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path / "missing.png")]) == 2


def test_cli_output_carries_watermark_by_default(tmp_path, chelsea, capsys, monkeypatch):
    from painterly.io import resize_max

    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))  # no keys: unsigned
    src = save_image(resize_max(chelsea, 320), tmp_path / "in.png")
    marked, plain = tmp_path / "m.png", tmp_path / "p.png"
    assert main(["stylize", str(src), "-o", str(marked), "--style", "pencil"]) == 0
    assert main(["stylize", str(src), "-o", str(plain), "--style", "pencil", "--no-watermark"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(marked), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    wm = info["watermark"]
    assert wm["detected"] is True
    assert wm["payload"] == info["provenance"]["watermark"]["payload"]
    assert len(bytes.fromhex(wm["payload"])) == 6
    assert inspect(plain)["watermark"]["detected"] is False
    assert "watermark" not in inspect(plain)["provenance"]


def test_files_that_are_not_ai_made_can_go_without_the_label(art):
    data = encode_artwork(art, "JPEG", metadata={"provenance": Provenance(aigc=None, technique="sample")})
    info = inspect(data, watermark=False)
    assert info["ai_label"] is None and info["provenance"]["technique"] == "sample"


def test_too_small_for_the_watermark_is_saved_without_it():
    from painterly.provenance.finish import FinishConfig, finish_artwork

    tiny = np.full((24, 32, 3), 0.25, np.float32)
    out, meta = finish_artwork(tiny, config=FinishConfig(sign=False, drift=False, safety=False))
    wm = meta["provenance"].extra["watermark"]
    assert wm["embedded"] is False and "too small" in wm["reason"]
    np.testing.assert_array_equal(out, tiny)


def test_curate_contact_sheet_gets_the_trust_steps(tmp_path, chelsea, monkeypatch):
    from painterly.io import resize_max

    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    src = tmp_path / "in"
    for i in range(2):
        save_image(resize_max(chelsea, 200 + 40 * i), src / f"p{i}.png")
    assert main(["curate", str(src), "--no-clip", "--keep", "1", "-o", str(tmp_path / "a"),
                 "--visible-label"]) == 0
    assert main(["curate", str(src), "--no-clip", "--keep", "1", "-o", str(tmp_path / "b"),
                 "--no-watermark"]) == 0
    marked = inspect(tmp_path / "a" / "contact-sheet.png", watermark=False)["provenance"]
    plain = inspect(tmp_path / "b" / "contact-sheet.png", watermark=False)["provenance"]
    assert marked["technique"] == "curate" and "visible_label" in marked
    assert "watermark" in marked and "watermark" not in plain


def test_the_public_save_image_still_writes_the_label(tmp_path, art):
    """``painterly.save_image`` is provenance's save_artwork (the label and record), while
    ``painterly.io.save_image`` is the plain writer that takes ready blocks."""
    import painterly

    labelled = painterly.save_image(art, tmp_path / "a.png", metadata={"style": "oil"})
    assert parse_xmp(read_xmp(labelled.read_bytes()))["ai_label"]["Label"] == "1"
    plain = save_image(art, tmp_path / "b.png").read_bytes()
    assert read_xmp(plain) is None
