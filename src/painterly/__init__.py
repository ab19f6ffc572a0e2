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

__version__ = "0.1.0"

# Everything else is imported on first use: `import painterly` stays light (no numpy, never
# torch), so that the command line can set up its process before numpy loads (painterly.cli).
_LAZY = {
    "stylize": "painterly.engine",
    "Limits": "painterly.io",
    "load_image": "painterly.io",
    "save_image": "painterly.provenance.artwork",  # save_artwork: the image with its AI label
    "Style": "painterly.styles",
    "get_style": "painterly.styles",
    "list_styles": "painterly.styles",
    "score": "painterly.curation.rank",
    "rank": "painterly.curation.rank",
    "curate": "painterly.curation.rank",
    "quality_score": "painterly.curation.quality",
    "style_embedding": "painterly.neural",
}


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        attr = "save_artwork" if name == "save_image" else name
        value = getattr(importlib.import_module(_LAZY[name]), attr)
        globals()[name] = value
        return value
    if not name.startswith("_"):  # a subpackage, as `import painterly` used to load some of them
        try:
            return importlib.import_module(f"painterly.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"painterly.{name}":
                raise
    raise AttributeError(f"module 'painterly' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
