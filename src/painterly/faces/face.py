"""The :class:`Face` record and :func:`find_faces`: detection, then landmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painterly.errors import InputError
from painterly.faces import detect as _detect
from painterly.faces import mesh
from painterly.faces.detect import FaceConfig

# detector keypoints, in order (mediapipe's FaceKeyPoint; left/right are the person's own)
KEYPOINTS = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear")


@dataclass(frozen=True, eq=False)
class Face:
    """One face found in a photo; every coordinate in the photo's pixels (x right, y down)."""

    box: tuple[float, float, float, float]  # (x0, y0, x1, y1), may reach past the border
    score: float  # detector confidence in [0, 1]
    keypoints: np.ndarray  # (6, 2) float32: KEYPOINTS
    landmarks: np.ndarray | None = None  # (468, 2) float32 face-mesh points; None: not fitted

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    def feature_lines(self) -> dict[str, list[np.ndarray]]:
        """"left_eye", "right_eye", "left_brow", "right_brow", "nose", "lips_outer",
        "lips_inner", "face_oval" -> polylines ((N, 2) float32 pixels); empty lists when the
        face has no landmarks (too small, or the mesh saw no face)."""
        if self.landmarks is None:
            return {name: [] for name in mesh.FEATURES}
        return mesh.feature_lines(self.landmarks)

    def as_dict(self) -> dict:
        """A JSON-ready summary (provenance, the service): box, score, landmarks fitted."""
        return {"box": [round(float(v), 1) for v in self.box], "score": round(self.score, 3),
                "landmarks": self.landmarks is not None}


def as_contract(image: np.ndarray) -> np.ndarray:
    """painterly's pixel contract (float32 HxWx3 in [0, 1]); grey and RGBA are accepted."""
    img = np.asarray(image)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise InputError(f"an image must be HxWx3 (float32 in [0, 1]); got shape {img.shape}")
    img = img[..., :3]
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    return np.clip(img.astype(np.float32, copy=False), 0.0, 1.0)


def find_faces(image: np.ndarray, *, config: FaceConfig = FaceConfig()) -> list[Face]:
    """The faces in ``image`` (float32 HxWx3 in [0, 1]), largest first.

    Each has its box, confidence and six detector keypoints; the ``config.landmarks`` largest
    of at least ``config.min_landmark_size`` px also get the 468 face-mesh landmarks. No face,
    a tiny image or a blank one give an empty list, never an error.
    """
    img = as_contract(image)
    h, w = img.shape[:2]
    if min(h, w) < 8:
        return []
    rows = _detect.detect(img, config)
    faces = [Face(box=tuple(float(v) for v in r[:4]), score=float(r[4]),
                  keypoints=r[5:17].reshape(6, 2).astype(np.float32)) for r in rows]
    faces.sort(key=lambda f: -f.width * f.height)
    out = []
    for i, f in enumerate(faces):
        if i < config.landmarks and f.width >= config.min_landmark_size:
            pts, presence = mesh.landmarks(img, f.box, f.keypoints)
            if pts is None and f.score < config.sure:
                continue  # a doubtful detection that the mesh network does not see as a face
            f = Face(f.box, f.score, f.keypoints, pts)
        out.append(f)
    return out
