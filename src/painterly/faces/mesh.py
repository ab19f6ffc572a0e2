"""468-point face landmarks (MediaPipe Face Mesh, Kartynnik et al. 2019) and the feature lines
drawn from them.

A face found by the detector is cropped as mediapipe does it (the box's centre, rotated so the
eyes are level, a square 1.5 times the box's longer side), resized to 192x192, run through the
mesh network, and its points mapped back into the image.
"""

from __future__ import annotations

import cv2
import numpy as np

from painterly.faces import _nets

SIZE = 192  # the mesh network's input side
# Index chains of the mesh's features, walked from the edge lists of mediapipe 0.10.21's
# face_mesh_connections.py (Apache-2.0). "left"/"right" are the person's own (mediapipe's
# naming): the left eye is on the image's right side in a frontal photo.
FEATURES: dict[str, tuple[tuple[int, ...], ...]] = {
    "left_eye": ((263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388,
                  466, 263),),
    "right_eye": ((33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161,
                   246, 33),),
    "left_brow": ((276, 283, 282, 295, 285), (300, 293, 334, 296, 336)),
    "right_brow": ((46, 53, 52, 65, 55), (70, 63, 105, 66, 107)),
    "nose": ((168, 6, 197, 195, 5, 4), (98, 97, 2, 326, 327),
             (4, 45, 220, 115, 48, 64, 98), (4, 275, 440, 344, 278, 294, 327)),
    "lips_outer": ((61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17,
                    84, 181, 91, 146, 61),),
    "lips_inner": ((78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14,
                    87, 178, 88, 95, 78),),
    "face_oval": ((10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379,
                   378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162,
                   21, 54, 103, 67, 109, 10),),
}


def roi(box: tuple[float, float, float, float], keypoints: np.ndarray) -> np.ndarray:
    """The 2x3 affine map from the image to the 192x192 mesh crop of one detected face."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    (rx, ry), (lx, ly) = keypoints[0], keypoints[1]  # right eye, left eye
    angle = np.arctan2(ly - ry, lx - rx)  # eyes level after the crop
    side = 1.5 * max(x1 - x0, y1 - y0)
    scale = SIZE / side
    c, s = np.cos(-angle) * scale, np.sin(-angle) * scale
    # rotate by -angle about the centre, scale, move the centre to the crop's centre
    return np.array([[c, -s, SIZE / 2 - (c * cx - s * cy)],
                     [s, c, SIZE / 2 - (s * cx + c * cy)]], np.float64)


def landmarks(image: np.ndarray, box, keypoints: np.ndarray, *,
              min_presence: float = 0.5) -> tuple[np.ndarray | None, float]:
    """((468, 2) float32 image pixels, or None when the network says the crop holds no face;
    the network's face presence in [0, 1])."""
    m = roi(box, keypoints)
    crop = cv2.warpAffine(image, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    points, flag = _nets.run("face-landmark", crop[None])
    presence = 1.0 / (1.0 + np.exp(-float(np.ravel(flag)[0])))
    if presence < min_presence:
        return None, presence
    pts = np.asarray(points, np.float64).reshape(468, 3)[:, :2]
    inv = cv2.invertAffineTransform(m)
    return (pts @ inv[:, :2].T + inv[:, 2]).astype(np.float32), presence


def feature_lines(points: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Feature name -> polylines ((N, 2) float32 pixels) of one face's 468 landmarks."""
    return {name: [points[list(chain)].astype(np.float32) for chain in chains]
            for name, chains in FEATURES.items()}
