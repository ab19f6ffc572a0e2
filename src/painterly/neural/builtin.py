"""The 26 built-in neural styles as a style provider (family "neural", see painterly.styles).

The table itself (names, descriptions, tags) is :mod:`painterly.neural.builtin_table`; applying a
style runs :func:`painterly.neural.transfer`, imported on first use so that loading the style
catalogue needs no neural runtime.
"""

from __future__ import annotations

import numpy as np

from painterly.neural.builtin_table import (
    BUILTINS,
    METHOD,
    NUM_BUILTINS,
    builtin_index,
    builtin_names,
)
from painterly.styles import Style

__all__ = ["BUILTINS", "METHOD", "NUM_BUILTINS", "builtin_index", "builtin_names", "styles"]


#: The built-in styles protect faces unless told not to (``portrait=False``): in a blind look
#: at 35 pairs of face crops (benchmarks/RESULTS.md) the protected face was preferred 13 to 4
#: for these styles; for paintings as styles it was even (4 to 4), so there it stays off.
PORTRAIT_DEFAULT = True


def _make_apply(index: int):
    def apply(image: np.ndarray, *, strength: float = 1.0, seed: int = 0, **options) -> np.ndarray:
        """Built-in neural style; options: preserve_color, style_scale, tile, portrait (on by
        default), faces (see transfer)."""
        from painterly.neural.feedforward import transfer

        del seed  # feed-forward network: deterministic, nothing random to seed
        options.setdefault("portrait", PORTRAIT_DEFAULT)
        return transfer(image, BUILTINS[index][0], strength=strength, **options)

    apply.options = ("preserve_color", "style_scale", "tile", "precision", "progress",  # type: ignore[attr-defined]
                     "portrait", "faces")  # see painterly.styles.takes_option
    return apply


def styles() -> list[Style]:
    """Every built-in neural style, in the network's index order."""
    return [Style(name, "neural", desc, _make_apply(i), tags, METHOD)
            for i, (name, desc, tags) in enumerate(BUILTINS)]
