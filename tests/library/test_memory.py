"""``memory.release_memory``: freed heap goes back to the system between stages."""

from __future__ import annotations

import os
import sys

from konray_review import memory

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 2**20


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def test_freed_heap_is_returned_only_when_released():
    if not sys.platform.startswith("linux"):  # no glibc, no call: nothing is claimed
        assert memory.release_memory() is False
        return
    # 300,000 objects of 1,000 bytes: above CPython's small-object limit, so each is a
    # malloc chunk (as the pull's JSON texts and the store's rows are); one object made
    # after them stays alive, so free() cannot simply shrink the heap's top
    before = _rss()
    held = [bytes(1000) for _ in range(300_000)]
    keep = bytes(1000)
    del held
    freed_not_returned = _rss() - before
    assert freed_not_returned > 200 * MIB  # the reason for the call: free() kept it
    assert memory.release_memory() is True
    assert _rss() - before < 50 * MIB
    assert keep == bytes(1000)  # live objects untouched


def test_nothing_to_call_off_glibc(monkeypatch):
    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert memory.release_memory() is False
    finally:
        memory._malloc_trim.cache_clear()
