"""Findings and their exports: OCSF against the official compiled OCSF 1.5.0 schema, ASFF batches, CSV
for Excel."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from scanner.findings import (
    MAX_BATCH,
    OCSF_VERSION,
    Finding,
    HostContext,
    ResultKey,
    asff_batches,
    findings_csv,
    normalize,
    ocsf_jsonl,
    parse_result_key,
    product_arn,
    to_asff,
    to_ocsf,
)
from scanner.findings.analysis import analyze_tar
from scanner.findings.errors import ObjectKeyError
from scanner.outcomes import HostOutcome
from scanner.results import read_result_tar
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.tarbuilder import INSTANCE, build_tar, statuses, valid_files

KEY = ResultKey("20261126T120000-abc123", "111122223333", INSTANCE)
MIXED = statuses(
    vulnerable=["U-01", "U-05", "U-30"],
    manual=["U-07"],
    **{"U-64": "ERROR", "U-49": "NOT_APPLICABLE"},
)


def findings_of(status_by_code: dict[str, str] | None = None) -> tuple[Finding, ...]:
    host = analyze_tar(build_tar(valid_files(status_by_code)), KEY)
    assert host.analysis.outcome is HostOutcome.SUCCEEDED
    return host.findings


def by_code(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["compliance"]["control"]: line for line in lines}


def test_ocsf_export_of_a_valid_67_item_tar_gives_67_findings_that_validate() -> None:
    """Every status and severity the export maps, by the rules of the OCSF server's validator
    (official 1.5.0 schema): no error and no warning."""
    data = ocsf_jsonl(findings_of(MIXED))
    lines = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert len(lines) == 67
    assert ocsf_problems(lines) == []
    assert {line["metadata"]["version"] for line in lines} == {OCSF_VERSION} == {"1.5.0"}
    assert len({line["finding_info"]["uid"] for line in lines}) == 67


def test_ocsf_maps_severity_and_status_as_designed() -> None:
    lines = by_code([json.loads(line) for line in ocsf_jsonl(findings_of(MIXED)).splitlines()])
    assert (lines["U-01"]["severity_id"], lines["U-01"]["severity"]) == (4, "High")  # 상
    assert (lines["U-30"]["severity_id"], lines["U-30"]["severity"]) == (3, "Medium")  # 중
    assert (lines["U-07"]["severity_id"], lines["U-07"]["severity"]) == (2, "Low")  # 하
    for line in lines.values():  # the check's severity is the same caption
        (check,) = line["compliance"]["checks"]
        assert (check["severity_id"], check["severity"]) == (line["severity_id"], line["severity"])
    expected = {
        "U-02": (1, "Pass", "GOOD"),
        "U-01": (3, "Fail", "VULNERABLE"),
        "U-07": (2, "Warning", "MANUAL"),
        "U-64": (0, "Unknown", "ERROR"),
        "U-49": (99, "Not Applicable", "NOT_APPLICABLE"),
    }
    for code, (status_id, status, original) in expected.items():
        compliance = lines[code]["compliance"]
        assert (compliance["status_id"], compliance["status"], lines[code]["status_code"]) == (
            status_id,
            status,
            original,
        )


def test_ocsf_lines_carry_the_upload_identity_not_the_hosts_claims() -> None:
    line = json.loads(ocsf_jsonl(findings_of()[:1]))
    assert line["cloud"]["account"]["uid"] == "111122223333"
    assert line["device"]["instance_uid"] == INSTANCE
    assert line["resources"][0] == {
        "uid": INSTANCE,
        "type": "AWS::EC2::Instance",
        "name": "ip-10-0-0-12.ap-northeast-2.compute.internal",
    }
    assert line["finding_info"]["title"] == "U-01 root 계정 원격 접속 제한"
    assert line["unmapped"]["cce_scan"]["scan_id"] == KEY.scan_id


def test_ocsf_fast_lines_equal_the_reference_mapping() -> None:
    findings = findings_of(MIXED)
    lines = ocsf_jsonl(findings).splitlines()
    assert [json.loads(line) for line in lines] == [to_ocsf(finding) for finding in findings]


def test_findings_take_titles_and_severity_from_the_edition_not_the_host() -> None:
    files = valid_files()
    files["results.jsonl"] = files["results.jsonl"].replace(
        "root 계정 원격 접속 제한".encode(), b"<!channel> click http://evil", 1
    )
    result = read_result_tar(build_tar(files))
    context = HostContext.for_result(result, scan_id="s", account_id="111122223333", instance_id=INSTANCE)
    first = normalize(result, context)[0]
    assert first.title == "root 계정 원격 접속 제한"
    assert first.title_en == "Restrict remote root login"


def test_asff_batches_hold_at_most_100_findings_with_the_required_fields() -> None:
    findings = findings_of(MIXED) * 3  # 201 findings
    product = product_arn("aws", "ap-northeast-2", "999999999999")
    batches = list(asff_batches(findings, product=product, default_region="ap-northeast-2"))
    assert [len(batch) for batch in batches] == [100, 100, 1]
    required = {
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Types",
        "CreatedAt",
        "UpdatedAt",
        "Severity",
        "Title",
        "Description",
        "Resources",
    }
    first = {finding["Compliance"]["RelatedRequirements"][0]: finding for finding in batches[0][:67]}
    for finding in batches[0]:
        assert required <= finding.keys()
        assert len(finding["Title"]) <= 256
        assert 0 < len(finding["Description"]) <= 1024
    u01 = first["KISA-2026 U-01"]
    assert u01["Compliance"]["Status"] == "FAILED"
    assert u01["Severity"]["Label"] == "HIGH"
    assert u01["Resources"][0]["Id"] == f"arn:aws:ec2:ap-northeast-2:111122223333:instance/{INSTANCE}"
    assert u01["CreatedAt"] == "2026-11-26T12:00:02.000Z"
    assert first["KISA-2026 U-02"]["Compliance"]["Status"] == "PASSED"
    assert first["KISA-2026 U-02"]["Severity"]["Label"] == "INFORMATIONAL"
    assert first["KISA-2026 U-07"]["Compliance"]["Status"] == "WARNING"
    assert first["KISA-2026 U-64"]["Compliance"]["Status"] == "NOT_AVAILABLE"


def test_asff_refuses_batches_larger_than_security_hub_takes() -> None:
    with pytest.raises(ValueError, match="between 1 and 100"):
        next(asff_batches(findings_of(), product="p", default_region="us-east-1", size=MAX_BATCH + 1))


def test_csv_starts_with_a_bom_and_keeps_korean_titles() -> None:
    data = findings_csv(findings_of(MIXED))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 67
    assert rows[0]["title"] == "root 계정 원격 접속 제한"
    assert rows[0]["status"] == "VULNERABLE"


def test_csv_defuses_formulas_planted_by_a_host() -> None:
    files = valid_files()
    files["results.jsonl"] = files["results.jsonl"].replace(
        b'"reason": "U-01 checked"', b'"reason": "=HYPERLINK(\\"http://evil\\")"', 1
    )
    result = read_result_tar(build_tar(files))
    context = HostContext.for_result(result, scan_id="s", account_id="111122223333", instance_id=INSTANCE)
    rows = list(csv.DictReader(io.StringIO(findings_csv(normalize(result, context)).decode("utf-8-sig"))))
    assert rows[0]["reason"] == '\'=HYPERLINK("http://evil")'


def test_result_keys_parse_only_the_results_layout() -> None:
    key = parse_result_key(f"results/20261126T120000-abc123/111122223333/{INSTANCE}.tar")
    assert key == KEY
    assert key.findings == f"findings/20261126T120000-abc123/111122223333/{INSTANCE}.ocsf.jsonl"
    for bad in (
        "results/scan/111122223333/i-0123456789abcdef0.tar.gz",
        "results/scan/1111/i-0123456789abcdef0.tar",
        "results/../111122223333/i-0123456789abcdef0.tar",
        "findings/scan/111122223333/i-0123456789abcdef0.tar",
    ):
        with pytest.raises(ObjectKeyError):
            parse_result_key(bad)


def test_a_hybrid_nodes_findings_name_no_ec2_instance() -> None:
    """An ``mi-`` node (SSM hybrid activation) is no EC2 instance: no ``arn:aws:ec2:…:instance/mi-…``;
    its OCSF findings pass the OCSF server's validator (official 1.5.0 schema) with no error or warning."""
    hybrid = "mi-0123456789abcdef0"
    findings = tuple(f._replace(instance_id=hybrid) for f in findings_of(MIXED))
    asff = to_asff(findings[0], default_region="ap-northeast-2")
    assert asff["Resources"][0]["Type"] == "Other"
    assert asff["Resources"][0]["Id"] == hybrid
    lines = [json.loads(line) for line in ocsf_jsonl(findings).splitlines()]
    assert lines == [to_ocsf(finding) for finding in findings]
    assert ocsf_problems(lines) == []
    assert lines[0]["resources"][0]["type"] == "Other"
    assert "instance_uid" not in lines[0]["device"]
    assert ":instance/" not in json.dumps(asff) + json.dumps(lines)
