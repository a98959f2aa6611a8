"""AWS Security Finding Format export, in ``BatchImportFindings`` batches of at most 100.

Status: GOOD → PASSED, VULNERABLE → FAILED, MANUAL → WARNING (a person must decide), ERROR and
NOT_APPLICABLE → NOT_AVAILABLE (the check could not be performed, or does not apply). Passing and
not-available findings carry the INFORMATIONAL label and a RESOLVED workflow, as Security Hub's own
controls do; the others carry the item's severity and a NEW workflow.

A host that is not verified (a bundle run by hand) says so in ``ProductFields``
(``cce-scan/identified_by`` "operator" or "hostname", ``cce-scan/verified`` "false"); a host known
only by its name is a resource of type ``Other`` whose ID is that name.

A FAILED (VULNERABLE) finding carries the fix for its host's distribution family (scanner.catalog):
in Korean in ``Remediation.Recommendation.Text`` (at most 512 characters, botocore's model), as the
title is Korean, and in English in ``ProductFields`` ``cce-scan/remediation_en`` beside
``cce-scan/title_en`` (one language per field: the 512 characters do not hold both).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from typing import Any, NamedTuple

from scanner.catalog import remediation
from scanner.findings.models import Finding
from scanner.findings.ocsf import finding_uid
from scanner.results import Severity, Status

__all__ = [
    "ASFF_SCHEMA_VERSION",
    "MAX_BATCH",
    "MAX_BATCH_BYTES",
    "MAX_FINDING_BYTES",
    "RECOMMENDATION_TEXT_MAX",
    "Batcher",
    "Destination",
    "asff_batches",
    "destination",
    "product_arn",
    "to_asff",
    "wire_size",
]

ASFF_SCHEMA_VERSION = "2018-10-08"
# BatchImportFindings takes at most 100 findings (botocore's model: "Maximum of 100 findings per
# request"), each at most 240 KB ("The maximum allowed size for a finding is 240 Kb"), and at most
# 6 MB per batch (Security Hub's partner guide, "Guidelines for using the BatchImportFindings API").
# The limits used stay under those with a margin for the request's envelope and for KB/MB read as
# powers of ten: 240,000 bytes a finding, 5 MiB of findings a request.
MAX_BATCH = 100
MAX_FINDING_BYTES = 240_000
MAX_BATCH_BYTES = 5 * 1024 * 1024
# Remediation.Recommendation.Text: "Maximum of 512 length" (botocore's model); a ProductFields value
# at most 2048 characters (Security Hub's ASFF syntax).
RECOMMENDATION_TEXT_MAX = 512
PRODUCT_FIELD_VALUE_MAX = 2048
_COMPLIANCE = {
    Status.GOOD: "PASSED",
    Status.VULNERABLE: "FAILED",
    Status.MANUAL: "WARNING",
    Status.ERROR: "NOT_AVAILABLE",
    Status.NOT_APPLICABLE: "NOT_AVAILABLE",
}
_LABELS = {Severity.HIGH: "HIGH", Severity.MEDIUM: "MEDIUM", Severity.LOW: "LOW"}


def product_arn(partition: str, region: str, account_id: str) -> str:
    """The default product ARN of an account's own findings (a custom integration)."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timestamp(finding: Finding) -> str:
    return finding.observed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_asff(
    finding: Finding, *, product: str | None = None, partition: str = "aws", default_region: str
) -> dict[str, Any]:
    """One ASFF finding; ``default_region`` is used when the host did not report its region.

    ``product``: the importing account's product ARN; by default the finding's own account's, so
    each member account can import its own findings.
    """
    region = finding.region or default_region
    product = product or product_arn(partition, region, finding.account_id)
    compliance = _COMPLIANCE[finding.status]
    settled = compliance in ("PASSED", "NOT_AVAILABLE")
    when = _timestamp(finding)
    title = f"{finding.code} {finding.title}"
    description = finding.reason.strip() or f"{finding.title_en} ({finding.status.value})"
    if not finding.ec2_instance:  # a host name, or a hybrid node's mi- ID
        kind, resource_id = "Other", finding.instance_id
    else:
        kind = "AwsEc2Instance"
        resource_id = f"arn:{partition}:ec2:{region}:{finding.account_id}:instance/{finding.instance_id}"
    resource: dict[str, Any] = {"Type": kind, "Id": resource_id, "Partition": partition, "Region": region}
    unverified = (
        {"cce-scan/identified_by": finding.identified_by.value, "cce-scan/verified": "false"}
        if not finding.identified_by.verified
        else {}
    )
    fix = remediation(finding.code, finding.family) if finding.status is Status.VULNERABLE else None
    asff: dict[str, Any] = {
        "SchemaVersion": ASFF_SCHEMA_VERSION,
        "Id": finding_uid(finding),
        "ProductArn": product,
        "GeneratorId": f"cce-scan/{finding.edition}/{finding.code}",
        "AwsAccountId": finding.account_id,
        "Types": [f"Software and Configuration Checks/Industry and Regulatory Standards/{finding.edition}"],
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {
            "Label": "INFORMATIONAL" if settled else _LABELS[finding.severity],
            "Original": finding.severity.value,
        },
        "Title": title[:256],
        "Description": description[:1024],
        "Resources": [resource],
        "Compliance": {"Status": compliance, "RelatedRequirements": [f"{finding.edition} {finding.code}"]},
        "Workflow": {"Status": "RESOLVED" if settled else "NEW"},
        "RecordState": "ACTIVE",
        "ProductFields": {
            "cce-scan/scan_id": finding.scan_id,
            "cce-scan/status": finding.status.value,
            "cce-scan/title_en": finding.title_en,
            **({"cce-scan/hostname": finding.hostname[:255]} if finding.hostname else {}),
            **unverified,
            **({"cce-scan/remediation_en": _cut(fix.en, PRODUCT_FIELD_VALUE_MAX)} if fix is not None else {}),
        },
    }
    if fix is not None:
        asff["Remediation"] = {"Recommendation": {"Text": _cut(fix.ko, RECOMMENDATION_TEXT_MAX)}}
    return asff


