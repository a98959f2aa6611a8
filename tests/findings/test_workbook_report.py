"""The worker's report (``reports/<scan>/``) holds the audit workbook ``report.xlsx`` beside the CSV and
names it in ``scan.finished``'s files: its matrix equals the report's findings CSV cell by cell, its
words follow the configuration's locale, and a findings file it cannot read leaves the report
without a workbook rather than without a report."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scanner.findings import ResultKey, ocsf_jsonl, write_csv
from scanner.findings.analysis import analyze_tar
from scanner.outcomes import HostOutcome
from scanner.report import HostState, S3Reports, publish_scan_report, report_keys
from scanner.report.workbook_s3 import XLSX_CONTENT_TYPE
from tests.findings.tarbuilder import build_tar, statuses, valid_files
from tests.findings.workbook_reading import csv_rows, expected_matrix, matrix, open_workbook

REGION = "us-east-1"
BUCKET = "results"
SCAN = "20261126T120000-abc123"
ACCOUNT = "222222222222"
ONE, TWO = "i-00000000000000001", "i-00000000000000002"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client: Any = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


def _analyzed(s3: Any, instance: str, by_code: dict[str, str]) -> None:
    """A host's findings files as the analyzer leaves them."""
    key = ResultKey(SCAN, ACCOUNT, instance)
    host = analyze_tar(build_tar(valid_files(by_code, instance_id=instance)), key)
    rows = io.StringIO(newline="")
    write_csv(host.findings, rows, header=False)
    s3.put_object(Bucket=BUCKET, Key=key.findings, Body=ocsf_jsonl(host.findings))
    s3.put_object(Bucket=BUCKET, Key=key.csv, Body=rows.getvalue().encode())
    s3.put_object(Bucket=BUCKET, Key=key.summary, Body=host.analysis.summary.model_dump_json().encode())


STATE = [
    HostState(ACCOUNT, ONE, HostOutcome.SUCCEEDED, name="web-1"),
    HostState(ACCOUNT, TWO, HostOutcome.SUCCEEDED, name="web-2"),
    HostState(ACCOUNT, "i-00000000000000003", HostOutcome.TIMED_OUT, "no answer in 600 s"),
]


def _download(s3: Any, key: str, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    return path


def test_the_report_holds_the_workbook_whose_matrix_equals_its_findings_cell_by_cell(
    s3: Any, tmp_path: Path
) -> None:
    _analyzed(s3, ONE, statuses(["U-01", "U-67"], ["U-30"]))
    _analyzed(s3, TWO, statuses(["U-02"], **{"U-40": "NOT_APPLICABLE", "U-41": "ERROR"}))

    published = publish_scan_report(s3, BUCKET, SCAN, STATE)

    keys = report_keys(SCAN)
    assert published.files.xlsx == keys["xlsx"] == f"reports/{SCAN}/report.xlsx"
    head = s3.head_object(Bucket=BUCKET, Key=keys["xlsx"])
    assert head["ContentType"] == XLSX_CONTENT_TYPE
    workbook = open_workbook(_download(s3, keys["xlsx"], tmp_path, "report.xlsx"))
    findings = csv_rows(_download(s3, keys["csv"], tmp_path, "findings.csv"))
    assert len(findings) == 2 * 67
    assert matrix(workbook) == expected_matrix(findings)
    assert workbook.sheetnames == ["요약", "항목별 결과", "web-1", "web-2"]


def test_the_workbook_speaks_the_configurations_locale_and_names_accounts_by_alias(
    s3: Any, tmp_path: Path
) -> None:
    _analyzed(s3, ONE, statuses(["U-01"]))

    published = S3Reports(s3, BUCKET, locale="en", aliases={ACCOUNT: "prod-web"}).publish(
        SCAN, STATE[:1], previous_scan_id=None
    )

    assert published.files.xlsx is not None
    workbook = open_workbook(_download(s3, published.files.xlsx, tmp_path, "report.xlsx"))
    assert workbook.sheetnames == ["Summary", "Items by host", "web-1"]
    assert matrix(workbook, "en")[(ONE, "U-01")] == "Vulnerable"
    summary = [row for row in workbook["Summary"].iter_rows(values_only=True)]
    assert (ACCOUNT, "prod-web") in {(row[0], row[1]) for row in summary}


def test_a_findings_file_the_workbook_cannot_read_leaves_the_report_without_a_workbook(
    s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _analyzed(s3, ONE, statuses(["U-01"]))
    s3.put_object(Bucket=BUCKET, Key=ResultKey(SCAN, ACCOUNT, ONE).findings, Body=b"{not json\n")

    published = publish_scan_report(s3, BUCKET, SCAN, STATE[:1])

    assert published.files.xlsx is None
    assert published.files.csv == report_keys(SCAN)["csv"]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"reports/{SCAN}/")
    assert {item["Key"].rsplit("/", 1)[-1] for item in listed["Contents"]} == {
        "summary.json",
        "findings.csv",
        "findings.ocsf.jsonl",
    }
    assert any("workbook of scan" in record.getMessage() for record in caplog.records)
