"""A small least-recently-used cache: what an explorer remembers so that dragging a slider back costs nothing.

An explorer's :meth:`~course_utils.widgets.base.Explorer.compute` is pure, so a setting seen before can be
answered from memory. :class:`LRUCache` keeps the ``maxsize`` most recently used entries; an optional
``on_evict`` callback releases what an evicted entry holds (matplotlib artists, say).

Examples
--------
>>> cache = LRUCache(2)
>>> cache.put("a", 1); cache.put("b", 2)
>>> cache.get("a")                 # "a" is now the most recently used
1
>>> cache.put("c", 3)              # evicts the least recently used: "b"
>>> list(cache)
['a', 'c']
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator

__all__ = ["LRUCache"]

_MISSING = object()


class LRUCache:
    """A mapping of at most ``maxsize`` entries that forgets the least recently used one first.

    Parameters
    ----------
    maxsize : int
        How many entries to keep (at least 1).
    on_evict : callable, optional
        Called as ``on_evict(key, value)`` for each entry pushed out by :meth:`put`.

    Notes
    -----
    :meth:`get` and :meth:`put` mark an entry as most recently used; :meth:`peek`, ``in`` and iteration do not.
    Iteration runs from the least to the most recently used key.
    """

    def __init__(self, maxsize: int, on_evict: Callable[[Hashable, object], None] | None = None):
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"`maxsize` must be a positive integer, got {maxsize!r}")
        self.maxsize = maxsize
        self.on_evict = on_evict
        self._entries: OrderedDict = OrderedDict()

    def get(self, key: Hashable, default=None):
        """The value stored under ``key`` (and mark it most recently used), or ``default``.

        Parameters
        ----------
        key : hashable
            The entry's key.
        default : object, optional
            Returned when ``key`` is not stored (None by default).

        Returns
        -------
        object
        """
        value = self._entries.get(key, _MISSING)
        if value is _MISSING:
            return default
        self._entries.move_to_end(key)
        return value

    def peek(self, key: Hashable, default=None):
        """The value stored under ``key`` without changing the order of use, or ``default``.

        Parameters
        ----------
        key : hashable
            The entry's key.
        default : object, optional
            Returned when ``key`` is not stored (None by default).

        Returns
        -------
        object
        """
        return self._entries.get(key, default)

    def put(self, key: Hashable, value) -> None:
        """Store ``value`` under ``key`` as the most recently used entry; evict the oldest beyond ``maxsize``.

        Parameters
        ----------
        key : hashable
            The entry's key; an existing entry is replaced (``on_evict`` is not called for the old value).
        value : object
            What to store.
        """

        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            old_key, old_value = self._entries.popitem(last=False)
            if self.on_evict is not None:
                self.on_evict(old_key, old_value)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator:
        return iter(list(self._entries))

    def __repr__(self) -> str:
        return f"LRUCache(maxsize={self.maxsize}, entries={len(self)})"
