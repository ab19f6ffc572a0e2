"""Face detection: BlazeFace (Bazarevsky et al. 2019), mediapipe's short- and full-range models.

The short-range model (128x128) finds faces that fill a good part of the frame; the full-range
model (192x192) finds small ones. One photo is searched at several scales: both models on the
whole (letterboxed) image, then the full-range model on overlapping tiles, so that a 20 px face
in a large photo is still 8-10 px in the network's input. Tiles are capped in number
(``FaceConfig.max_tiles``): in a very large photo the smallest face found grows with it.
Detections are merged by mediapipe's weighted non-maximum suppression.

The network runs (2 whole-image passes, up to 16 tiles) are independent: they go to a small
thread pool made for the call (``FaceConfig.threads``; onnxruntime releases the GIL), which
took the detection at 768 px from 31 to 18 ms on an idle 2-core EPYC. A caller that only needs
to know whether known faces are still there (the drift guard, :mod:`painterly.provenance.people`)
passes them as ``near``: only the tiles that hold one of them run.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from painterly.faces import _nets


@dataclass(frozen=True)
class _Model:
    name: str  # registry name
    size: int  # input side
    strides: tuple[int, ...]  # SSD anchor layers (mediapipe's SsdAnchorsCalculator options)
    per_layer: int  # anchors per cell and layer (aspect 1.0, plus the interpolated one)


SHORT = _Model("face-detection-short", 128, (8, 16, 16, 16), 2)
FULL = _Model("face-detection-full", 192, (4,), 1)


@dataclass(frozen=True)
class FaceConfig:
    """How hard :func:`find_faces` looks. Defaults: mediapipe's thresholds, tiles sized for
    20 px faces up to about 1500 px photos."""

    min_score: float = 0.5  # detector confidence kept (mediapipe's min_score_thresh)
    sure: float = 0.8  # below this, a face big enough for the mesh is kept only when the mesh
    #                    network also sees a face (drops hands and ties seen in tiles)
    iou: float = 0.3  # boxes overlapping more are one face (mediapipe's suppression threshold)
    tile: int = 320  # tile side in pixels: a 20 px face is 12 px in the 192 px network input
    overlap: int = 80  # tiles overlap by the largest face a tile must see whole
    max_tiles: int = 16  # more would pass 50 ms at 1024 px; bigger photos get bigger tiles
    landmarks: int = 16  # the mesh runs on this many of the largest faces (5-10 ms each) ...
    min_landmark_size: float = 24.0  # ... whose box is at least this wide (pixels); a
    #                                  doubtful face (under ``sure``) that big is always checked
    whole_min: float = 16.0  # with ``near``: a face this wide in the full-range network's
    #                          input on the whole picture needs no tile
    threads: int = 2  # network runs at once (1: in the calling thread); each session has one


@lru_cache(maxsize=2)
def _anchors(model: _Model) -> np.ndarray:
    """(N, 2) anchor centres in [0, 1] (fixed anchor size 1), in the networks' output order."""
    out = []
    i = 0
    while i < len(model.strides):
        n = 0
        stride = model.strides[i]
        while i < len(model.strides) and model.strides[i] == stride:  # layers sharing a stride
            n += model.per_layer
            i += 1
        g = int(np.ceil(model.size / stride))
        yy, xx = np.mgrid[0:g, 0:g]
        centres = np.stack([(xx + 0.5) / g, (yy + 0.5) / g], -1).reshape(-1, 1, 2)
        out.append(np.repeat(centres, n, axis=1).reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)


def _letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float, float, float]:
    """The image fitted into size x size (aspect kept, zero padded), in [-1, 1]; and the scale
    and offsets that map network pixels back: x_image = (x_net - dx) / scale."""
    h, w = image.shape[:2]
    scale = size / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR  # area: no aliasing
    small = cv2.resize(image, (nw, nh), interpolation=interp)
    canvas = np.full((size, size, 3), -1.0, np.float32)  # mediapipe pads with zeros of [0, 1]
    dx, dy = (size - nw) // 2, (size - nh) // 2
    canvas[dy:dy + nh, dx:dx + nw] = small * 2.0 - 1.0
    return canvas, scale, dx, dy


