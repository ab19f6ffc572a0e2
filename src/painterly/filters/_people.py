"""People in the filters: the faces of a photo, as the parts a filter needs to keep them.

Filters abstract a photo (smooth, flatten, quantise, drop small lines); on a face that erases
the eyes, brows, nose and mouth, the few strokes by which people recognise a person. Every
filter therefore finds the faces (:func:`find`, the ``painterly.faces`` capability, or the
faces its caller passes in), turns their landmarks into masks and polylines at its working
size (:func:`face_parts`), and then draws the features in its own medium: clean strokes for the
cartoon, keyblock lines for the woodblock print, brush strokes for the ink painting.

Drawing is anti-aliased and tapered (:func:`stroke`): a stroke is the set of pixels within a
varying half-width of a polyline, evaluated on the polyline's bounding box only. OpenCV's
``polylines`` takes integer widths only, which at the 1-3 px of a feature line at the working
size would make every stroke the same width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

_F32 = np.float32

#: Feature names of :meth:`painterly.faces.Face.feature_lines`.
EYES = ("left_eye", "right_eye")
BROWS = ("left_brow", "right_brow")


#: Long side at which the filters look for faces. The filters paint at 640-1024 px, where a
#: face found only at full size would be a few pixels; detection time grows with the pixels
#: (0.43 s at 1024 px vs 0.12 s at 512 px on the loaded 2-core dev machine).
DETECT_SIDE = 768


def find(image: np.ndarray, faces: Sequence | None, *, max_side: int = DETECT_SIDE) -> list:
    """The faces of ``image``: ``faces`` when the caller passes them, else found here.

    ``image`` is float32 HxWx3 in [0, 1]. Passing ``faces=()`` skips the search (a caller that
    already knows there are none, or wants the plain filter). A bigger image is searched at
    ``max_side`` px on its long side; the faces come back in ``image``'s pixels."""
    if faces is not None:
        return list(faces)
    from painterly.faces import find_faces  # the capability loads its models on first use

    h, w = image.shape[:2]
    s = max_side / max(h, w)
    if s >= 1.0:
        return list(find_faces(image))
    small = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return [_moved(f, (0.0, 0.0), 1.0 / s) for f in find_faces(small)]


@dataclass
class FaceGeometry:
    """One face at the working size: its feature polylines, scale and masks' outlines."""

    lines: dict[str, list[np.ndarray]]  # name -> polylines (N, 2), working-size px
    iod: float  # distance between the eye centres, working-size px (the face's scale)
    oval: np.ndarray  # (N, 2) face outline


@dataclass
class FaceParts:
    """Masks of all faces at the working size, float32 (h, w) in [0, 1], and their geometry."""

    face: np.ndarray  # inside the face outline, feathered
    skin: np.ndarray  # face minus the features (where a filter may smooth and flatten)
    features: np.ndarray  # eyes, brows and lips, slightly grown and feathered
    eyes: np.ndarray
    brows: np.ndarray
    lips: np.ndarray
    mouth: np.ndarray  # inside the inner lip line (teeth, an open mouth)
    faces: list[FaceGeometry] = field(default_factory=list)


def _polys(face, scale: float) -> dict[str, list[np.ndarray]]:
    lines = face.feature_lines() if getattr(face, "landmarks", None) is not None else {}
    return {k: [np.asarray(p, np.float64) * scale for p in v if len(p) >= 2] for k, v in lines.items()}


def _eye_centre(lines: dict, name: str) -> np.ndarray | None:
    pts = lines.get(name)
    return None if not pts else np.concatenate(pts).mean(0)


def _agrees(face, le: np.ndarray, re: np.ndarray, scale: float, iod: float) -> bool:
    """Whether the landmarks' eyes lie where the detector's eye keypoints are (within 0.35 of
    the eye distance): strokes drawn from a mesh that slipped off the face would deface it."""
    kp = getattr(face, "keypoints", None)
    if kp is None or len(kp) < 2:
        return True
    a, b = np.asarray(kp[0], np.float64) * scale, np.asarray(kp[1], np.float64) * scale
    err = min(np.linalg.norm(a - re) + np.linalg.norm(b - le), np.linalg.norm(a - le) + np.linalg.norm(b - re))
    return err / 2 <= 0.35 * iod


