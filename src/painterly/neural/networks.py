"""Adapters from the image contract to the three shipped networks (layouts, padding, inputs).

* style prediction (Ghiasi et al. 2017, "Exploring the structure of a real-time, arbitrary
  neural artistic stylization network"): 256x256 RGB in [0, 1], NHWC -> 100-d style vector.
* arbitrary transformer (same paper): content NHWC in [0, 1] + style vector -> image NHWC.
  Shipped at a fixed 384x384 in int8 QDQ; painterly rewrites it (:mod:`painterly.neural.graphs`)
  to run at any size, as the dequantised float network (default) or the int8 one.
* multistyle26 (Dumoulin et al. 2017, "A learned representation for artistic style"):
  NCHW image in [0, 1] + ``style_weights[26]`` mixing the conditional instance-norm parameters;
  painterly's rewritten graph takes and returns NHWC.

The rewritten graphs are kept on disk (:mod:`painterly.neural.graph_cache`), so that a run
with a warm cache never imports ``onnx``; :func:`prepare_graphs` fills the cache ahead of time.

Every runner takes ``stats``: ``None`` (plain run), ``"export"`` (also return the instance-norm
statistics) or a list of arrays (run with these statistics instead of the image's own).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from painterly.models.packaged import ONNX_MODELS, model_path
from painterly.neural import graph_cache
from painterly.neural.sessions import get_session

PRECISIONS = ("float", "int8")
MULTIPLE = 4  # both transformers downsample twice by 2: sides padded to a multiple of 4
STATS_MODES = (None, "export", "inject")  # plain run; tiling's two passes (see tiling.py)
#: (model, precision, stats mode): every graph variant the runners below ask for
VARIANTS = (
    *(("arbitrary_transform", p, s) for p in PRECISIONS for s in STATS_MODES),
    *(("arbitrary_predict", p, None) for p in PRECISIONS),
    *(("multistyle26", "float", s) for s in STATS_MODES),
)


def build_graph(model: str, precision: str, stats_mode: str | None) -> bytes:
    """Rewrite the shipped graph ``model`` into the variant the runners use (imports onnx)."""
    import onnx

    from painterly.neural import graphs  # onnx is imported only when a graph is built

    m = onnx.load(str(model_path(model)))
    image_input, axes = {
        "arbitrary_transform": ("content_image", (1, 2)),
        "arbitrary_predict": ("style_image", (1, 2)),
        "multistyle26": ("image", (2, 3)),
    }[model]
    if precision == "float" and model != "multistyle26":
        m = graphs.dequantize(m)
    if model != "multistyle26":
        m = graphs.free_spatial_dims(m, image_input, axes)
    # exact rewrites for speed (see graphs.py), chosen by measurement on a 2-core AVX-512 CPU
    if precision == "float" and model == "arbitrary_transform":
        # 9x9 convs from/to 3 channels in space-to-depth form; upsample convs as sub-pixel convs
        m = graphs.subpixel_upsample_convs(graphs.space_to_depth_convs(m))
    if model == "multistyle26":
        # pad amounts as constants, then the two upsample convs as sub-pixel convs
        m = graphs.subpixel_upsample_convs(graphs.fold_constants(m))
        m = graphs.space_to_depth_convs(m, max_in=0)  # the 9x9 conv to RGB only
        if not stats_mode:  # the fused kernel hides the statistics that tiling exports/injects
            m = graphs.fuse_instance_norms(m)
        m = graphs.nhwc_io(m, image_input)  # takes and returns HxWx3: no numpy transposes
    if stats_mode:
        m = graphs.split_norm_stats(m, image_input, stats_mode)
    return m.SerializeToString()


def graph(model: str, precision: str = "float", stats_mode: str | None = None, *,
          cache_dir: str | os.PathLike | None = None) -> bytes:
    """The serialised rewritten graph, from the on-disk cache (:mod:`~painterly.neural.graph_cache`)
    or built and stored there. The shipped source file's sha256 is checked on every call."""
    model_path(model)  # IntegrityError before anything keyed by the registry's hash is trusted
    return graph_cache.cached_graph(_key(model, precision, stats_mode),
                                    lambda: build_graph(model, precision, stats_mode), cache_dir)


