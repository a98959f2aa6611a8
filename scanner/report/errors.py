"""Errors of the report package; each says when it is raised."""

from __future__ import annotations

from scanner.errors import CceScanError

__all__ = ["ReportError", "ReportReadError", "ReportWriteError"]


class ReportError(CceScanError):
    """Base class of the errors raised while gathering or writing a scan report."""


class ReportReadError(ReportError):
    """The host summaries of a scan cannot be listed or read from the results bucket."""


class ReportWriteError(ReportError):
    """The report of a scan cannot be written to ``reports/<scan>/`` in the results bucket."""
