"""Every filter keeps the people: faces still found, features kept, each face in the medium.

Issue 19: on portraits main's filters lost faces (ink-wash found 3 of 16), cut them out as
blank masks (cartoon, ukiyo-e) or printed them as a flat red plate (pop-art). The measure is
tests/_portraits.py (landmarks in place, edges at the features, the face stylised as much as the
picture); the photos are the single-face portraits of the ``tune`` set.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from _portraits import compare, load

from painterly.faces import find_faces
from painterly.filters.cartoon import cartoon
from painterly.filters.inkwash import ink_wash
from painterly.filters.popart import INKS, popart
from painterly.filters.ukiyoe import ukiyoe
from painterly.styles import get_style

TUNE = ("astronaut", "obama_podium.jpg", "luispedro.jpg", "obama_cut.jpg")
FILTERS = ("cartoon", "ink-wash", "ukiyo-e", "pop-art", "pencil", "color-pencil", "oil", "watercolor")


@pytest.fixture(scope="module")
def portraits() -> dict[str, tuple[np.ndarray, list]]:
    out = {}
    for name in TUNE:
        img = load(name)
        assert img is not None, name
        faces = find_faces(img)
        assert len(faces) == 1 and faces[0].landmarks is not None, name  # the premise
        out[name] = (img, faces)
    return out


def _masks(face, shape) -> tuple[np.ndarray, np.ndarray]:
    """(eyes, skin) boolean masks of one face: the eye openings, and the face oval minus the
    eyes, brows and lips grown by a margin."""
    lines = face.feature_lines()
    eyes, oval, feat = (np.zeros(shape, np.uint8) for _ in range(3))
    cv2.fillPoly(oval, [np.round(lines["face_oval"][0]).astype(np.int32)], 1)
    for k in ("left_eye", "right_eye"):
        cv2.fillPoly(eyes, [np.round(lines[k][0]).astype(np.int32)], 1)
    for k in ("left_eye", "right_eye", "lips_outer"):
        cv2.fillPoly(feat, [np.round(lines[k][0]).astype(np.int32)], 1)
    for k in ("left_brow", "right_brow"):
        a, b = lines[k]
        cv2.fillPoly(feat, [np.round(np.concatenate([a, b[::-1]])).astype(np.int32)], 1)
    iod = float(np.linalg.norm(lines["left_eye"][0].mean(0) - lines["right_eye"][0].mean(0)))
    feat = cv2.dilate(feat, np.ones((3, 3), np.uint8), iterations=max(1, int(0.15 * iod)))
    eyes = cv2.dilate(eyes, np.ones((3, 3), np.uint8), iterations=max(1, int(0.06 * iod)))
    return eyes > 0, (oval > 0) & (feat == 0)


@pytest.mark.parametrize("name", FILTERS)
def test_faces_found_and_features_kept(portraits, name):
    """Every face found again in the result, and its features kept (3 of the 4 faces at least:
    the bench measures the 80 % bar over all portraits)."""
    style = get_style(name)
    rows = []
    for photo, faces in portraits.values():
        rows += compare(photo, style.apply(photo, seed=0), faces)
    assert all(r.found for r in rows), [r for r in rows if not r.found]
    assert sum(bool(r.kept) for r in rows) >= 3, rows


def test_measure_cannot_be_fooled_by_doing_nothing_or_a_blank_face(portraits):
    from painterly.faces import face_mask

    photo, faces = portraits["astronaut"]
    same = compare(photo, photo.copy(), faces)
    assert same[0].found and not same[0].kept  # not stylised: fails
    m = face_mask(photo, faces, feather=0.05)[..., None]
    mean = (photo * m).sum((0, 1)) / m.sum()
    blank = compare(photo, photo * (1 - m) + mean * m, faces)
    assert not blank[0].kept  # a flesh-coloured mask: lost or not kept


def test_cartoon_draws_the_features(portraits):
    """No blank mask: the eyes are clearly darker than the skin, and drawn (darker than the
    same cartoon without its people steps along the upper lids)."""
    from painterly.filters._people import upper_lid

    for photo, faces in portraits.values():
        out = cartoon(photo, faces=faces)
        plain = cartoon(photo, faces=())
        eyes, skin = _masks(faces[0], photo.shape[:2])
        lids = np.zeros(photo.shape[:2], np.uint8)
        for k in ("left_eye", "right_eye"):
            lid = upper_lid(faces[0].feature_lines()[k][0])
            cv2.polylines(lids, [np.round(lid).astype(np.int32)], False, 1, 2)
        lids = lids > 0
        lum, lum0 = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY), cv2.cvtColor(plain, cv2.COLOR_RGB2GRAY)
        assert lum[eyes].mean() < 0.7 * lum[skin].mean()
        assert lum[lids].mean() < 0.5 * lum[skin].mean()  # an inked lid line
        assert lum[lids].mean() < lum0[lids].mean() - 0.03  # drawn, not the photo's edge


def _iod(face) -> float:
    lines = face.feature_lines()
    return float(np.linalg.norm(lines["left_eye"][0].mean(0) - lines["right_eye"][0].mean(0)))


def test_cartoon_draws_no_outline_round_the_nose(portraits):
    """Judges' complaint (a): an oval drawn round the nose from its landmarks floats on the face.
    Along the upper half of both nose wings the cartoon is no darker than the photo (the old
    outline made it 20-27 % darker: ratio 0.73-0.80)."""
    from painterly.filters._people import resample

    for name, (photo, faces) in portraits.items():
        out = cartoon(photo, faces=faces)
        wings = faces[0].feature_lines()["nose"][2:4]
        q = np.round(np.concatenate([resample(w, 10)[1:5] for w in wings])).astype(int)
        lum0, lum = (cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[q[:, 1], q[:, 0]] for x in (photo, out))
        assert np.median(lum / np.maximum(lum0, 1e-3)) > 0.9, name


def test_cartoon_keeps_the_faces_shading(portraits):
    """Judges' complaint (b): a smoothed, cel-stepped face looks like a mask. The face's forms
    (nose, cheekbones, the folds of a smile: the skin's lightness between 3 % and 12 % of the
    eye distance) keep at least 85 % of their contrast (the old cartoon: 70-89 %)."""
    from painterly.filters._people import face_parts

    amps = []
    for photo, faces in portraits.values():
        out = cartoon(photo, faces=faces)
        iod = _iod(faces[0])
        skin = face_parts(faces, 1.0, photo.shape[:2]).skin > 0.9

        def band(img, iod=iod):
            g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
            return cv2.GaussianBlur(g, (0, 0), 0.03 * iod) - cv2.GaussianBlur(g, (0, 0), 0.12 * iod)

        a, b = band(photo)[skin], band(out)[skin]
        assert np.corrcoef(a, b)[0, 1] > 0.9
        amps.append(float(b.std() / a.std()))
    assert min(amps) > 0.85, amps


def test_pop_art_prints_skin_as_dots_not_a_red_plate(portraits):
    red = np.array(INKS["red"], np.float32)
    paper = np.array((1.0, 0.98, 0.94), np.float32)
    for name in ("obama_podium.jpg", "luispedro.jpg"):
        photo, faces = portraits[name]
        out = popart(photo, seed=0)
        _, skin = _masks(faces[0], photo.shape[:2])
        on_paper = (np.linalg.norm(out - paper, axis=2) < 0.15)[skin].mean()
        solid_red = (np.linalg.norm(out - red, axis=2) < 0.2)[skin].mean()
        assert on_paper > 0.3 and solid_red < 0.3, (name, on_paper, solid_red)


def test_pop_art_keeps_small_faces_in_a_crowd():
    """Small faces get a screen of at least 30 dots across: at 14 (82d40a8) the detector found 9
    of the 15 faces (22-73 px) of the group photo in the print; now at least 10."""
    photo = load("group_composite.jpg")
    faces = find_faces(photo)
    assert len(faces) >= 14  # the premise
    rows = compare(photo, popart(photo, seed=0, faces=faces), faces)
    assert sum(r.found for r in rows) >= 10, sum(r.found for r in rows)


def test_ukiyoe_prints_the_face_as_one_flat_block_with_a_keyblock(portraits):
    flat = []
    for photo, faces in portraits.values():
        out = ukiyoe(photo, seed=0, texture=0, registration=0, bokashi=False)
        eyes, skin = _masks(faces[0], photo.shape[:2])
        px = out[skin]
        median = np.median(px, axis=0)
        flat.append((np.linalg.norm(px - median, axis=1) < 0.06).mean())
        lum = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
        assert lum[eyes].mean() < 0.8 * lum[skin].mean()  # the eyes are carved, not blank
    # One block of skin ink, the rest fine carved lines (main's: 0.38-0.85, blotches of inks).
    assert min(flat) > 0.65 and np.mean(flat) > 0.8, flat


def test_ink_wash_paints_the_skin_in_a_light_wash(portraits):
    """A face in 水墨 is laid in with a light wash following its light and shade, not left as a
    hole of bare paper (the old ink-wash: 0-0.4 % ink on the skin of every tune portrait); a
    dark face gets more ink than a pale one."""
    from painterly.filters._people import face_parts
    from painterly.filters.inkwash import InkWashConfig

    paper = float(np.mean(InkWashConfig().paper_color))
    dens = {}
    for name, (photo, faces) in portraits.items():
        skin = face_parts(faces, 1.0, photo.shape[:2]).skin > 0.9
        out = ink_wash(photo, seed=0, faces=faces)
        dens[name] = 1.0 - float(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[skin].mean()) / paper
    assert min(dens.values()) > 0.05, dens
    assert dens["obama_podium.jpg"] > dens["astronaut"], dens


def test_pencil_shades_the_face(portraits):
    """A pencil portrait models the face in graphite; the tone model alone left light skin as
    bare paper (2.4-3.1 % darkness on the tune portraits, form correlation 0.68-0.92). Now the
    skin carries a light tone that follows the photo's light and shade."""
    from painterly.filters._people import face_parts
    from painterly.filters.pencil import pencil

    for name, (photo, faces) in portraits.items():
        skin = face_parts(faces, 1.0, photo.shape[:2]).skin > 0.9
        out = cv2.cvtColor(pencil(photo, seed=0, faces=faces), cv2.COLOR_RGB2GRAY)
        form0, form = (cv2.GaussianBlur(x, (0, 0), 4.0)[skin] for x in (cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), out))
        assert 1.0 - out[skin].mean() / 0.98 > 0.06, name
        assert np.corrcoef(form0, form)[0, 1] > 0.85, name


