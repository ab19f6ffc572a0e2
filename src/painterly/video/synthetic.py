"""A short clip made from one still photo by a virtual hand-held camera (pan, zoom, shake) with
sensor noise, with its exact motion: the test bed for the stabiliser and the flicker metric.
Because the motion is known, the flicker metric can use the true flow instead of an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class CameraPath:
    frames: int = 30
    size: tuple[int, int] = (288, 384)  # (height, width) of the clip
    pan: float = 0.25  # horizontal travel over the clip, as a fraction of the photo's width
    zoom: float = 1.25  # the view narrows by this factor from first to last frame
    shake_px: float = 1.5  # hand-shake: standard deviation of the jitter, in clip pixels
    shake_deg: float = 0.3  # and of the roll, in degrees
    noise: float = 0.02  # sensor noise: Gaussian, standard deviation in [0, 1] units
    seed: int = 0


def _affines(photo_hw: tuple[int, int], path: CameraPath) -> list[np.ndarray]:
    """3x3 matrices mapping clip pixel coordinates to photo coordinates, one per frame."""
    ph, pw = photo_hw
    h, w = path.size
    rng = np.random.default_rng(path.seed)
    # the widest view that fits the photo at the start, with room for the pan
    base = min(pw * (1 - path.pan) / w, ph / h) * 0.92
    # shake is smoothed white noise (a hand does not jump frame to frame)
    jitter = cv2.GaussianBlur(rng.normal(0, 1, (path.frames, 3)).astype(np.float32), (1, 5), 1.0)
    jitter /= max(1e-6, float(jitter.std()))
    mats = []
    for t in range(path.frames):
        u = t / max(1, path.frames - 1)
        scale = base / (1 + (path.zoom - 1) * u)
        cx = pw / 2 + (u - 0.5) * path.pan * pw + jitter[t, 0] * path.shake_px * scale
        cy = ph / 2 + jitter[t, 1] * path.shake_px * scale
        th = np.deg2rad(jitter[t, 2] * path.shake_deg)
        c, s = np.cos(th) * scale, np.sin(th) * scale
        to_centre = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])
        rot = np.array([[c, -s, cx], [s, c, cy], [0, 0, 1]])
        mats.append(rot @ to_centre)
    return mats


def camera_clip(photo: np.ndarray, path: CameraPath = CameraPath()):
    """Film ``photo`` (contract image) along ``path``.

    Returns ``(frames, flows)``: the frames (contract images of ``path.size``) and, per
    consecutive pair, ``(flow t -> t+1, mask)`` with the mask 1 where the point stays in frame.
    """
    h, w = path.size
    mats = _affines(photo.shape[:2], path)
    rng = np.random.default_rng(path.seed + 1)
    frames = []
    for m in mats:
        f = cv2.warpAffine(photo, m[:2], (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REFLECT)
        if path.noise:
            f = f + rng.normal(0, path.noise, f.shape).astype(np.float32)
        frames.append(np.ascontiguousarray(np.clip(f, 0, 1), dtype=np.float32))
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    pts = np.stack([gx, gy, np.ones_like(gx)], -1)
    flows = []
    for t in range(len(mats) - 1):
        to_next = np.linalg.inv(mats[t + 1]) @ mats[t]
        q = pts @ to_next.T
        flow = (q[..., :2] - pts[..., :2]).astype(np.float32)
        inside = (q[..., 0] >= 0) & (q[..., 0] <= w - 1) & (q[..., 1] >= 0) & (q[..., 1] <= h - 1)
        flows.append((np.ascontiguousarray(flow), inside.astype(np.float32)))
    return frames, flows


def write_y4m(frames, path, fps: int = 30) -> None:
    """Write contract frames as a YUV4MPEG2 (4:2:0) file: what Chromium's fake camera plays
    (``--use-file-for-fake-video-capture=clip.y4m``). Even width and height required."""
    h, w = frames[0].shape[:2]
    if h % 2 or w % 2:
        raise ValueError(f"Y4M 4:2:0 needs an even width and height, got {w}x{h}")
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            rgb = np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
