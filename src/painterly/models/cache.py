"""A bounded, thread-safe cache of loaded models: least recently used out first.

A server loads models for weeks: every cache of loaded weights in painterly is one of these, so
memory stays bounded by a count of entries and, where entries are big (diffusion pipelines), a
byte budget estimated from the models' parameter sizes. Loading happens outside the cache's lock
with one lock per key: two threads asking for the same model load it once, and a thread asking
for another model is not held up meanwhile. Evicting only drops the cache's reference; a caller
still holding the model keeps using it, and its memory goes when the last caller lets it go.

Hand-written rather than ``functools.lru_cache``: that one has no byte budget, and two threads
that miss at once both load (a second copy of gigabytes of weights).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_KEEP = object()  # configure(): "leave this bound as it is"


class ModelCache(Generic[V]):
    """``get(key, load)`` returns the cached value or stores ``load()``; LRU eviction.

    ``max_items``: at most this many entries (None: no count limit). ``max_bytes``: the sizes
    that ``size_of(value)`` reports add up to at most this (None: no byte limit). The entry just
    stored is never evicted, so one model bigger than the budget still loads (alone).
    """

    def __init__(self, max_items: int | None = 4, max_bytes: int | None = None,
                 size_of: Callable[[Any], int] | None = None, name: str = "models") -> None:
        if max_bytes is not None and size_of is None:
            raise ValueError("a byte budget needs size_of")
        self.name = name
        self._max_items = max_items
        self._max_bytes = max_bytes
        self._size_of = size_of
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._loading: dict[Hashable, threading.Lock] = {}

    # -- reading ------------------------------------------------------------------------------
    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The value for ``key``, loading it with ``load()`` on a miss (once, however many
        threads ask at the same time). The entry becomes the most recently used."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit[0]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:  # one loader per key; the others wait here, then find it cached
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None:
                    self._entries.move_to_end(key)
                    return hit[0]
            try:
                value = load()
                size = int(self._size_of(value)) if self._size_of is not None else 0
                with self._lock:
                    self._entries[key] = (value, size)
                    self._entries.move_to_end(key)
                    self._evict()
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            return value

    def peek(self, key: Hashable) -> V | None:
        """The cached value or None, without loading and without touching its recency."""
        with self._lock:
            hit = self._entries.get(key)
            return None if hit is None else hit[0]

    def keys(self) -> list[Hashable]:
        """Cached keys, least recently used first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return sum(size for _, size in self._entries.values())

    @property
    def max_items(self) -> int | None:
        return self._max_items

    @property
    def max_bytes(self) -> int | None:
        return self._max_bytes

    # -- changing -----------------------------------------------------------------------------
    def configure(self, *, max_items: Any = _KEEP, max_bytes: Any = _KEEP) -> None:
        """Change the bounds (an omitted one stays as it is); evicts at once to fit them."""
        with self._lock:
            if max_items is not _KEEP:
                if max_items is not None and max_items < 1:
                    raise ValueError("max_items must be at least 1 (or None)")
                self._max_items = max_items
            if max_bytes is not _KEEP:
                if max_bytes is not None and self._size_of is None:
                    raise ValueError("a byte budget needs size_of")
                self._max_bytes = max_bytes
            self._evict()

    def pop(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self._entries.pop(key, None)
            return None if hit is None else hit[0]

    def clear(self) -> None:
        """Forget every entry (their memory goes once no caller holds them)."""
        with self._lock:
            self._entries.clear()

    def _evict(self) -> None:
        """Drop least recently used entries until the bounds hold; keeps the newest. Lock held."""
        def over() -> bool:
            if self._max_items is not None and len(self._entries) > self._max_items:
                return True
            return (self._max_bytes is not None
                    and sum(s for _, s in self._entries.values()) > self._max_bytes)

        while len(self._entries) > 1 and over():
            self._entries.popitem(last=False)


def torch_module_bytes(*modules: Any) -> int:
    """Bytes held by the parameters and buffers of torch modules (each tensor counted once)."""
    seen: set[int] = set()
    total = 0
    for m in modules:
        if m is None or not hasattr(m, "parameters"):
            continue
        for t in list(m.parameters()) + list(m.buffers()):
            if id(t) in seen:
                continue
            seen.add(id(t))
            total += t.numel() * t.element_size()
    return total
