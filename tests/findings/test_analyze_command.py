"""``cce-scan analyze``: outputs under DIR only, one REJECTED line per bad tar, the diff, ASFF, and OCSF
findings that pass the OCSF server's validator (official 1.5.0 schema)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from cce_scan.cli import main
from cce_scan.commands.analyze import AnalyzeReport
from scanner.outcomes import HostOutcome
from tests.findings.hostile import MIB, gzip_of_zeros, sparse_tar_file, tar_header
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.tarbuilder import build_tar, item_line, jsonl, results_lines, statuses, valid_files

SCAN = "20261126T120000-abc123"
ACCOUNT = "222222222222"
GOOD_HOSTS = ("i-00000000000000001", "i-00000000000000002")


def tree(base: Path) -> set[str]:
    return {str(path.relative_to(base)) for path in base.rglob("*")}


def hostile_tars() -> dict[str, bytes]:
    """One tar of each hostile kind, named after it."""

    def member(info: tarfile.TarInfo, data: bytes = b"") -> bytes:
        info.size = len(data)
        return build_tar(extra=[(info, data)])

    def typed(name: str, kind: bytes, link: str = "") -> bytes:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        return build_tar(extra=[info])

    five_thousand = io.BytesIO()
    with tarfile.open(fileobj=five_thousand, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for number in range(5000):
            archive.addfile(tarfile.TarInfo(f"f{number}"), io.BytesIO(b""))
    lines = results_lines()
    duplicate = [lines[0], item_line("U-01"), *lines[2:]]
    unknown = [dict(lines[0], status="SECURE"), *lines[1:]]
    deep = jsonl(lines[:-1]) + b'{"type":"summary","host":' + b"[" * 10_000 + b"]" * 10_000 + b"}\n"
    no_results = valid_files()
    del no_results["results.jsonl"]
    whole = build_tar()
    return {
        "traversal": member(tarfile.TarInfo("../../../../tmp/escaped"), b"x"),
        "absolute": member(tarfile.TarInfo("/tmp/escaped-absolute"), b"x"),
        "symlink": typed("results-link", tarfile.SYMTYPE, "/etc/shadow"),
        "hardlink": typed("results-hard", tarfile.LNKTYPE, "results.jsonl"),
        "device": typed("dev-null", tarfile.CHRTYPE),
        "fifo": typed("fifo", tarfile.FIFOTYPE),
        "gzip-bomb": gzip_of_zeros(tar_header("results.jsonl", 4 * MIB), 1024 * MIB),
        "five-thousand": five_thousand.getvalue(),
        "deep-json": build_tar(valid_files() | {"results.jsonl": deep}),
        "non-utf8": build_tar(
            valid_files() | {"results.jsonl": jsonl(lines).replace(b"root", b"\xff\xfe", 1)}
        ),
        "no-results": build_tar(no_results),
        "duplicate-codes": build_tar(valid_files() | {"results.jsonl": jsonl(duplicate)}),
        "unknown-status": build_tar(valid_files() | {"results.jsonl": jsonl(unknown)}),
        "no-summary": build_tar(valid_files() | {"results.jsonl": jsonl(lines[:-1])}),
        "truncated": whole[: len(whole) // 2],
        "not-a-tar": os.urandom(10_000),
    }


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    base = tmp_path / "in" / SCAN / ACCOUNT
    base.mkdir(parents=True)
    for number, instance in enumerate(GOOD_HOSTS):
        vulnerable = ["U-01", "U-30"] if number == 0 else ["U-01"]
        (base / f"{instance}.tar").write_bytes(
            build_tar(valid_files(statuses(vulnerable), instance_id=instance))
        )
    return base


def test_analyze_writes_findings_and_rejects_each_hostile_tar_with_one_line(
    tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The good hosts' OCSF findings pass the OCSF server's validator (official 1.5.0 schema): no
    error, no warning."""
    bad = tmp_path / "bad"
    bad.mkdir()
    paths = []
    for name, data in hostile_tars().items():
        (bad / f"{name}.tar").write_bytes(data)
        paths.append(str(bad / f"{name}.tar"))
    paths.append(str(sparse_tar_file(bad / "member-64mib.tar", "results.jsonl", 64 * MIB)))
    before = tree(tmp_path)
    out = tmp_path / "out"

    code = main(["analyze", *sorted(str(p) for p in inputs.iterdir()), *paths, "--out", str(out)])

    captured = capsys.readouterr()
    rejected = [line for line in captured.err.splitlines() if line.startswith("REJECTED ")]
    assert code == 1
    assert len(rejected) == len(paths)
    assert {line.split(":", 1)[0].removeprefix("REJECTED ") for line in rejected} == set(paths)
    assert all(len(line.split(": ", 1)[1]) > 5 for line in rejected)
    # Nothing was written anywhere but under --out.
    assert tree(tmp_path) - before == {"out"} | {f"out/{p}" for p in tree(out)}
    assert not Path("/tmp/escaped").exists()
    assert not Path("/tmp/escaped-absolute").exists()
    assert tree(out) == {
        "findings",
        f"findings/{ACCOUNT}",
        *(f"findings/{ACCOUNT}/{instance}.ocsf.jsonl" for instance in GOOD_HOSTS),
        "findings.csv",
        "summary.json",
    }
    for instance in GOOD_HOSTS:
        text = (out / "findings" / ACCOUNT / f"{instance}.ocsf.jsonl").read_text(encoding="utf-8")
        lines = [json.loads(line) for line in text.splitlines()]
        assert len(lines) == 67
        assert ocsf_problems(lines) == []
    rows = list(csv.DictReader(io.StringIO((out / "findings.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == 134
    report = AnalyzeReport.model_validate_json((out / "summary.json").read_bytes())
    assert report.scan.scan_id == SCAN
    assert report.scan.outcomes == {HostOutcome.SUCCEEDED: 2}
    assert [(item.code, item.hosts_failing) for item in report.scan.top_failing[:2]] == [
        ("U-01", 2),
        ("U-30", 1),
    ]
    assert "pass rate" in captured.out
    assert "root 계정 원격 접속 제한" in captured.out


def test_analyze_with_previous_reports_new_and_fixed_failures(
    tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first"
    assert main(["analyze", *map(str, sorted(inputs.iterdir())), "--out", str(first)]) == 0
    later = tmp_path / "later" / "20261203T120000-def456" / ACCOUNT
    later.mkdir(parents=True)
    (later / f"{GOOD_HOSTS[0]}.tar").write_bytes(
        build_tar(valid_files(statuses(["U-01", "U-02"]), instance_id=GOOD_HOSTS[0]))
    )
    (later / f"{GOOD_HOSTS[1]}.tar").write_bytes(
        build_tar(valid_files(statuses(), instance_id=GOOD_HOSTS[1]))
    )
    second = tmp_path / "second"

    code = main(
        ["analyze", *map(str, sorted(later.iterdir())), "--out", str(second), "--previous", str(first)]
    )

    assert code == 0
    diff = AnalyzeReport.model_validate_json((second / "summary.json").read_bytes()).diff
    assert diff is not None
    assert diff.previous_scan_id == SCAN
    assert [(c.instance_id, c.code) for c in diff.new_failures] == [(GOOD_HOSTS[0], "U-02")]
    assert sorted((c.instance_id, c.code) for c in diff.fixed) == [
        (GOOD_HOSTS[0], "U-30"),
        (GOOD_HOSTS[1], "U-01"),
    ]
    assert diff.unchanged == 1
    assert "1 new failure(s), 2 fixed, 1 unchanged" in capsys.readouterr().out


def test_analyze_asff_writes_batches_of_at_most_100(tmp_path: Path, inputs: Path) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "analyze",
                *map(str, sorted(inputs.iterdir())),
                "--out",
                str(out),
                "--asff",
                "--region",
                "ap-northeast-2",
            ]
        )
        == 0
    )
    batches = sorted((out / "asff").rglob("*.json"))
    assert [str(path.relative_to(out / "asff")) for path in batches] == [
        f"{ACCOUNT}/ap-northeast-2/batch-0001.json",
        f"{ACCOUNT}/ap-northeast-2/batch-0002.json",
    ]
    sizes = [len(json.loads(path.read_text(encoding="utf-8"))) for path in batches]
    assert sizes == [100, 34]
    first = json.loads(batches[0].read_text(encoding="utf-8"))[0]
    assert first["ProductArn"] == f"arn:aws:securityhub:ap-northeast-2:{ACCOUNT}:product/{ACCOUNT}/default"


def test_analyze_names_hosts_from_the_tar_when_the_file_name_does_not(tmp_path: Path) -> None:
    """…and its OCSF findings pass the OCSF server's validator (official 1.5.0 schema)."""
    tar = tmp_path / "ip-10-0-0-12.tar"
    tar.write_bytes(gzip.compress(build_tar()))
    out = tmp_path / "out"
    assert (
        main(["analyze", str(tar), "--out", str(out), "--account", "333333333333", "--scan-id", "adhoc"]) == 0
    )
    text = (out / "findings" / "333333333333" / "i-0123456789abcdef0.ocsf.jsonl").read_text(encoding="utf-8")
    assert ocsf_problems([json.loads(line) for line in text.splitlines()]) == []


def test_analyze_rejects_the_same_host_twice(
    tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy" / SCAN / ACCOUNT
    copy.mkdir(parents=True)
    (copy / f"{GOOD_HOSTS[0]}.tar").write_bytes((inputs / f"{GOOD_HOSTS[0]}.tar").read_bytes())
    code = main(
        [
            "analyze",
            str(inputs / f"{GOOD_HOSTS[0]}.tar"),
            str(copy / f"{GOOD_HOSTS[0]}.tar"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 1
    assert "the same host as" in capsys.readouterr().err


def test_analyze_counts_a_rejected_tar_whose_path_names_its_host_as_result_invalid(
    tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inputs / "i-00000000000000003.tar").write_bytes(b"junk" * 300)
    out = tmp_path / "out"
    assert main(["analyze", *map(str, sorted(inputs.iterdir())), "--out", str(out)]) == 1
    report = AnalyzeReport.model_validate_json((out / "summary.json").read_bytes())
    assert report.scan.outcomes == {HostOutcome.SUCCEEDED: 2, HostOutcome.RESULT_INVALID: 1}
    invalid = next(h for h in report.hosts if h.outcome is HostOutcome.RESULT_INVALID)
    assert (invalid.instance_id, invalid.reason) == ("i-00000000000000003", "not a tar archive")
    assert not (out / "findings" / ACCOUNT / "i-00000000000000003.ocsf.jsonl").exists()
    assert f"REJECTED {inputs / 'i-00000000000000003.tar'}: not a tar archive" in capsys.readouterr().err


def test_analyze_imports_asff_batches_into_security_hub(
    tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    out = tmp_path / "out"
    with mock_aws():
        # Credentials of the findings' account: Security Hub takes findings only from it.
        credentials = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/importer", RoleSessionName="test"
        )["Credentials"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        code = main(
            [
                "analyze",
                *map(str, sorted(inputs.iterdir())),
                "--out",
                str(out),
                "--asff",
                "--import-securityhub",
                "--region",
                "ap-northeast-2",
            ]
        )
        hub = boto3.client("securityhub", region_name="ap-northeast-2")
        stored = [f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]
    assert code == 0
    assert len(stored) == 134
    assert "Security Hub: 134 finding(s) imported, 0 refused" in capsys.readouterr().out
