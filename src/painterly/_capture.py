"""What image decoders say while they decode, kept off the user's terminal.

Pillow reports damage it can work around (an APNG with an inconsistent ``acTL``, TIFF tags that
point past the end of the file, a broken EXIF block) through :func:`warnings.warn`, shown with
the path and source line of Pillow's plugin. libtiff prints its errors and warnings straight to
the process's file descriptor 2 through its default handlers, which Pillow does not replace and
Python cannot reach. :mod:`painterly.io` reads images inside :func:`decoder_output`, which keeps
both, and turns them into painterly's own :class:`~painterly.errors.DecodeWarning` and log
records.

Thread safety. In Python 3.11 the warnings filters and ``warnings.showwarning`` are process-wide
(``warnings.catch_warnings`` swaps them and is documented as not thread-safe), and so is file
descriptor 2. Both are changed only while holding one lock, so two reads never interleave their
swaps and each is always restored (``finally``). Other threads keep running meanwhile:

* a warning another thread raises in that window is handed to the ``showwarning`` installed
  before (ours checks the thread), so it is not taken; only Pillow's own warnings are briefly
  "always" shown instead of the application's filter for them;
* bytes another thread writes to fd 2 while a TIFF decodes (a few milliseconds) land in the
  capture; they are kept with the decoder's text (logged at DEBUG, printed by the CLI's
  ``--debug``), not lost. Telling them apart from libtiff's lines would be guesswork.

The lock serialises image reading (header, pixels, EXIF), not the conversion and painting that
follow; a read is milliseconds against seconds of painting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_LOCK = threading.Lock()
if hasattr(os, "register_at_fork"):
    # A fork in the middle of a read would leave the child a held lock and fd 2 pointing at our
    # temporary file: a fork waits for the read to end instead (as the logging module's locks do).
    os.register_at_fork(before=_LOCK.acquire, after_in_parent=_LOCK.release,
                        after_in_child=_LOCK.release)
#: Pillow's plugins warn with the default stacklevel, so a warning's module is Pillow's.
_PIL_MODULES = r"PIL(\..*)?$"
#: Most native text kept per read: libtiff prints a line per bad strip.
_MAX_NATIVE_BYTES = 64 * 1024


@dataclass
class DecoderOutput:
    """What the decoders said during one read."""

    # (category, text, file name of the code that warned)
    warnings: list[tuple[type[Warning], str, str]] = field(default_factory=list)
    native: str = ""  # bytes written to fd 2 while native decoders ran (see the module docstring)
    logged: list[str] = field(default_factory=list)  # Pillow's log records of WARNING and above

    def messages(self, fmt: str | None = None) -> list[str]:
        """The warnings' texts, each once, in order (Pillow repeats a TIFF's when it re-reads).

        ``fmt``: the image's format. Pillow reads EXIF blocks with its TIFF code, so a TIFF
        warning about a JPEG, PNG or WebP is about its EXIF metadata, and says so.
        """
        seen: dict[str, None] = {}
        for _, text, source in self.warnings:
            text = " ".join(text.split()).rstrip(".")
            if source == "TiffImagePlugin.py" and fmt not in (None, "TIFF"):
                text = f"EXIF metadata: {text}"
            seen.setdefault(text, None)
        return list(seen)

    def details(self) -> str:
        """Everything said, for logs and ``--debug``."""
        lines = [f"warning: {t}" for t in self.messages()]
        lines += [f"stderr: {line}" for line in self.native.splitlines() if line.strip()]
        lines += [f"log: {text}" for text in self.logged]
        return "\n".join(lines)

    @contextmanager
    def native_stderr(self) -> Iterator[None]:
        """Route fd 2 to a temporary file while native decoders run; keep what they write.

        Call only inside :func:`decoder_output` (its lock makes the swap exclusive). A file, not
        a pipe: a decoder that writes more than a pipe holds would block with nobody reading.
        """
        with contextlib.suppress(AttributeError, OSError, ValueError):
            sys.stderr.flush()  # Python's pending text is not the decoder's
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 at all (a daemon): nothing can reach a terminal
            saved = None
        if saved is None:
            yield
            return
        try:
            with tempfile.TemporaryFile() as tmp:
                os.dup2(tmp.fileno(), 2)
                try:
                    yield
                finally:
                    os.dup2(saved, 2)
                    tmp.seek(0)
                    self.native += tmp.read(_MAX_NATIVE_BYTES).decode("utf-8", "replace")
        finally:
            os.close(saved)


@contextmanager
def decoder_output(*, ignore: tuple[type[Warning], ...] = ()) -> Iterator[DecoderOutput]:
    """Hold the read lock and collect this thread's warnings into a :class:`DecoderOutput`.

    ``ignore``: categories dropped (painterly checks those limits itself). Deprecation warnings
    concern code, not the file: they go where they would have gone.
    """
    out = DecoderOutput()
    me = threading.get_ident()
    with _LOCK, warnings.catch_warnings():
        previous = warnings.showwarning  # catch_warnings puts it back on exit

        def show(message, category, filename, lineno, file=None, line=None):
            if threading.get_ident() == me and not issubclass(category, DeprecationWarning):
                out.warnings.append((category, str(message), os.path.basename(str(filename))))
            else:
                previous(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        # Pillow's warnings are reported every time, whatever the application's filter says
        # ("error" included): they become a DecodeWarning, which that filter then governs.
        warnings.filterwarnings("always", module=_PIL_MODULES)
        for category in ignore:
            warnings.simplefilter("ignore", category)
        keep = _KeepPillowLogs(out, me)
        loggers = _pillow_loggers()
        for logger in loggers:
            logger.addFilter(keep)
        try:
            yield out
        finally:
            for logger in loggers:
                logger.removeFilter(keep)


class _KeepPillowLogs(logging.Filter):
    """Pillow also logs what it refuses (TiffImagePlugin: "More samples per pixel than can be
    decoded: 65535" at ERROR). Unhandled, logging's last-resort handler prints that on stderr
    before painterly's own line. This thread's records are kept with the read's output instead
    (a filter returning False stops a record at its logger); other threads' pass unchanged."""

    def __init__(self, out: DecoderOutput, thread: int):
        super().__init__()
        self.out, self.thread = out, thread

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread or record.levelno < logging.WARNING:
            return True
        self.out.logged.append(record.getMessage())
        return False


def _pillow_loggers() -> list[logging.Logger]:
    """Pillow's loggers: a filter applies only where a record is logged, not to its parents.
    The TIFF plugin's is named even before Pillow imports the plugin (the same logger object)."""
    names = {n for n in list(logging.Logger.manager.loggerDict) if n == "PIL" or n.startswith("PIL.")}
    return [logging.getLogger(n) for n in sorted(names | {"PIL.TiffImagePlugin"})]
