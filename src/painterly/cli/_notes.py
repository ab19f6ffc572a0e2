"""Notes on the CLI: a damaged but readable file gets one ``painterly: note: FILE: ...`` line.

The library reports such files with :class:`~painterly.errors.DecodeWarning` (at most one per
read) and logs what the decoders said on the ``painterly`` loggers at DEBUG. The CLI owns its
process, so for the length of one command it shows DecodeWarnings as note lines (none under
``--quiet``, each text once), and under ``--debug`` also prints those DEBUG records. Both are
undone when the command ends, so calling the CLI in-process (tests) leaves nothing behind.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings

from painterly.errors import DecodeWarning

_state = {"quiet": False}


_WRITE_LOCK = threading.Lock()


def quiet() -> bool:
    """``--quiet`` was given: print errors only."""
    return _state["quiet"]


def configure(ctx, *, quiet: bool, debug: bool) -> None:
    """Install the note printer (and the ``--debug`` log handler) until ``ctx`` closes."""
    _state["quiet"] = quiet
    swap = warnings.catch_warnings()  # saves filters and showwarning; restore() puts them back
    swap.__enter__()
    saved_show = warnings.showwarning
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        if not issubclass(category, DecodeWarning):
            saved_show(message, category, filename, lineno, file, line)
        elif not _state["quiet"] and str(message) not in shown:
            shown.add(str(message))
            # one write per line: print() writes the text and the newline apart, and a batch's
            # worker threads then interleave their notes on one line
            with _WRITE_LOCK:
                sys.stderr.write(f"painterly: note: {message}\n")
                sys.stderr.flush()

    warnings.showwarning = show
    warnings.filterwarnings("always", category=DecodeWarning)  # dedup is ours, by text
    logger, handler = logging.getLogger("painterly"), None
    old_level = logger.level
    if debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("painterly: debug: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)

    def restore() -> None:
        swap.__exit__(None, None, None)
        _state["quiet"] = False
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(old_level)

    ctx.call_on_close(restore)