class Destination(NamedTuple):
    """Where Security Hub takes a finding: the account it names and the region of its product ARN.

    With the default product ARN (:func:`product_arn`) only that account may import it
    (``BatchImportFindings`` called with that account's credentials), in that region.
    """

    account_id: str
    region: str


def destination(finding: Mapping[str, Any]) -> Destination:
    """The account (``AwsAccountId``) and region (the ``ProductArn``'s) of one ASFF finding."""
    return Destination(str(finding["AwsAccountId"]), str(finding["ProductArn"]).split(":")[3])


def wire_size(finding: Mapping[str, Any]) -> int:
    """Bytes the finding takes in a request: botocore sends compact JSON with non-ASCII escaped."""
    return len(json.dumps(finding, separators=(",", ":")))


class Batcher:
    """Groups ASFF findings into ``BatchImportFindings`` requests one account and region each.

    A batch holds at most ``size`` (≤ 100) findings and at most :data:`MAX_BATCH_BYTES` of them;
    :meth:`add` returns the batches it filled, :meth:`close` the rest, each as
    ``(destination, findings)``.
    """

    def __init__(self, *, size: int = MAX_BATCH, max_bytes: int = MAX_BATCH_BYTES) -> None:
        if not 1 <= size <= MAX_BATCH:
            raise ValueError(f"batch size must be between 1 and {MAX_BATCH}, got {size}")
        self._size, self._max_bytes = size, max_bytes
        self._pending: dict[Destination, list[dict[str, Any]]] = {}
        self._bytes: dict[Destination, int] = {}

    def add(self, finding: dict[str, Any]) -> list[tuple[Destination, list[dict[str, Any]]]]:
        size = wire_size(finding)
        if size > MAX_FINDING_BYTES:
            raise ValueError(f"finding {finding.get('Id')!r} takes {size} bytes, over {MAX_FINDING_BYTES}")
        where = destination(finding)
        full: list[tuple[Destination, list[dict[str, Any]]]] = []
        if where in self._pending and self._bytes[where] + size > self._max_bytes:
            full.append((where, self._pending.pop(where)))
        batch = self._pending.setdefault(where, [])
        batch.append(finding)
        self._bytes[where] = (self._bytes[where] if len(batch) > 1 else 0) + size
        if len(batch) == self._size:
            full.append((where, self._pending.pop(where)))
        return full

    def close(self) -> list[tuple[Destination, list[dict[str, Any]]]]:
        rest = list(self._pending.items())
        self._pending, self._bytes = {}, {}
        return rest


def asff_batches(
    findings: Iterable[Finding],
    *,
    product: str | None = None,
    default_region: str,
    partition: str = "aws",
    size: int = MAX_BATCH,
) -> Iterator[list[dict[str, Any]]]:
    """ASFF findings grouped for ``BatchImportFindings``: one account and region per batch, at most
    100 findings and :data:`MAX_BATCH_BYTES` each (:class:`Batcher`)."""
    batcher = Batcher(size=size)
    for finding in findings:
        asff = to_asff(finding, product=product, partition=partition, default_region=default_region)
        for _, batch in batcher.add(asff):
            yield batch
    for _, batch in batcher.close():
        yield batch
