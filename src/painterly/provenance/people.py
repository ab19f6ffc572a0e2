"""The drift guard on people: are the photo's faces still faces, at the same places, in the result?

The seed's example of drift is a pet cat that comes back as a girl; the other way round, a
style may melt a face into the background. So every result is searched for faces
(:mod:`painterly.faces`, BlazeFace) and compared with the photo's faces:

* a photo's face is **kept** when a face of the result overlaps it (box IoU >= ``iou``), found
  with at least ``kept_score`` confidence (a painted face scores lower than a photographed one);
* it is **lost** otherwise;
* a result's face that overlaps none of the photo's is **new** when the detector is sure of it
  (``new_score``) and it is at least ``new_size`` px wide: painted texture seen as a small face
  for a moment is not a person that appeared.

Photo and result are both searched at ``side`` px on the long side (the filters' own search
size, :data:`painterly.filters._people.DETECT_SIDE`; more for a panorama), so the faces a filter already found in the
photo are reused as they are (pass them as ``photo_faces``; no second search of the photo). The
result is searched only where it must be: the whole picture at the detector's two scales (a new
face big enough to matter), and the small-face tiles that hold one of the photo's faces.
The verdict goes into the provenance (``subject.faces``): found, kept, lost and new, with boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from painterly.faces.detect import FaceConfig

#: Long side at which photo and result are searched: the filters' (see module docstring).
SIDE = 768


@dataclass(frozen=True)
class PeopleConfig:
    """Thresholds of the face guard."""

    side: int = SIDE  # long side (px) at which photo and result are searched
    iou: float = 0.3  # a result's face at the same place: box IoU at least this (tests/_portraits)
    kept_score: float = 0.4  # a painted face counts at this detector confidence (a photo's: 0.5)
    new_score: float = 0.8  # a face the photo did not have must be this sure ...
    new_size: float = 24.0  # ... and this wide (px of the result) to count as new


def search_side(shape: tuple[int, ...], side: int = SIDE) -> int:
    """The long side at which a picture of ``shape`` is searched: ``side``, or more for a
    panorama (aspect over 1.5), so that its short side is not squeezed to a few pixels."""
    h, w = shape[:2]
    aspect = max(h, w) / max(1, min(h, w))
    return side if aspect <= 1.5 else round(side * float(np.sqrt(aspect / 1.5)))


def _boxes(faces: Sequence) -> np.ndarray:
    return np.array([f.box for f in faces], np.float64).reshape(-1, 4)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) IoU of two sets of boxes."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-9)


def photo_faces(photo: np.ndarray, config: PeopleConfig = PeopleConfig()) -> list:
    """The photo's faces as the guard (and the filters) see them: searched at ``config.side``,
    the mesh run only to confirm doubtful detections (no landmarks needed here)."""
    from painterly.faces import find_faces

    return find_faces(photo, config=FaceConfig(landmarks=0),
                      max_side=search_side(photo.shape, config.side))


def compare(before: Sequence, after: Sequence, *, scale: float = 1.0,
            config: PeopleConfig = PeopleConfig()) -> dict[str, Any]:
    """The verdict from the photo's faces ``before`` and the result's faces ``after``.

    ``scale``: the result's size over the photo's (a result may be another size); boxes are
    compared in the result's pixels. Returns ``{"found", "kept", "lost", "new", "changed",
    "lost_boxes", "new_boxes"}``: counts, and boxes in the result's pixels."""
    a = _boxes(before) * scale
    scores = np.array([f.score for f in after], np.float64)
    b = _boxes(after)
    iou = _iou(a, b) if len(a) and len(b) else np.zeros((len(a), len(b)))
    match = iou >= config.iou
    kept = (match & (scores[None, :] >= config.kept_score)).any(1) if len(b) else \
        np.zeros(len(a), bool)
    widths = b[:, 2] - b[:, 0]
    new = ~match.any(0) & (scores >= config.new_score) & (widths >= config.new_size) \
        if len(b) else np.zeros(0, bool)
    box = lambda r: [round(float(v), 1) for v in r]  # noqa: E731
    return {"found": len(a), "kept": int(kept.sum()), "lost": int((~kept).sum()),
            "new": int(new.sum()), "changed": bool((~kept).any() or new.any()),
            "lost_boxes": [box(r) for r in a[~kept]], "new_boxes": [box(r) for r in b[new]]}


def check_faces(photo: np.ndarray, result: np.ndarray, *, faces: Sequence | None = None,
                config: PeopleConfig = PeopleConfig()) -> dict[str, Any]:
    """Search ``result`` for ``photo``'s faces (``faces``: already found in the photo, in its
    pixels; None: found here) and say which were kept, lost, and which are new.

    Returns :func:`compare`'s dict plus ``"checked": True`` (no timing: the same picture gets
    the same record). Never raises for a picture: any size, no face or many give a verdict."""
    from painterly.faces import find_faces

    before = list(faces) if faces is not None else photo_faces(photo, config)
    h, w = result.shape[:2]
    scale = max(h, w) / max(photo.shape[:2])
    near = [tuple(v * scale for v in f.box) for f in before]
    # the result: boxes only, no mesh (a doubtful face counts as kept only where the photo
    # had one, and as new only when sure)
    after = find_faces(result, config=FaceConfig(min_score=config.kept_score, landmarks=0,
                                                 sure=0.0), max_side=search_side(result.shape, config.side),
                       near=near)
    out = compare(before, after, scale=scale, config=config)
    return {"checked": True, **out}
