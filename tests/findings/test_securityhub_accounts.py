"""Security Hub batches per account and region, imported the way Security Hub takes them.

moto's Security Hub stores whatever it is sent; :class:`StrictHub` adds the rule moto leaves out
(botocore's ``BatchImportFindings`` documentation): under the default product ARN a finding is
taken only from the account it names (``AwsAccountId``) and in the product ARN's region.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cce_scan.cli import main
from scanner.findings import Finding, ResultKey, asff_batches
from scanner.findings.analysis import analyze_tar
from scanner.findings.asff import MAX_BATCH, MAX_BATCH_BYTES, Batcher, Destination, destination, wire_size
from scanner.findings.securityhub import NotHere, SecurityHubClient, import_asff
from tests.findings.tarbuilder import build_tar, jsonl, results_lines, statuses, valid_files

SCAN = "20261126T120000-abc123"
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("ap-northeast-2", "us-east-1")


class StrictHub:
    """A Security Hub client of one account in one region that refuses, as Security Hub does, a
    call carrying a finding of another account or region, then stores the rest in moto."""

    def __init__(self, session: boto3.Session, account: str, region: str) -> None:
        self.account, self.region = account, region
        self.client = session.client("securityhub", region_name=region)
        self.calls = 0

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> Mapping[str, Any]:
        self.calls += 1
        product = f"arn:aws:securityhub:{self.region}:{self.account}:product/{self.account}/default"
        for finding in Findings:
            if finding["AwsAccountId"] != self.account or finding["ProductArn"] != product:
                raise ClientError(
                    {
                        "Error": {
                            "Code": "AccessDeniedException",
                            "Message": f"account {self.account} in {self.region} cannot import "
                            f"{finding['ProductArn']} for {finding['AwsAccountId']}",
                        }
                    },
                    "BatchImportFindings",
                )
        response: Mapping[str, Any] = self.client.batch_import_findings(Findings=Findings)
        return response


def session_of(account: str) -> boto3.Session:
    """Credentials in ``account`` (a role assumed in moto: its keys belong to that account)."""
    sts = boto3.client("sts", region_name="us-east-1")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/importer", RoleSessionName="test")[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def stored(session: boto3.Session, region: str) -> list[dict[str, Any]]:
    hub = session.client("securityhub", region_name=region)
    return [f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def host_findings(account: str, region: str, number: int) -> tuple[Finding, ...]:
    instance = f"i-{number:017x}"
    key = ResultKey(SCAN, account, instance)
    findings = analyze_tar(build_tar(valid_files(statuses(["U-01"]), instance_id=instance)), key).findings
    return tuple(f._replace(region=region) for f in findings)


def mixed_findings() -> list[Finding]:
    """Two hosts in each account and region, interleaved as a scan's results arrive: 804 findings."""
    hosts = [(account, region) for account in ACCOUNTS for region in REGIONS] * 2
    return [
        f for number, (account, region) in enumerate(hosts) for f in host_findings(account, region, number)
    ]


def test_batches_hold_one_account_and_region_at_most_100_and_within_the_size_limit() -> None:
    findings = mixed_findings()
    batches = list(asff_batches(findings, default_region="eu-west-1"))

    for batch in batches:
        assert 1 <= len(batch) <= MAX_BATCH
        assert len({destination(f) for f in batch}) == 1
        assert sum(wire_size(f) for f in batch) <= MAX_BATCH_BYTES
        (where,) = {destination(f) for f in batch}
        assert {f["ProductArn"] for f in batch} == {
            f"arn:aws:securityhub:{where.region}:{where.account_id}:product/{where.account_id}/default"
        }
    per_destination = Counter(destination(f) for batch in batches for f in batch)
    assert per_destination == {Destination(a, r): 134 for a in ACCOUNTS for r in REGIONS}
    assert len(batches) == 12  # 134 = 100 + 34 in each of the six


