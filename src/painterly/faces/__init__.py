"""Finding the people in a photo: faces, their landmarks, and person masks, offline.

Public API::

    find_faces(image, *, config=FaceConfig()) -> list[Face]   # largest first
    Face.box, .score, .keypoints (6, 2), .landmarks (468, 2) or None, .feature_lines()
    face_mask(image, faces, *, feather=0.15) -> HxW float32 in [0, 1]
    person_mask(image) -> HxW float32 in [0, 1]

Models: mediapipe 0.10.21's BlazeFace short and full range, Face Mesh and Selfie Segmentation
(Apache-2.0), converted once to ONNX (``tools/convert_face_models.py``) and shipped inside
painterly (5.4 MB, in the core install), run by onnxruntime; registered in
:mod:`painterly.models.packaged` with their sha256 and the files they came from.
Images are painterly's contract: float32 HxWx3 in [0, 1]. Safe to call from many threads.
"""

from painterly.faces.detect import FaceConfig
from painterly.faces.face import KEYPOINTS, Face, find_faces
from painterly.faces.masks import face_mask, person_mask
from painterly.faces.mesh import FEATURES

__all__ = ["FEATURES", "KEYPOINTS", "Face", "FaceConfig", "face_mask", "find_faces",
           "person_mask"]
