"""How a style is written on the command line and in blends: ``name``, ``path`` or
``source:weight``. A leaf module (no numpy), so the CLI can read its arguments before anything
heavy loads."""

from __future__ import annotations


def parse_style_arg(text: str) -> tuple[str, float]:
    """'starry.jpg:0.7' -> ('starry.jpg', 0.7); 'mosaic' -> ('mosaic', 1.0).

    The part after the last ':' is a weight only when it parses as a number, so Windows paths
    (C:\\art\\x.jpg) and names without a weight pass through.
    """
    head, sep, tail = text.rpartition(":")
    if sep and head:
        try:
            return head, float(tail)
        except ValueError:
            pass
    return text, 1.0
