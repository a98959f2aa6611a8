"""Turn a judged :class:`HostResult` into normalized :class:`Finding` records."""

from __future__ import annotations

from scanner.findings.models import Finding, HostContext
from scanner.results import EDITION, ITEMS, HostResult

__all__ = ["normalize"]


def normalize(result: HostResult, context: HostContext) -> tuple[Finding, ...]:
    """One finding per item, in code order; titles and severities come from the edition.

    The items and the context were validated at the edge, so nothing is validated again here.
    """
    findings = []
    for item in result.items:
        entry = ITEMS[item.code]
        findings.append(
            Finding(
                scan_id=context.scan_id,
                account_id=context.account_id,
                region=context.region,
                instance_id=context.instance_id,
                hostname=context.hostname,
                observed_at=context.observed_at,
                edition=EDITION,
                code=item.code,
                severity=entry.severity,
                status=item.status,
                title=entry.title_ko,
                title_en=entry.title_en,
                reason=item.reason,
                evidence=item.evidence,
                legacy_codes=item.legacy_codes,
                duration_ms=item.duration_ms,
            )
        )
    return tuple(findings)
