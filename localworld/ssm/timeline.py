"""Work the emulator does at a given emulated time, without a thread waiting for each piece.

Synthetic hosts pick a command up after the delivery delay and upload their result when their
upload step starts, seconds later. Thousands of hosts must not each hold a worker while they
wait: one thread keeps the due times in a heap and hands each piece of work to the emulator's
worker pool when its time comes (on the emulator's clock, so tests that move time by hand or run
it faster work the same).
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from typing import Any

from localworld.ssm.clock import Clock

__all__ = ["Timeline"]

# How long the timeline sleeps at most before it looks again (a new, earlier piece of work may
# have come in meanwhile).
TICK_SECONDS = 0.02


class Timeline:
    """Calls ``submit(function, *args)`` once the clock reaches each piece of work's time."""

    def __init__(self, clock: Clock, submit: Callable[..., None]) -> None:
        self._clock = clock
        self._submit = submit
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._closed = False
        self._handing = 0
        self._thread = threading.Thread(target=self._run, name="ssm-timeline", daemon=True)
        self._thread.start()

    def at(self, when: float, function: Callable[..., None], *args: Any) -> None:
        """Run ``function(*args)`` on the pool once the clock reads ``when`` (at once if past)."""
        with self._changed:
            if self._closed:
                return
            heapq.heappush(self._heap, (when, next(self._order), function, args))
            self._changed.notify()

    def pending(self) -> int:
        """Pieces of work not yet handed to the pool."""
        with self._changed:
            return len(self._heap) + self._handing

    def close(self) -> None:
        """Drop what is still waiting and stop the thread."""
        with self._changed:
            self._closed = True
            self._heap.clear()
            self._changed.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._closed:
                    return
                if not self._heap:
                    self._changed.wait(timeout=1.0)
                    continue
                when = self._heap[0][0]
                now = self._clock.now()
                due = heapq.heappop(self._heap) if now >= when else None
                if due is not None:
                    self._handing += 1
            if due is None:
                self._clock.sleep(min(when - now, TICK_SECONDS))
                continue
            try:
                self._submit(due[2], *due[3])
            finally:
                with self._changed:
                    self._handing -= 1
