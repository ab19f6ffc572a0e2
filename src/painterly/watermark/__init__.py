"""Invisible watermark: a 48-bit payload that survives JPEG, resizing and cropping.

Method: tiled direct-sequence spread spectrum in the luminance (Cox et al. 1997; tiling and
cyclic sync as in Kalker et al. 1999, JAWS), on a grid tied to the image's shorter side, so a
resized copy maps onto the same grid. Detection measures the tile period from the
autocorrelation peaks of the whitened image (Kutter 1998), folds all tiles into one, finds the
tile origin by correlating with a known sync pattern, and decodes a convolutional code by soft
Viterbi. A keyed 24-bit tag rejects unmarked images. See docs/watermark.md.

    payload = make_payload(producer_id, serial)
    marked = embed(image, payload)
    result = embed_checked(image, payload)  # Embedding(image, embedded, reason, margin)
    found = detect(marked)            # Detection(detected, payload, confidence)
"""

from painterly.watermark.code import make_payload
from painterly.watermark.config import PUBLIC_KEY, Detection, Embedding, WatermarkConfig
from painterly.watermark.detection import detect
from painterly.watermark.embedding import embed, embed_checked

__all__ = [
    "PUBLIC_KEY", "Detection", "Embedding", "WatermarkConfig", "detect", "embed", "embed_checked",
    "make_payload",
]