def face_parts(faces: Sequence, scale: float, shape: tuple[int, int], *, min_iod: float = 4.0) -> FaceParts | None:
    """Masks and polylines of ``faces`` (found on the full image) at ``scale`` into ``shape``.

    Faces without landmarks, or whose eyes are under ``min_iod`` px apart at the working size
    (too small to draw features into), are left out. Returns None when no face is left.
    """
    h, w = shape
    geo = []
    for f in faces:
        lines = _polys(f, scale)
        le, re = _eye_centre(lines, "left_eye"), _eye_centre(lines, "right_eye")
        oval = lines.get("face_oval")
        if le is None or re is None or not oval:
            continue
        iod = float(np.linalg.norm(le - re))
        if iod < min_iod or not _agrees(f, le, re, scale, iod):
            continue
        geo.append(FaceGeometry(lines, iod, oval[0]))
    if not geo:
        return None
    masks = {k: np.zeros((h, w), np.uint8) for k in ("face", "eyes", "brows", "lips", "mouth")}
    sh = 4  # sub-pixel bits for cv2's fill

    def fill(m, pts):
        cv2.fillPoly(m, [np.round(pts * (1 << sh)).astype(np.int32)], 255, cv2.LINE_AA, shift=sh)

    for g in geo:
        fill(masks["face"], g.oval)
        for n in EYES:
            for p in g.lines.get(n, []):
                fill(masks["eyes"], p)
        for n in BROWS:
            ps = g.lines.get(n, [])
            if len(ps) >= 2:  # upper and lower edge: the brow is the band between them
                a, b = ps[0], same_direction(ps[0], ps[1])
                fill(masks["brows"], np.concatenate([a, b[::-1]]))
            elif ps:
                cv2.polylines(masks["brows"], [np.round(ps[0]).astype(np.int32)], False, 255,
                              max(1, round(0.08 * g.iod)), cv2.LINE_AA)
        for p in g.lines.get("lips_outer", []):
            fill(masks["lips"], p)
        for p in g.lines.get("lips_inner", []):
            fill(masks["mouth"], p)
    out = {k: v.astype(_F32) * _F32(1 / 255) for k, v in masks.items()}
    iod = float(np.median([g.iod for g in geo]))
    # Features grow a little (a lash line lies outside the eye opening) and get soft borders.
    grow = max(1, round(0.12 * iod))
    feat = np.maximum.reduce([out["eyes"], out["brows"], out["lips"]])
    feat = cv2.dilate(feat, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))  # a box: separable
    feat = cv2.GaussianBlur(feat, (0, 0), max(0.5, 0.06 * iod))
    face = cv2.GaussianBlur(out["face"], (0, 0), max(0.5, 0.08 * iod))
    skin = np.clip(face - feat, 0.0, 1.0)
    return FaceParts(face, skin, feat, out["eyes"], out["brows"], out["lips"], out["mouth"], geo)


def same_direction(ref: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``line``, reversed if needed so that it runs the same way as ``ref``."""
    fwd = np.linalg.norm(ref[0] - line[0]) + np.linalg.norm(ref[-1] - line[-1])
    back = np.linalg.norm(ref[0] - line[-1]) + np.linalg.norm(ref[-1] - line[0])
    return line if fwd <= back else line[::-1]


def midline(a: np.ndarray, b: np.ndarray, n: int = 12) -> np.ndarray:
    """The line half-way between two polylines (a brow's upper and lower edge), ``n`` points."""
    b = same_direction(a, b)
    return 0.5 * (resample(a, n) + resample(b, n))


def resample(line: np.ndarray, n: int) -> np.ndarray:
    """``n`` points evenly spaced along a polyline."""
    line = np.asarray(line, np.float64)
    seg = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))]
    if seg[-1] <= 0:
        return np.repeat(line[:1], n, 0)
    t = np.linspace(0.0, seg[-1], n)
    return np.stack([np.interp(t, seg, line[:, 0]), np.interp(t, seg, line[:, 1])], 1)


