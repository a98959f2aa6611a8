"""Findings as CSV for people: UTF-8 with a byte-order mark so Excel shows Korean titles correctly.

Every cell that starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab, CR) is prefixed
with ``'``: the text comes from hosts, and a host must not be able to plant a formula.

``remediation`` and ``remediation_en`` (the last columns, so earlier ones keep their place) are the
fix of a VULNERABLE finding for its host's distribution family (scanner.catalog), in Korean and in
English, one language per column as ``title`` and ``title_en``; empty for every other status.

``identity`` is how the host is known: ``verified``, or, for a bundle run by hand, ``operator`` (the
operator named the instance) or ``hostname`` (only its name is known; ``instance_id`` is then empty).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO

from scanner.catalog import remediation
from scanner.findings.models import Finding, Identity
from scanner.results import Status

__all__ = ["BOM", "COLUMNS", "findings_csv", "write_csv"]

BOM = "\ufeff"
COLUMNS = (
    "scan_id",
    "account_id",
    "region",
    "instance_id",
    "hostname",
    "code",
    "severity",
    "status",
    "title",
    "title_en",
    "reason",
    "evidence",
    "legacy_codes",
    "observed_at",
    "identity",
    "remediation",
    "remediation_en",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_CELL_LIMIT = 32_000


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text[:_EXCEL_CELL_LIMIT]


def _row(finding: Finding) -> list[str]:
    fix = remediation(finding.code, finding.family) if finding.status is Status.VULNERABLE else None
    return [
        _cell(finding.scan_id),
        _cell(finding.account_id),
        _cell(finding.region),
        "" if finding.identified_by is Identity.HOSTNAME else _cell(finding.instance_id),
        _cell(finding.hostname),
        _cell(finding.code),
        _cell(finding.severity.value),
        _cell(finding.status.value),
        _cell(finding.title),
        _cell(finding.title_en),
        _cell(finding.reason),
        _cell(finding.evidence),
        _cell(" ".join(finding.legacy_codes)),
        _cell(finding.observed_at.isoformat()),
        finding.identified_by.value,
        _cell(fix.ko) if fix else "",
        _cell(fix.en) if fix else "",
    ]


def write_csv(findings: Iterable[Finding], handle: IO[str], *, header: bool = True) -> int:
    """Write rows to a text handle opened with ``newline=""``; returns how many rows were written.

    The byte-order mark and the header row are written when ``header`` is true.
    """
    writer = csv.writer(handle)
    if header:
        handle.write(BOM)
        writer.writerow(COLUMNS)
    rows = 0
    for finding in findings:
        writer.writerow(_row(finding))
        rows += 1
    return rows


def findings_csv(findings: Iterable[Finding]) -> bytes:
    """The whole CSV file for ``findings``."""
    buffer = io.StringIO(newline="")
    write_csv(findings, buffer)
    return buffer.getvalue().encode("utf-8")
