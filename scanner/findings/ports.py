"""What the analyzer needs from the rest of the scanner, as small protocols.

:class:`HostAnalysis` is what the analyzer concluded about one uploaded result. The analyzer hands
a refused one to a :class:`HostStatePort` (the durable scan state) and, when the state says there
is news, to a :class:`ScanEventPort` (the scan's event stream). Adapters to
``scanner.state.ScanStore`` and ``scanner.events`` live in ``scanner.entries.analyzer``.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from scanner.outcomes import HostOutcome
from scanner.report.models import HostSummary

__all__ = ["HostAnalysis", "HostStatePort", "ScanEventPort"]


class HostAnalysis(BaseModel):
    """The analyzer's verdict on one host's result tar: the host's summary (whose outcome is SUCCEEDED
    or RESULT_INVALID) and the region the host is in.

    ``region`` is what the host said until the scan state, which files hosts by region (the result's
    key does not name it), fills in its own (:meth:`HostStatePort.record_analysis`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: HostSummary
    region: str | None = None

    @property
    def scan_id(self) -> str:
        return self.summary.scan_id

    @property
    def account_id(self) -> str:
        return self.summary.account_id

    @property
    def instance_id(self) -> str:
        return self.summary.instance_id

    @property
    def outcome(self) -> HostOutcome:
        return self.summary.outcome

    @property
    def reason(self) -> str | None:
        return self.summary.reason


class HostStatePort(Protocol):
    """The scan state, as far as the analyzer touches it."""

    def record_analysis(self, analysis: HostAnalysis) -> HostAnalysis | None:
        """Store the verdict (idempotently). Return what to announce, completed with what the state
        knows (such as the host's region), or None when this changed nothing worth announcing."""
        ...


class ScanEventPort(Protocol):
    """The scan's event stream."""

    def announce(self, analysis: HostAnalysis) -> None:
        """Publish the news of one analysis (for example a host whose result was rejected)."""
        ...
