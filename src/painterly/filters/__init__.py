"""Classic stylisation filters: no model, all offline. A style provider (see painterly.styles)."""

from __future__ import annotations

import importlib

# One module per filter; each lists what it provides in a module-level STYLES tuple.
_MODULES: list[str] = ["watercolor", "pencil", "inkwash", "cartoon", "oil", "popart", "ukiyoe"]


def styles() -> list:
    """Every filter style, in listing order (what the style catalogue loads)."""
    return [s for m in _MODULES for s in importlib.import_module(f"painterly.filters.{m}").STYLES]
