"""The no-download quality score: components in range, and the orderings it exists for."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from painterly.curation.quality import (
    COMPONENTS,
    QualityConfig,
    colour_noise_sigma,
    colourfulness_metric,
    flat_fraction,
    noise_sigma,
    quality_score,
)
from painterly.errors import InputError
from painterly.samples import sample_photo

PHOTOS = ("chelsea", "astronaut", "coffee", "rocket")


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {name: sample_photo(name) for name in PHOTOS}


def _total(img: np.ndarray) -> float:
    return quality_score(img).total


def test_components_in_unit_range(photos):
    rng = np.random.default_rng(0)
    cases = list(photos.values()) + [
        np.zeros((40, 50, 3), np.float32),
        np.ones((40, 50, 3), np.float32),
        rng.random((64, 64, 3), dtype=np.float32),
        np.full((5, 3, 3), 0.5, np.float32),  # smaller than a block
    ]
    for img in cases:
        q = quality_score(img)
        for name, value in q.as_dict().items():
            assert 0.0 <= value <= 1.0, (name, value)
            assert np.isfinite(value)
        assert set(q.as_dict()) == {"total", *COMPONENTS}


def test_deterministic_and_input_untouched(photos):
    img = photos["coffee"]
    before = img.copy()
    assert quality_score(img) == quality_score(img)
    np.testing.assert_array_equal(img, before)


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("sigma", [1.0, 3.0])
def test_blurred_scores_lower_than_sharp(photos, name, sigma):
    img = photos[name]
    blurred = cv2.GaussianBlur(img, (0, 0), sigma)
    q, qb = quality_score(img), quality_score(blurred)
    assert qb.sharpness < q.sharpness
    assert qb.total < q.total


def test_more_blur_scores_lower(photos):
    img = photos["chelsea"]
    totals = [_total(cv2.GaussianBlur(img, (0, 0), s)) for s in (0.7, 1.5, 3.0)]
    assert totals[0] > totals[1] > totals[2]


@pytest.mark.parametrize(
    "fill", [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.5, 0.5, 0.5), (0.8, 0.1, 0.1)], ids=str
)
def test_solid_images_score_low(photos, fill):
    solid = np.empty((256, 320, 3), np.float32)
    solid[:] = fill
    q = quality_score(solid)
    assert q.total < 0.05
    assert q.integrity == 0.0
    assert q.total < 0.1 * min(_total(p) for p in photos.values())


def test_black_and_white_fail_exposure():
    assert quality_score(np.zeros((64, 64, 3), np.float32)).exposure == 0.0
    assert quality_score(np.ones((64, 64, 3), np.float32)).exposure == 0.0


@pytest.mark.parametrize("kind", ["uniform", "gaussian"])
def test_noise_not_rewarded_above_a_photo(photos, kind):
    rng = np.random.default_rng(1)
    shape = (384, 512, 3)
    if kind == "uniform":
        noise = rng.random(shape, dtype=np.float32)
    else:
        noise = np.clip(0.5 + 0.15 * rng.standard_normal(shape), 0, 1).astype(np.float32)
    qn = quality_score(noise)
    # Noise has all the Laplacian energy one could want: cleanliness must see through it.
    assert qn.sharpness > 0.9
    assert qn.cleanliness < 0.25
    assert qn.total < min(_total(p) for p in photos.values())


def test_added_noise_lowers_cleanliness(photos):
    img = photos["chelsea"]
    rng = np.random.default_rng(2)
    noisy = np.clip(img + 0.05 * rng.standard_normal(img.shape), 0, 1).astype(np.float32)
    assert quality_score(noisy).cleanliness < quality_score(img).cleanliness - 0.3
    assert _total(noisy) < _total(img)


def test_noise_sigma_estimates_known_noise():
    # Immerkaer's estimator on a flat image plus Gaussian noise recovers sigma (to ~10 %).
    rng = np.random.default_rng(3)
    for sigma in (0.01, 0.03):
        grey = (0.5 + sigma * rng.standard_normal((256, 256))).astype(np.float32)
        assert noise_sigma(grey) == pytest.approx(sigma, rel=0.1)


@pytest.mark.parametrize("name", PHOTOS)
def test_pasted_flat_rectangle_scores_lower(photos, name):
    img = photos[name]
    h, w = img.shape[:2]
    pasted = img.copy()
    pasted[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = 0.5
    q, qp = quality_score(img), quality_score(pasted)
    assert qp.integrity < q.integrity
    assert qp.total < q.total
    # A quarter of the frame is flat: flat_fraction sees about that much.
    assert flat_fraction(pasted) == pytest.approx(0.25 + flat_fraction(img), abs=0.06)


def test_small_flat_patch_is_tolerated(photos):
    img = photos["coffee"].copy()
    img[10:20, 10:20] = 0.5  # a highlight-sized patch, far under flat_min_area
    assert quality_score(img).integrity == quality_score(photos["coffee"]).integrity


def test_nan_region_counts_as_broken(photos):
    img = photos["chelsea"].copy()
    h, w = img.shape[:2]
    img[: h // 3, : w // 3] = np.nan
    q = quality_score(img)
    assert q.integrity < 0.85
    assert np.isfinite(q.total) and q.total < _total(photos["chelsea"])


def test_smooth_gradient_is_not_flat():
    # A sky-like gradient changes in every block: it is smooth, not broken.
    ramp = np.linspace(0.2, 0.9, 512, dtype=np.float32)
    img = np.repeat(np.repeat(ramp[None, :, None], 384, 0), 3, 2)
    assert flat_fraction(img) == 0.0


def test_colourfulness_metric_orders_saturation(photos):
    img = photos["coffee"]
    grey = np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)
    half = 0.5 * img + 0.5 * grey
    m_full, m_half, m_grey = (colourfulness_metric(x) for x in (img, half, grey))
    assert m_grey == pytest.approx(0.0, abs=1e-6)
    assert m_full > m_half > m_grey
    q_grey = quality_score(grey)
    assert q_grey.colourfulness == pytest.approx(QualityConfig().colour_floor, abs=1e-6)
    assert q_grey.total > 0.5  # black and white is a style, not a failure


def test_scale_invariance(photos):
    img = photos["astronaut"]  # 512 px
    big = cv2.resize(img, (1024, 1024), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    assert quality_score(big).total == pytest.approx(quality_score(img).total, abs=0.08)


def test_accepts_uint8_and_rejects_bad_input(photos):
    img = photos["rocket"]
    u8 = (img * 255 + 0.5).astype(np.uint8)
    assert quality_score(u8).total == pytest.approx(quality_score(img).total, abs=0.01)
    with pytest.raises(InputError):
        quality_score(np.zeros((4, 4, 7), np.float32))
    with pytest.raises(InputError):
        quality_score("photo.jpg")  # type: ignore[arg-type]


def test_weights_are_used(photos):
    img = photos["chelsea"]
    weights = {k: (1.0 if k == "colourfulness" else 0.0) for k in COMPONENTS}
    only_colour = QualityConfig(weights=weights)
    q = quality_score(img, config=only_colour)
    assert q.total == pytest.approx(q.colourfulness, rel=1e-6)


def test_colour_noise_estimate_and_monochrome_grain():
    rng = np.random.default_rng(4)
    flat = np.full((256, 256, 3), 0.5, np.float32)
    for sigma in (0.01, 0.03):
        noisy = (flat + sigma * rng.standard_normal(flat.shape)).astype(np.float32)
        assert colour_noise_sigma(noisy) == pytest.approx(sigma, rel=0.1)
    # The same noise in all three channels (film grain) is luminance only: not colour noise.
    grain = (flat + 0.03 * rng.standard_normal(flat.shape[:2])[..., None]).astype(np.float32)
    assert colour_noise_sigma(grain) < 0.002


def test_flat_patch_does_not_hide_noise(photos):
    # Solid blocks carry no noise information: pasting one must not make a noisy picture "clean".
    rng = np.random.default_rng(5)
    img = photos["chelsea"]
    noisy = np.clip(img + 0.05 * rng.standard_normal(img.shape), 0, 1).astype(np.float32)
    h, w = noisy.shape[:2]
    patched = noisy.copy()
    patched[: h // 2, : w // 2] = 0.5
    assert quality_score(patched).cleanliness == pytest.approx(
        quality_score(noisy).cleanliness, abs=0.1)
    assert quality_score(patched).total < quality_score(noisy).total


def _jpeg(img: np.ndarray, q: int) -> np.ndarray:
    from painterly.io import encode_image, load_image

    return load_image(encode_image(img, "JPEG", quality=q))


DEGRADATIONS = {
    "blur": lambda im: cv2.GaussianBlur(im, (0, 0), 2),
    "noise": lambda im: np.clip(
        im + 0.05 * np.random.default_rng(6).standard_normal(im.shape), 0, 1).astype(np.float32),
    "dark": lambda im: im * np.float32(0.25),
    "low-contrast": lambda im: np.float32(0.5) + np.float32(0.3) * (im - np.float32(0.5)),
    "jpeg-q5": lambda im: _jpeg(im, 5),
}


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("kind", list(DEGRADATIONS))
def test_degraded_photo_scores_lower(photos, name, kind):
    img = photos[name]
    assert _total(DEGRADATIONS[kind](img)) < _total(img)
