"""Masks from found faces (their ovals, feathered) and of whole people (MediaPipe Selfie
Segmentation, general model, 256x256)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from painterly.faces import _nets
from painterly.faces.face import Face, as_contract
from painterly.faces.mesh import FEATURES

_OVAL = list(FEATURES["face_oval"][0])


def face_mask(image: np.ndarray, faces: Sequence[Face], *, feather: float = 0.15) -> np.ndarray:
    """HxW float32 in [0, 1]: 1 inside the faces' skin regions (the mesh's face oval; for a face
    without landmarks, an ellipse fitted to its box), blurred over ``feather`` times each
    face's width."""
    h, w = np.asarray(image).shape[:2]
    out = np.zeros((h, w), np.float32)
    for f in faces:
        layer = np.zeros((h, w), np.uint8)
        x0, y0, x1, y1 = f.box
        if f.landmarks is not None:
            cv2.fillPoly(layer, [np.round(f.landmarks[_OVAL] * 4).astype(np.int32)], 255,
                         lineType=cv2.LINE_AA, shift=2)
        else:  # BlazeFace's box runs from the brows to the chin: the oval reaches above it
            centre = (round((x0 + x1) / 2 * 4), round((y0 + y1) / 2 * 4 - (y1 - y0) * 0.4))
            axes = (round((x1 - x0) * 0.55 * 4), round((y1 - y0) * 0.7 * 4))
            cv2.ellipse(layer, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, shift=2)
        sigma = feather * (x1 - x0)
        soft = layer.astype(np.float32) / 255.0
        if sigma > 0.3:
            soft = cv2.GaussianBlur(soft, (0, 0), sigma)
        np.maximum(out, soft, out=out)
    return out


def person_mask(image: np.ndarray) -> np.ndarray:
    """HxW float32 in [0, 1]: how much each pixel belongs to a person (selfie segmentation;
    the photo is resized to the network's 256x256 and the mask back to the photo's size)."""
    img = as_contract(image)
    h, w = img.shape[:2]
    if h < 2 or w < 2:
        return np.zeros((h, w), np.float32)
    x = cv2.resize(img, (256, 256), interpolation=cv2.INTER_AREA if min(h, w) > 256
                   else cv2.INTER_LINEAR)
    (mask,) = _nets.run("selfie-segmentation", x[None])
    mask = np.asarray(mask, np.float32).reshape(256, 256)
    return np.clip(cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
