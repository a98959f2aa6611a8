"""Turn an :class:`AcceptedResult` into normalized :class:`Finding` records."""

from __future__ import annotations

from scanner.catalog import family_of
from scanner.findings.models import Finding, HostContext
from scanner.results import EDITION, ITEMS, AcceptedResult

__all__ = ["normalize"]


def normalize(result: AcceptedResult, context: HostContext) -> tuple[Finding, ...]:
    """One finding per item, in code order; titles and severities come from the edition.

    The items and the context were validated at the edge, so nothing is validated again here.
    """
    host = result.summary.host.model_extra or {}
    family = family_of(host.get("os_id"))
    findings = []
    for item in result.items:
        entry = ITEMS[item.code]
        # Positional, in field order: several times cheaper than keywords on this hot path.
        findings.append(
            Finding(
                context.scan_id,
                context.account_id,
                context.region,
                context.instance_id,
                context.hostname,
                context.observed_at,
                EDITION,
                item.code,
                entry.severity,
                item.status,
                entry.title_ko,
                entry.title_en,
                item.reason,
                item.evidence,
                item.legacy_codes,
                item.duration_ms,
                context.identified_by,
                family,
            )
        )
    return tuple(findings)
