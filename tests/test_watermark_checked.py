"""The watermark on painted outputs: read back at write time, and the attacks of issue 24."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from painterly.io import to_uint8
from painterly.watermark import detect, embed, embed_checked, make_payload

PAYLOAD = make_payload(0x0102, 0xA1B2C3D4)


@pytest.fixture(scope="module")
def painted():
    from painterly import stylize
    from painterly.io import resize_max
    from painterly.samples import sample_photo

    return stylize(resize_max(sample_photo("astronaut"), 512), "oil")


@pytest.fixture(scope="module")
def marked8(painted):
    """The marked painting as saved: 8-bit RGB."""
    return to_uint8(embed(painted, PAYLOAD))


def _f(img8: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img8, dtype=np.float32) / 255.0


def test_embed_checked_reads_back_a_painting(painted):
    done = embed_checked(painted, PAYLOAD)
    assert done.embedded and done.reason is None and done.margin >= 0.9
    assert np.array_equal(done.image, embed(painted, PAYLOAD))


def test_embed_checked_says_so_when_the_mark_does_not_read_back():
    # 64 px of noise: upsampled 8x onto the working grid, the mark cannot be told from it
    noise = np.random.default_rng(3).random((64, 64, 3)).astype(np.float32)
    done = embed_checked(noise, PAYLOAD)
    assert not done.embedded and done.margin < 0.9
    assert "does not read back" in done.reason and "64x64" in done.reason
    assert done.image is noise  # saved without a mark rather than with an unreadable one


def test_embed_checked_too_small_is_not_an_error():
    tiny = np.full((20, 30, 3), 0.5, np.float32)
    done = embed_checked(tiny, PAYLOAD)
    assert not done.embedded and "too small" in done.reason and done.image is tiny


def test_finish_records_embedded_false_with_the_reason():
    from painterly.provenance.finish import FinishConfig, finish_artwork, watermark_note

    noise = np.random.default_rng(3).random((64, 64, 3)).astype(np.float32)
    out, meta = finish_artwork(noise, config=FinishConfig(sign=False, safety=False))
    wm = meta["provenance"].extra["watermark"]
    assert wm["embedded"] is False and "does not read back" in wm["reason"]
    assert "payload" not in wm and out is noise
    assert "no invisible watermark" in watermark_note(meta)
    record = meta["provenance"].record({})
    assert record["watermark"] == {"embedded": False, "reason": wm["reason"]}


def test_finish_records_embedded_true_only_when_read_back(painted):
    from painterly.provenance.finish import FinishConfig, finish_artwork, watermark_note

    out, meta = finish_artwork(painted, config=FinishConfig(sign=False, safety=False))
    wm = meta["provenance"].extra["watermark"]
    assert wm["embedded"] is True and detect(_f(to_uint8(out))).payload.hex() == wm["payload"]
    assert watermark_note(meta) is None


def _rotate(img8: np.ndarray, deg: float) -> np.ndarray:
    h, w = img8.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    return cv2.warpAffine(img8, m, (w, h), flags=cv2.INTER_LINEAR)


@pytest.mark.parametrize("deg", [1.0, -2.0])
def test_survives_rotation(marked8, deg):
    assert detect(_f(_rotate(marked8, deg))).payload == PAYLOAD


def test_survives_crop_10_percent_per_edge(marked8):
    h, w = marked8.shape[:2]
    dy, dx = round(0.1 * h), round(0.1 * w)
    assert detect(_f(marked8[dy : h - dy, dx : w - dx])).payload == PAYLOAD


def test_survives_grayscale_and_a_third(marked8):
    g = cv2.cvtColor(marked8, cv2.COLOR_RGB2GRAY)
    assert detect(_f(np.repeat(g[..., None], 3, axis=2))).payload == PAYLOAD
    h, w = marked8.shape[:2]
    small = cv2.resize(marked8, (w // 3, h // 3), interpolation=cv2.INTER_AREA)
    assert detect(_f(small)).payload == PAYLOAD


def test_cli_notes_a_picture_saved_without_a_mark_and_inspect_reads_it(tmp_path, capsys):
    from PIL import Image

    from painterly.cli import main

    src = tmp_path / "tiny.png"
    Image.fromarray(np.full((24, 32, 3), 128, np.uint8)).save(src)
    out = tmp_path / "out.png"
    assert main(["stylize", str(src), "-o", str(out), "--style", "pencil", "--no-sign"]) == 0
    said = capsys.readouterr()
    assert "no invisible watermark in this picture" in said.out + said.err
    assert main(["inspect", str(out)]) == 0  # a picture too small for a mark is no error
    shown = capsys.readouterr().out
    assert '"embedded": false' in shown and "too small to carry a watermark" in shown
