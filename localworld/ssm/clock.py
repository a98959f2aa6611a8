"""Time for the emulator: wall time, accelerated time, or time a test moves by hand.

Every duration the emulator waits for (consistency window, delivery delay, delivery timeout, a
step's ``timeoutSeconds``) is measured on its clock, so a test can run a 30-second delivery timeout
in a fraction of a second. Scripts themselves always run in real time.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "ScaledClock", "SystemClock"]


class Clock(Protocol):
    """Emulated time in epoch seconds, and a way to wait on it."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None:
        """Wait about ``seconds`` of emulated time; may return early, so callers loop on now()."""
        ...


class ScaledClock:
    """Time that runs ``speed`` times faster than the wall clock, starting at the current time."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self._epoch = time.time()
        self._start = time.monotonic()

    def now(self) -> float:
        return self._epoch + (time.monotonic() - self._start) * self.speed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


class SystemClock(ScaledClock):
    """The wall clock."""

    def __init__(self) -> None:
        super().__init__(1.0)


class ManualClock:
    """Time that moves only when :meth:`advance` is called (for deterministic tests)."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self._now = start
        self._changed = threading.Condition()

    def now(self) -> float:
        with self._changed:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._changed:
            self._now += seconds
            self._changed.notify_all()

    def sleep(self, seconds: float) -> None:
        with self._changed:
            deadline = self._now + seconds
            while self._now < deadline:
                # Wake up now and then so a forgotten advance() cannot hang a worker forever.
                if not self._changed.wait(timeout=0.05):
                    return
