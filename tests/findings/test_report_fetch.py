"""The report's reads: in order, a few in flight, never all at once."""

from __future__ import annotations

import threading
import time
from itertools import islice

import pytest

from scanner.report.fetch import fetch_ahead


class _Counting:
    """A fetch that takes a while and counts how many run at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started: list[int] = []

    def __call__(self, key: int) -> int:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.started.append(key)
        time.sleep(0.01 * (key % 3))  # finishing out of order
        with self._lock:
            self.running -= 1
        return key * 10


def test_results_come_in_the_keys_order_with_at_most_ahead_fetches_at_once() -> None:
    fetch = _Counting()

    assert list(fetch_ahead(fetch, range(40), ahead=4)) == [(k, k * 10) for k in range(40)]
    assert 1 < fetch.most <= 4


def test_a_consumer_that_stops_early_leaves_the_other_keys_unfetched() -> None:
    fetch = _Counting()

    assert [k for k, _ in islice(fetch_ahead(fetch, range(1000), ahead=4), 3)] == [0, 1, 2]
    assert len(fetch.started) <= 3 + 4


def test_a_failed_fetch_raises_in_its_turn() -> None:
    def fetch(key: int) -> int:
        if key == 5:
            raise OSError("SlowDown")
        return key

    results = fetch_ahead(fetch, range(10), ahead=3)
    got = [key for key, _ in islice(results, 5)]
    with pytest.raises(OSError, match="SlowDown"):
        next(results)
    assert got == [0, 1, 2, 3, 4]
