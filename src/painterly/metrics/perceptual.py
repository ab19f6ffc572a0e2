"""Perceptual losses on EfficientNet-Lite0 features, shared by the metrics and the Gatys optimiser.

Content: relative squared error of feature maps (Gatys et al. 2016, eq. 1, normalised so the
layers weigh alike and the value does not depend on image size). Style: relative squared error
of Gram matrices (Gatys et al. 2016, eq. 3-5), Gram normalised by the number of positions.
Imports torch: import this module lazily.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from painterly.metrics.efficientnet import EfficientNetLite0, load_efficientnet_lite0

#: Content is compared on mid-level stages (stride 4, 8, 16): edges and parts, where blur and
#: lost detail show, without the class-level invariance of the deepest stages.
CONTENT_LAYERS = ("s2", "s3", "s4")
#: Style spans stride 2 to 16: colour blobs and strokes at the shallow end, motifs deeper
#: (like the conv1_1..conv5_1 span of the VGG original).
STYLE_LAYERS = ("s1", "s2", "s3", "s4", "s5")


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """Contract image (H, W, 3 float32 in [0, 1]) -> (1, 3, H, W) tensor (shares no memory)."""
    return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)[None].clone()


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize (N, 3, H, W) to ``size`` (h, w), antialiased when shrinking."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)


def capped_size(h: int, w: int, max_size: int | None) -> tuple[int, int]:
    """(h, w) scaled down so the longer side is at most ``max_size`` (never up)."""
    if not max_size or max(h, w) <= max_size:
        return h, w
    s = max_size / max(h, w)
    return max(1, round(h * s)), max(1, round(w * s))


def gram(f: torch.Tensor) -> torch.Tensor:
    """Gram matrix (N, C, C) of (N, C, H, W) features, divided by H*W."""
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def features(x: torch.Tensor, names: tuple[str, ...], model: EfficientNetLite0 | None = None):
    """Named feature maps of pixels ``x`` (N, 3, H, W in [0, 1])."""
    model = model or load_efficientnet_lite0()
    return model.features(x, names)


def content_loss(fa: dict, fb: dict, names: tuple[str, ...] = CONTENT_LAYERS) -> torch.Tensor:
    """Mean over layers of ||Fa - Fb||^2 / ||Fa||^2 (0 when equal; ~1 when unrelated)."""
    terms = [(fa[n] - fb[n]).pow(2).mean() / fa[n].pow(2).mean().clamp_min(1e-12) for n in names]
    return torch.stack(terms).mean()


def style_loss(ga: dict, gb: dict, names: tuple[str, ...] = STYLE_LAYERS) -> torch.Tensor:
    """Mean over layers of ||Ga - Gb||_F^2 / ||Ga||_F^2, on Gram matrices from :func:`gram`."""
    terms = [(ga[n] - gb[n]).pow(2).sum() / ga[n].pow(2).sum().clamp_min(1e-12) for n in names]
    return torch.stack(terms).mean()


def grams(feats: dict) -> dict:
    return {k: gram(v) for k, v in feats.items()}
