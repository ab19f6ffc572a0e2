"""Small file-system helpers shared by the batch writers (augment) and the service.

Hand-written because each is a few lines over the standard library: a durable write (data on the
disk before a rename makes it visible) and a one-writer lock on a folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and fsync it, so that a later rename publishes whole data."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def lock_exclusive(path: Path, busy: str) -> IO:
    """Hold an exclusive lock on ``path`` (created if needed) for as long as the returned file is
    open; another holder makes it raise :class:`~painterly.errors.InputError` with ``busy``."""
    import fcntl

    from painterly.errors import InputError

    f = open(path, "a+")  # noqa: SIM115  held by the caller for its whole run
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise InputError(busy) from None
    return f
