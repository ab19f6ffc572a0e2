"""A latest-frame-wins slot: a live stream keeps at most one frame waiting to be painted.

A camera produces frames faster than a painter can paint them; queueing them would make the
delay grow without bound. A new frame therefore replaces the waiting one, which is dropped and
counted. (Hand-written: a ``queue.Queue(maxsize=1)`` blocks or refuses the *new* item, the
opposite of what a live view needs.)
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: T | None = None
        self._full = False
        self.dropped = 0  # frames replaced before anyone took them

    def put(self, item: T) -> bool:
        """Store ``item``; returns True when it replaced (dropped) a waiting one."""
        with self._lock:
            replaced = self._full
            if replaced:
                self.dropped += 1
            self._item, self._full = item, True
            return replaced

    def take(self) -> T | None:
        """The waiting item, or None; the slot is empty afterwards."""
        with self._lock:
            item, self._item, self._full = self._item, None, False
            return item

    @property
    def pending(self) -> bool:
        return self._full
