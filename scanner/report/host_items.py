"""A host's items as the audit workbook shows them, read back from the host's OCSF findings file.

The analyzer (and ``cce-scan analyze``) writes each host's findings as ``<instance>.ocsf.jsonl``
(:mod:`scanner.findings.ocsf`); that file is the one place the workbook reads a host's results
from, so its matrix and host sheets are the findings themselves. Of each event it reads the code
(``metadata.event_code``), the status (``status_code``), the reason (``status_detail``), the
evidence (``unmapped.cce_scan.evidence``) and the fix of a VULNERABLE finding (``remediation.desc``
in Korean, ``unmapped.cce_scan.remediation_en`` in English).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import BaseModel, ConfigDict, Field

from scanner.catalog import Text, remediation
from scanner.findings.models import Finding
from scanner.results import Status

__all__ = ["ItemResult", "item_results", "item_results_of"]


class ItemResult(BaseModel):
    """One item's result on one host: a row of a host sheet and a cell of the matrix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^U-\d{2}$")
    status: Status
    reason: str = ""
    evidence: str = ""
    remediation: Text | None = Field(default=None, description="The fix of a VULNERABLE item.")

    @classmethod
    def of(cls, finding: Finding) -> ItemResult:
        """The row of ``finding`` (its fix as the findings files carry it)."""
        fix = remediation(finding.code, finding.family) if finding.status is Status.VULNERABLE else None
        return cls(
            code=finding.code,
            status=finding.status,
            reason=finding.reason,
            evidence=finding.evidence,
            remediation=fix,
        )


class _Loose(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Metadata(_Loose):
    event_code: str


class _Remediation(_Loose):
    desc: str


class _CceScan(_Loose):
    evidence: str = ""
    remediation_en: str | None = None


class _Unmapped(_Loose):
    cce_scan: _CceScan = _CceScan()


class _Event(_Loose):
    """The part of an OCSF Compliance Finding the workbook reads."""

    metadata: _Metadata
    status_code: Status
    status_detail: str = ""
    remediation: _Remediation | None = None
    unmapped: _Unmapped = _Unmapped()

    def item(self) -> ItemResult:
        fix = None
        if self.remediation is not None:
            english = self.unmapped.cce_scan.remediation_en or self.remediation.desc
            fix = Text(ko=self.remediation.desc, en=english)
        return ItemResult(
            code=self.metadata.event_code,
            status=self.status_code,
            reason=self.status_detail,
            evidence=self.unmapped.cce_scan.evidence,
            remediation=fix,
        )


def item_results(lines: Iterable[bytes | str]) -> Iterator[ItemResult]:
    """Each non-blank line of an ``*.ocsf.jsonl`` file as an :class:`ItemResult` (a line that is
    not such an event raises ``pydantic.ValidationError``)."""
    for line in lines:
        if line.strip():
            yield _Event.model_validate_json(line).item()


def item_results_of(findings: Iterable[Finding]) -> list[ItemResult]:
    """A host's findings as rows, without going through a file."""
    return [ItemResult.of(finding) for finding in findings]
