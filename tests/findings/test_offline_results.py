"""A bundle run by hand (no SSM, so its tar names no instance) becomes findings marked unverified.

The tars are the real bundle's output on a fixture root; everything goes through ``cce-scan analyze``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from cce_scan.cli import main
from scanner.findings import Identity, ResultKey, ocsf_jsonl, to_ocsf
from scanner.findings.analysis import analyze_result
from scanner.findings.ocsf import UNVERIFIED_LABEL
from scanner.results import read_result_file
from tests.findings.ocsf_validator import ocsf_problems, validate

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "ssm_documents" / "bundle" / "script.sh"
FIXTURE = ROOT / "localworld" / "fixture_roots" / "al2023-weak" / "root"
ACCOUNT = "222222222222"
INSTANCE = "i-0abcdef0123456789"

pytestmark = pytest.mark.slow


def run_bundle(directory: Path, **env: str) -> Path:
    """The bundle run by hand on the fixture root (``CCE_ROOT``), as an operator would."""
    directory.mkdir(parents=True, exist_ok=True)
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CCE_ROOT": str(FIXTURE), **env}
    subprocess.run(
        ["sh", str(SCRIPT)], cwd=directory, env=environment, check=True, capture_output=True, timeout=120
    )
    (tar,) = directory.glob("*.tar")
    return tar


@pytest.fixture(scope="module")
def hand_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_bundle(tmp_path_factory.mktemp("hand"))


def summary_host(tar: Path) -> dict[str, Any]:
    with tarfile.open(tar) as archive:
        member = archive.extractfile("results.jsonl")
        assert member is not None
        last = member.read().decode().splitlines()[-1]
    host: dict[str, Any] = json.loads(last)["host"]
    return host


def ocsf_lines(out: Path, account: str, resource: str) -> list[dict[str, Any]]:
    text = (out / "findings" / account / f"{resource}.ocsf.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def csv_rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "findings.csv").read_text(encoding="utf-8-sig"))))


def asff(out: Path) -> list[dict[str, Any]]:
    return [f for path in sorted((out / "asff").rglob("*.json")) for f in json.loads(path.read_text())]


def test_a_hand_run_tar_names_no_instance(hand_run: Path) -> None:
    host = summary_host(hand_run)
    assert host["instance_id"] == ""
    assert hand_run.name == f"{host['hostname']}.tar"


def test_with_instance_the_operator_names_the_instance_and_the_findings_say_unverified(
    hand_run: Path, tmp_path: Path
) -> None:
    """The 67 OCSF findings pass the OCSF server's validator (official 1.5.0 schema): no error, no
    warning."""
    out = tmp_path / "out"
    code = main(
        [
            "analyze",
            str(hand_run),
            "--out",
            str(out),
            "--instance",
            INSTANCE,
            "--account",
            ACCOUNT,
            "--asff",
            "--region",
            "ap-northeast-2",
        ]
    )

    assert code == 0
    lines = ocsf_lines(out, ACCOUNT, INSTANCE)
    assert len(lines) == 67
    assert ocsf_problems(lines) == []
    for line in lines:
        (resource,) = line["resources"]
        assert resource["uid"] == INSTANCE
        assert resource["type"] == "AWS::EC2::Instance"
        assert resource["labels"] == [UNVERIFIED_LABEL]
        assert resource["data"] == {"cce_scan": {"identified_by": "operator", "verified": False}}
        assert line["device"]["instance_uid"] == INSTANCE
    findings = asff(out)
    assert len(findings) == 67
    assert {f["Resources"][0]["Type"] for f in findings} == {"AwsEc2Instance"}
    assert {f["ProductFields"]["cce-scan/verified"] for f in findings} == {"false"}
    assert {f["ProductFields"]["cce-scan/identified_by"] for f in findings} == {"operator"}
    rows = csv_rows(out)
    assert {(row["instance_id"], row["identity"]) for row in rows} == {(INSTANCE, "operator")}


def test_without_instance_the_host_name_is_the_resource(hand_run: Path, tmp_path: Path) -> None:
    """The 67 OCSF findings of a host known by its name pass the OCSF server's validator (official
    1.5.0 schema): no error, no warning."""
    hostname = summary_host(hand_run)["hostname"]
    if hostname == "localhost":
        pytest.skip("this machine has no host name of its own")
    out = tmp_path / "out"
    code = main(["analyze", str(hand_run), "--out", str(out), "--account", ACCOUNT, "--asff"])

    assert code == 0
    lines = ocsf_lines(out, ACCOUNT, hostname)
    assert len(lines) == 67
    assert ocsf_problems(lines) == []
    for line in lines:
        (resource,) = line["resources"]
        assert (resource["uid"], resource["type"], resource["hostname"]) == (hostname, "Other", hostname)
        assert resource["data"]["cce_scan"] == {"identified_by": "hostname", "verified": False}
        assert "instance_uid" not in line["device"]
    findings = asff(out)
    assert {(f["Resources"][0]["Type"], f["Resources"][0]["Id"]) for f in findings} == {("Other", hostname)}
    assert {f["ProductFields"]["cce-scan/identified_by"] for f in findings} == {"hostname"}
    rows = csv_rows(out)
    assert {(row["instance_id"], row["hostname"], row["identity"]) for row in rows} == {
        ("", hostname, "hostname")
    }


def test_a_file_named_after_an_instance_names_it_as_the_operator_would(
    hand_run: Path, tmp_path: Path
) -> None:
    renamed = tmp_path / f"{INSTANCE}.tar"
    renamed.write_bytes(hand_run.read_bytes())
    out = tmp_path / "out"
    assert main(["analyze", str(renamed), "--out", str(out), "--account", ACCOUNT]) == 0
    assert {row["identity"] for row in csv_rows(out)} == {"operator"}


def test_the_bucket_layout_still_needs_a_tar_that_names_its_instance(hand_run: Path, tmp_path: Path) -> None:
    uploaded = tmp_path / "in" / "scan-1" / ACCOUNT / f"{INSTANCE}.tar"
    uploaded.parent.mkdir(parents=True)
    uploaded.write_bytes(hand_run.read_bytes())
    out = tmp_path / "out"
    assert main(["analyze", str(uploaded), "--out", str(out)]) == 1
    assert not (out / "findings" / ACCOUNT / f"{INSTANCE}.ocsf.jsonl").exists()


def test_a_tar_from_ssm_stays_verified_and_refuses_another_instance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A verified host's 67 OCSF findings pass the OCSF server's validator (official 1.5.0 schema):
    no error, no warning."""
    tar = run_bundle(tmp_path / "ssm", AWS_SSM_INSTANCE_ID=INSTANCE, AWS_SSM_REGION_NAME="ap-northeast-2")
    out = tmp_path / "out"
    assert main(["analyze", str(tar), "--out", str(out), "--account", ACCOUNT, "--asff"]) == 0
    lines = ocsf_lines(out, ACCOUNT, INSTANCE)
    assert len(lines) == 67
    assert ocsf_problems(lines) == []
    line = lines[0]
    assert "labels" not in line["resources"][0]
    assert "data" not in line["resources"][0]
    assert "cce-scan/verified" not in asff(out)[0]["ProductFields"]
    assert {row["identity"] for row in csv_rows(out)} == {"verified"}

    other = tmp_path / "other"
    code = main(["analyze", str(tar), "--out", str(other), "--instance", "i-00000000000000009"])
    assert code == 1
    assert f"the tar says it comes from '{INSTANCE}', but it was given as i-00000000000000009" in (
        capsys.readouterr().err
    )


