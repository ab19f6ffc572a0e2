"""Style attribution: which known styles is a picture closest to?

Each picture is described by the 100-d style vector of the style-prediction network (Ghiasi et
al. 2017; :func:`painterly.neural.style_embedding`), the vector that drives arbitrary style
transfer. Scores are cosine similarities after subtracting the mean vector of the reference set
(raw vectors share a large common part that makes every pair look alike).

The reference set is what the answer is relative to, so it is named in every result:

* built-in styles: painterly's styles are networks and filters, not paintings, so each is
  represented by its *rendering* of two reference photos (skimage's ``chelsea`` and ``coffee``,
  256 px), vectors averaged;
* the user's library: the vector stored with each painting (``painterly library add``).

This says "closest in style among this reference set", never who made a picture or whether it
was copied: a style absent from the set still gets a nearest neighbour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import numpy as np

REFERENCE_PHOTOS = ("chelsea", "coffee")
RENDER_SIZE = 256
NOTE = ("closest in style among the reference set (built-in styles rendered on two sample "
        "photos; the user's library paintings), by style-vector cosine; not proof of origin")

_LOCK = threading.Lock()
_BUILTIN: dict[str, np.ndarray] = {}


def _embed(image: np.ndarray) -> np.ndarray:
    from painterly.neural import style_embedding

    return np.asarray(style_embedding(image), np.float32).ravel()


def builtin_vectors(progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """One vector per built-in style (its renderings of :data:`REFERENCE_PHOTOS`), computed once
    per process."""
    from painterly.io import resize_max
    from painterly.samples import sample_photo
    from painterly.styles import list_styles

    with _LOCK:
        if _BUILTIN:
            return dict(_BUILTIN)
        photos = [resize_max(sample_photo(n), RENDER_SIZE) for n in REFERENCE_PHOTOS]
        styles = [s for s in list_styles() if s.family != "library"]
        for i, s in enumerate(styles):
            vecs = [_embed(s.apply(p, strength=1.0, seed=0)) for p in photos]
            _BUILTIN[s.name] = np.mean(vecs, axis=0)
            if progress:
                progress(i + 1, len(styles))
        return dict(_BUILTIN)


def library_vectors(folder=None) -> dict[str, np.ndarray]:
    """The user's library: ``library:<name>`` -> stored style vector."""
    from painterly.library import ensure_vector, list_entries

    return {f"library:{e.name}": ensure_vector(e.name, folder) for e in list_entries(folder)}


def rank(image: np.ndarray, references: Mapping[str, np.ndarray]) -> list[dict[str, float | str]]:
    """``[{"style", "score"}]`` best first: centred cosine of ``image``'s style vector with each
    reference vector."""
    if not references:
        from painterly.errors import InputError

        raise InputError("no reference styles to compare with (empty library and no built-ins)")
    names = list(references)
    ref = np.stack([np.asarray(references[n], np.float32) for n in names])
    mean = ref.mean(axis=0) if len(names) > 1 else np.zeros(ref.shape[1], np.float32)
    q = _embed(image) - mean
    r = ref - mean
    scores = r @ q / (np.linalg.norm(r, axis=1) * np.linalg.norm(q) + 1e-12)
    order = np.argsort(-scores)
    return [{"style": names[i], "score": round(float(scores[i]), 4)} for i in order]


def attribute(image: np.ndarray, *, builtin: bool = True, library: bool = False,
              library_folder=None, progress=None) -> list[dict[str, float | str]]:
    """Rank the built-in styles and/or the user's library by style similarity to ``image``."""
    refs: dict[str, np.ndarray] = {}
    if builtin:
        refs.update(builtin_vectors(progress))
    if library:
        refs.update(library_vectors(library_folder))
    return rank(image, refs)
