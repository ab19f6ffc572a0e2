"""The drift guard on people (issue 19, part 4): the photo's faces are still faces, at the same
places, in every result; a lost or a new face is recorded, warned about (CLI) and flagged
(service ``subject``); any input is painted, never an error."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from _portraits import load

from painterly.faces import Face, find_faces
from painterly.provenance.finish import FinishConfig, drift_warning, finish_artwork
from painterly.provenance.people import SIDE, check_faces, compare, photo_faces

QUIET = FinishConfig(watermark=False, sign=False, safety=False)


def _face(box, score=0.9) -> Face:
    return Face(box=tuple(float(v) for v in box), score=score, keypoints=np.zeros((6, 2), np.float32))


def _erase(photo: np.ndarray, faces) -> np.ndarray:
    """Each face's box (grown by half) filled with the surrounding pixels (OpenCV's Telea
    inpainting): the face is gone, the rest of the picture is the photo's."""
    out = (photo * 255).astype(np.uint8)
    mask = np.zeros(photo.shape[:2], np.uint8)
    for f in faces:
        x0, y0, x1, y1 = f.box
        gx, gy = (x1 - x0) * 0.5, (y1 - y0) * 0.5
        mask[max(0, int(y0 - gy)):int(y1 + gy), max(0, int(x0 - gx)):int(x1 + gx)] = 255
    out = cv2.inpaint(out, mask, 5, cv2.INPAINT_TELEA)
    return out.astype(np.float32) / 255.0


def test_compare_counts_kept_lost_and_new_faces():
    before = [_face((100, 100, 200, 200)), _face((400, 100, 440, 140))]
    # the first face moved a little (kept), the second is gone, a sure big face appeared, and
    # a doubtful or tiny detection elsewhere is not a new face
    after = [_face((110, 105, 205, 210), 0.5), _face((600, 300, 700, 400), 0.95),
             _face((10, 10, 110, 110), 0.6), _face((800, 10, 815, 25), 0.99)]
    v = compare(before, after)
    assert (v["found"], v["kept"], v["lost"], v["new"], v["changed"]) == (2, 1, 1, 1, True)
    assert v["lost_boxes"] == [[400.0, 100.0, 440.0, 140.0]]
    assert v["new_boxes"] == [[600.0, 300.0, 700.0, 400.0]]
    # the result at twice the photo's size: the photo's boxes are scaled before matching
    twice = compare(before[:1], [_face((200, 200, 400, 400))], scale=2.0)
    assert twice["kept"] == 1 and not twice["changed"]
    assert compare([], [])["changed"] is False


@pytest.mark.parametrize("name", ["astronaut", "obama_podium.jpg", "grace_hopper.jpg"])
def test_a_painted_portrait_keeps_its_face_and_an_erased_face_is_flagged(name):
    from painterly import stylize

    photo = load(name)
    faces = photo_faces(photo)
    assert len(faces) >= 1  # the premise
    kept = check_faces(photo, stylize(photo, "oil"), faces=faces)
    assert kept["checked"] and kept["lost"] == 0 and not kept["changed"], kept
    gone = _erase(photo, faces)
    _, meta = finish_artwork(gone, photo=photo, photo_faces=faces, config=QUIET)
    subject = meta["provenance"].extra["subject"]
    assert subject["faces"]["lost"] == len(faces) and subject["drifted"] is True, subject
    assert "face" in drift_warning(meta) and "lost" in drift_warning(meta)
    # the same without the faces passed in: the guard finds them itself
    _, meta = finish_artwork(gone, photo=photo, config=QUIET)
    assert meta["provenance"].extra["subject"]["faces"]["lost"] == len(faces)


def test_a_face_that_appears_on_a_cat_is_flagged(chelsea):
    """The seed's drift the other way round: a cat photo whose result shows a person."""
    astronaut = load("astronaut")
    (face,) = find_faces(astronaut)
    x0, y0, x1, y1 = (int(v) for v in face.box)
    m = (x1 - x0) // 2
    crop = astronaut[max(0, y0 - m):y1 + m, max(0, x0 - m):x1 + m]
    result = chelsea.copy()
    crop = cv2.resize(crop, (200, round(200 * crop.shape[0] / crop.shape[1])))
    result[60:60 + crop.shape[0], 150:350] = crop
    _, meta = finish_artwork(result, photo=chelsea, config=QUIET)
    faces = meta["provenance"].extra["subject"]["faces"]
    assert faces["found"] == 0 and faces["new"] == 1 and faces["changed"], faces
    assert "1 new face" in drift_warning(meta)
    # the cat painted: no face before or after, nothing flagged
    from painterly import stylize

    _, meta = finish_artwork(stylize(chelsea, "cartoon"), photo=chelsea, config=QUIET)
    assert meta["provenance"].extra["subject"]["drifted"] is False
    assert drift_warning(meta) is None


