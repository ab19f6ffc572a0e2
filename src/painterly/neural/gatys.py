"""High-quality mode: optimisation-based style transfer (Gatys, Ecker & Bethge 2016, "Image Style
Transfer Using Convolutional Neural Networks"), on EfficientNet-Lite0 features.

The pixels of the result are optimised with Adam to match the photo's feature maps (content
loss) and the painting's Gram matrices on several stages (style loss), plus a small total
variation term against high-frequency noise. Slower than the feed-forward networks in
:func:`painterly.neural.transfer` (seconds per iteration on a CPU) but any painting's texture is
matched directly rather than through a 100-number style vector. Needs the ``torch`` extra.

VGG, the network of the paper, does not ship offline; EfficientNet-Lite0 does (see
:mod:`painterly.metrics.efficientnet`), so the layers below are its stages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from painterly.errors import CancelledError, InputError, MissingExtraError
from painterly.io import ImageSource, load_image


@dataclass(frozen=True)
class GatysConfig:
    size: int = 512  # longer side of the optimised image: detail vs seconds per iteration on a CPU
    style_size: int = 512  # longer side the painting is read at; sets stroke scale relative to it
    content_layers: tuple[str, ...] = ("s3", "s4")  # mid stages keep shapes, free the texture
    style_layers: tuple[str, ...] = ("s1", "s2", "s3", "s4", "s5")  # strokes (shallow) to motifs
    content_weight: float = 1.0  # losses are normalised per layer (see metrics.perceptual)
    style_weight: float = 20.0  # relative to content; the paper's alpha/beta ratio, retuned
    tv_weight: float = 2.0  # total variation, per pixel: suppresses checkerboard noise
    lr: float = 0.02  # Adam step on [0, 1] pixels; larger overshoots into saturated colours
    init_noise: float = 0.02  # std of the seeded noise added to the photo at start (seed matters)


DEFAULT_CONFIG = GatysConfig()


def check_inputs(iterations: int, time_budget_s: float | None, cfg: GatysConfig) -> None:
    if not isinstance(iterations, int) or iterations < 1 or iterations > 100_000:
        raise InputError(f"iterations must be an integer from 1 to 100000, got {iterations!r}")
    if time_budget_s is not None and not time_budget_s > 0:
        raise InputError(f"time_budget_s must be a positive number of seconds or None, got {time_budget_s!r}")
    if not 32 <= cfg.size <= 4096 or not 32 <= cfg.style_size <= 4096:
        raise InputError(f"size and style_size must be 32..4096 px, got {cfg.size}, {cfg.style_size}")


def stylize_gatys(
    image: ImageSource,
    style_image: ImageSource,
    *,
    iterations: int = 300,
    time_budget_s: float | None = None,
    seed: int = 0,
    progress: Callable[[int, int], bool | None] | None = None,
    config: GatysConfig = DEFAULT_CONFIG,
    return_losses: bool = False,
):
    """Neural style transfer by optimisation (Gatys et al. 2016) on EfficientNet-Lite0 features.

    Parameters
    ----------
    image : the photo (anything :func:`painterly.io.load_image` accepts).
    style_image : the painting whose style is transferred.
    iterations : Adam steps at most.
    time_budget_s : stop after this many seconds even if fewer iterations ran (None: no limit).
    seed : seeds the noise added to the starting image; same seed, same result (same machine).
    progress : called as ``progress(done, iterations)`` after each step; returning ``False``
        cancels the run with :class:`painterly.errors.CancelledError`.
    config : :class:`GatysConfig` (working size, layers, loss weights).
    return_losses : also return the total loss after each step (list of float).

    Returns
    -------
    numpy.ndarray float32 (H, W, 3) in [0, 1] with the longer side ``min(config.size, photo's)``,
    or ``(image, losses)`` when ``return_losses``.
    """
    # 1. check inputs
    check_inputs(iterations, time_budget_s, config)
    photo = load_image(image)
    painting = load_image(style_image)
    try:
        import torch
    except ImportError:
        raise MissingExtraError("torch", "torch") from None
    from painterly.metrics import perceptual as P

    start = time.monotonic()
    # 2. targets: the photo's features, the painting's Gram matrices
    with torch.no_grad():
        content = P.resize(P.to_tensor(photo), P.capped_size(*photo.shape[:2], config.size))
        style = P.resize(P.to_tensor(painting), P.capped_size(*painting.shape[:2], config.style_size))
        target_f = P.features(content, config.content_layers)
        target_g = P.grams(P.features(style, config.style_layers))
    layers = tuple(dict.fromkeys(config.content_layers + config.style_layers))

    # 3. start from the photo plus seeded noise (a local generator: no global RNG state touched)
    gen = torch.Generator().manual_seed(int(seed))
    x = (content + config.init_noise * torch.randn(content.shape, generator=gen)).clamp(0, 1)
    x.requires_grad_(True)
    opt = torch.optim.Adam([x], lr=config.lr)

    # 4. optimisation loop
    losses: list[float] = []
    for step in range(iterations):
        opt.zero_grad(set_to_none=True)
        feats = P.features(x, layers)
        loss = (
            config.content_weight * P.content_loss(target_f, feats, config.content_layers)
            + config.style_weight * P.style_loss(target_g, P.grams({k: feats[k] for k in config.style_layers}),
                                                 config.style_layers)
            + config.tv_weight * _tv(x)
        )
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        losses.append(float(loss.detach()))
        if progress is not None and progress(step + 1, iterations) is False:
            raise CancelledError(f"style optimisation cancelled after {step + 1} of {iterations} steps")
        if time_budget_s is not None and time.monotonic() - start >= time_budget_s:
            break

    out = np.ascontiguousarray(x.detach()[0].permute(1, 2, 0).numpy(), dtype=np.float32)
    return (out, losses) if return_losses else out


def _tv(x):
    """Anisotropic total variation (mean squared neighbour difference)."""
    return (x[..., 1:, :] - x[..., :-1, :]).pow(2).mean() + (x[..., :, 1:] - x[..., :, :-1]).pow(2).mean()
