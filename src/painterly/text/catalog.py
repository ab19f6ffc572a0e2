"""What text-to-style matching reads about each style.

Each registered :class:`painterly.styles.Style` carries a one-line description and tags. The
``DESCRIPTIONS`` table below adds, for the classic filters, a richer description written for
matching (the visual words people use for that look) and tags in English and Chinese. The two are
merged: a style's own words always count, the table only adds.

A :class:`CatalogEntry` is the merged, matching-ready view of one style: an English document for
the English sentence encoder, the same plus Chinese words for the multilingual encoder, and the
tag list that the "why" column quotes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

#: name -> (description written for matching, English tags, Chinese tags).
#: Tags are the words a person would say when they want this look, not technical terms.
DESCRIPTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "cartoon": (
        "Cartoon look: flat areas of bright colour with bold black outlines, like a comic, "
        "an animated film or anime cel shading",
        ("cartoon", "comic", "comic book", "anime", "manga", "animation", "cel shading",
         "flat colors", "bold outlines", "toon", "cute", "illustration", "disney", "pixar"),
        ("卡通", "动漫", "漫画", "动画", "二次元", "卡通画", "日漫", "可爱"),
    ),
    "oil": (
        "Oil painting: thick visible brush strokes, rich saturated colour and impasto texture on "
        "canvas, like an impressionist or classical painting by Monet, Van Gogh or Rembrandt",
        ("oil painting", "oil", "painting", "brush strokes", "impasto", "canvas", "impressionist",
         "impressionism", "classical", "old master", "thick paint", "painterly", "van gogh",
         "monet", "rembrandt", "baroque", "fine art", "gallery", "museum"),
        ("油画", "油彩", "印象派", "印象主义", "古典", "笔触", "厚涂", "梵高", "莫奈", "画布", "名画"),
    ),
    "watercolor": (
        "Watercolour painting: soft transparent washes of colour that bleed into each other, "
        "darker wet edges and paper texture; light, dreamy and delicate",
        ("watercolor", "watercolour", "aquarelle", "wash", "soft", "wet", "transparent", "pastel",
         "dreamy", "delicate", "light", "airy", "bleeding colors", "gentle", "paper"),
        ("水彩", "水彩画", "淡彩", "清新", "柔和", "梦幻", "透明"),
    ),
    "pencil": (
        "Graphite pencil sketch: grey hand-drawn lines and hatched shading on white paper, "
        "black and white, like a drawing in a sketchbook",
        ("pencil", "sketch", "drawing", "graphite", "hatching", "black and white", "monochrome",
         "line art", "charcoal", "hand drawn", "sketchbook", "draft", "grayscale", "lines"),
        ("素描", "铅笔", "铅笔画", "速写", "手绘", "线稿", "黑白", "炭笔"),
    ),
    "color-pencil": (
        "Colour pencil drawing: coloured hand-drawn hatched strokes on white paper, like a "
        "crayon or coloured pencil illustration in a children's book",
        ("color pencil", "colour pencil", "colored pencil", "crayon", "crayons", "pencil crayon",
         "colorful sketch", "colored drawing", "hatching", "hand drawn", "children's drawing",
         "pastel drawing", "chalk"),
        ("彩铅", "彩色铅笔", "彩铅画", "彩色素描", "蜡笔", "蜡笔画", "儿童画", "粉笔"),
    ),
    "ink-wash": (
        "Chinese ink wash painting: black ink brush strokes in shades of grey on rice paper, "
        "sumi-e, misty mountains and empty space, calm, minimal and meditative",
        ("ink wash", "ink", "sumi-e", "sumi", "chinese painting", "brush painting", "calligraphy",
         "black ink", "zen", "minimal", "misty", "shan shui", "landscape", "rice paper",
         "east asian", "traditional chinese", "monochrome"),
        ("水墨", "水墨画", "国画", "中国画", "墨", "山水", "山水画", "写意", "宣纸", "毛笔", "书法",
         "禅", "留白"),
    ),
    "pop-art": (
        "Pop art: bold flat posterized colours, halftone dots and strong contrast, like Andy "
        "Warhol or Roy Lichtenstein prints and retro comic posters",
        ("pop art", "pop", "warhol", "lichtenstein", "halftone", "dots", "poster", "posterized",
         "vivid", "neon", "bright", "bold", "retro", "screen print", "graphic", "psychedelic",
         "colorful", "vibrant"),
        ("波普", "波普艺术", "海报", "复古", "鲜艳", "撞色", "网点", "丝网印刷"),
    ),
    "ukiyo-e": (
        "Ukiyo-e Japanese woodblock print: flat colour areas with fine dark outlines, muted "
        "indigo and beige, like Hokusai's Great Wave or Hiroshige landscapes",
        ("ukiyo-e", "ukiyoe", "woodblock", "woodblock print", "woodcut", "japanese", "japan",
         "hokusai", "hiroshige", "print", "great wave", "edo", "printmaking", "linocut",
         "japanese print"),
        ("浮世绘", "木刻", "版画", "木版画", "日本", "日式", "葛饰北斋", "神奈川冲浪里", "和风"),
    ),
}

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """True when ``text`` contains Chinese or Japanese characters."""
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    family: str
    description: str  # merged description (the style's own, then the table's if different)
    tags_en: tuple[str, ...]  # words without CJK characters (English and other Latin-script)
    tags_cjk: tuple[str, ...]  # Chinese / Japanese words

    @property
    def words(self) -> tuple[str, ...]:
        """The name's words and every tag: what the 'why' column quotes."""
        return tuple(dict.fromkeys((self.name.replace("-", " "), *self.tags_en, *self.tags_cjk)))

    def document_en(self) -> str:
        """English text for the English encoder: name, description, tags."""
        tags = ", ".join(self.tags_en)
        return f"{self.name.replace('-', ' ')} style. {self.description}. {tags}"

    def document_multi(self) -> str:
        """Text for the multilingual encoder: the English document plus the CJK words."""
        return f"{self.document_en()}. {'，'.join(self.tags_cjk)}"


def entry_for(style) -> CatalogEntry:
    """Merge a :class:`painterly.styles.Style` with the ``DESCRIPTIONS`` table (by name or alias)."""
    extra = DESCRIPTIONS.get(style.name)
    if extra is None:
        extra = next((DESCRIPTIONS[a] for a in style.aliases if a in DESCRIPTIONS), None)
    desc = style.description.strip().rstrip(".")
    tags = list(style.tags)
    if extra is not None:
        rich, en, zh = extra
        if rich.lower() != desc.lower():
            desc = f"{desc}. {rich}" if desc else rich
        tags += [*en, *zh]
    tags += [a.replace("-", " ") for a in style.aliases]
    uniq = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    return CatalogEntry(
        name=style.name,
        family=style.family,
        description=desc,
        tags_en=tuple(t for t in uniq if not has_cjk(t)),
        tags_cjk=tuple(t for t in uniq if has_cjk(t)),
    )


def build_catalog(styles: Iterable) -> list[CatalogEntry]:
    return [entry_for(s) for s in styles]


def catalog_key(entries: Iterable[CatalogEntry]) -> str:
    """A hash of everything matching reads, so cached embeddings follow catalogue changes."""
    h = hashlib.sha256()
    for e in entries:
        h.update(repr((e.name, e.description, e.tags_en, e.tags_cjk)).encode())
    return h.hexdigest()
