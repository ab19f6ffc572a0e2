"""What text-to-style matching reads about each style: the style catalogue's entry, nothing else.

Each :class:`painterly.styles.Style` carries a one-line description, optionally a longer one
written for matching (``details``: the visual words people use for that look), and tags in any
language; :mod:`painterly.styles` is the one place these facts live.

A :class:`CatalogEntry` is the merged, matching-ready view of one style: an English document for
the English sentence encoder, the same plus Chinese words for the multilingual encoder, and the
tag list that the "why" column quotes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
    """The matching view of a :class:`painterly.styles.Style`: its words split by script."""
    desc = style.description.strip().rstrip(".")
    rich = getattr(style, "details", "").strip()
    if rich and rich.lower() != desc.lower():
        desc = f"{desc}. {rich}" if desc else rich
    tags = [*style.tags, *(a.replace("-", " ") for a in style.aliases)]
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
