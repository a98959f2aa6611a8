"""When a closed scan's report is written (pure): once the analyzer has judged the result of every
host that succeeded, or when the wait for it is over, whichever comes first.

The analyzer runs on its own trigger (S3 ``ObjectCreated``), so a host's command may be seen
finished before its tar is analysed. The last thing it writes for a result, accepted or refused,
is the host's summary object (``findings/<scan>/<account>/<instance>.summary.json``): that object is
the mark (:func:`scanner.report.collect.judged_hosts` lists them). A host that SUCCEEDED without
one is still awaited. The mark costs no write to the scan table: every item write is a write unit,
and the summary is written anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from scanner.outcomes import HostOutcome

__all__ = ["awaiting_analysis", "report_wait"]


class _Host(Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def instance_id(self) -> str: ...
    @property
    def outcome(self) -> HostOutcome | None: ...


H = TypeVar("H", bound=_Host)


def awaiting_analysis(hosts: Iterable[H], judged: Set[tuple[str, str]]) -> list[H]:
    """The hosts that SUCCEEDED and whose result the analyzer has not judged: no (account,
    instance) of theirs in ``judged``."""
    return [
        host
        for host in hosts
        if host.outcome is HostOutcome.SUCCEEDED and (host.account_id, host.instance_id) not in judged
    ]


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