def test_ink_wash_keeps_faces_where_main_lost_them(portraits):
    photo, faces = portraits["obama_podium.jpg"]
    rows = compare(photo, ink_wash(photo, seed=0), faces)
    assert rows[0].found


# --- contract: faces passed in or found inside, pure, seeded -------------------------------------


@pytest.mark.parametrize("fn", [cartoon, ink_wash, ukiyoe, popart])
def test_faces_found_inside_or_passed_in_give_the_same_picture(portraits, fn):
    photo, faces = portraits["luispedro.jpg"]
    before = photo.copy()
    a = fn(photo, seed=3)
    b = fn(photo, seed=3, faces=faces)
    # Equal to float precision: the first ink-wash call of a process can differ from later ones
    # in the last bit of a few pixels (6e-8; seen inside OpenCV, not in our arithmetic).
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(photo, before)  # input untouched
    assert a.dtype == np.float32 and a.shape == photo.shape and a.min() >= 0.0 and a.max() <= 1.0
    assert np.abs(fn(photo, seed=3, faces=()) - a).mean() > 1e-3  # the people steps did something


@pytest.mark.parametrize("fn", [cartoon, ink_wash, ukiyoe])
def test_deterministic_under_a_seed_on_a_group(fn):
    photo = load("group_composite.jpg")
    faces = find_faces(photo)
    a = fn(photo, seed=1, faces=faces)
    # Same picture to float precision (see above: ink-wash's last-bit differences).
    np.testing.assert_allclose(a, fn(photo, seed=1, faces=faces), rtol=0, atol=1e-5)
    assert np.abs(fn(photo, seed=2, faces=faces) - a).max() > 0.05
