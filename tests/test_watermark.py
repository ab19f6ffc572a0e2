"""Invisible watermark: round trip, the issue's three attacks, PSNR, no false detection."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from painterly.errors import InputError
from painterly.io import to_uint8
from painterly.watermark import Detection, WatermarkConfig, detect, embed, make_payload

PAYLOAD = make_payload(0xBEEF, 3_141_592_653)


@pytest.fixture(scope="module")
def painted():
    """A painterly output (oil filter) at a moderate size: the images the mark is made for."""
    from painterly.io import resize_max
    from painterly.samples import sample_photo
    from painterly import stylize

    return stylize(resize_max(sample_photo("astronaut"), 512), "oil")


@pytest.fixture(scope="module")
def marked(painted):
    return embed(painted, PAYLOAD)


def _u8(img: np.ndarray) -> np.ndarray:
    return to_uint8(img).astype(np.float32) / 255.0


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf), np.float32) / 255.0


def test_make_payload_packs_48_bits():
    assert make_payload(1, 2) == b"\x00\x01\x00\x00\x00\x02"
    assert len(PAYLOAD) == 6
    with pytest.raises(InputError):
        make_payload(1 << 16, 0)
    with pytest.raises(InputError):
        make_payload(0, -1)


def test_round_trip_on_a_painterly_output(painted, marked):
    assert marked.dtype == np.float32 and marked.shape == painted.shape
    assert marked.flags.c_contiguous and marked.min() >= 0.0 and marked.max() <= 1.0
    found = detect(_u8(marked))
    assert found == Detection(True, PAYLOAD, found.confidence)
    assert found.confidence > 0.9


def test_psnr_at_least_40_db(painted, marked):
    mse = np.mean((_u8(marked) - _u8(painted)) ** 2)
    assert 10 * np.log10(1.0 / mse) >= 40.0


def test_survives_jpeg_70(marked):
    assert detect(_jpeg(marked, 70)).payload == PAYLOAD


def test_survives_resize_to_half(marked):
    h, w = marked.shape[:2]
    small = cv2.resize(_u8(marked), (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    assert detect(small).payload == PAYLOAD


def test_survives_crop_5_percent_per_edge(marked):
    h, w = marked.shape[:2]
    dy, dx = round(0.05 * h), round(0.05 * w)
    assert detect(np.ascontiguousarray(_u8(marked)[dy : h - dy, dx : w - dx])).payload == PAYLOAD


def test_unmarked_image_not_detected(painted, small_photo):
    for img in (painted, small_photo):
        found = detect(img)
        assert not found.detected and found.payload is None


def test_other_key_does_not_detect(marked):
    private = WatermarkConfig(key="my private key")
    assert not detect(marked, config=private).detected
    assert detect(embed(marked, PAYLOAD, config=private), config=private).payload == PAYLOAD


@pytest.mark.parametrize("bad", [b"", b"12345", b"1234567", "abcdef"])
def test_wrong_payload_length_raises(painted, bad):
    with pytest.raises(InputError, match="6 bytes"):
        embed(painted, bad)


def test_wrong_image_raises():
    with pytest.raises(InputError, match="float32 HxWx3"):
        detect(np.zeros((64, 64, 3), np.uint8))


def test_soft_viterbi_corrects_noisy_symbols():
    from painterly.watermark import code

    symbols = code.encode(PAYLOAD, "k")
    assert symbols.shape == (code.CODED_BITS,) and set(np.unique(symbols)) == {-1.0, 1.0}
    rng = np.random.default_rng(0)
    noisy = symbols + rng.normal(0.0, 0.5, symbols.shape)
    assert np.sum(np.sign(noisy) != symbols) > 0  # some hard decisions are wrong...
    assert code.decode(noisy, "k")[:2] == (True, PAYLOAD)  # ...and the code corrects them
    assert not code.decode(noisy, "another key")[0]  # the tag is keyed


def test_tag_rejects_random_soft_values():
    from painterly.watermark import code

    rng = np.random.default_rng(1)
    assert not any(code.decode(rng.normal(size=code.CODED_BITS), "k")[0] for _ in range(200))
