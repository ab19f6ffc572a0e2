"""Classic stylisation filters: no model, all offline. Importing this registers them as styles."""

from __future__ import annotations

import importlib

# One module per filter; each calls painterly.styles.filter_style(...) at import.
_MODULES: list[str] = ["watercolor", "pencil", "inkwash", "cartoon", "oil", "popart", "ukiyoe"]

for _m in _MODULES:
    importlib.import_module(f"painterly.filters.{_m}")
