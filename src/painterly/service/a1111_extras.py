"""A1111's *Extras* (upscaling a picture) and *interrogate* (saying what a picture shows), served
without a model download.

Upscaling: the built-in upscalers need no model (Lanczos, Nearest; "None" leaves the size as it
is, as in A1111). Face restoration (GFPGAN, CodeFormer) is refused: this server has none.

Interrogate is *not* CLIP or BLIP captioning and not DeepDanbooru tagging: no such model installs
offline. It answers with what painterly can measure: the picture's subject groups as
EfficientNet-Lite0 (ImageNet) sees them (cat, dog, person, building, landscape...), its light
and colour in words, and the closest painterly styles by style vector
(:mod:`painterly.provenance.attribution`). Each part is named in the caption.
"""

from __future__ import annotations

import base64
import importlib.util

import numpy as np

from painterly.errors import InputError, MissingExtraError
from painterly.generation.upscale import cover_crop, find_upscaler, upscale
from painterly.io import load_image
from painterly.provenance.artwork import encode_artwork

SUBJECT_MIN = 0.15  # a subject group is named when EfficientNet gives it this much probability
STYLES_NAMED = 3  # closest painterly styles named in a caption


def extras_image(img: np.ndarray, req) -> np.ndarray:
    """One picture through A1111's extras: upscaler 1 to the asked size, upscaler 2 blended in by
    its visibility. Sizes as A1111: ``resize_mode`` 0 scales by ``upscaling_resize``, 1 goes to
    ``upscaling_resize_w`` x ``_h``, cropping to that aspect when ``upscaling_crop``."""
    if req.gfpgan_visibility > 0 or req.codeformer_visibility > 0:
        raise InputError("face restoration (GFPGAN, CodeFormer) is not available: this server has "
                         "no face restorer; send gfpgan_visibility 0 and codeformer_visibility 0")
    first = find_upscaler(req.upscaler_1)
    second = find_upscaler(req.upscaler_2)
    if first == "None":  # A1111 returns the picture as it is when no upscaler is chosen
        return img
    h, w = img.shape[:2]
    if req.resize_mode == 1:
        target = (int(req.upscaling_resize_w), int(req.upscaling_resize_h))
        if req.upscaling_crop:
            scaled, (x, y) = cover_crop((w, h), target)
        else:
            scaled, (x, y) = target, (0, 0)
    else:
        scaled = target = (round(w * req.upscaling_resize), round(h * req.upscaling_resize))
        x = y = 0

    def run(name: str) -> np.ndarray:
        return upscale(img, scaled, name)[y:y + target[1], x:x + target[0]]

    out = run(first)
    if second != "None" and req.extras_upscaler_2_visibility > 0:
        v = float(req.extras_upscaler_2_visibility)
        out = (1.0 - v) * out + v * run(second)
    return np.ascontiguousarray(out, dtype=np.float32)


def encode_png(img: np.ndarray) -> str:
    """Raw base64 PNG, as A1111's API sends images (painterly's provenance record in XMP; an
    upscaled photo is not labelled AI-generated)."""
    from painterly.provenance.record import Provenance

    data = encode_artwork(img, "PNG", metadata={"provenance": Provenance(technique="upscale", aigc=None)})
    return base64.b64encode(data).decode("ascii")


def _words(img: np.ndarray) -> list[str]:
    """Light and colour in words, from the pixels (HSV means; thresholds at mid-scale)."""
    import cv2

    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)  # float input: H in [0, 360), S and V in [0, 1]
    sat, val = float(hsv[..., 1].mean()), float(hsv[..., 2].mean())
    words = ["bright" if val > 0.65 else "dark" if val < 0.3 else "mid-toned"]
    if sat < 0.08:
        words.append("monochrome")
    else:
        words.append("colourful" if sat > 0.45 else "muted colours")
        r, b = float(img[..., 0].mean()), float(img[..., 2].mean())
        words.append("warm tones" if r > b + 0.05 else "cool tones" if b > r + 0.05 else "neutral tones")
    return words


def interrogate(data: bytes, model: str) -> str:
    """The caption ``/interrogate`` answers (see the module's docstring for what it is)."""
    if model not in ("clip", "deepdanbooru"):
        raise InputError(f"interrogate model {model!r}: accepted are clip and deepdanbooru "
                         "(both answered by painterly's offline description)")
    img = load_image(data, max_size=512)
    parts = []
    if importlib.util.find_spec("torch") is not None:
        from painterly.provenance.drift import GROUPS, group_probs

        try:
            probs = group_probs(img)
        except MissingExtraError:
            probs = None
        if probs is not None:
            order = [i for i in np.argsort(-probs) if GROUPS[i] != "object" and probs[i] >= SUBJECT_MIN]
            if order:
                parts.append("subject: " + ", ".join(GROUPS[i] for i in order[:3]))
    parts.append("look: " + ", ".join(_words(img)))
    from painterly.provenance.attribution import attribute

    closest = [r["style"] for r in attribute(img)[:STYLES_NAMED]]
    parts.append("closest painterly styles: " + ", ".join(closest))
    if model == "deepdanbooru":  # a tag list, as DeepDanbooru answers
        return ", ".join(t for p in parts for t in p.split(": ", 1)[1].split(", "))
    return "; ".join(parts)
