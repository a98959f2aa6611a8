"""ASFF batches through a real BatchImportFindings call (botocore checks every field's shape; moto stores them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scanner.findings import ResultKey, asff_batches
from scanner.findings.analysis import analyze_tar
from scanner.findings.securityhub import import_asff
from tests.findings.tarbuilder import INSTANCE, build_tar, statuses, valid_files

REGION = "ap-northeast-2"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("securityhub", region_name=REGION)


def findings(instance: str = INSTANCE) -> Any:
    key = ResultKey("20261126T120000-abc123", "222222222222", instance)
    return analyze_tar(build_tar(valid_files(statuses(["U-01"]), instance_id=instance)), key).findings


def test_import_sends_every_finding_in_batches_of_at_most_100(hub: Any) -> None:
    all_findings = findings() + findings("i-00000000000000002") + findings("i-00000000000000003")
    report = import_asff(asff_batches(all_findings, default_region=REGION), hub)
    assert (report.imported, report.failed, report.batches) == (201, (), 3)
    stored = [f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]
    assert len(stored) == 201
    u01 = next(f for f in stored if f["Id"].endswith(f"{INSTANCE}:U-01"))
    assert u01["Compliance"]["Status"] == "FAILED"


def test_import_reports_refused_findings_and_goes_on(hub: Any) -> None:
    batches = list(asff_batches(findings(), default_region=REGION))
    batches[0][0]["Resources"] = []  # Security Hub requires at least one resource
    report = import_asff(batches, hub)
    assert report.imported == 66
    assert [failure.id for failure in report.failed] == [batches[0][0]["Id"]]


def test_import_reports_a_failed_call_as_the_whole_batch(hub: Any) -> None:
    class Refusing:
        def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> dict[str, Any]:
            hub.batch_import_findings(Findings=[{"bad": "shape"}])  # botocore refuses it
            return {}

    report = import_asff(asff_batches(findings(), default_region=REGION), Refusing())
    assert report.imported == 0
    assert len(report.failed) == 67
    assert report.failed[0].code == "ParamValidationError"
