"""Typed errors. Every error painterly raises on bad input says what was wrong and what is accepted.

The CLI turns any :class:`PainterlyError` into one line on stderr and exit code 2;
the HTTP service turns it into a 4xx response.
"""

from __future__ import annotations

from collections.abc import Iterable


class PainterlyError(Exception):
    """Base class of every error painterly raises on purpose."""


class InputError(PainterlyError, ValueError):
    """The input (image, audio, option value) cannot be used."""


class UnsupportedFormatError(InputError):
    """The file's content is not in a format painterly accepts."""


class LimitError(InputError):
    """The input is larger than the configured limits (pixels, side, duration, bytes)."""


class UnknownNameError(InputError, KeyError):
    """A name (style, model, preset) is not known. The message lists the valid names."""

    kind = "name"

    def __init__(self, name: str, valid: Iterable[str], hint: str = ""):
        self.name = name
        self.valid = sorted(valid)
        listed = ", ".join(self.valid) if self.valid else "(none)"
        msg = f"unknown {self.kind} {name!r}; valid {self.kind}s: {listed}"
        if hint:
            msg += f". {hint}"
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
