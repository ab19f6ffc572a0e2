"""The drift guard's verdict (``judge``) at points well inside its calibrated regions: what is
drift, what is not, and that a warning always has a new subject to name."""

from __future__ import annotations

import numpy as np

from painterly.provenance.drift import GROUPS, DriftConfig, judge


def _p(**groups) -> np.ndarray:
    p = np.zeros(len(GROUPS))
    for g, v in groups.items():
        p[GROUPS.index(g)] = v
    return p


CAT_PHOTO = _p(cat=0.9, dog=0.1)


def test_a_subject_that_keeps_a_fair_share_is_not_drift():
    # of the subjects the result could show, 30 % is still the cat: a stylised cat, not a person
    verdict = judge(CAT_PHOTO, _p(cat=0.3, person=0.7))
    assert verdict["kept"] == 0.3 and verdict["drifted"] is False


def test_a_subject_that_is_nearly_gone_for_a_clear_new_one_is_drift():
    verdict = judge(CAT_PHOTO, _p(cat=0.03, person=0.97))
    assert verdict["drifted"] is True and verdict["output"] == "person"


def test_no_warning_without_a_new_subject_to_name():
    # the cat is nearly gone, but no other subject is clearly there (an abstract painting):
    # a warning would have nothing to say it became
    verdict = judge(CAT_PHOTO, _p(object=0.979, cat=0.001, person=0.01, dog=0.01))
    assert verdict["kept"] < DriftConfig().keep and verdict["drifted"] is False

