"""The one cache for answers derived from the data: bounded, thread-safe, keyed by content.

The graph only changes at a load, so anything computed from it (a validation report, a page,
a directory of services) is a pure function of the store's content hash and the request.
Keys therefore start with the content hash: a new load gives new keys, and old entries age
out of the least-recently-used order instead of ever being served for the new data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class ContentCache(Generic[T]):
    """A least-recently-used map of at most ``size`` entries, safe to share between threads.

    Two threads asking for the same missing key may both compute it; the answers are equal
    (the key names the content), so the second simply replaces the first.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: a slow computation must not block the rest
        self.put(key, value)
        return value

    def get(self, key: Hashable) -> T | None:
        """The value for ``key`` (now the most recently used), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
