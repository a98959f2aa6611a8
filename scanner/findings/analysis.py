"""One host's result tar → verdict, findings and summary: the step the analyzer and the CLI share."""

from __future__ import annotations

from typing import NamedTuple

from scanner.findings.keys import ResultKey
from scanner.findings.models import Finding, HostContext, Identity
from scanner.findings.normalize import normalize
from scanner.findings.ports import HostAnalysis
from scanner.outcomes import HostOutcome
from scanner.report.summary import summarize_host, summarize_outcome
from scanner.results import DEFAULT_LIMITS, AcceptedResult, Limits, ResultRejected, read_result_tar

__all__ = ["AnalyzedHost", "analyze_result", "analyze_tar", "rejected"]


class AnalyzedHost(NamedTuple):
    """The verdict (with the host summary) and, when it SUCCEEDED, the findings."""

    analysis: HostAnalysis
    findings: tuple[Finding, ...]


def analyze_result(
    result: AcceptedResult, key: ResultKey, *, identified_by: Identity = Identity.VERIFIED
) -> AnalyzedHost:
    """Findings and summary of a result the reader accepted, filed under ``key``.

    ``identified_by``: how ``key.instance_id`` is known; the analyzer's keys are always verified,
    a bundle run by hand names its host through the operator or its host name.
    """
    context = HostContext.for_result(
        result,
        scan_id=key.scan_id,
        account_id=key.account_id,
        instance_id=key.instance_id,
        identified_by=identified_by,
    )
    findings = normalize(result, context)
    return AnalyzedHost(HostAnalysis(summary=summarize_host(findings), region=context.region), findings)


def rejected(key: ResultKey, reason: str) -> AnalyzedHost:
    """A host whose result tar was rejected: RESULT_INVALID with the reason, no findings."""
    summary = summarize_outcome(
        scan_id=key.scan_id,
        account_id=key.account_id,
        instance_id=key.instance_id,
        outcome=HostOutcome.RESULT_INVALID,
        reason=reason,
    )
    return AnalyzedHost(HostAnalysis(summary=summary), ())


def analyze_tar(data: bytes, key: ResultKey, *, limits: Limits = DEFAULT_LIMITS) -> AnalyzedHost:
    """Judge ``data`` uploaded under ``key`` (its instance is the one the tar must name)."""
    try:
        result = read_result_tar(data, expected_instance_id=key.instance_id, limits=limits)
    except ResultRejected as exc:
        return rejected(key, exc.reason)
    return analyze_result(result, key)
