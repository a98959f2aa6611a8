"""Host outcomes (docs/design.md, "Host outcomes"): exactly one per targeted host, in every report."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ACCOUNT_UNREACHABLE", "FAILURES", "SKIPS", "HostOutcome"]


class HostOutcome(StrEnum):
    """What became of one targeted host."""

    SUCCEEDED = "SUCCEEDED"
    FAILED_DOWNLOAD = "FAILED_DOWNLOAD"
    FAILED_CHECKS = "FAILED_CHECKS"
    FAILED_UPLOAD = "FAILED_UPLOAD"
    TIMED_OUT = "TIMED_OUT"
    UNDELIVERABLE = "UNDELIVERABLE"
    DISPATCH_REJECTED = "DISPATCH_REJECTED"
    RESULT_INVALID = "RESULT_INVALID"
    SKIPPED_OFFLINE = "SKIPPED_OFFLINE"
    SKIPPED_PLATFORM = "SKIPPED_PLATFORM"
    CANCELLED = "CANCELLED"
    ACCOUNT_UNREACHABLE = "ACCOUNT_UNREACHABLE"


ACCOUNT_UNREACHABLE = HostOutcome.ACCOUNT_UNREACHABLE
SKIPS = frozenset({HostOutcome.SKIPPED_OFFLINE, HostOutcome.SKIPPED_PLATFORM})
FAILURES = frozenset(HostOutcome) - SKIPS - {HostOutcome.SUCCEEDED}
