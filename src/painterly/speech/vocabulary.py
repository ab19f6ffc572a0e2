"""painterly's spoken-prompt vocabulary and the small language model built from it.

PocketSphinx's general US-English trigram model (``en-us.lm.bin``, ~130k words) spreads its
probability over all of English, so short style prompts ("make it look like a watercolor
painting") come back with rare-word substitutions. The recogniser therefore first decodes with
a *domain* language model: a trigram model (fixed-discount backoff, pocketsphinx's own
``ArpaBoLM``) estimated from sentences generated here from painterly's style vocabulary — the
style catalogue's names, aliases and tags (:mod:`painterly.styles`, the user's library included)
plus the common prompt words below. The recogniser rebuilds the model when the catalogue's words
change (:func:`vocabulary_key`), so a style added while the process runs can be asked for by
voice. The general model stays available as the fallback (see :mod:`painterly.speech.sphinx`).

This is the "class-based template corpus" approach long used for command-and-control
recognisers with CMU Sphinx (the lmtool recipe): cheap, deterministic, and no data collection.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re

# Word lists read better packed than one per line.
# fmt: off
# Painting media and styles people say when asking for a look. Multi-word terms stay together
# so the trigram model learns them as units ("oil painting", "stained glass").
STYLE_TERMS = (
    "watercolor", "watercolor painting", "watercolour", "oil painting", "acrylic painting",
    "painting", "pencil sketch", "pencil drawing", "sketch", "drawing", "charcoal drawing",
    "charcoal", "ink drawing", "ink wash", "pen and ink", "cartoon", "comic book", "comic",
    "anime", "manga", "pop art", "mosaic", "stained glass", "impressionist painting",
    "impressionism", "expressionism", "pointillism", "cubism", "cubist painting",
    "surrealism", "surreal painting", "abstract art", "abstract painting", "pastel drawing",
    "pastel", "crayon drawing", "woodcut", "linocut", "engraving", "etching", "pixel art",
    "poster", "vintage photo", "old photograph", "sepia", "black and white", "fresco",
    "gouache", "line art", "neon", "mural", "graffiti", "postcard", "print",
)
ARTISTS = (
    "van gogh", "vincent van gogh", "monet", "claude monet", "picasso", "pablo picasso",
    "hokusai", "rembrandt", "vermeer", "klimt", "munch", "edvard munch", "turner", "cezanne",
    "matisse", "warhol", "andy warhol", "da vinci", "leonardo da vinci", "dali", "seurat",
    "renoir", "kandinsky", "mondrian", "hopper", "edward hopper", "frida kahlo", "degas",
)
ADJECTIVES = (
    "bold", "soft", "bright", "dark", "warm", "cool", "cold", "vivid", "muted", "colorful",
    "pale", "dreamy", "gloomy", "calm", "stormy", "moody", "gentle", "rough", "smooth", "thick",
    "thin", "heavy", "light", "loose", "detailed", "simple", "old", "vintage", "modern",
    "classic", "japanese", "french", "dutch", "blue", "red", "green", "yellow", "orange",
    "purple", "pink", "gold", "golden", "silver", "black", "white", "gray", "brown", "sunny",
    "foggy", "misty", "rainy", "snowy", "quiet", "happy", "sad", "strong", "subtle", "painterly",
    "flat", "sharp", "blurry", "grainy", "faded", "glowing", "rich", "deep", "cheerful",
)
FEATURES = (
    "brush strokes", "thick brush strokes", "paint strokes", "outlines", "black outlines",
    "edges", "colors", "colours", "lines", "shadows", "light", "texture", "paper texture",
    "canvas", "dots", "tiles", "glass", "contrast", "highlights", "tones", "shading",
)
SUBJECTS = (
    "cat", "dog", "portrait", "face", "landscape", "city", "street", "sea", "ocean", "beach",
    "sunset", "sunrise", "mountains", "forest", "trees", "flowers", "garden", "river", "lake",
    "sky", "night", "stars", "house", "building", "bridge", "boat", "car", "people", "woman",
    "man", "child", "bird", "horse", "field", "village", "winter", "summer", "autumn", "spring",
    "rocket", "coffee", "astronaut", "photo", "picture", "image",
)
# Common English words (function words, requests, everyday nouns and verbs) added as unigrams
# only: they let the model produce word orders no template made, through backoff, instead of
# forcing the nearest style word onto them.
COMMON_WORDS = ["the", "a", "an", "and", "or", "but", "of", "on", "in", "at", "to", "for", "with", "without", "from", "by", "into", "onto", "over", "under", "like", "as", "is", "are", "be", "it", "this", "that", "these", "those", "its", "my", "me", "i", "you", "we", "it's", "please", "just", "very", "more", "less", "some", "all", "no", "not", "too", "so", "much", "many", "little", "big", "small", "large", "tiny", "huge", "new", "few", "lots", "make", "makes", "made", "do", "turn", "paint", "painted", "draw", "drawn", "sketch", "color", "colour", "add", "use", "give", "show", "want", "would", "could", "should", "can", "keep", "change", "look", "looks", "looking", "see", "try", "put", "let", "get", "photo", "picture", "image", "paper", "wall", "canvas", "board", "page", "background", "foreground", "top", "bottom", "side", "water", "fire", "stone", "wood", "metal", "glass", "sand", "snow", "rain", "wind", "cloud", "clouds", "sun", "moon", "light", "lights", "day", "morning", "evening", "afternoon", "noon", "dark", "shade", "shadow", "shape", "shapes", "pattern", "patterns", "one", "two", "three", "first", "last", "again", "also", "only", "here", "there", "now", "then", "up", "down", "out", "off", "style", "styles", "effect", "filter", "look", "feeling", "mood", "scene", "view", "art", "artist", "artwork", "hand", "hands", "eyes", "hair", "tree", "flower", "leaf", "leaves", "grass", "hill", "hills", "road", "path", "wave", "waves", "cats", "dogs", "birds", "houses", "boats", "cars", "buildings", "streets", "castle", "tower", "church", "market", "kind", "sort", "bit", "lot", "way", "thing", "things", "something", "nothing", "everything"]

# Sentence frames a person uses to ask for a style. {s}=style, {a}=adjective, {f}=feature,
# {x}=subject, {p}=artist.
TEMPLATES = (
    "{s}", "{a} {s}", "a {s}", "a {a} {s}", "make it a {s}", "make it look like a {s}",
    "make it look like a {a} {s}", "make this a {s}", "make this photo a {s}",
    "turn it into a {s}", "turn this into a {s}", "turn this photo into a {s}",
    "turn the picture into a {a} {s}", "paint it as a {s}", "paint this as a {a} {s}",
    "i want a {s}", "i would like a {a} {s}", "give me a {s}", "show me a {s}",
    "{s} style", "in the style of a {s}", "in {s} style", "as a {s}", "like a {s}",
    "a {s} of a {x}", "a {a} {s} of a {x}", "a {s} of the {x}", "{s} with {f}",
    "{s} with {a} {f}", "a {s} with {a} {f}", "make it look like a {s} with {f}",
    "{a} {f}", "with {a} {f}", "use {a} {f}", "more {f}", "less {f}", "add {a} {f}",
    "in the style of {p}", "paint it like {p}", "like {p}", "make it look like {p}",
    "a {x} painted by {p}", "a {s} by {p}", "paint this like a {s} by {p}",
    "a {a} {x}", "a {x} at night", "a {x} in the rain", "a {x} in {a} {f}",
    "make it {a}", "make it {a} and {a}", "make the colors {a}", "make it more {a}",
    "make it look {a}", "{a} and {a}", "something {a}", "a {a} and {a} {s}",
)
# fmt: on


def style_phrases(styles=None, *, library=None) -> list[str]:
    """Phrases that name the catalogue's styles (or ``styles``): names, aliases, tags."""
    if styles is None:
        from painterly.errors import StyleProviderError
        from painterly.styles import list_styles

        try:
            styles = list_styles(library=library)
        except StyleProviderError:  # a broken provider must not break speech input
            styles = []
    out: list[str] = []
    for st in styles:
        out.append(st.name.replace("-", " "))
        out.extend(a.replace("-", " ") for a in st.aliases)
        out.extend(t.replace("-", " ") for t in st.tags)
    return [p for p in (normalize_text(x) for x in out) if p]


