"""Matching a prompt to styles by shared words alone, for installs without a sentence encoder.

Method: Okapi BM25 (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework") over each
style's catalogue entry (name, description, details, tags and aliases), with the prompt's Chinese
words rendered into English by the lexicon first (:mod:`painterly.text.lexicon`). The raw score is
squashed into [0, 1) as ``s / (s + SATURATION)`` so that it sits on the same scale as the dense
matcher's (about 0.2 unrelated, 0.5+ a clear match) and ``choose_styles``' threshold keeps
meaning: a prompt sharing no word with any style matches none.

What it cannot do: find a style from a word its catalogue entry does not contain ("dreamy" finds
nothing unless a style lists it). The core install (``pip install painterly``: no torch) uses it;
``painterly[text]`` adds the sentence encoders (:mod:`painterly.text.match`).

Hand-written (about 40 lines): BM25 over 30-odd short documents needs no index library, and
``rank_bm25`` (the usual package) would be one more dependency of the core for one formula.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from painterly.text.catalog import CatalogEntry

K1, B = 1.2, 0.75  # BM25's usual constants (term-frequency saturation, length normalisation)
SATURATION = 3.0  # raw score giving 0.5: one rare word shared (idf about 3 over 30 styles)
STOPWORDS = frozenset((
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "it", "its", "like", "look",
    "make", "me", "my", "of", "on", "or", "please", "the", "this", "to", "turn", "with", "style",
    "styled", "photo", "picture", "image", "painting", "painted", "paint"))
# British spellings people type, as the catalogue writes them
SPELLING = {"colour": "color", "colours": "colors", "coloured": "colored", "grey": "gray",
            "watercolour": "watercolor", "watercolours": "watercolor"}


def tokens(text: str) -> list[str]:
    """Lower-case English words, British spellings unified, a plural 's' dropped, stopwords out."""
    out = []
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        w = SPELLING.get(w, w)
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w not in STOPWORDS:
            out.append(w)
    return out


def document(e: CatalogEntry) -> list[str]:
    return tokens(f"{e.name.replace('-', ' ')} {e.description} {' '.join(e.tags_en)}")


def scores(query: str, entries: Sequence[CatalogEntry]) -> tuple[list[float], list[list[str]]]:
    """Each entry's score in [0, 1) against the English ``query``, and the words it shared."""
    docs = [document(e) for e in entries]
    q = list(dict.fromkeys(tokens(query)))
    n = len(docs)
    avg = sum(len(d) for d in docs) / max(n, 1) or 1.0
    df = Counter(w for d in docs for w in set(d))
    out, shared = [], []
    for d in docs:
        tf = Counter(d)
        s, hit = 0.0, []
        for w in q:
            if tf[w]:
                idf = math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5))
                s += idf * tf[w] * (K1 + 1) / (tf[w] + K1 * (1 - B + B * len(d) / avg))
                hit.append(w)
        out.append(s / (s + SATURATION))
        shared.append(hit)
    return out, shared