def test_instance_names_one_tar_only(
    hand_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.tar"
    copy.write_bytes(hand_run.read_bytes())
    args = ["analyze", str(hand_run), str(copy), "--out", str(tmp_path / "out"), "--instance", INSTANCE]
    assert main(args) != 0
    assert "give exactly one TAR" in capsys.readouterr().err


@pytest.mark.parametrize("identity", [Identity.OPERATOR, Identity.HOSTNAME])
def test_the_fast_ocsf_lines_equal_the_reference_mapping_for_unverified_hosts(
    hand_run: Path, identity: Identity
) -> None:
    """…and pass the OCSF server's validator (official 1.5.0 schema): no error, no warning."""
    result = read_result_file(hand_run)
    name = INSTANCE if identity is Identity.OPERATOR else result.hostname
    assert name is not None
    host = analyze_result(result, ResultKey("adhoc", ACCOUNT, name), identified_by=identity)
    lines = [json.loads(line) for line in ocsf_jsonl(host.findings).splitlines()]
    assert lines == [to_ocsf(finding) for finding in host.findings]
    assert ocsf_problems(lines) == []


def test_the_validator_fails_a_broken_unverified_finding(hand_run: Path) -> None:
    """The OCSF server's validator (official 1.5.0 schema) is no rubber stamp for an unverified host's
    finding either: the flag belongs under ``data``, and a host name is a string."""
    host = analyze_result(read_result_file(hand_run), ResultKey("adhoc", ACCOUNT, INSTANCE))
    event = to_ocsf(host.findings[0])
    assert validate(event).clean
    event["resources"][0]["verified"] = False  # not an attribute of resource_details
    event["device"]["hostname"] = 7
    assert [(p.kind, p.path) for p in validate(event).errors] == [
        ("attribute_wrong_type", "device.hostname"),
        ("attribute_unknown", "resources[0].verified"),
    ]
