"""Score and rank pictures against a text: CLIP when its weights are here, quality always.

Ranking key:

* with CLIP:    ``clip_cosine + quality_weight * quality.total``
* without CLIP: ``quality.total`` (the no-download score of :mod:`painterly.curation.quality`)

Ties keep the input order (a stable sort), so a ranking is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from painterly.curation.clip import (
    DEFAULT_MODEL,
    ClipScorer,
    as_images,
    check_text,
    clip_similarity,
    get_scorer,
)
from painterly.curation.quality import DEFAULT_CONFIG, Quality, QualityConfig, quality_score
from painterly.errors import InputError, ModelMissingError

ModelArg = str | Path | ClipScorer | None


@dataclass(frozen=True)
class RankConfig:
    # CLIP cosines of samples of one prompt spread by about 0.01-0.03. At 0.05 a quality gap of
    # 0.2 (a sharp against a blurred picture) is worth 0.01 of cosine: quality settles near-ties
    # and sinks broken pictures, but does not override a clearly better match to the text.
    quality_weight: float = 0.05
    quality: QualityConfig = field(default_factory=lambda: DEFAULT_CONFIG)


@dataclass(frozen=True)
class Ranked:
    """One picture's place in a ranking."""

    index: int  # position in the input sequence
    score: float  # the ranking key (see the module docstring)
    clip: float | None  # CLIP cosine with the text; None when ranked by quality only
    quality: Quality  # the no-download quality score and its components

    def caption(self) -> str:
        """A short label for contact sheets: '#3 clip 0.312 q 0.84'."""
        clip = f"clip {self.clip:.3f} " if self.clip is not None else ""
        return f"#{self.index} {clip}q {self.quality.total:.2f}"


@dataclass(frozen=True)
class Curation:
    """What :func:`curate` kept, the full ranking and which signal decided."""

    kept: list[Ranked]
    ranked: list[Ranked]
    signal: str  # "clip+quality" or "quality"
    note: str = ""  # why CLIP was not used, when it was not


def check_keep(keep: int | None, n: int) -> int:
    if keep is None:
        return n
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise InputError(f"keep must be a whole number >= 1, got {keep!r}")
    return min(keep, n)  # keeping 3 of 2 keeps both


def score(image: Any, text: str, *, model: str | Path | ClipScorer = DEFAULT_MODEL) -> float:
    """CLIP cosine similarity of one image with a text, in [-1, 1] (higher matches better).

    ``image`` is a contract image or anything :func:`painterly.load_image` reads. ``model`` is a
    registered CLIP name (default ``clip-vit-b-32``), a local model folder, or a scorer object.
    Raises :class:`ModelMissingError` when the weights are not here (the message says how to get
    them).
    """
    return float(clip_similarity([image], text, model=model)[0])


def _order(keys: Sequence[float]) -> list[int]:
    # NaN (only from a broken model) sorts last; sorted() is stable, so ties keep input order.
    return sorted(range(len(keys)), key=lambda i: -keys[i] if math.isfinite(keys[i]) else math.inf)


def rank(
    images: Sequence[Any],
    text: str | None = None,
    *,
    keep: int | None = None,
    model: ModelArg = DEFAULT_MODEL,
    config: RankConfig = RankConfig(),
) -> list[Ranked]:
    """Rank images best first by CLIP similarity to ``text`` plus the quality score.

    Parameters
    ----------
    images : sequence of images (contract arrays, paths, bytes, PIL images)
    text : str, optional
        The prompt. Without it (or with ``model=None``) the ranking is by quality only.
    keep : int, optional
        Return only the best ``keep`` (all when None; at most ``len(images)``).
    model : CLIP name, local folder, scorer object, or None
    config : RankConfig

    Returns
    -------
    list of Ranked, best first; ties keep the input order.

    Raises
    ------
    ModelMissingError
        CLIP was asked for and its weights are not here. :func:`curate` falls back instead.
    """
    imgs = as_images(images)
    n = check_keep(keep, len(imgs)) if imgs else 0
    use_clip = text is not None and model is not None and bool(imgs)
    if text is not None:
        check_text(text)
    scorer = get_scorer(model) if use_clip else None  # a missing model fails before any work
    qualities = [quality_score(im, config=config.quality) for im in imgs]
    if scorer is not None:
        clips: list[float | None] = [float(c) for c in clip_similarity(imgs, text, model=scorer)]
        keys = [c + config.quality_weight * q.total for c, q in zip(clips, qualities)]
    else:
        clips = [None] * len(imgs)
        keys = [q.total for q in qualities]
    order = _order(keys)
    return [Ranked(index=i, score=float(keys[i]), clip=clips[i], quality=qualities[i])
            for i in order[:n]]


def curate(
    images: Sequence[Any],
    text: str | None,
    *,
    keep: int,
    model: ModelArg = DEFAULT_MODEL,
    config: RankConfig = RankConfig(),
    fallback: bool = True,
) -> Curation:
    """Keep the best ``keep`` images; CLIP plus quality, or quality alone when CLIP is missing.

    With ``fallback=True`` a missing CLIP model does not fail the job: the ranking uses the
    quality score and ``Curation.note`` says why and how to get CLIP. ``fallback=False`` raises
    :class:`ModelMissingError` instead.
    """
    imgs = as_images(images)
    if not imgs:
        raise InputError("curate needs at least one image")
    check_keep(keep, len(imgs))
    note = ""
    if text is None or model is None:
        ranked = rank(imgs, None, config=config)
        note = ("no prompt given: ranked by quality only" if text is None
                else "CLIP switched off: ranked by quality only")
    else:
        try:
            scorer: ClipScorer | None = get_scorer(model)  # load first: quality is scored once
        except ModelMissingError as e:
            if not fallback:
                raise
            scorer = None
            note = f"CLIP not available, ranked by quality only ({e})"
        ranked = rank(imgs, text if scorer is not None else None, model=scorer, config=config)
    signal = "clip+quality" if ranked and ranked[0].clip is not None else "quality"
    return Curation(kept=ranked[: check_keep(keep, len(imgs))], ranked=ranked, signal=signal,
                    note=note)


__all__ = ["Curation", "RankConfig", "Ranked", "curate", "rank", "score"]
