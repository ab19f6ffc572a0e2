"""Typed errors. Every error painterly raises on bad input says what was wrong and what is accepted.

The CLI turns any :class:`PainterlyError` into one line on stderr and exit code 2;
the HTTP service turns it into a 4xx response.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


class PainterlyError(Exception):
    """Base class of every error painterly raises on purpose."""


class InputError(PainterlyError, ValueError):
    """The input (image, audio, option value) cannot be used."""


class UnsupportedFormatError(InputError):
    """The file's content is not in a format painterly accepts."""


class LimitError(InputError):
    """The input is larger than the configured limits (pixels, side, duration, bytes)."""


def _is_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)


def _pinyin(text: str) -> list[str] | None:
    """Toneless pinyin syllables of ``text`` (first reading of each character), or None when
    pypinyin is not installed. Only the per-character table is loaded (not the phrase one)."""
    import unicodedata

    try:
        from pypinyin.pinyin_dict import pinyin_dict
    except ImportError:
        return None
    out = []
    for ch in text:
        reading = pinyin_dict.get(ord(ch))
        syllable = reading.split(",")[0] if reading else ch
        out.append("".join(c for c in unicodedata.normalize("NFD", syllable)
                           if not unicodedata.combining(c)))
    return out


def close_names(name: str, words: Mapping[str, Iterable[str]] | Iterable[str], n: int = 3,
                names: Iterable[str] = ()) -> list[str]:
    """The names closest to a mistyped ``name``, best first: those within a hair of the best
    difflib ratio, or none when nothing is close.

    ``words`` maps each word a user might type (an alias, a tag in any language) to the names it
    stands for; a plain iterable of names stands for itself. ``names`` (real names) count a
    little more than the other words. Chinese is mostly typed by its sound (pinyin input), so
    its typos are characters of the same sound (水默 for 水墨, 油化 for 油画): Chinese words are
    also compared by their pinyin syllables."""
    table = ({w: tuple(v) for w, v in words.items()} if isinstance(words, Mapping)
             else {w: (w,) for w in words})
    real = set(names) if isinstance(words, Mapping) else set(table)
    key = " ".join(str(name).split()).lower()
    cjk = _is_cjk(key)
    sound = _pinyin(key) if cjk else None

    def score(word: str) -> float:
        s = difflib.SequenceMatcher(None, key, word.lower()).ratio()
        if sound is not None and _is_cjk(word):
            s = max(s, 0.99 * difflib.SequenceMatcher(None, sound, _pinyin(word)).ratio())
        return s if word in real else 0.97 * s

    scored = sorted(((score(w), w) for w in table), reverse=True)
    if not scored or scored[0][0] < (0.5 if cjk else 0.75):
        return []
    out: list[str] = []
    for s, word in scored:
        if s < scored[0][0] - 0.02:
            break
        out.extend(x for x in table[word] if x not in out)
    return out[:n]


class UnknownNameError(InputError, KeyError):
    """A name (style, model, preset) is not known. The message suggests the closest valid
    names ("did you mean 'oil'?"), or lists them all when none is close."""

    kind = "name"

    def __init__(self, name: str, valid: Iterable[str], hint: str = "",
                 words: Mapping[str, Iterable[str]] | None = None):
        """``words``: other words that stand for valid names (aliases, tags), for suggestions."""
        self.name = name
        self.valid = sorted(valid)
        self.suggestions = close_names(
            name, {**(words or {}), **{v: (v,) for v in self.valid}}, names=self.valid)
        if self.suggestions:
            guess = " or ".join(repr(s) for s in self.suggestions)
            msg = f"unknown {self.kind} {name!r}; did you mean {guess}?"
        else:
            listed = ", ".join(self.valid) if self.valid else "(none)"
            msg = f"unknown {self.kind} {name!r}; valid {self.kind}s: {listed}"
        if hint:
            msg += f" ({hint})" if self.suggestions else f". {hint}"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return self.args[0]


class UnknownStyleError(UnknownNameError):
    kind = "style"


class UnknownModelError(UnknownNameError):
    kind = "model"


class StyleProviderError(PainterlyError):
    """A module that provides styles failed to load; no style is registered until it does."""


class ModelMissingError(PainterlyError):
    """A model is known but its weights are not on this machine. The message says how to get them."""


class IntegrityError(PainterlyError):
    """A weight file failed its checksum or is in a refused format (pickle)."""


class MissingExtraError(PainterlyError, ImportError):
    """An optional dependency group is not installed."""

    def __init__(self, extra: str, package: str):
        super().__init__(
            f"this feature needs the optional package {package!r}; "
            f"install it with: pip install 'painterly[{extra}]'"
        )


class CancelledError(PainterlyError):
    """A long-running job was cancelled through its progress callback."""


class ContractError(PainterlyError):
    """A technique (a style, a plugged-in filter) returned an image that breaks the contract.

    This is a defect of that technique, not of the input; the message names the technique.
    """


class DecodeWarning(UserWarning):
    """An image was read, but its decoder reported damage it worked around (the message says which).

    painterly reports decoders' own warnings (Pillow's, with their source lines) under this
    category instead, at most one per image read; filter it like any warning category.
    """
