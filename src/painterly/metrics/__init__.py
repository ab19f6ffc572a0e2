"""Image-quality metrics for style transfer: how much of the photo survives, how close the style is.

* :func:`content_distance` — photo vs result, EfficientNet-Lite0 feature maps (Gatys et al. 2016
  content loss, normalised per layer). 0 for the photo itself; grows with blur, noise and lost
  detail. Computed at the result's resolution, so a soft upscaled result scores worse than a
  sharp full-resolution one.
* :func:`style_distance` — painting vs result, Gram matrices of EfficientNet-Lite0 features
  (Gatys et al. 2016 style loss, normalised per layer). 0 for the painting itself.
* :func:`ssim` — structural similarity (Wang et al. 2004) of the luminance of photo and result,
  via :func:`skimage.metrics.structural_similarity`. 1 for identical images.
* :func:`classify` — ImageNet top-k of EfficientNet-Lite0, for subject-drift checks.

All take contract images (float32 HxWx3 in [0, 1]; anything :func:`painterly.io.load_image`
accepts also works). The feature metrics need the ``torch`` extra (torch is imported lazily;
this module itself imports without it) and raise :class:`MissingExtraError` when it is absent.
"""

from __future__ import annotations

import numpy as np

from painterly.errors import InputError, MissingExtraError
from painterly.io import load_image

__all__ = ["IMAGENET_CLASSES", "classify", "content_distance", "ssim", "style_distance"]

#: The few ImageNet-1k class indices painterly's checks use, each verified against the
#: standard ILSVRC-2012 index order (no full label file ships offline).
IMAGENET_CLASSES = {
    281: "tabby cat",
    282: "tiger cat",
    285: "Egyptian cat",
    287: "lynx",
    657: "missile",
    744: "projectile",
    812: "space shuttle",
    925: "consomme",
    967: "espresso",
    968: "cup",
}

#: Longest side (px) style is compared at: Gram statistics describe strokes relative to the
#: picture, so painting and result are brought to a common scale; 512 keeps it quick on a CPU.
STYLE_SIZE = 512
#: Longest side (px) content is compared at: large enough that softness from upscaling shows.
CONTENT_SIZE = 1024


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingExtraError("torch", "torch") from None
    return torch


#: Shortest side (px) the measures and the classifier accept.
MIN_SIDE = 16


def _image(img, what: str) -> np.ndarray:
    out = load_image(img)
    if min(out.shape[:2]) < MIN_SIDE:
        raise InputError(f"{what}: image is {out.shape[1]}x{out.shape[0]}; both sides need at "
                         f"least {MIN_SIDE} px")
    return out


def content_distance(photo, result, *, max_size: int | None = CONTENT_SIZE) -> float:
    """Perceptual content distance from ``photo`` to ``result`` (0 = same content; lower is better).

    The photo is resized to the result's size (the result's longer side capped at ``max_size``)
    and both go through EfficientNet-Lite0; the value is the mean over stages s2, s3, s4 of
    ``||F_photo - F_result||^2 / ||F_photo||^2``.
    """
    torch = _torch()
    from painterly.metrics import perceptual as P

    a, b = _image(photo, "photo"), _image(result, "result")
    with torch.no_grad():
        tb = P.to_tensor(b)
        size = P.capped_size(*b.shape[:2], max_size)
        tb = P.resize(tb, size)
        ta = P.resize(P.to_tensor(a), size)
        fa = P.features(ta, P.CONTENT_LAYERS)
        fb = P.features(tb, P.CONTENT_LAYERS)
        return float(P.content_loss(fa, fb))


def style_distance(painting, result, *, max_size: int | None = STYLE_SIZE) -> float:
    """Gram-matrix style distance from ``painting`` to ``result`` (0 = same style; lower is better).

    Each image is scaled down so its longer side is at most ``max_size`` (aspect kept; never
    up); the value is the mean over stages s1..s5 of ``||G_painting - G_result||^2 / ||G_painting||^2``.
    """
    torch = _torch()
    from painterly.metrics import perceptual as P

    a, b = _image(painting, "painting"), _image(result, "result")
    with torch.no_grad():
        ga, gb = (
            P.grams(P.features(P.resize(P.to_tensor(x), P.capped_size(*x.shape[:2], max_size)),
                               P.STYLE_LAYERS))
            for x in (a, b)
        )
        return float(P.style_loss(ga, gb))


def ssim(photo, result) -> float:
    """SSIM of the luminance (Rec. 601 luma) of ``photo`` resized to ``result``'s size and ``result``.

    1 for identical images; lower when edges and textures of the photo are lost or changed.
    """
    import cv2
    from skimage.metrics import structural_similarity

    a, b = _image(photo, "photo"), _image(result, "result")
    if a.shape != b.shape:
        interp = cv2.INTER_AREA if a.shape[0] > b.shape[0] else cv2.INTER_CUBIC
        a = np.clip(cv2.resize(a, (b.shape[1], b.shape[0]), interpolation=interp), 0, 1)
    luma = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return float(structural_similarity(a @ luma, b @ luma, data_range=1.0))


def classify(image, *, top: int = 5) -> list[tuple[int, float]]:
    """ImageNet top-``top`` (class index, probability) of EfficientNet-Lite0 on ``image``.

    The image is centre-cropped to a square and resized to 224 px, as the model was trained.
    Names for a few indices are in :data:`IMAGENET_CLASSES`.
    """
    torch = _torch()
    from painterly.metrics import perceptual as P
    from painterly.metrics.efficientnet import load_efficientnet_lite0

    img = _image(image, "image")
    h, w = img.shape[:2]
    s = min(h, w)
    img = img[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    with torch.no_grad():
        probs = load_efficientnet_lite0()(P.resize(P.to_tensor(img), (224, 224))).softmax(-1)[0]
        p, i = probs.topk(top)
    return [(int(k), float(v)) for k, v in zip(i, p)]