def _panorama() -> np.ndarray:
    row = load("obama_podium.jpg")
    row = cv2.resize(row, (round(row.shape[1] * 600 / row.shape[0]), 600))
    return np.ascontiguousarray(np.tile(row, (1, 16000 // row.shape[1] + 1, 1))[:, :16000])


def _crowd() -> np.ndarray:
    """30 faces of 40-60 px in a 6 x 5 grid (the tune photos' faces, pasted)."""
    tiles = []
    for name in ("astronaut", "obama_podium.jpg", "luispedro.jpg", "grace_hopper.jpg",
                 "obama_portrait.jpg", "biden.jpg"):
        img = load(name)
        f = find_faces(img)[0]
        x0, y0, x1, y1 = (int(v) for v in f.box)
        m = (x1 - x0) // 2
        crop = img[max(0, y0 - m):y1 + m // 2, max(0, x0 - m // 2):x1 + m // 2]
        tiles.append(cv2.resize(crop, (90, 100)))
    rows = [np.concatenate([tiles[(r + c) % 6] for c in range(6)], 1) for r in range(5)]
    return np.ascontiguousarray(np.concatenate(rows, 0))


@pytest.mark.parametrize("case", ["none", "crowd", "cut", "painting", "tiny", "panorama", "cat"])
def test_any_picture_is_painted_and_what_was_found_is_recorded(case, chelsea):
    photo = {"none": lambda: load("coffee"), "crowd": _crowd, "cut": lambda: load("obama_cut.jpg"),
             "painting": lambda: load("woman_with_a_hat"),
             "tiny": lambda: cv2.resize(load("obama_portrait.jpg"), (64, 64),
                                        interpolation=cv2.INTER_AREA),
             "panorama": _panorama, "cat": lambda: chelsea}[case]()
    if photo is None:
        pytest.skip("the painting is in ../shared/testdata, not here")
    from painterly import stylize

    out, meta = finish_artwork(stylize(photo, "oil"), photo=photo, config=QUIET)
    assert out.shape == photo.shape
    faces = meta["provenance"].extra["subject"]["faces"]
    assert faces["checked"] is True and faces["found"] == faces["kept"] + faces["lost"]
    expected = {"none": (0, 0), "cat": (0, 0), "cut": (1, 1), "crowd": (26, 30),
                "painting": (0, 2), "tiny": (0, 1), "panorama": (48, 52)}[case]
    # (the Matisse: its face, and a 17 px doubtful one too small for the mesh to confirm; the
    # panorama: 51 copies of a portrait, searched at 3240 px, not squeezed to 768 x 29)
    assert expected[0] <= faces["found"] <= expected[1], faces


def test_face_guard_can_be_switched_off_and_records_why():
    photo = load("astronaut")
    _, meta = finish_artwork(photo, photo=photo, config=FinishConfig(
        watermark=False, sign=False, safety=False, faces=False))
    assert meta["provenance"].extra["subject"]["faces"] == {"checked": False, "note": "not asked"}


def test_missing_face_models_are_not_checked_and_never_fail_a_painting(monkeypatch):
    import painterly.models.packaged as packaged
    from painterly.errors import ModelMissingError

    def missing(name):
        raise ModelMissingError(f"model {name!r}: missing; reinstall painterly")

    from painterly.neural import sessions

    monkeypatch.setattr(packaged, "model_path", missing)
    monkeypatch.setattr(sessions, "get_session", lambda key, load, **kw: load())
    photo = load("astronaut")
    _, meta = finish_artwork(photo, photo=photo, config=QUIET)
    faces = meta["provenance"].extra["subject"]["faces"]
    assert faces["checked"] is False and "reinstall" in faces["note"]


def test_cli_warns_when_a_face_is_lost_and_finds_the_photo_once(tmp_path, capsys, monkeypatch):
    """A filter that erases faces: the CLI warns; the photo is searched once (the filter gets
    the faces the guard then uses)."""
    import painterly.faces as faces_pkg
    from painterly.cli import main
    from painterly.io import read_metadata, save_image
    from painterly.styles import as_filter, registered

    seen = []

    def eraser(image, *, seed=0, faces=None):
        seen.append(faces)
        return _erase(image, faces)

    calls = []
    real = faces_pkg.find_faces
    monkeypatch.setattr(faces_pkg, "find_faces", lambda *a, **k: calls.append(1) or real(*a, **k))
    photo = tmp_path / "a.png"
    save_image(load("astronaut"), photo)
    with registered(as_filter("face-eraser", eraser, "erases faces (test)")):
        rc = main(["stylize", str(photo), "-o", str(tmp_path / "out.png"), "-s", "face-eraser",
                   "--no-sign", "--no-watermark"])
    assert rc in (0, None)
    assert len(seen) == 1 and len(seen[0]) == 1  # the filter got the photo's face ...
    assert len(calls) == 2  # ... searched for once in the photo, once in the result
    err = capsys.readouterr()
    assert "1 of the photo's 1 face lost" in err.out + err.err
    meta = read_metadata(tmp_path / "out.png")
    assert "_photo_faces" not in str(meta)


def test_service_flags_a_lost_face_in_subject(tmp_path):
    from painterly.io import encode_image
    from painterly.service import tasks

    photo = load("obama_podium.jpg")
    path = tmp_path / "p.png"
    path.write_bytes(encode_image(photo, "PNG"))
    info: dict = {}
    gone = _erase(photo, photo_faces(photo))
    tasks.encode_result("0" * 32, "stylize", {"style": "oil"}, info, gone, {"image": [path]})
    assert info["subject"]["drifted"] is True and info["subject"]["faces"]["lost"] >= 1
    info = {}
    tasks.encode_result("0" * 32, "stylize", {"style": "oil"}, info, photo, {"image": [path]})
    assert info["subject"]["faces"]["kept"] >= 1 and info["subject"]["faces"]["lost"] == 0


def test_search_side_is_the_filters():
    from painterly.filters._people import DETECT_SIDE

    assert SIDE == DETECT_SIDE
