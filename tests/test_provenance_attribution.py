"""Style attribution by style vectors: a transfer result is closest to the painting it used."""

from __future__ import annotations

import json

import pytest

from painterly.cli import main
from painterly.io import load_image, resize_max, save_image
from painterly.provenance.attribution import _embed, rank


@pytest.fixture(scope="module")
def paintings(testdata):
    return {p.stem: load_image(p, max_size=512) for p in sorted((testdata / "paintings").glob("*.jpg"))}


def test_transfer_result_is_attributed_to_its_painting(paintings, chelsea):
    from painterly.neural import transfer

    refs = {n: _embed(img) for n, img in paintings.items()}
    photo = resize_max(chelsea, 256)
    for name in ("great_wave",):
        ranked = rank(transfer(photo, paintings[name]), refs)
        assert ranked[0]["style"] == name, ranked[:3]
        assert ranked[0]["score"] > ranked[1]["score"]
        assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)


def test_attribute_cli_library_json(tmp_path, monkeypatch, paintings, chelsea, capsys):
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    for name in ("great_wave", "udnie", "shipwreck"):
        src = save_image(paintings[name], tmp_path / f"{name}.png")
        assert main(["library", "add", str(src), "--name", name.replace("_", "-")]) == 0
    art = tmp_path / "art.png"
    assert main(["stylize", str(save_image(resize_max(chelsea, 256), tmp_path / "c.png")), "-o", str(art),
                 "--style", "udnie", "--no-watermark"]) == 0
    capsys.readouterr()
    assert main(["attribute", str(art), "--library", "--no-builtin", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert [set(r) for r in ranked] == [{"style", "score"}] * 3
    assert ranked[0]["style"] == "library:udnie"
    assert main(["attribute", str(art), "--no-builtin"]) == 2  # nothing to compare with


def test_stylize_attribute_records_the_top_match_in_the_provenance(tmp_path, chelsea, capsys):
    photo = save_image(resize_max(chelsea, 256), tmp_path / "c.png")
    art = tmp_path / "art.png"
    assert main(["stylize", str(photo), "-o", str(art), "--style", "teal-mosaic",
                 "--no-watermark", "--attribute"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(art), "--json"]) == 0
    recorded = json.loads(capsys.readouterr().out)["provenance"]["attribution"]
    assert main(["attribute", str(art), "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    # recorded on the float result before it was written in 8 bits: the same top, the same score
    assert recorded["top"]["style"] == ranked[0]["style"] == "teal-mosaic"
    assert abs(recorded["top"]["score"] - ranked[0]["score"]) < 0.01
    assert "closest" in recorded["reference"]
    plain = tmp_path / "plain.png"
    assert main(["stylize", str(photo), "-o", str(plain), "--style", "teal-mosaic"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(plain), "--json"]) == 0
    assert "attribution" not in json.loads(capsys.readouterr().out)["provenance"]