def prepare_graphs(cache_dir: str | os.PathLike | None = None) -> list[Path]:
    """Build every variant into the cache now (an install or image-build step); returns the files."""
    out = []
    for model, precision, stats_mode in VARIANTS:
        graph(model, precision, stats_mode, cache_dir=cache_dir)
        out.append(graph_cache.entry_path(_key(model, precision, stats_mode), cache_dir))
    return out


def _key(model: str, precision: str, stats_mode: str | None) -> dict:
    return {"model": model, "precision": precision, "stats": stats_mode,
            "source_sha256": ONNX_MODELS[model].sha256[ONNX_MODELS[model].files[0]], "version": graph_cache.REWRITE_VERSION}


def _session(model: str, precision: str = "float", stats_mode: str | None = None, *,
             cache_dir: str | os.PathLike | None = None):
    if precision not in PRECISIONS:
        from painterly.errors import InputError

        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    # the 256 px style predictor takes ~10 ms and runs right before the transformer: measured
    # (2 cores) its spinning pool threads added ~40 ms to the transformer run that followed
    return get_session((model, precision, stats_mode),
                       lambda: graph(model, precision, stats_mode, cache_dir=cache_dir),
                       spin=model != "arbitrary_predict")


def warm_sessions(models: tuple[str, ...], precision: str = "float") -> None:
    """Create the plain sessions of ``models`` now, e.g. in a thread while the inputs are read."""
    for model in models:
        _session(model, "float" if model == "multistyle26" else precision)


def pad_to_multiple(img: np.ndarray, multiple: int = MULTIPLE) -> tuple[np.ndarray, int, int]:
    """Reflect-pad HxWxC bottom/right to a multiple; returns (padded, h, w)."""
    h, w = img.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if h > ph and w > pw else "edge"
        img = np.pad(img, ((0, ph), (0, pw), (0, 0)), mode=mode)
    return img, h, w


def _run(sess, feeds: dict, stats):
    if isinstance(stats, list):
        names = [i.name for i in sess.get_inputs()][len(feeds):]
        feeds = dict(feeds, **{n: s for n, s in zip(names, stats)})
        return sess.run(None, feeds)[0], None
    outs = sess.run(None, feeds)
    return outs[0], (list(outs[1:]) if stats == "export" else None)


def predict_style(img256: np.ndarray, *, precision: str = "float") -> np.ndarray:
    """256x256x3 contract image -> style vector, float32 (100,)."""
    sess = _session("arbitrary_predict", precision)
    x = np.ascontiguousarray(img256[None], dtype=np.float32)
    return sess.run(None, {sess.get_inputs()[0].name: x})[0].reshape(100).astype(np.float32)


def arbitrary(image: np.ndarray, vec: np.ndarray, *, precision: str = "float", stats=None):
    """Run the arbitrary-style transformer on a contract image at its own size.

    Returns (image, stats or None)."""
    sess = _session("arbitrary_transform", precision,
                    None if stats is None else ("export" if stats == "export" else "inject"))
    x, h, w = pad_to_multiple(image)
    names = [i.name for i in sess.get_inputs()]
    feeds = {names[0]: x[None], names[1]: vec.reshape(1, 1, 1, 100).astype(np.float32)}
    out, st = _run(sess, feeds, stats)
    return np.ascontiguousarray(out[0, :h, :w], dtype=np.float32), st


def multistyle(image: np.ndarray, weights: np.ndarray, *, stats=None):
    """Run the 26-style network with mixing weights (26,) on a contract image at its own size."""
    sess = _session("multistyle26", "float",
                    None if stats is None else ("export" if stats == "export" else "inject"))
    x, h, w = pad_to_multiple(image)
    # the session's graph takes and returns NHWC (graphs.nhwc_io)
    feeds = {"image": np.ascontiguousarray(x[None], dtype=np.float32),
             "style_weights": weights.astype(np.float32)}
    out, st = _run(sess, feeds, stats)
    out = out[0] if out.shape[1:3] == (h, w) else out[0, :h, :w]
    return np.ascontiguousarray(out, dtype=np.float32), st