def _detect(image: np.ndarray, model: _Model, min_score: float) -> np.ndarray:
    """Raw detections in image pixels: rows (x0, y0, x1, y1, score, 12 keypoint coords)."""
    x, scale, dx, dy = _letterbox(image, model.size)
    boxes, logits = _nets.run(model.name, x[None])
    boxes, logits = boxes.reshape(-1, 16), logits.reshape(-1)
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -100, 100)))
    keep = scores >= min_score
    if not keep.any():
        return np.zeros((0, 17), np.float32)
    raw, a, s = boxes[keep] / model.size, _anchors(model)[keep], scores[keep]
    cx, cy = raw[:, 0] + a[:, 0], raw[:, 1] + a[:, 1]
    w, h = raw[:, 2], raw[:, 3]
    kp = raw[:, 4:16].reshape(-1, 6, 2) + a[:, None, :]
    rows = np.concatenate([np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1),
                           s[:, None], kp.reshape(-1, 12)], 1) * 1.0
    rows[:, [0, 1, 2, 3]] *= model.size
    rows[:, 5:] *= model.size
    rows[:, [0, 2]] = (rows[:, [0, 2]] - dx) / scale
    rows[:, [1, 3]] = (rows[:, [1, 3]] - dy) / scale
    rows[:, 5::2] = (rows[:, 5::2] - dx) / scale
    rows[:, 6::2] = (rows[:, 6::2] - dy) / scale
    return rows.astype(np.float32)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x1, y1 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda r: (r[..., 2] - r[..., 0]) * (r[..., 3] - r[..., 1])  # noqa: E731
    return inter / np.maximum(area(a) + area(b) - inter, 1e-9)


def _inside(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of each box of ``b`` that lies inside box ``a``."""
    x0, y0 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x1, y1 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter / np.maximum((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]), 1e-9)


def weighted_nms(rows: np.ndarray, iou: float) -> np.ndarray:
    """mediapipe's WEIGHTED suppression: each cluster of overlapping detections becomes their
    score-weighted mean (boxes and keypoints), with the best score. Written here (a loop over
    clusters) because OpenCV's NMSBoxes keeps one box and drops the others' evidence."""
    order = rows[np.argsort(-rows[:, 4])]
    out = []
    while len(order):
        overlap = _iou(order[0], order)
        cluster = order[overlap > iou]
        weights = cluster[:, 4:5]
        merged = (cluster * weights).sum(0) / weights.sum()
        merged[4] = cluster[0, 4]
        out.append(merged)
        # also gone: boxes mostly inside the kept one (the two models frame a face differently;
        # a small box inside a face is an eye or a mouth seen as a face, not a second face)
        inside = _inside(merged, order)
        order = order[(overlap <= iou) & (inside < 0.6)]
    return np.array(out, np.float32).reshape(-1, 17)


def _tiles(h: int, w: int, config: FaceConfig) -> list[tuple[int, int, int]]:
    """(x, y, side) of overlapping square tiles covering the image, at most max_tiles."""
    side = config.tile
    while True:
        step = max(1, side - config.overlap)
        nx = 1 if w <= side else int(np.ceil((w - side) / step)) + 1
        ny = 1 if h <= side else int(np.ceil((h - side) / step)) + 1
        if nx * ny <= config.max_tiles:
            break
        side = int(side * 1.25)
    xs = np.linspace(0, max(0, w - side), nx).round().astype(int)
    ys = np.linspace(0, max(0, h - side), ny).round().astype(int)
    return [(int(x), int(y), side) for y in ys for x in xs]


def detect(image: np.ndarray, config: FaceConfig = FaceConfig(),
           near: Sequence[Sequence[float]] | None = None) -> np.ndarray:
    """Merged detections in image pixels, rows (x0, y0, x1, y1, score, 12 keypoint coords).

    ``near``: boxes (x0, y0, x1, y1) of faces known to be in the picture; when given, the tiles
    run only where one of them is small enough for a tile (the whole-image passes always run)."""
    h, w = image.shape[:2]
    jobs = [(image, SHORT, 0, 0, 0), (image, FULL, 0, 0, 0)]
    seen = max(h, w) * config.whole_min / FULL.size  # faces this wide: the whole-image pass
    if max(h, w) > config.tile * 1.25:
        for x, y, side in _tiles(h, w, config):
            if near is not None and not any(
                    b[2] - b[0] < min(side / 2, seen) and b[0] < x + side and b[2] > x
                    and b[1] < y + side and b[3] > y for b in near):
                continue
            jobs.append((image[y:y + side, x:x + side], FULL, x, y, side))

    def run(job) -> np.ndarray:
        tile, model, x, y, side = job
        rows = _detect(tile, model, config.min_score)
        if not len(rows) or tile is image:
            return rows
        rows[:, [0, 2, 5, 7, 9, 11, 13, 15]] += x
        rows[:, [1, 3, 6, 8, 10, 12, 14, 16]] += y
        # a face cut by a tile's inner edge is seen whole by a neighbour or the whole image
        th, tw = tile.shape[:2]
        m = 2.0
        inner = ((rows[:, 0] > x + m) | (x == 0)) & ((rows[:, 1] > y + m) | (y == 0)) & \
                ((rows[:, 2] < x + tw - m) | (x + tw >= w)) & \
                ((rows[:, 3] < y + th - m) | (y + th >= h))
        return rows[inner & (rows[:, 2] - rows[:, 0] < side / 2)]

    if config.threads > 1 and len(jobs) > 2:
        with ThreadPoolExecutor(min(config.threads, len(jobs)), "painterly-faces") as pool:
            found = list(pool.map(run, jobs))
    else:
        found = [run(j) for j in jobs]
    rows = np.concatenate(found)
    return weighted_nms(rows, config.iou) if len(rows) else rows
