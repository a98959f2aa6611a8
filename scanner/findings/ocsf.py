"""OCSF Compliance Finding (class_uid 2003) export, schema version pinned to :data:`OCSF_VERSION`.

Mapping (docs/design.md, "Findings"):

- severity 상/중/하 → ``severity_id`` 4 High / 3 Medium / 2 Low (for every status, so a SIEM can
  rank passing and failing controls alike), on the event and on ``compliance.checks[0]``, each
  ``severity`` the enum's caption;
- status → ``compliance.status_id``: GOOD → 1 Pass, VULNERABLE → 3 Fail, MANUAL → 2 Warning (needs
  a person), ERROR → 0 Unknown (the check itself failed; nothing is known about the control),
  NOT_APPLICABLE → 99 Other with ``compliance.status`` "Not Applicable" (neither pass nor fail);
- the original status is kept verbatim in ``status_code``; the check's reason in ``status_detail``;
- ``status_id`` 1 New (the finding's workflow state is the consumer's business);
- the host is both ``device`` (type Server) and ``resources[0]`` (``AWS::EC2::Instance`` for an EC2
  instance, ``Other`` for a host name or a hybrid ``mi-`` node); the account and region are in
  ``cloud`` (the ``cloud`` profile);
- a host not verified (a bundle run by hand: the operator named the instance, or only its host name
  is known) carries ``resources[0].labels`` ``["cce-scan:unverified"]`` and ``resources[0].data``
  ``{"cce_scan": {"identified_by": …, "verified": false}}``; a host known only by its name is the
  resource ``uid``/``name``/``hostname`` of type "Other", and ``device`` has no ``instance_uid``;
- a VULNERABLE finding carries the fix for its host's distribution family (scanner.catalog) in
  ``remediation.desc``, in Korean as the titles are, and the same fix in English in
  ``unmapped.cce_scan.remediation_en`` beside ``title_en`` (OCSF has one ``desc``, and a SIEM rule
  or a reader of one language should not have to split a mixed string); a host of no known family
  gets every family's fix, each named;
- fields OCSF has no place for (evidence, legacy codes, English title, scan ID, duration, English
  remediation) are under ``unmapped.cce_scan``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pydantic_core

from scanner.catalog import Family, remediation
from scanner.findings.models import Finding, Identity
from scanner.results import Severity, Status

__all__ = [
    "OCSF_VERSION",
    "SEVERITY_IDS",
    "STATUS_IDS",
    "UNVERIFIED_LABEL",
    "finding_uid",
    "ocsf_jsonl",
    "ocsf_lines",
    "to_ocsf",
]

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003
CATEGORY_UID = 2
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE
UNVERIFIED_LABEL = "cce-scan:unverified"

SEVERITY_IDS: dict[Severity, tuple[int, str]] = {
    Severity.HIGH: (4, "High"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.LOW: (2, "Low"),
}
STATUS_IDS: dict[Status, tuple[int, str]] = {
    Status.GOOD: (1, "Pass"),
    Status.VULNERABLE: (3, "Fail"),
    Status.MANUAL: (2, "Warning"),
    Status.ERROR: (0, "Unknown"),
    Status.NOT_APPLICABLE: (99, "Not Applicable"),
}


@cache
def _product() -> dict[str, str]:
    try:
        release = version("cce-scan")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        release = "0"
    return {"name": "cce-scan", "vendor_name": "cce-scan", "version": release}


def finding_uid(finding: Finding) -> str:
    """Stable per (scan, account, instance, code): a second delivery of the same result repeats it."""
    return f"cce-scan:{finding.scan_id}:{finding.account_id}:{finding.instance_id}:{finding.code}"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _host_parts(finding: Finding) -> dict[str, Any]:
    """The parts every finding of one host shares."""
    cloud: dict[str, Any] = {
        "provider": "AWS",
        "account": {"uid": finding.account_id, "type_id": 10, "type": "AWS Account"},
    }
    by_name = finding.identified_by is Identity.HOSTNAME
    device: dict[str, Any] = {"type_id": 1, "type": "Server", "uid": finding.instance_id}
    if finding.ec2_instance:
        device["instance_uid"] = finding.instance_id
    resource: dict[str, Any] = {
        "uid": finding.instance_id,
        "type": "AWS::EC2::Instance" if finding.ec2_instance else "Other",  # Other: a host name, or mi-
    }
    if finding.region:
        cloud["region"] = finding.region
        device["region"] = finding.region
        resource["region"] = finding.region
    if finding.hostname:
        device["hostname"] = finding.hostname
        resource["name"] = finding.hostname
    if by_name:
        resource["hostname"] = finding.instance_id
    if not finding.identified_by.verified:
        resource["labels"] = [UNVERIFIED_LABEL]
        resource["data"] = {"cce_scan": {"identified_by": finding.identified_by.value, "verified": False}}
    return {"cloud": cloud, "device": device, "resources": [resource]}


def _metadata() -> dict[str, Any]:
    return {
        "version": OCSF_VERSION,
        "product": _product(),
        "profiles": ["cloud"],
        "log_name": "cce-scan findings",
    }


def _remediation(finding: Finding) -> tuple[str, str] | None:
    """(Korean, English) fix of a VULNERABLE finding on its host's family; None otherwise."""
    if finding.status is not Status.VULNERABLE:
        return None
    text = remediation(finding.code, finding.family)
    return (text.ko, text.en) if text is not None else None


