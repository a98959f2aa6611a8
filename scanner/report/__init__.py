"""Reports: per-host and per-scan summaries and the diff against the previous scan (pure functions)."""

from __future__ import annotations

from scanner.report.collect import (
    NOT_ANALYSED,
    HostState,
    combine,
    coverage_of,
    host_states,
    judged_hosts,
    read_host_summaries,
)
from scanner.report.diff import diff_scans
from scanner.report.errors import ReportError, ReportReadError, ReportWriteError
from scanner.report.models import (
    AccountCoverage,
    AccountSummary,
    HostRef,
    HostSummary,
    ItemChange,
    ItemFailures,
    ScanDiff,
    ScanSummary,
)
from scanner.report.publish import (
    PublishedReport,
    ReportPort,
    S3Reports,
    publish_scan_report,
    report_keys,
)
from scanner.report.readiness import awaiting_analysis, report_wait
from scanner.report.summary import ScanAggregator, summarize_host, summarize_outcome, summarize_scan

__all__ = [
    "NOT_ANALYSED",
    "AccountCoverage",
    "AccountSummary",
    "HostRef",
    "HostState",
    "HostSummary",
    "ItemChange",
    "ItemFailures",
    "PublishedReport",
    "ReportError",
    "ReportPort",
    "ReportReadError",
    "ReportWriteError",
    "S3Reports",
    "ScanAggregator",
    "ScanDiff",
    "ScanSummary",
    "awaiting_analysis",
    "combine",
    "coverage_of",
    "diff_scans",
    "host_states",
    "judged_hosts",
    "publish_scan_report",
    "read_host_summaries",
    "report_keys",
    "report_wait",
    "summarize_host",
    "summarize_outcome",
    "summarize_scan",
]