def test_the_byte_limit_cuts_batches_before_100() -> None:
    batcher = Batcher(max_bytes=20_000)
    batches = []
    for finding in asff_batches(mixed_findings()[:67], default_region="eu-west-1"):
        for asff in finding:
            batches += batcher.add(asff)
    batches += batcher.close()
    assert all(sum(wire_size(f) for f in batch) <= 20_000 for _, batch in batches)
    assert sum(len(batch) for _, batch in batches) == 67
    assert len(batches) > 1


def test_every_batch_passes_the_strict_check_through_the_client_of_its_account_and_region(aws: None) -> None:
    sessions = {account: session_of(account) for account in ACCOUNTS}
    hubs: dict[Destination, StrictHub] = {}

    def client_for(where: Destination) -> SecurityHubClient:
        hub = hubs.get(where) or hubs.setdefault(
            where, StrictHub(sessions[where.account_id], where.account_id, where.region)
        )
        return hub

    report = import_asff(asff_batches(mixed_findings(), default_region="eu-west-1"), client_for=client_for)

    assert (report.imported, report.failed, report.batches) == (804, (), 12)
    for account in ACCOUNTS:
        for region in REGIONS:
            found = stored(sessions[account], region)
            assert len(found) == 134
            assert {f["AwsAccountId"] for f in found} == {account}
            assert {f["Resources"][0]["Region"] for f in found} == {region}


def test_the_strict_check_refuses_a_pooled_batch_as_security_hub_would(aws: None) -> None:
    findings = mixed_findings()[:67] + mixed_findings()[67 * 2 : 67 * 2 + 33]  # two accounts pooled
    pooled = [f for batch in asff_batches(findings, default_region="eu-west-1") for f in batch]
    hub = StrictHub(session_of(ACCOUNTS[0]), ACCOUNTS[0], REGIONS[0])
    with pytest.raises(ClientError, match="AccessDenied"):
        hub.batch_import_findings(Findings=pooled)
    with pytest.raises(ValueError, match="one account and region"):
        import_asff([pooled], hub)


class Flaky:
    """Refuses some findings with ``code`` for the first ``times`` calls, then takes everything."""

    def __init__(self, ids: set[str], code: str, times: int) -> None:
        self.ids, self.code, self.times = ids, code, times
        self.sent: list[list[str]] = []

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> Mapping[str, Any]:
        self.sent.append([f["Id"] for f in Findings])
        refuse = [f for f in Findings if f["Id"] in self.ids] if len(self.sent) <= self.times else []
        return {
            "SuccessCount": len(Findings) - len(refuse),
            "FailedCount": len(refuse),
            "FailedFindings": [
                {"Id": f["Id"], "ErrorCode": self.code, "ErrorMessage": "try again"} for f in refuse
            ],
        }


def one_batch() -> list[dict[str, Any]]:
    two_hosts = host_findings(ACCOUNTS[0], REGIONS[0], 1) + host_findings(ACCOUNTS[0], REGIONS[0], 2)
    (batch, _) = asff_batches(two_hosts, default_region="eu-west-1")
    return batch


def test_failed_findings_with_a_passing_error_are_sent_again_alone() -> None:
    batch = one_batch()
    ids = {batch[3]["Id"], batch[40]["Id"]}
    hub = Flaky(ids, "InternalException", times=2)
    pauses: list[float] = []

    report = import_asff([batch], hub, sleep=pauses.append)

    assert (report.imported, report.failed, report.calls, report.retried) == (100, (), 3, 4)
    assert [len(sent) for sent in hub.sent] == [100, 2, 2]
    assert set(hub.sent[1]) == ids
    assert len(pauses) == 2


