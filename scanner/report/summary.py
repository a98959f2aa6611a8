"""Per-host and per-scan summaries: pure functions of findings and outcomes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from scanner.findings.models import Finding
from scanner.outcomes import HostOutcome
from scanner.report.models import AccountSummary, HostRef, HostSummary, ItemFailures, ScanSummary
from scanner.results import ITEMS, Severity, Status

__all__ = ["ScanAggregator", "summarize_host", "summarize_outcome", "summarize_scan"]


def _ordered(counter: Counter[Status]) -> dict[Status, int]:
    return {status: counter[status] for status in Status if counter[status]}


def summarize_host(findings: Sequence[Finding]) -> HostSummary:
    """The summary of a host that SUCCEEDED, from its findings (all of one host)."""
    if not findings:
        raise ValueError("a succeeded host has findings; use summarize_outcome for the others")
    first = findings[0]
    counts: Counter[Status] = Counter()
    by_severity: dict[Severity, Counter[Status]] = {severity: Counter() for severity in Severity}
    statuses: dict[str, Status] = {}
    high: list[str] = []
    for finding in findings:
        counts[finding.status] += 1
        by_severity[finding.severity][finding.status] += 1
        statuses[finding.code] = finding.status
        if finding.status is Status.VULNERABLE and finding.severity is Severity.HIGH:
            high.append(finding.code)
    # Built from findings of validated results: constructed without validating again (hot path).
    return HostSummary.model_construct(
        scan_id=first.scan_id,
        account_id=first.account_id,
        instance_id=first.instance_id,
        hostname=first.hostname,
        region=first.region,
        outcome=HostOutcome.SUCCEEDED,
        reason=None,
        counts=_ordered(counts),
        by_severity={severity: _ordered(counter) for severity, counter in by_severity.items() if counter},
        high_failures=tuple(high),
        statuses=statuses,
    )


def summarize_outcome(
    *,
    scan_id: str,
    account_id: str,
    instance_id: str,
    outcome: HostOutcome,
    reason: str | None = None,
    hostname: str | None = None,
    region: str | None = None,
) -> HostSummary:
    """The summary of a host without findings (any outcome but SUCCEEDED, e.g. RESULT_INVALID)."""
    if outcome is HostOutcome.SUCCEEDED:
        raise ValueError("a succeeded host is summarized from its findings")
    return HostSummary(
        scan_id=scan_id,
        account_id=account_id,
        instance_id=instance_id,
        hostname=hostname,
        region=region,
        outcome=outcome,
        reason=reason,
    )


class ScanAggregator:
    """Folds host summaries into a :class:`ScanSummary` one at a time (memory does not grow with hosts)."""

    def __init__(self, scan_id: str) -> None:
        self.scan_id = scan_id
        self._hosts = 0
        self._outcomes: Counter[HostOutcome] = Counter()
        self._counts: Counter[Status] = Counter()
        self._by_severity: dict[Severity, Counter[Status]] = {severity: Counter() for severity in Severity}
        self._accounts: dict[str, Counter[str]] = {}
        self._failing: Counter[str] = Counter()
        self._not_analysed: list[HostRef] = []

    def add(self, host: HostSummary) -> None:
        self._hosts += 1
        self._outcomes[host.outcome] += 1
        account = self._accounts.setdefault(host.account_id, Counter())
        account["hosts"] += 1
        if host.outcome is not HostOutcome.SUCCEEDED:
            return
        if host.not_analysed:
            self._not_analysed.append(
                HostRef(account_id=host.account_id, instance_id=host.instance_id, hostname=host.hostname)
            )
        account["succeeded"] += 1
        account["good"] += host.counts.get(Status.GOOD, 0)
        account["vulnerable"] += host.counts.get(Status.VULNERABLE, 0)
        self._counts.update(host.counts)
        for severity, counts in host.by_severity.items():
            self._by_severity[severity].update(counts)
        self._failing.update(code for code, status in host.statuses.items() if status is Status.VULNERABLE)

    def result(self, top: int = 10) -> ScanSummary:
        accounts = []
        for account_id in sorted(self._accounts):
            tally = self._accounts[account_id]
            decided = tally["good"] + tally["vulnerable"]
            accounts.append(
                AccountSummary(
                    account_id=account_id,
                    hosts=tally["hosts"],
                    succeeded=tally["succeeded"],
                    good=tally["good"],
                    vulnerable=tally["vulnerable"],
                    pass_rate=round(tally["good"] / decided, 4) if decided else None,
                )
            )
        # Most failing hosts first; ties by severity (high first), then by code.
        rank = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
        worst = sorted(
            self._failing.items(), key=lambda pair: (-pair[1], rank[ITEMS[pair[0]].severity], pair[0])
        )
        top_failing = tuple(
            ItemFailures(
                code=code,
                severity=ITEMS[code].severity,
                title_ko=ITEMS[code].title_ko,
                title_en=ITEMS[code].title_en,
                hosts_failing=hosts,
            )
            for code, hosts in worst[:top]
        )
        return ScanSummary(
            scan_id=self.scan_id,
            hosts=self._hosts,
            outcomes={outcome: self._outcomes[outcome] for outcome in HostOutcome if self._outcomes[outcome]},
            counts=_ordered(self._counts),
            by_severity={s: _ordered(c) for s, c in self._by_severity.items() if c},
            accounts=tuple(accounts),
            top_failing=top_failing,
            not_analysed=tuple(self._not_analysed),
        )


def summarize_scan(scan_id: str, hosts: Iterable[HostSummary], top: int = 10) -> ScanSummary:
    """The summary of a scan from its hosts' summaries (one per targeted host)."""
    aggregator = ScanAggregator(scan_id)
    for host in hosts:
        aggregator.add(host)
    return aggregator.result(top)
