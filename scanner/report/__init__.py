"""Reports: per-host and per-scan summaries and the diff against the previous scan (pure functions)."""

from __future__ import annotations

from scanner.report.collect import HostState, awaiting_analysis, combine, read_host_summaries
from scanner.report.diff import diff_scans
from scanner.report.errors import ReportError, ReportReadError, ReportWriteError
from scanner.report.models import AccountSummary, HostSummary, ItemChange, ItemFailures, ScanDiff, ScanSummary
from scanner.report.publish import PublishedReport, host_states, publish_scan_report, report_keys
from scanner.report.summary import ScanAggregator, summarize_host, summarize_outcome, summarize_scan

__all__ = [
    "AccountSummary",
    "HostState",
    "HostSummary",
    "ItemChange",
    "ItemFailures",
    "PublishedReport",
    "ReportError",
    "ReportReadError",
    "ReportWriteError",
    "ScanAggregator",
    "ScanDiff",
    "ScanSummary",
    "awaiting_analysis",
    "combine",
    "diff_scans",
    "host_states",
    "publish_scan_report",
    "read_host_summaries",
    "report_keys",
    "summarize_host",
    "summarize_outcome",
    "summarize_scan",
]