def test_failed_findings_are_reported_when_the_error_is_final_or_persists() -> None:
    batch = one_batch()
    final = import_asff([batch], Flaky({batch[0]["Id"]}, "InvalidInput", times=9), sleep=lambda _: None)
    assert final.imported == 99
    assert [(f.id, f.code, f.account_id, f.region) for f in final.failed] == [
        (batch[0]["Id"], "InvalidInput", ACCOUNTS[0], REGIONS[0])
    ]
    assert final.calls == 1

    persists = import_asff(
        [batch], Flaky({batch[0]["Id"]}, "ThrottlingException", times=9), attempts=3, sleep=lambda _: None
    )
    assert persists.imported == 99
    assert [(f.code, f.message) for f in persists.failed] == [
        ("ThrottlingException", "try again (after 3 attempts)")
    ]
    assert persists.calls == 3


def test_a_destination_the_caller_cannot_import_is_reported_not_sent() -> None:
    batch = one_batch()

    def client_for(where: Destination) -> SecurityHubClient:
        raise NotHere(f"not {where.account_id}")

    report = import_asff([batch], client_for=client_for)
    assert report.imported == 0
    assert report.calls == 0
    assert {(f.code, f.message) for f in report.failed} == {("NotImported", f"not {ACCOUNTS[0]}")}


def write_tars(base: Path) -> list[Path]:
    """One host per account and region, in the bucket layout."""
    paths = []
    for number, (account, region) in enumerate((a, r) for a in ACCOUNTS[:2] for r in REGIONS):
        instance = f"i-{number + 1:017x}"
        lines = results_lines(statuses(["U-01"]), instance)
        lines[-1]["host"]["region"] = region
        path = base / SCAN / account / f"{instance}.tar"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build_tar(valid_files(instance_id=instance) | {"results.jsonl": jsonl(lines)}))
        paths.append(path)
    return paths


def test_analyze_writes_batches_per_account_and_region_and_imports_its_own_account_only(
    aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tars = write_tars(tmp_path / "in")
    own, other = ACCOUNTS[0], ACCOUNTS[1]
    session = session_of(own)
    credentials = session.get_credentials()
    assert credentials is not None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", str(credentials.token))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # the CLI's default credentials: these
    out = tmp_path / "out"

    code = main(["analyze", *map(str, tars), "--out", str(out), "--asff", "--import-securityhub"])

    captured = capsys.readouterr()
    assert code == 1  # the other account's findings were not imported
    files = sorted(str(p.relative_to(out / "asff")) for p in (out / "asff").rglob("*.json"))
    assert files == [f"{a}/{r}/batch-0001.json" for a in ACCOUNTS[:2] for r in sorted(REGIONS)]
    for path in (out / "asff").rglob("*.json"):
        account, region = path.parent.parent.name, path.parent.name
        assert {destination(f) for f in json.loads(path.read_text())} == {Destination(account, region)}
    for region in REGIONS:
        found = stored(session, region)
        assert len(found) == 67
        assert {f["AwsAccountId"] for f in found} == {own}
        assert stored(session_of(other), region) == []
    assert "Security Hub: 134 finding(s) imported, 134 refused" in captured.out
    assert (
        f"NotImported findings of account {other} are imported with that account's credentials"
        in captured.err
    )


def test_securityhub_account_refuses_findings_of_other_accounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tars = write_tars(tmp_path / "in")
    code = main(
        [
            "analyze",
            *map(str, tars),
            "--out",
            str(tmp_path / "out"),
            "--asff",
            "--securityhub-account",
            ACCOUNTS[0],
        ]
    )
    assert code == 2
    assert f"these tars are of {ACCOUNTS[1]}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_securityhub_account_must_be_the_callers(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tars = [t for t in write_tars(tmp_path / "in") if t.parent.name == ACCOUNTS[0]]
    args = ["analyze", *map(str, tars), "--out", str(tmp_path / "out"), "--asff", "--import-securityhub"]
    code = main([*args, "--securityhub-account", ACCOUNTS[0]])  # the default credentials are moto's account
    assert code == 2
    assert "but the credentials are of account" in capsys.readouterr().err
