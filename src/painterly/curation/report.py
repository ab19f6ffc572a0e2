"""What a curation run leaves behind: a contact sheet with the scores, and a JSON summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from painterly.curation.rank import Curation
from painterly.sheet import contact_sheet


def _short(name: str, n: int = 13) -> str:
    return name if len(name) <= n else name[: n - 1] + "~"


def curation_sheet(images: Sequence[np.ndarray], result: Curation, *,
                   names: Sequence[str] | None = None, title: str | None = None,
                   cell: int = 320) -> np.ndarray:
    """Every candidate, best first, captioned 'rank. name clip q', kept ones marked '*'.

    320 px cells leave room for a 36-character caption in the default font.
    """
    kept = {r.index for r in result.kept}
    items = []
    for pos, r in enumerate(result.ranked, 1):
        label = _short(names[r.index]) if names else f"#{r.index}"
        clip = f" clip {r.clip:.3f}" if r.clip is not None else ""
        mark = " *" if r.index in kept else ""
        items.append((f"{pos}. {label}{clip} q {r.quality.total:.2f}{mark}", images[r.index]))
    if title is None:
        title = f"ranked by {result.signal}; * = kept"
    return contact_sheet(items, cell=cell, title=title)


def curation_summary(result: Curation, names: Sequence[str], **extra: Any) -> dict[str, Any]:
    """A JSON-ready record: the signal, the note and each candidate's scores, best first."""
    kept = {r.index for r in result.kept}
    return {
        **extra,
        "signal": result.signal,
        "note": result.note,
        "ranking": [
            {
                "rank": pos,
                "input": names[r.index],
                "kept": r.index in kept,
                "score": round(r.score, 6),
                "clip": None if r.clip is None else round(r.clip, 6),
                "quality": {k: round(v, 4) for k, v in r.quality.as_dict().items()},
            }
            for pos, r in enumerate(result.ranked, 1)
        ],
    }


__all__ = ["curation_sheet", "curation_summary"]
