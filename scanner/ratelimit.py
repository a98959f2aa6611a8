"""A thread-safe token bucket per account, so every thread working on an account shares its rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiterRegistry", "TokenBucket"]


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` banked; :meth:`acquire` blocks until one is free.

    Waiters are served in arrival order: each caller reserves the next token time under the lock
    and then sleeps outside it, so the bucket never hands out more than ``burst + rate * t`` tokens
    in any interval ``t``, however many threads call it.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._interval = 1.0 / rate
        # The time at which the bucket would be empty again if nobody took anything: tokens
        # available now = (now - _empty_at) * rate, capped at burst.
        self._empty_at = clock() - burst * self._interval

    def reserve(self) -> float:
        """Take the next token and return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            floor = now - self.burst * self._interval
            self._empty_at = max(self._empty_at, floor) + self._interval
            return max(0.0, self._empty_at - now)

    def acquire(self) -> float:
        """Block until a token is ours; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiterRegistry:
    """One :class:`TokenBucket` per key (an account ID), created on first use."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}

    def for_key(self, key: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = TokenBucket(self._rate, self._burst, clock=self._clock, sleep=self._sleep)
                self._buckets[key] = bucket
            return bucket