def _per_item(finding: Finding) -> dict[str, Any]:
    """The parts that depend only on the item, its status and the host's family."""
    severity_id, severity = SEVERITY_IDS[finding.severity]
    status_id, status = STATUS_IDS[finding.status]
    requirement = f"{finding.edition}:{finding.code}"
    fix = _remediation(finding)
    return ({"remediation": {"desc": fix[0]}} if fix else {}) | {
        "metadata": _metadata() | {"event_code": finding.code},
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": TYPE_UID,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": 1,
        "status": "New",
        "status_code": finding.status.value,
        "message": f"{finding.code} {finding.title}: {status}",
        "compliance": {
            "standards": [finding.edition],
            "control": finding.code,
            "requirements": [requirement],
            "status_id": status_id,
            "status": status,
            "checks": [
                {
                    "uid": requirement,
                    "name": finding.title,
                    "severity": severity,
                    "severity_id": severity_id,
                    "standards": [finding.edition],
                    "status": status,
                    "status_id": status_id,
                }
            ],
        },
    }


def _per_finding(finding: Finding) -> dict[str, Any]:
    """The parts that change with every finding."""
    uid = finding_uid(finding)
    time = _millis(finding.observed_at)
    return {
        "time": time,
        "status_detail": finding.reason,
        "finding_info": {
            "uid": uid,
            "title": f"{finding.code} {finding.title}",
            "desc": finding.title_en,
            "types": [finding.edition],
            "created_time": time,
        },
        "unmapped": {
            "cce_scan": {
                "scan_id": finding.scan_id,
                "title_en": finding.title_en,
                "evidence": finding.evidence,
                "legacy_codes": list(finding.legacy_codes),
                "duration_ms": finding.duration_ms,
            }
            | ({"remediation_en": fix[1]} if (fix := _remediation(finding)) else {})
        },
    }


def to_ocsf(finding: Finding) -> dict[str, Any]:
    """One OCSF 1.5.0 Compliance Finding event for ``finding``."""
    return _per_item(finding) | _per_finding(finding) | _host_parts(finding)


@cache
def _item_fragment(
    edition: str, code: str, title: str, severity: Severity, status: Status, family: Family | None
) -> bytes:
    sample = Finding(
        "", "", None, "", None, datetime.min, edition, code, severity, status, title, "", "", "", (), None
    )._replace(family=family)
    return _inner(_per_item(sample))


@cache
def _remediation_en_fragment(code: str, status: Status, family: Family | None) -> bytes:
    """``,"remediation_en":…`` for a VULNERABLE finding, else nothing."""
    sample = Finding(
        "", "", None, "", None, datetime.min, "", code, Severity.LOW, status, "", "", "", "", (), None
    )._replace(family=family)
    fix = _remediation(sample)
    return b"," + _inner({"remediation_en": fix[1]}) if fix else b""


def _inner(obj: dict[str, Any]) -> bytes:
    """``{"a":1,"b":2}`` → ``"a":1,"b":2`` so fragments can be joined into one object."""
    return pydantic_core.to_json(obj)[1:-1]


@cache
def _info_fragment(edition: str, code: str, title: str, title_en: str) -> bytes:
    """``finding_info`` members that depend only on the item."""
    return _inner({"title": f"{code} {title}", "desc": title_en, "types": [edition]})


_json = pydantic_core.to_json
_LINE = (
    b'{"time":%d,"status_detail":%s,"finding_info":{"uid":%s,%s,"created_time":%d},'
    b'"unmapped":{"cce_scan":{"scan_id":%s,"title_en":%s,"evidence":%s,"legacy_codes":%s,"duration_ms":%s%s}},'
    b"%s,%s}\n"
)


# (edition, code, status, family) → the serialized parts that depend only on those: at most 67 × 5 × 3
# per edition.
_FRAGMENTS: dict[tuple[str, str, Status, Family | None], tuple[bytes, bytes, bytes, bytes]] = {}


def ocsf_lines(findings: Iterable[Finding]) -> Iterator[bytes]:
    """Each finding as one line of JSON (UTF-8, newline-terminated), the same object :func:`to_ocsf` makes.

    The parts shared by an item or a host are serialized once and joined with the parts of each
    finding (every value from a host still goes through the JSON encoder), which keeps the export
    off the analyzer's critical path; a test holds it equal to :func:`to_ocsf`.
    """
    host = b""
    host_key: tuple[str, str, str | None, str | None, datetime, Identity] | None = None
    time = 0
    fragments = _FRAGMENTS
    for finding in findings:
        key = (
            finding.account_id,
            finding.instance_id,
            finding.region,
            finding.hostname,
            finding.observed_at,
            finding.identified_by,
        )
        if key != host_key:
            host, host_key, time = _inner(_host_parts(finding)), key, _millis(finding.observed_at)
        item_key = (finding.edition, finding.code, finding.status, finding.family)
        parts = fragments.get(item_key)
        if parts is None:
            parts = fragments[item_key] = (
                _info_fragment(finding.edition, finding.code, finding.title, finding.title_en),
                _item_fragment(
                    finding.edition,
                    finding.code,
                    finding.title,
                    finding.severity,
                    finding.status,
                    finding.family,
                ),
                _json(finding.title_en),
                _remediation_en_fragment(finding.code, finding.status, finding.family),
            )
        info, item, title_en, remediation_en = parts
        yield _LINE % (
            time,
            _json(finding.reason),
            _json(finding_uid(finding)),
            info,
            time,
            _json(finding.scan_id),
            title_en,
            _json(finding.evidence),
            _json(finding.legacy_codes),
            b"null" if finding.duration_ms is None else b"%d" % finding.duration_ms,
            remediation_en,
            item,
            host,
        )


def ocsf_jsonl(findings: Iterable[Finding]) -> bytes:
    """The whole ``*.ocsf.jsonl`` file for ``findings``."""
    return b"".join(ocsf_lines(findings))
