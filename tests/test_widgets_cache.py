"""The explorers' one cache (course_utils.widgets.cache.LRUCache): least recently used goes first."""

import pytest

from course_utils.widgets.cache import LRUCache


def test_evicts_the_least_recently_put_when_untouched():
    cache = LRUCache(3)
    for i, key in enumerate("abcd"):
        cache.put(key, i)
    assert list(cache) == ["b", "c", "d"] and len(cache) == 3
    assert "a" not in cache and cache.get("a") is None and cache.get("a", -1) == -1


def test_get_and_put_refresh_an_entry_peek_and_contains_do_not():
    cache = LRUCache(3)
    for i, key in enumerate("abc"):
        cache.put(key, i)
    assert cache.get("a") == 0          # a: most recent → b is now the oldest
    assert cache.peek("b") == 1 and "b" in cache  # neither refreshes b
    cache.put("d", 3)
    assert list(cache) == ["c", "a", "d"]
    cache.put("c", 30)                  # overwriting refreshes too
    cache.put("e", 4)
    assert list(cache) == ["d", "c", "e"] and cache.get("c") == 30


def test_on_evict_sees_each_evicted_entry_in_order():
    evicted = []
    cache = LRUCache(2, on_evict=lambda k, v: evicted.append((k, v)))
    for i, key in enumerate("abcd"):
        cache.put(key, i)
    assert evicted == [("a", 0), ("b", 1)]
    cache.put("d", 5)                   # replacing a key evicts nothing
    assert evicted == [("a", 0), ("b", 1)]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, None])
def test_maxsize_is_validated(bad):
    with pytest.raises(ValueError, match="maxsize"):
        LRUCache(bad)
