"""The :class:`Face` record and :func:`find_faces`: detection, then landmarks."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import cv2
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

    def scaled(self, k: float) -> Face:
        """This face in the pixels of the picture resized ``k`` times."""
        k32 = np.float32(k)
        return replace(self, box=tuple(float(v) * k for v in self.box),
                       keypoints=np.asarray(self.keypoints, np.float32) * k32,
                       landmarks=None if self.landmarks is None else self.landmarks * k32)

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


def find_faces(image: np.ndarray, *, config: FaceConfig = FaceConfig(),
               max_side: int | None = None,
               near: Sequence[Sequence[float]] | None = None) -> list[Face]:
    """The faces in ``image`` (float32 HxWx3 in [0, 1]), largest first.

    Each has its box, confidence and six detector keypoints; the ``config.landmarks`` largest
    of at least ``config.min_landmark_size`` px also get the 468 face-mesh landmarks (and a
    doubtful detection that big is kept only when the mesh sees a face). No face, a tiny image
    or a blank one give an empty list, never an error.

    ``max_side``: search a bigger picture at this long side (faster; the smallest face found
    grows with the ratio); the faces still come back in ``image``'s pixels. ``near``: boxes of
    faces known to be there, in ``image``'s pixels: the small-face tiles run only around them
    (see :func:`painterly.faces.detect.detect`).
    """
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        as_contract(img)  # raises the contract's InputError
    h, w = img.shape[:2]
    if min(h, w) < 8:
        return []
    k = 1.0
    if max_side is not None and max(h, w) > max_side:
        k = max_side / max(h, w)  # resized first: the contract's clip then runs on fewer pixels
        src = img if img.dtype in (np.uint8, np.float32) else img.astype(np.float32)
        img = cv2.resize(src, (max(1, round(w * k)), max(1, round(h * k))),  # area: no
                         interpolation=cv2.INTER_AREA if k < 0.5 else cv2.INTER_LINEAR)  # aliasing
        if min(img.shape[:2]) < 8:
            return []
    img = as_contract(img)
    if near is not None:
        near = [tuple(float(v) * k for v in b) for b in near]
    rows = _detect.detect(img, config, near)
    faces = [Face(box=tuple(float(v) for v in r[:4]), score=float(r[4]),
                  keypoints=r[5:17].reshape(6, 2).astype(np.float32)) for r in rows]
    faces.sort(key=lambda f: -f.width * f.height)
    todo = [i for i, f in enumerate(faces) if f.width >= config.min_landmark_size
            and (i < config.landmarks or f.score < config.sure)]

    def fit(i: int):
        return mesh.landmarks(img, faces[i].box, faces[i].keypoints)[0]

    if config.threads > 1 and len(todo) > 1:
        with ThreadPoolExecutor(min(config.threads, len(todo)), "painterly-faces") as pool:
            fitted = dict(zip(todo, pool.map(fit, todo)))
    else:
        fitted = {i: fit(i) for i in todo}
    out = []
    for i, f in enumerate(faces):
        if i in fitted:
            if fitted[i] is None and f.score < config.sure:
                continue  # a doubtful detection that the mesh network does not see as a face
            f = Face(f.box, f.score, f.keypoints, fitted[i])
        out.append(f if k == 1.0 else f.scaled(1.0 / k))
    return out
