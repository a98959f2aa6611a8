"""The diff between a scan and the previous scan of the same targets (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from scanner.outcomes import HostOutcome
from scanner.report.models import HOSTS_NAMED, HostRef, HostSummary, ItemChange, ScanDiff
from scanner.results import ITEMS, Status

__all__ = ["diff_scans"]

_FIXED = frozenset({Status.GOOD, Status.NOT_APPLICABLE})
_UNDECIDED = frozenset({Status.MANUAL, Status.ERROR})


def _change(host: HostSummary, code: str, before: Status | None, after: Status) -> ItemChange:
    item = ITEMS[code]
    return ItemChange(
        account_id=host.account_id,
        instance_id=host.instance_id,
        hostname=host.hostname,
        code=code,
        severity=item.severity,
        title_ko=item.title_ko,
        title_en=item.title_en,
        before=before,
        after=after,
    )


def _ref(host: HostSummary) -> HostRef:
    return HostRef(account_id=host.account_id, instance_id=host.instance_id, hostname=host.hostname)


def _order(host: HostSummary) -> tuple[str, str]:
    return (host.account_id, host.instance_id)


def diff_scans(
    current: Iterable[HostSummary],
    previous: Iterable[HostSummary],
    *,
    scan_id: str,
    previous_scan_id: str | None = None,
) -> ScanDiff:
    """Compare per (account, instance, code). Only hosts with results now are compared (not one
    whose result was not analysed); a host that had results before but none now is counted in
    ``hosts_not_rescanned`` and changes nothing. The first :data:`HOSTS_NAMED` hosts that appeared
    (results now, none before) and disappeared (results before, none now) are named."""
    before: dict[tuple[str, str], HostSummary] = {
        (host.account_id, host.instance_id): host
        for host in previous
        if host.outcome is HostOutcome.SUCCEEDED and not host.not_analysed
    }
    new_failures: list[ItemChange] = []
    fixed: list[ItemChange] = []
    undecided: list[ItemChange] = []
    unchanged: Counter[str] = Counter()
    compared = 0
    appeared: list[HostSummary] = []
    seen: set[tuple[str, str]] = set()
    for host in current:
        if host.outcome is not HostOutcome.SUCCEEDED or host.not_analysed:
            continue
        key = (host.account_id, host.instance_id)
        seen.add(key)
        old = before.get(key)
        if old is None:
            appeared.append(host)
        else:
            compared += 1
        for code in ITEMS:
            now = host.statuses.get(code)
            then = old.statuses.get(code) if old is not None else None
            if now is None:
                continue
            if now is Status.VULNERABLE:
                if then is Status.VULNERABLE:
                    unchanged[code] += 1
                else:
                    new_failures.append(_change(host, code, then, now))
            elif then is Status.VULNERABLE:
                (fixed if now in _FIXED else undecided).append(_change(host, code, then, now))
    gone = sorted(before.keys() - seen)
    return ScanDiff(
        previous_scan_id=previous_scan_id,
        scan_id=scan_id,
        new_failures=tuple(new_failures),
        fixed=tuple(fixed),
        undecided=tuple(undecided),
        unchanged=sum(unchanged.values()),
        unchanged_by_code=dict(sorted(unchanged.items())),
        hosts_compared=compared,
        hosts_new=len(appeared),
        hosts_not_rescanned=len(gone),
        hosts_appeared=tuple(_ref(h) for h in sorted(appeared, key=_order)[:HOSTS_NAMED]),
        hosts_disappeared=tuple(_ref(before[key]) for key in gone[:HOSTS_NAMED]),
    )
