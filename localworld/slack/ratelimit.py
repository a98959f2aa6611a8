"""Slack's rate tiers: per method per workspace, and chat.postMessage per channel."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["METHOD_TIERS", "RateLimiter", "Tier"]


@dataclass(frozen=True)
class Tier:
    """A token bucket: ``per_minute`` calls a minute with bursts up to ``burst``."""

    per_minute: float
    burst: int


TIER_1 = Tier(per_minute=1, burst=1)
TIER_2 = Tier(per_minute=20, burst=20)
TIER_3 = Tier(per_minute=50, burst=50)
TIER_4 = Tier(per_minute=100, burst=100)
# chat.postMessage: "one message per second per channel", short bursts allowed.
POST_PER_CHANNEL = Tier(per_minute=60, burst=3)

METHOD_TIERS: dict[str, Tier] = {
    "auth.test": TIER_4,
    "chat.update": TIER_3,
    "chat.postEphemeral": TIER_4,
    "chat.delete": TIER_3,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    "usergroups.users.list": TIER_2,
    "conversations.info": TIER_3,
    "users.info": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
}


class RateLimiter:
    """Thread-safe token buckets keyed by (method, scope); answers how long to wait, or 0."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def acquire(self, method: str, tier: Tier, scope: str = "") -> int:
        """Take a token; return 0 when allowed, else the whole seconds to put in Retry-After."""
        rate = tier.per_minute / 60.0
        key = (method, scope)
        with self._lock:
            now = self._clock()
            tokens, stamp = self._buckets.get(key, (float(tier.burst), now))
            tokens = min(float(tier.burst), tokens + (now - stamp) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))
