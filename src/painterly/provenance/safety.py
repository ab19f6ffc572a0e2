"""Optional safety check: nudity detection with NudeNet, flagged regions blurred (not blacked out).

NudeNet (``nudenet`` 3.4.2) is the only offline detector that installs with its weights (a
YOLOv8n ONNX model, 320 px). Its LICENSE file is AGPL-3.0 (the wheel's metadata says MIT): it is
therefore an optional extra, ``pip install 'painterly[safety]'``, never a core dependency. Without
it the check reports ``"not checked"``; the decision is recorded in the provenance either way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Detector classes that are flagged; covered parts and faces are not.
FLAGGED = frozenset({"FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED",
                     "BUTTOCKS_EXPOSED", "ANUS_EXPOSED"})


@dataclass(frozen=True)
class SafetyConfig:
    threshold: float = 0.5  # detector score to flag a region (NudeNet's own examples use 0.5)
    grow: float = 0.15  # box enlarged by this share on each side before blurring
    blur: float = 0.08  # Gaussian sigma / the box's longer side: strong enough to hide detail


_LOCK = threading.Lock()
_DETECTOR: list[Any] = []


def _detector():
    with _LOCK:
        if not _DETECTOR:
            from nudenet import NudeDetector

            _DETECTOR.append(NudeDetector())  # its onnxruntime session, once per process
        return _DETECTOR[0]


def available() -> bool:
    try:
        import nudenet  # noqa: F401
    except ImportError:
        return False
    return True


def detect(image: np.ndarray, *, config: SafetyConfig = SafetyConfig()) -> list[dict[str, Any]]:
    """Flagged regions: ``[{"class", "score", "box": [x, y, w, h]}]`` (pixels)."""
    import cv2

    from painterly.io import to_uint8

    _, png = cv2.imencode(".png", cv2.cvtColor(to_uint8(image), cv2.COLOR_RGB2BGRA))
    found = _detector().detect(png.tobytes())  # NudeNet decodes bytes itself (BGRA -> BGR)
    return [{"class": d["class"], "score": round(float(d["score"]), 3),
             "box": [int(v) for v in d["box"]]}
            for d in found if d["class"] in FLAGGED and d["score"] >= config.threshold]


def blur_regions(image: np.ndarray, boxes: list[list[int]], *,
                 config: SafetyConfig = SafetyConfig()) -> np.ndarray:
    import cv2

    out = image.copy()
    h, w = image.shape[:2]
    for x, y, bw, bh in boxes:
        gx, gy = round(bw * config.grow), round(bh * config.grow)
        x0, y0 = max(0, x - gx), max(0, y - gy)
        x1, y1 = min(w, x + bw + gx), min(h, y + bh + gy)
        if x1 <= x0 or y1 <= y0:
            continue
        sigma = max(2.0, config.blur * max(x1 - x0, y1 - y0))
        out[y0:y1, x0:x1] = cv2.GaussianBlur(np.ascontiguousarray(out[y0:y1, x0:x1]), (0, 0), sigma)
    return np.ascontiguousarray(out, dtype=np.float32)


def check_and_blur(image: np.ndarray, *, config: SafetyConfig = SafetyConfig()
                   ) -> tuple[np.ndarray, dict[str, Any]]:
    """The image with flagged regions blurred, and the decision for the provenance."""
    if not available():
        return image, {"checked": False, "note": "not checked (install painterly[safety], AGPL-3.0)"}
    found = detect(image, config=config)
    if not found:
        return image, {"checked": True, "flagged": False}
    blurred = blur_regions(image, [f["box"] for f in found], config=config)
    return blurred, {"checked": True, "flagged": True, "action": "blurred",
                     "classes": sorted({f["class"] for f in found})}
