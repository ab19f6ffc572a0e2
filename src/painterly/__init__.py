"""painterly: an offline AI-painting engine.

Public API (all images follow the contract in :mod:`painterly.io`: float32 HxWx3 in [0, 1])::

    import painterly
    img = painterly.load_image("photo.jpg")
    art = painterly.stylize(img, "watercolor", strength=0.8, seed=1)
    painterly.save_image(art, "art.png")
"""

from painterly.engine import stylize
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

__version__ = "0.1.0"

# Capabilities imported on first use, so that `import painterly` stays light (never torch).
_LAZY = {
    "score": "painterly.curation.rank",
    "rank": "painterly.curation.rank",
    "curate": "painterly.curation.rank",
    "quality_score": "painterly.curation.quality",
    "style_embedding": "painterly.neural",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'painterly' has no attribute {name!r}")


__all__ = [
    "InputError",
    "LimitError",
    "Limits",
    "ModelMissingError",
    "PainterlyError",
    "Style",
    "UnknownStyleError",
    "UnsupportedFormatError",
    "curate",
    "get_style",
    "list_styles",
    "load_image",
    "quality_score",
    "rank",
    "save_image",
    "score",
    "style_embedding",
    "stylize",
]
