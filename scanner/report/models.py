"""What reports are made of: per-host and per-scan summaries and the diff between two scans."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scanner.outcomes import HostOutcome
from scanner.results import Severity, Status

__all__ = [
    "HOSTS_NAMED",
    "AccountCoverage",
    "AccountSummary",
    "HostRef",
    "HostSummary",
    "ItemChange",
    "ItemFailures",
    "ScanDiff",
    "ScanSummary",
]


HOSTS_NAMED = 20  # hosts a diff names among those that appeared or disappeared (the rest are counted)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HostSummary(_Frozen):
    """One host of a scan: its outcome and, when it succeeded, what its checks found (the analyzer's
    ``<instance>.summary.json``, and a report's row for every host)."""

    scan_id: str
    account_id: str
    instance_id: str
    hostname: str | None = None
    region: str | None = None
    outcome: HostOutcome
    reason: str | None = None
    counts: dict[Status, int] = Field(default_factory=dict, description="Items by status.")
    by_severity: dict[Severity, dict[Status, int]] = Field(default_factory=dict)
    high_failures: tuple[str, ...] = Field(default=(), description="Codes of high-severity VULNERABLE items.")
    statuses: dict[str, Status] = Field(
        default_factory=dict, description="Code → status; what diffs compare."
    )
    not_analysed: bool = Field(
        default=False,
        description=(
            "The host SUCCEEDED but the analyzer had not judged its result when the report was "
            "written: it has no findings in this report."
        ),
    )


class HostRef(_Frozen):
    """A host, as a report lists it (``ScanSummary.not_analysed``): its name, not a whole summary."""

    account_id: str
    instance_id: str
    hostname: str | None = None


class AccountCoverage(_Frozen):
    """A whole account the scan discovered, and its running EC2 instances that SSM does not manage
    (no agent, or no instance profile): the scan could not reach them, so they are named rather
    than counted as hosts (docs/design.md, "Coverage"). ``checked`` is False where EC2 refused to
    list the running instances: coverage is then unknown, and the counts say nothing."""

    account_id: str
    region: str
    checked: bool
    running: int = 0
    not_covered: int = 0
    instances: tuple[HostRef, ...] = Field(
        default=(), description="The first instances not covered by ID, with their Name tags."
    )


class AccountSummary(_Frozen):
    """One account of a scan. ``pass_rate`` = GOOD / (GOOD + VULNERABLE) over its succeeded hosts'
    items (MANUAL, NOT_APPLICABLE and ERROR are neither); None when nothing was decided."""

    account_id: str
    hosts: int
    succeeded: int
    good: int
    vulnerable: int
    pass_rate: float | None


class ItemFailures(_Frozen):
    """An item and how many hosts fail it."""

    code: str
    severity: Severity
    title_ko: str
    title_en: str
    hosts_failing: int


class ScanSummary(_Frozen):
    """A whole scan: outcomes (adding up to the hosts), item counts, accounts, the worst items."""

    scan_id: str
    hosts: int
    outcomes: dict[HostOutcome, int]
    counts: dict[Status, int]
    by_severity: dict[Severity, dict[Status, int]]
    accounts: tuple[AccountSummary, ...]
    top_failing: tuple[ItemFailures, ...]
    not_analysed: tuple[HostRef, ...] = Field(
        default=(), description="Succeeded hosts whose result was not analysed in time (no findings)."
    )
    coverage: tuple[AccountCoverage, ...] = Field(
        default=(), description="Each whole account discovered: its running instances SSM does not manage."
    )

    @property
    def not_covered(self) -> int:
        """Running instances of the scanned accounts that SSM does not manage."""
        return sum(account.not_covered for account in self.coverage)


class ItemChange(_Frozen):
    """One (host, item) whose failure appeared or went away between two scans."""

    account_id: str
    instance_id: str
    hostname: str | None
    code: str
    severity: Severity
    title_ko: str
    title_en: str
    before: Status | None = Field(description="None: the host was not in the previous scan's results.")
    after: Status


class ScanDiff(_Frozen):
    """The current scan against the previous one of the same targets, over hosts with results in the
    current scan. ``new_failures``: VULNERABLE now, not before (or the host is new); ``fixed``:
    VULNERABLE before, GOOD or NOT_APPLICABLE now; ``unchanged``: VULNERABLE in both; ``undecided``:
    VULNERABLE before, MANUAL or ERROR now."""

    previous_scan_id: str | None
    scan_id: str
    new_failures: tuple[ItemChange, ...]
    fixed: tuple[ItemChange, ...]
    undecided: tuple[ItemChange, ...]
    unchanged: int
    unchanged_by_code: dict[str, int]
    hosts_compared: int
    hosts_new: int
    hosts_not_rescanned: int = Field(description="Hosts with results before but none now (not compared).")
    hosts_appeared: tuple[HostRef, ...] = Field(
        default=(), description=f"The first {HOSTS_NAMED} of the hosts_new, by account and instance ID."
    )
    hosts_disappeared: tuple[HostRef, ...] = Field(
        default=(),
        description=f"The first {HOSTS_NAMED} of the hosts_not_rescanned, by account and instance ID.",
    )