def vocabulary_key(phrases: list[str]) -> str:
    """A hash of the style phrases: the style language model is rebuilt when it changes."""
    return hashlib.sha256("\n".join(sorted(set(phrases))).encode()).hexdigest()


def normalize_text(text: str) -> str:
    """Lower case, letters/digits/apostrophes only, single spaces (the dictionary's spelling)."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


def corpus(extra_styles: list[str] | None = None) -> list[str]:
    """Deterministic training sentences: every template filled in a round-robin over the slots.

    Round-robin (rather than the full cross product) keeps the corpus to a few thousand lines
    while every word appears in every frame it fits, which is what a backoff trigram needs.
    """
    styles = tuple(dict.fromkeys(STYLE_TERMS + tuple(extra_styles or ())))
    slots = {"s": styles, "a": ADJECTIVES, "f": FEATURES, "x": SUBJECTS, "p": ARTISTS}
    lines: list[str] = list(styles) + list(ARTISTS) + list(SUBJECTS)
    for t_index, template in enumerate(TEMPLATES):
        names = re.findall(r"{(\w)}", template)
        if not names:
            lines.append(template)
            continue
        # enough fillings that the longest slot list is covered once in this template
        n = max(len(slots[k]) for k in names)
        # each template starts its cycles at a different offset, so fillings pair up differently
        cycles = {}
        for k in set(names):
            start = (t_index * 7) % len(slots[k])
            cycles[k] = itertools.cycle(slots[k][start:] + slots[k][:start])
        for _ in range(n):
            values = [next(cycles[k]) for k in names]
            pieces = re.split(r"{\w}", template)
            lines.append("".join(p + v for p, v in zip(pieces, values + [""])))
    # "a ink drawing" -> "an ink drawing": the model should learn the article people say
    return [re.sub(r"\ba (?=[aeiou])", "an ", normalize_text(x)) for x in lines]


def build_arpa(
    sentences: list[str], *, words: tuple[str, ...] = COMMON_WORDS, discount_mass: float = 0.5
) -> str:
    """A trigram ARPA model (pocketsphinx.lm.ArpaBoLM: fixed-discount Katz-style backoff).

    ``words`` not in the sentences join as unigrams of count 1 (reachable through backoff).
    """
    from pocketsphinx.lm import ArpaBoLM

    lm = ArpaBoLM(text="\n".join(sentences), add_start=True, discount_mass=discount_mass)
    for w in words:  # ArpaBoLM.read_word_file does this from a file; we have the list here
        if w not in lm.grams_1:
            lm.grams_1[w] = 1
    lm.compute()
    buf = io.StringIO()
    lm.write(buf)
    return buf.getvalue()