def stroke(
    ink: np.ndarray,
    pts: np.ndarray,
    width: float | Sequence[float],
    *,
    value: float = 1.0,
    closed: bool = False,
) -> None:
    """Draw an anti-aliased polyline into ``ink`` (float32 (h, w)), in place, by max.

    ``width`` is the stroke width in px, one number or one per point (a tapered stroke: a
    brush line that swells and thins); ``value`` is the ink it lays down.
    """
    pts = np.asarray(pts, np.float64)
    if closed:
        pts = np.concatenate([pts, pts[:1]])
    n = len(pts)
    if n < 2:
        return
    wid = np.broadcast_to(np.asarray(width, np.float64), (n,)).copy()
    if closed:
        wid[-1] = wid[0]
    h, w = ink.shape
    # Each segment fills its own small box (a polyline's box would be mostly empty): the pixels
    # within a half-width that varies linearly along the segment, anti-aliased over one pixel.
    for i in range(n - 1):
        (ax, ay), (bx, by) = pts[i], pts[i + 1]
        r = max(wid[i], wid[i + 1]) / 2 + 1.5
        x0, y0 = max(0, int(min(ax, bx) - r)), max(0, int(min(ay, by) - r))
        x1, y1 = min(w, int(max(ax, bx) + r) + 1), min(h, int(max(ay, by) + r) + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.clip(((gx - ax) * dx + (gy - ay) * dy) / ll, 0.0, 1.0) if ll > 1e-12 else np.zeros_like(gx)
        d = np.hypot(gx - (ax + t * dx), gy - (ay + t * dy))
        half = 0.5 * (wid[i] + t * (wid[i + 1] - wid[i]))
        cover = np.clip(half - d + 0.5, 0.0, 1.0).astype(_F32) * _F32(value)
        sub = ink[y0:y1, x0:x1]
        np.maximum(sub, cover, out=sub)


def taper(n: int, wmax: float, *, ends: float = 0.25, peak: float = 0.5) -> np.ndarray:
    """Widths along an ``n``-point stroke: thin at both ends (``ends`` x wmax), fullest at
    ``peak`` (0-1 along the stroke), like a brush or pen line pressed in the middle."""
    t = np.linspace(0.0, 1.0, n)
    up = np.clip(t / max(peak, 1e-6), 0.0, 1.0)
    down = np.clip((1.0 - t) / max(1.0 - peak, 1e-6), 0.0, 1.0)
    s = np.sin(0.5 * np.pi * np.minimum(up, down))
    return wmax * (ends + (1.0 - ends) * s)


def _lids(eye: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A closed eye outline cut at its corners: (upper arc, lower arc), each sorted by x."""
    pts = np.asarray(eye)
    if len(pts) > 2 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    i0, i1 = int(pts[:, 0].argmin()), int(pts[:, 0].argmax())
    a, b = (i0, i1) if i0 < i1 else (i1, i0)
    arc1 = pts[a : b + 1]
    arc2 = np.concatenate([pts[b:], pts[: a + 1]])
    # The upper arc has the smaller mean y (image y grows downwards).
    up, low = (arc1, arc2) if arc1[:, 1].mean() < arc2[:, 1].mean() else (arc2, arc1)
    return up[np.argsort(up[:, 0])], low[np.argsort(low[:, 0])]


def upper_lid(eye: np.ndarray) -> np.ndarray:
    """The upper half of a closed eye outline: the points above the line between its corners."""
    return _lids(eye)[0]


def lower_lid(eye: np.ndarray) -> np.ndarray:
    """The lower half of a closed eye outline (see :func:`upper_lid`)."""
    return _lids(eye)[1]


def feature_ink(g: FaceGeometry, ink: np.ndarray, *, scale: float = 1.0, min_width: float = 0.0,
                lids: float = 0.05, brows: float = 0.06, mouth: float = 0.04, offset=(0.0, 0.0),
                lower_value: float = 0.35, brow_value: float = 0.55, nose: str = "wings",
                mouth_value: float = 0.9, lip_value: float = 0.4) -> None:
    """Draw one face's features (``g`` at working scale) into ``ink`` as tapered strokes.

    Widths are in eye distances (``lids``, ``brows``, ``mouth``), at least ``min_width`` px;
    ``scale`` and ``offset`` map ``g``'s coordinates into ``ink`` (``p * scale - offset``).
    The strokes: a tapered upper-lid line and a light lower lid, each brow along its middle,
    the nose, the mouth line and a light lower-lip line. ``nose`` is "wings" (the nostril line
    and both wings: for filters that darken the photo's own lines with these strokes), "tip"
    (only a short stroke under the nose tip, as cartoonists draw a nose: the wings drawn too
    close into an oval that floats on a flat face) or "none".
    """
    u = g.iod * scale
    off = np.asarray(offset, np.float64)

    def line(p, wmax, value, **kw):
        p = np.asarray(p) * scale - off
        stroke(ink, p, np.maximum(taper(len(p), wmax, **kw), min_width), value=value)

    for name in EYES:
        for p in g.lines.get(name, []):
            line(upper_lid(p), lids * u, 0.9, ends=0.2, peak=0.6)
            if lower_value:
                line(lower_lid(p), 0.4 * lids * u, lower_value, ends=0.2)
    for name in BROWS:
        ps = g.lines.get(name, [])
        if len(ps) >= 2:
            line(midline(ps[0], ps[1]), brows * u, brow_value, ends=0.3, peak=0.3)
    nose_lines = g.lines.get("nose", [])
    if nose == "wings":
        for i, p in enumerate(nose_lines[1:]):  # nostril line, then the wings (first: the bridge)
            line(p, 0.6 * mouth * u, 0.6 if i == 0 else 0.3, ends=0.3)
    elif nose == "tip" and len(nose_lines) >= 2:
        base = resample(nose_lines[1], 12)[2:-2]  # the nostril line's middle, wing to wing
        line(base, 0.7 * mouth * u, 0.5, ends=0.15)
    if mouth_value:
        for p in g.lines.get("lips_inner", []):
            line(upper_lid(p), mouth * u, mouth_value, ends=0.2)
    if lip_value:
        for p in g.lines.get("lips_outer", []):
            line(lower_lid(p), 0.6 * mouth * u, lip_value, ends=0.1)


def nose_side(g: FaceGeometry, lum: np.ndarray, ink: np.ndarray, width: float, *, value: float = 0.8,
              scale: float = 1.0, offset=(0.0, 0.0)) -> None:
    """Draw the nose as painters do: one line down its shadow side into the nostril, and the
    nostril base; no outline round it. The shadow side is the nose wing over which ``lum``
    ((h, w), ``g``'s coordinates) is darker. ``width`` in px of ``ink``."""
    nose = g.lines.get("nose", [])
    if len(nose) < 4:
        return
    off = np.asarray(offset, np.float64)
    h, w = lum.shape

    def mean_lum(p):
        q = np.clip(np.round(p).astype(int), 0, [w - 1, h - 1])
        return float(lum[q[:, 1], q[:, 0]].mean())

    wing = min(nose[2:4], key=mean_lum)
    side = resample(wing, 10)[2:]  # the wing below the tip, into the nostril
    for p, wmax, v in ((side, width, value), (resample(nose[1], 12)[2:-2], 0.8 * width, 0.7 * value)):
        p = np.asarray(p) * scale - off
        stroke(ink, p, np.maximum(taper(len(p), wmax, ends=0.2), 1.0), value=v)


def emphasise(image: np.ndarray, faces: Sequence, *, strength: float = 0.6, min_width: float = 1.5,
              widths: float = 1.0) -> np.ndarray:
    """A copy of ``image`` with each face's features drawn in, darkened by ``strength``.

    For filters that abstract the whole picture (oil, watercolour, pencil): the eyes, brows,
    nostrils and mouth get a darker line, in the photo's own hue (the colour is multiplied),
    so the filter's smoothing keeps them as it keeps any strong edge. Works on each face's box
    only. ``min_width`` (px of ``image``) keeps lines of small faces wide enough to survive a
    filter's working-size reduction; ``widths`` scales every stroke.
    """
    h, w = image.shape[:2]
    parts = []
    for f in faces:
        lines = _polys(f, 1.0)
        le, re = _eye_centre(lines, "left_eye"), _eye_centre(lines, "right_eye")
        if le is None or re is None or not lines.get("face_oval"):
            continue
        iod = float(np.linalg.norm(le - re))
        if iod >= 4.0 and _agrees(f, le, re, 1.0, iod):
            parts.append(FaceGeometry(lines, iod, lines["face_oval"][0]))
    if not parts:
        return image
    out = image.copy()
    for g in parts:
        pad = 0.3 * g.iod + 2 * min_width
        x0, y0 = (max(0, int(v - pad)) for v in g.oval.min(0))
        x1 = int(min(w, g.oval[:, 0].max() + pad + 1))
        y1 = int(min(h, g.oval[:, 1].max() + pad + 1))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        ink = np.zeros((y1 - y0, x1 - x0), _F32)
        feature_ink(g, ink, min_width=min_width, offset=(x0, y0), lids=0.05 * widths,
                    brows=0.06 * widths, mouth=0.04 * widths, nose="none")
        lum = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        moved = FaceGeometry({k: [p - (x0, y0) for p in v] for k, v in g.lines.items()}, g.iod, g.oval)
        nose_side(moved, lum, ink, max(min_width, 0.04 * widths * g.iod), value=0.7)
        out[y0:y1, x0:x1] *= (1.0 - _F32(strength) * ink)[..., None]
    return out


def darkest_point(lum: np.ndarray, eye: np.ndarray) -> np.ndarray | None:
    """Centre of the darkest part (the iris) inside an eye outline on ``lum`` ((h, w)), or None.

    The mesh has no iris points; the iris is the darkest blob between the lids, so its
    lightness-weighted centre gives where the person looks."""
    pts = np.asarray(eye, np.float64)
    h, w = lum.shape
    x0, y0 = max(0, int(pts[:, 0].min())), max(0, int(pts[:, 1].min()))
    x1, y1 = min(w, int(pts[:, 0].max()) + 2), min(h, int(pts[:, 1].max()) + 2)
    if x1 - x0 < 2 or y1 - y0 < 1:
        return None
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(m, [np.round((pts - (x0, y0)) * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    v = lum[y0:y1, x0:x1]
    if m.sum() < 2:
        return None
    sel = v[m > 0]
    dark = np.where(m > 0, np.clip(np.percentile(sel, 40) - v, 0.0, None), 0.0)
    if dark.sum() <= 0:
        return pts.mean(0)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    return np.array([(xx * dark).sum(), (yy * dark).sum()]) / dark.sum()


def imprint(out: np.ndarray, photo: np.ndarray, faces: Sequence, *, small: float = 1.0,
            large: float = 0.3, size: tuple[float, float] = (40.0, 120.0)) -> np.ndarray:
    """``out`` (a filter's result, HxWx3 float32) with the photo's facial tones pressed into
    each face, in place; returns ``out``.

    A face that a filter abstracts loses the shading that makes it a face to the eye and to a
    detector: dark eye sockets and brows, the shadow under the nose and the mouth. Here the
    photo's local tone of each face (its lightness over a blur of about a quarter of the face,
    pores and noise smoothed away) multiplies the result inside the face's ellipse, so the
    medium (dots, strokes, washes, flat inks) stays and the face's light and shade come back.
    ``small`` is the strength for faces up to ``size[0]`` px wide (no room for drawn features),
    ``large`` for faces from ``size[1]`` px (drawn features carry them), linear in between.
    """
    h, w = out.shape[:2]
    for f in faces:
        x0, y0, x1, y1 = (float(v) for v in f.box)
        fw = max(1.0, x1 - x0)
        t = np.clip((fw - size[0]) / max(size[1] - size[0], 1e-6), 0.0, 1.0)
        k = float(small + t * (large - small))
        if k <= 0:
            continue
        pad = 0.35 * fw
        cx0, cy0 = max(0, int(x0 - pad)), max(0, int(y0 - 1.6 * pad))
        cx1, cy1 = min(w, int(x1 + pad) + 1), min(h, int(y1 + pad) + 1)
        if cx1 - cx0 < 4 or cy1 - cy0 < 4:
            continue
        lum = cv2.cvtColor(np.ascontiguousarray(photo[cy0:cy1, cx0:cx1]), cv2.COLOR_RGB2GRAY)
        # The tone map is smooth at the scale of the face: make it on a copy where the face is
        # at most 96 px wide (a big face's blurs would cost 100 ms at full size), then enlarge.
        r = min(1.0, 96.0 / fw)
        lum_r = lum if r >= 1.0 else cv2.resize(
            lum, (max(2, round(lum.shape[1] * r)), max(2, round(lum.shape[0] * r))), interpolation=cv2.INTER_AREA)
        fine = cv2.GaussianBlur(lum_r, (0, 0), max(0.5, 0.025 * fw * r))
        coarse = cv2.GaussianBlur(lum_r, (0, 0), max(1.0, 0.25 * fw * r))
        tone = np.clip(fine / np.maximum(coarse, 0.02), 0.35, 1.35)
        if r < 1.0:
            tone = cv2.resize(tone, (lum.shape[1], lum.shape[0]), interpolation=cv2.INTER_LINEAR)
        mask = np.zeros(tone.shape, np.uint8)
        centre = (round(((x0 + x1) / 2 - cx0) * 4), round(((y0 + y1) / 2 - 0.1 * (y1 - y0) - cy0) * 4))
        axes = (round(0.55 * fw * 4), round(0.72 * (y1 - y0) * 4))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, shift=2)
        m = cv2.GaussianBlur(mask.astype(_F32) * _F32(1 / 255), (0, 0), max(0.5, 0.08 * fw))
        gain = _F32(1.0) + m * _F32(k) * (tone - _F32(1.0))
        region = out[cy0:cy1, cx0:cx1]
        region *= gain[..., None]
        np.clip(region, 0.0, 1.0, out=region)
    return out


def _moved(face, origin: tuple[float, float], k: float):
    """``face`` in the coordinates of a crop at ``origin`` enlarged ``k`` times."""
    import dataclasses

    o = np.asarray(origin, np.float32)
    x0, y0, x1, y1 = face.box
    lm = None if face.landmarks is None else (face.landmarks - o) * np.float32(k)
    return dataclasses.replace(
        face, box=((x0 - o[0]) * k, (y0 - o[1]) * k, (x1 - o[0]) * k, (y1 - o[1]) * k),
        keypoints=(np.asarray(face.keypoints, np.float32) - o) * np.float32(k), landmarks=lm)


def refine_small_faces(out: np.ndarray, image: np.ndarray, faces: Sequence, render, *,
                       below: float = 64.0, target: float = 128.0, max_faces: int = 24,
                       blend: tuple[float, float] = (0.7, 0.95)) -> np.ndarray:
    """Paint each face narrower than ``below`` px again at a larger scale; returns ``out``.

    A filter's marks have a fixed size (a dot screen, a pencil stroke, a brush's bleed, the
    smoothing of a working size), so on a face 30 px wide they are as large as an eye and the
    face is gone. An artist takes a finer brush for a small face; here the face's surroundings
    are cut out, enlarged so the face is ``target`` px wide, painted by ``render(crop, faces)``
    (the same filter, given the face moved into the crop, where it is no longer small, so it
    gets the filter's full face treatment and no further repaint), shrunk back and blended into
    ``out`` in a feathered ellipse. ``out`` is modified in place. At most ``max_faces`` (the
    largest of the small ones) are repainted, which bounds the cost on crowd photos.
    """
    h, w = out.shape[:2]
    small = [f for f in faces if 8.0 <= (f.box[2] - f.box[0]) < below]
    small.sort(key=lambda f: f.box[0] - f.box[2])
    for f in small[:max_faces]:
        x0, y0, x1, y1 = (float(v) for v in f.box)
        fw, fh = x1 - x0, y1 - y0
        pad = 0.6 * fw
        cx0, cy0 = max(0, int(x0 - pad)), max(0, int(y0 - 1.3 * pad))
        cx1, cy1 = min(w, int(x1 + pad) + 1), min(h, int(y1 + pad) + 1)
        cw, ch = cx1 - cx0, cy1 - cy0
        if cw < 4 or ch < 4:
            continue
        k = target / fw
        crop = cv2.resize(np.ascontiguousarray(image[cy0:cy1, cx0:cx1]),
                          (max(8, round(cw * k)), max(8, round(ch * k))), interpolation=cv2.INTER_CUBIC)
        painted = render(np.clip(crop, 0.0, 1.0), [_moved(f, (cx0, cy0), k)])
        back = cv2.resize(painted, (cw, ch), interpolation=cv2.INTER_AREA)
        m = np.zeros((ch, cw), _F32)
        cv2.ellipse(m, (round((x0 + x1) / 2 - cx0), round((y0 + y1) / 2 - 0.15 * fh - cy0)),
                    (max(1, round(blend[0] * fw)), max(1, round(blend[1] * fh))), 0, 0, 360, 1.0, -1)
        m = cv2.GaussianBlur(m, (0, 0), max(0.5, 0.15 * fw))[..., None]
        region = out[cy0:cy1, cx0:cx1]
        region += m * (back - region)
    return out
