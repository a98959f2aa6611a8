"""When a closed scan's report is written (pure): once the analyzer has judged the result of every
host that succeeded, or when the wait for it is over, whichever comes first.

The analyzer runs on its own trigger (S3 ``ObjectCreated``), so a host's command may be seen
finished before its tar is analysed. It marks each host item ANALYSED or REJECTED
(``scanner.state.ScanStore.mark_analysis``); a host that SUCCEEDED without a mark is still awaited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from scanner.outcomes import HostOutcome

__all__ = ["awaiting_analysis", "report_wait"]


class _Judged(Protocol):
    @property
    def outcome(self) -> HostOutcome | None: ...
    @property
    def analysis(self) -> object | None: ...


H = TypeVar("H", bound=_Judged)


def awaiting_analysis(hosts: Iterable[H]) -> list[H]:
    """The hosts that SUCCEEDED and whose result the analyzer has neither analysed nor rejected."""
    return [host for host in hosts if host.outcome is HostOutcome.SUCCEEDED and host.analysis is None]


def report_wait(
    awaited: int, *, closed_at: datetime, now: datetime, wait_seconds: float, poll_seconds: float
) -> float | None:
    """Seconds until the report should look again, or None to write it now: nothing is
    ``awaited``, or ``wait_seconds`` have passed since the scan closed (the hosts still awaited are
    then reported as not analysed). Never more than ``poll_seconds`` nor past the end of the wait."""
    if awaited <= 0:
        return None
    left = (closed_at + timedelta(seconds=wait_seconds) - now).total_seconds()
    if left <= 0:
        return None
    return min(poll_seconds, left)
