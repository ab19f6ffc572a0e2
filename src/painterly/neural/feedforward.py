"""Neural style transfer with any painting, a built-in style, or a weighted blend of either.

Arbitrary styles follow Ghiasi et al. 2017 ("Exploring the structure of a real-time, arbitrary
neural artistic stylization network"): a style image is embedded into a 100-d vector that
conditions the instance norms of a feed-forward transformer. Blends average the vectors;
strength interpolates the vector toward the photo's own one, as in the paper. Built-in styles
use the 26-style conditional network (Dumoulin et al. 2017), where blends mix its norm
parameters and strength blends pixels. Both run at the photo's own resolution, tiled when large.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from painterly.errors import InputError, UnknownStyleError
from painterly.io import ImageSource, load_image
from painterly.neural import networks
from painterly.neural.builtin_table import NUM_BUILTINS, builtin_index, builtin_names
from painterly.neural.color import preserve_color as _preserve_color
from painterly.neural.tiling import TileConfig, run_tiled
from painterly.style_args import parse_style_arg  # noqa: F401 (re-exported)
from painterly.styles import blend, check_strength

STYLE_SIZE = 256  # the style-prediction network was trained on 256x256 style images
_EMBED_CACHE: dict[tuple[bytes, str], np.ndarray] = {}  # insertion-ordered: oldest evicted first
_CACHE_LOCK = threading.Lock()
_PENDING: dict[tuple[bytes, str], threading.Event] = {}  # keys being predicted right now
StyleItem = ImageSource  # a built-in style name, a path to any image, or an image
StylesArg = StyleItem | tuple | Iterable | Mapping


@dataclass(frozen=True)
class _Resolved:
    builtin: int | None  # index into the 26 built-ins, or None for an image
    image: np.ndarray | None
    weight: float
    label: str


def _items(styles: StylesArg) -> list[tuple[object, float]]:
    if isinstance(styles, Mapping):
        return [(k, float(v)) for k, v in styles.items()]
    if isinstance(styles, tuple) and len(styles) == 2 and isinstance(styles[1], (int, float)):
        return [(styles[0], float(styles[1]))]
    if isinstance(styles, (list, tuple)):
        out = []
        for s in styles:
            if isinstance(s, tuple) and len(s) == 2 and isinstance(s[1], (int, float)):
                out.append((s[0], float(s[1])))
            else:
                out.append((s, 1.0))
        return out
    return [(styles, 1.0)]


def normalize_weights(weights: Iterable[float]) -> np.ndarray:
    """Blend weights -> non-negative, summing to 1. Raises InputError otherwise."""
    w = np.asarray(list(weights), dtype=np.float64)
    if w.size == 0:
        raise InputError("no style given: name a built-in style, a painting's path, or a blend")
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"style weights must be non-negative and not all zero, got {w.tolist()}")
    return (w / w.sum()).astype(np.float32)


def _resolve(styles: StylesArg) -> list[_Resolved]:
    items = _items(styles)
    weights = normalize_weights(w for _, w in items)
    out = []
    for (src, _), w in zip(items, weights):
        if isinstance(src, str) and not os.path.exists(src):
            idx = builtin_index(src)
            if idx is None:
                if any(c in src for c in "/\\."):
                    raise InputError(f"style image {src!r}: no such file")
                raise UnknownStyleError(src, builtin_names(),
                                        hint="or give the path to any image to use it as the style")
            out.append(_Resolved(idx, None, float(w), src))
        else:
            label = str(src) if isinstance(src, (str, os.PathLike)) else "image"
            out.append(_Resolved(None, _as_image(src), float(w), label))
    if len({r.builtin is None for r in out}) > 1:
        raise InputError("a blend cannot mix built-in style names with style images; "
                         "blend built-ins together, or images together")
    return out


def _as_image(src) -> np.ndarray:
    if (isinstance(src, np.ndarray) and src.dtype == np.float32 and src.ndim == 3
            and src.shape[2] == 3 and src.flags.c_contiguous):
        return src
    if isinstance(src, Path):
        src = str(src)
    return load_image(src)


def style_input(style: np.ndarray, style_scale: float = 1.0) -> np.ndarray:
    """The 256x256 view of a style image that the predictor sees, zoomed by ``style_scale``.

    Scale > 1 crops closer (fewer, bigger strokes); scale < 1 shrinks the image and mirror-tiles
    it (more, smaller strokes)."""
    import cv2

    h, w = style.shape[:2]
    side = min(h, w)
    window = side / style_scale
    if window <= side:
        c = max(1, round(window))
        y, x = (h - c) // 2, (w - c) // 2
        crop = style[y:y + c, x:x + c]
        interp = cv2.INTER_AREA if c > STYLE_SIZE else cv2.INTER_CUBIC
        out = cv2.resize(crop, (STYLE_SIZE, STYLE_SIZE), interpolation=interp)
    else:
        y, x = (h - side) // 2, (w - side) // 2
        n = max(8, round(STYLE_SIZE * style_scale))
        small = cv2.resize(style[y:y + side, x:x + side], (n, n), interpolation=cv2.INTER_AREA)
        reps = -(-STYLE_SIZE // n) + 1
        row = np.concatenate([small if i % 2 == 0 else small[:, ::-1] for i in range(reps)], axis=1)
        tiled = np.concatenate([row if i % 2 == 0 else row[::-1] for i in range(reps)], axis=0)
        out = tiled[:STYLE_SIZE, :STYLE_SIZE]
    return np.ascontiguousarray(np.clip(out, 0.0, 1.0), dtype=np.float32)


def _check_scale(style_scale: float) -> float:
    if not 0.125 <= float(style_scale) <= 8.0:
        raise InputError(f"style_scale must be between 0.125 and 8, got {style_scale}")
    return float(style_scale)


def style_embedding(image: ImageSource, *, style_scale: float = 1.0,
                    precision: str = "float") -> np.ndarray:
    """The 100-d style vector of an image (Ghiasi et al. 2017 style-prediction network).

    Returns float32 (100,). Images of any size and mode; the centre square is used."""
    img = _as_image(image)
    view = style_input(img, _check_scale(style_scale))
    # a batch re-uses one style for many photos: cache vectors by the predictor's input content
    key = (hashlib.blake2b(view.tobytes(), digest_size=16).digest(), precision)
    while True:  # one prediction per key at a time: a second thread waits for the first's result
        with _CACHE_LOCK:
            vec = _EMBED_CACHE.get(key)
            pending = None if vec is not None else _PENDING.get(key)
            if vec is None and pending is None:
                _PENDING[key] = threading.Event()
        if vec is not None:
            return vec.copy()
        if pending is None:
            break
        pending.wait()  # then read the cache again (the other thread may have failed)
    try:
        vec = networks.predict_style(view, precision=precision)
        with _CACHE_LOCK:
            if len(_EMBED_CACHE) >= 64:
                _EMBED_CACHE.pop(next(iter(_EMBED_CACHE)))
            _EMBED_CACHE[key] = vec
    finally:
        with _CACHE_LOCK:
            _PENDING.pop(key).set()
    return vec.copy()


def _tile_cfg(tile: int | None, shape: tuple[int, int]) -> TileConfig | None:
    cfg = TileConfig()
    if tile is None:
        return cfg if max(shape) > cfg.max_side else None
    if tile <= 0:
        return None
    if tile < 16:
        raise InputError(f"tile must be at least 16 px (or 0 for no tiling), got {tile}")
    margin = min(cfg.margin, max(8, tile // 2))
    return replace(cfg, tile=int(tile), overlap=min(cfg.overlap, tile // 4), margin=margin)


#: The networks open with a 9x9 reflection pad, which ONNX Runtime refuses on a side under 5 px;
#: smaller pictures are edge-padded up to this side, painted, and cropped back.
MIN_SIDE = 8


def _run(img: np.ndarray, run, tile: int | None, progress) -> np.ndarray:
    h, w = img.shape[:2]
    if min(h, w) < MIN_SIDE:
        pad = ((0, max(0, MIN_SIDE - h)), (0, max(0, MIN_SIDE - w)), (0, 0))
        return _run(np.pad(img, pad, mode="edge"), run, tile, progress)[:h, :w]
    cfg = _tile_cfg(tile, img.shape[:2])
    if cfg is None:
        out, _ = run(img, None)
        if progress:
            progress(1, 1)
        return out
    return run_tiled(img, run, cfg, progress)


def transfer(
    image: ImageSource,
    styles: StylesArg,
    *,
    strength: float = 1.0,
    preserve_color: bool = False,
    style_scale: float = 1.0,
    tile: int | None = None,
    precision: str = "float",
    progress: Callable[[int, int], None] | None = None,
    portrait: bool | PortraitConfig = False,
    faces: Sequence | None = None,
) -> np.ndarray:
    """Stylise ``image`` with a built-in style, any painting, or a weighted blend.

    Parameters
    ----------
    image : photo (path, bytes, PIL, array; see :func:`painterly.io.load_image`)
    styles : a built-in name ('mosaic'), a path to any image, an image array, a (style, weight)
        pair, a list of styles or pairs, or a ``{style: weight}`` mapping. Weights are
        normalised to sum to 1. Built-ins and images cannot be mixed in one blend.
    strength : 0..1. Image styles: the style vector is interpolated toward the photo's own
        (0 gives the photo's own look, re-rendered). Built-ins: pixel blend with the photo.
    preserve_color : keep the photo's colours, transfer luminance texture only.
    style_scale : brush-stroke size, 1 = as trained; 2 = strokes twice as large (0.125..8).
    tile : None: tile automatically above 2048 px; 0: never; N: tiles of N px.
    precision : 'float' (the dequantised network) or 'int8' (the graph as shipped).
    portrait : protect faces: inside each face (its oval, feathered) the photo shows through,
        the style at :attr:`PortraitConfig.strength` of ``strength`` (True: the defaults; or a
        :class:`PortraitConfig`). A network trained on paintings turns eyes and mouths into
        its brush strokes; people want to be recognised in their portrait.
    faces : the photo's faces (:func:`painterly.faces.find_faces`), when the caller already
        has them; None: found here when ``portrait`` asks for them.

    Returns
    -------
    numpy.ndarray float32 (H, W, 3) in [0, 1], the photo's size.
    """
    # 1. check inputs
    strength = check_strength(strength)
    style_scale = _check_scale(style_scale)
    resolved = _resolve(styles)
    photo = _as_image(image)
    h, w = photo.shape[:2]
    # 2. run the network
    if resolved[0].builtin is not None:
        weights = np.zeros(NUM_BUILTINS, np.float32)
        for r in resolved:
            weights[r.builtin] += r.weight
        work = photo if style_scale == 1.0 else _rescale(photo, 1.0 / style_scale)
        out = _run(work, lambda x, st: networks.multistyle(x, weights, stats=st), tile, progress)
        if out.shape[:2] != (h, w):
            out = _resize(out, w, h)
    else:
        vec = sum(r.weight * style_embedding(r.image, style_scale=style_scale, precision=precision)
                  for r in resolved)
        if strength < 1.0:
            own = style_embedding(photo, precision=precision)
            vec = strength * vec + (1.0 - strength) * own
        vec = np.asarray(vec, np.float32)
        out = _run(photo, lambda x, st: networks.arbitrary(x, vec, precision=precision, stats=st),
                   tile, progress)
    # 3. colour and strength (both networks end in a sigmoid: already in [0, 1])
    if preserve_color:
        out = _preserve_color(out, photo)
    if resolved[0].builtin is not None:
        out = blend(photo, out, strength)
    # 4. portrait: less style inside the faces
    if portrait:
        out = protect_faces(photo, out, faces, portrait if isinstance(portrait, PortraitConfig)
                            else PortraitConfig())
    return np.clip(out, 0.0, 1.0, out=out)


@dataclass(frozen=True)
class PortraitConfig:
    """How :func:`transfer`'s ``portrait`` option protects faces."""

    strength: float = 0.5  # the style's share inside a face (1: as everywhere, 0: the photo)
    feather: float = 0.1  # mask edge blurred over this share of each face's width (sigma) ...
    grow: float = 1.15  # ... around the face oval enlarged this much: the face itself gets the
    #                     full protection, the blend fades out over the hairline and the jaw


def protect_faces(photo: np.ndarray, styled: np.ndarray, faces: Sequence | None,
                  config: PortraitConfig = PortraitConfig()) -> np.ndarray:
    """``styled`` with the photo showing through inside its faces: a pixel blend whose style
    share falls to ``config.strength`` inside each face oval (:func:`painterly.faces.face_mask`,
    feathered). ``faces``: None finds them (at the filters' search size)."""
    from painterly.faces import face_mask, find_faces
    from painterly.provenance.people import search_side

    if faces is None:
        faces = find_faces(photo, max_side=search_side(photo.shape))
    faces = [f for f in faces if f.width >= 8]
    if not faces:
        return styled
    if config.grow != 1.0:
        faces = [_grown(f, config.grow) for f in faces]
    keep = face_mask(photo, faces, feather=config.feather) * np.float32(1.0 - config.strength)
    out = styled + keep[..., None] * (photo - styled)
    return np.ascontiguousarray(out, np.float32)


def _grown(face, k: float):
    """``face`` enlarged ``k`` times about its box's centre (box, keypoints, landmarks)."""
    cx, cy = face.centre
    c = np.array([cx, cy], np.float32)
    move = lambda p: None if p is None else (p - c) * np.float32(k) + c  # noqa: E731
    x0, y0, x1, y1 = face.box
    return replace(face, box=((x0 - cx) * k + cx, (y0 - cy) * k + cy, (x1 - cx) * k + cx,
                              (y1 - cy) * k + cy),
                   keypoints=move(face.keypoints), landmarks=move(face.landmarks))


def _resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    import cv2

    interp = cv2.INTER_AREA if w * h < img.shape[0] * img.shape[1] else cv2.INTER_CUBIC
    return np.ascontiguousarray(np.clip(cv2.resize(img, (w, h), interpolation=interp), 0, 1),
                                dtype=np.float32)


def _rescale(img: np.ndarray, factor: float) -> np.ndarray:
    h, w = img.shape[:2]
    return _resize(img, max(8, round(w * factor)), max(8, round(h * factor)))
