"""Do the people stay people? The measure of a filter's result on a portrait (tests, benchmarks).

For every face that ``painterly.faces`` finds in the photo:

* **found**: the detector finds a face in the result whose box overlaps it (IoU >= 0.3);
* **features kept** (faces with landmarks on both sides), all three of:
  - *in place*: the median distance between the photo's and the result's landmarks of the
    eyes, brows, nose and lips is at most ``LANDMARK_TOL`` of the eye distance (the mesh
    still sees the features where they are, not somewhere else);
  - *drawn*: the result still has structure at the features: the correlation between the
    photo's and the result's edge maps (gradient magnitude) over the eye, brow and lip areas
    is at least ``STRUCTURE_MIN``. A blank flesh mask or a melted blotch has no edges there
    (correlation near 0) even when the mesh, which guesses a face's shape from its outline,
    still puts landmarks on it;
  - *stylised*: the result differs from the photo inside the face (mean CIELAB distance) at
    least ``STYLE_MIN`` times as much as it does over the whole picture, so pasting the photo's
    face back in (doing nothing there) fails.

The thresholds were set on the tune photos with main's filters and an unchanged photo
(which passes *in place* and *drawn* and fails *stylised*) and a blanked face (fails *drawn*).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PORTRAITS = ROOT / "tests" / "data" / "portraits"
SHARED = ROOT.parent / "shared"

LANDMARK_TOL = 0.1  # eye distances
STRUCTURE_MIN = 0.2  # correlation of edge maps over the features (a blanked face: ~0)
STYLE_MIN = 0.3  # face difference / whole-picture difference
IOU_MIN = 0.3

# Mesh indices of the eyes, brows, nose and lips (painterly.faces.FEATURES without the oval).
def _feature_index() -> np.ndarray:
    from painterly.faces import FEATURES

    idx = {i for name, chains in FEATURES.items() if name != "face_oval" for c in chains for i in c}
    return np.array(sorted(idx))


def load(name: str) -> np.ndarray | None:
    """A portrait of ``faces.json`` by name as float32 RGB in [0, 1]; None when not here."""
    meta = json.loads((PORTRAITS / "faces.json").read_text())[name]
    src = meta["source"]
    if src.startswith("skimage:"):
        import skimage.data

        rgb = getattr(skimage.data, src.split(":", 1)[1])()
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[..., None], 3, 2)
        return np.ascontiguousarray(rgb[..., :3], np.float32) / 255.0
    path = SHARED / src.split(":", 1)[1] if src.startswith("shared:") else PORTRAITS / name
    if not path.is_file():
        return None
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def portraits(which: str = "tune", *, with_faces: bool = True) -> list[str]:
    """Names in ``faces.json`` of the ``which`` set ("tune", "judge" or "all")."""
    meta = json.loads((PORTRAITS / "faces.json").read_text())
    return [k for k, v in meta.items() if not k.startswith("_")
            and (which == "all" or v["set"] == which) and (not with_faces or v["faces"] > 0)]


def _iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _grad(img: np.ndarray) -> np.ndarray:
    g = cv2.GaussianBlur(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), (0, 0), 1.0)
    return cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def _feature_area(face, shape) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    lines = face.feature_lines()
    iod = _iod(face)
    width = max(2, round(0.12 * iod))
    for name in ("left_eye", "right_eye", "left_brow", "right_brow", "lips_outer", "nose"):
        for p in lines.get(name, []):
            cv2.polylines(m, [np.round(p).astype(np.int32)], False, 1, width)
    return m > 0


def _iod(face) -> float:
    lines = face.feature_lines()
    return float(np.linalg.norm(np.concatenate(lines["left_eye"]).mean(0)
                                - np.concatenate(lines["right_eye"]).mean(0)))


@dataclass
class FaceResult:
    found: bool
    landmarks: bool | None = None  # both sides had landmarks: whether the features stay in place
    error: float | None = None  # landmark error, eye distances
    structure: float | None = None  # edge-map correlation over the features
    style: float | None = None  # face difference / whole-picture difference

    @property
    def kept(self) -> bool | None:
        """Features kept (None: no landmarks to judge by)."""
        if self.error is None:
            return None
        return self.error <= LANDMARK_TOL and self.structure >= STRUCTURE_MIN and self.style >= STYLE_MIN


def compare(photo: np.ndarray, result: np.ndarray, ref_faces=None) -> list[FaceResult]:
    """One :class:`FaceResult` per face of ``photo`` (found by ``painterly.faces``)."""
    from painterly.faces import find_faces

    ref = find_faces(photo) if ref_faces is None else ref_faces
    out = find_faces(result)
    idx = _feature_index()
    lab_p = cv2.cvtColor(photo, cv2.COLOR_RGB2Lab)
    lab_r = cv2.cvtColor(np.clip(result, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)
    diff = np.linalg.norm(lab_p - lab_r, axis=2)
    whole = float(diff.mean()) + 1e-6
    gp, gr = _grad(photo), _grad(np.clip(result, 0, 1).astype(np.float32))
    rows, used = [], set()
    for f in ref:
        best, j = 0.0, None
        for k, g in enumerate(out):
            v = _iou(f.box, g.box)
            if k not in used and v > best:
                best, j = v, k
        if j is None or best < IOU_MIN:
            rows.append(FaceResult(False))
            continue
        used.add(j)
        g = out[j]
        if f.landmarks is None or g.landmarks is None:
            rows.append(FaceResult(True))
            continue
        iod = max(_iod(f), 1.0)
        err = float(np.median(np.linalg.norm(f.landmarks[idx] - g.landmarks[idx], axis=1)) / iod)
        area = _feature_area(f, photo.shape[:2])
        a, b = gp[area].ravel(), gr[area].ravel()
        corr = float(np.corrcoef(a, b)[0, 1]) if a.size > 4 and a.std() > 0 and b.std() > 0 else 0.0
        x0, y0, x1, y1 = (int(round(v)) for v in f.box)
        h, w = photo.shape[:2]
        box = diff[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
        style = float(box.mean()) / whole if box.size else 0.0
        rows.append(FaceResult(True, True, err, corr, style))
    return rows
