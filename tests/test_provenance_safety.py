"""The optional safety check: flagged regions are blurred and the decision is recorded."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.provenance import safety
from painterly.provenance.finish import FinishConfig, finish_artwork


def test_flagged_region_is_blurred_not_blacked_and_recorded(monkeypatch):
    rng = np.random.default_rng(0)
    img = rng.random((120, 160, 3), dtype=np.float32)
    monkeypatch.setattr(safety, "available", lambda: True)
    monkeypatch.setattr(safety, "detect", lambda image, config=safety.SafetyConfig():
                        [{"class": "BUTTOCKS_EXPOSED", "score": 0.9, "box": [40, 30, 40, 40]}])
    out, meta = finish_artwork(img, config=FinishConfig(watermark=False, sign=False, safety=True))
    rec = meta["provenance"].extra["safety"]
    assert rec == {"checked": True, "flagged": True, "action": "blurred", "classes": ["BUTTOCKS_EXPOSED"]}
    box = out[30:70, 40:80]
    assert box.std() < 0.5 * img[30:70, 40:80].std()  # blurred: detail gone
    assert box.mean() > 0.3  # not blacked out
    np.testing.assert_array_equal(out[:, 100:], img[:, 100:])  # the rest untouched


def test_without_the_extra_it_says_not_checked(hide_package):
    hide_package("nudenet")
    img = np.zeros((32, 32, 3), np.float32)
    out, rec = safety.check_and_blur(img)
    assert rec["checked"] is False and "painterly[safety]" in rec["note"]
    assert out is img


def test_real_detector_ignores_faces():
    pytest.importorskip("nudenet")
    import skimage.data as d

    from painterly.io import to_image

    img = to_image(d.astronaut())
    raw = safety._detector().detect(__import__("cv2").imencode(".png", d.astronaut()[..., ::-1])[1].tobytes())
    assert any(r["class"].startswith("FACE") for r in raw)  # the model ran and saw the face
    assert safety.detect(img) == []  # faces are not flagged
