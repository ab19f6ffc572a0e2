"""painterly: an offline AI-painting engine.

Public API (all images follow the contract in :mod:`painterly.io`: float32 HxWx3 in [0, 1])::

    import painterly
    img = painterly.load_image("photo.jpg")
    art = painterly.stylize(img, "watercolor", strength=0.8, seed=1)
    painterly.save_image(art, "art.png")
"""

from painterly.errors import (
    InputError,
    LimitError,
    ModelMissingError,
    PainterlyError,
    UnknownStyleError,
    UnsupportedFormatError,
)
from painterly.io import Limits, load_image, save_image
from painterly.styles import Style, get_style, list_styles
from painterly.stylize import stylize
from painterly.neural import style_embedding

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "LimitError",
    "Limits",
    "ModelMissingError",
    "PainterlyError",
    "Style",
    "UnknownStyleError",
    "UnsupportedFormatError",
    "get_style",
    "list_styles",
    "load_image",
    "save_image",
    "style_embedding",
    "stylize",
]
