"""Reports: per-host and per-scan summaries and the diff against the previous scan (pure functions)."""

from __future__ import annotations

from scanner.report.collect import HostState, ReportReadError, combine, read_host_summaries
from scanner.report.diff import diff_scans
from scanner.report.models import AccountSummary, HostSummary, ItemChange, ItemFailures, ScanDiff, ScanSummary
from scanner.report.summary import ScanAggregator, summarize_host, summarize_outcome, summarize_scan

__all__ = [
    "AccountSummary",
    "HostState",
    "HostSummary",
    "ItemChange",
    "ItemFailures",
    "ReportReadError",
    "ScanAggregator",
    "ScanDiff",
    "ScanSummary",
    "combine",
    "diff_scans",
    "read_host_summaries",
    "summarize_host",
    "summarize_outcome",
    "summarize_scan",
]
