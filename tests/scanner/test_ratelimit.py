"""The per-account token bucket: rate, burst, fairness across threads."""

from __future__ import annotations

import threading
import time

import pytest

from scanner.ratelimit import RateLimiterRegistry, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_hands_out_the_burst_at_once_then_one_token_per_interval() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.1, 0.1, 0.1])
    assert clock.now == pytest.approx(100.3)


def test_token_bucket_banks_at_most_burst_tokens_while_idle() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5, 2, clock=clock, sleep=clock.sleep)
    clock.now += 60  # a long idle minute
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.2])


def test_token_bucket_shared_by_threads_never_exceeds_its_rate() -> None:
    bucket = TokenBucket(200, 1)
    stamps: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(10):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 80
    # 80 tokens at 200/s with a burst of 1 take at least 79 intervals.
    assert stamps[-1] - stamps[0] >= 79 / 200 - 0.01


def test_registry_gives_each_account_its_own_bucket_and_the_same_one_again() -> None:
    registry = RateLimiterRegistry(10, 1)
    assert registry.for_key("111") is registry.for_key("111")
    assert registry.for_key("111") is not registry.for_key("222")


def test_token_bucket_refuses_a_rate_of_zero() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0, 1)
