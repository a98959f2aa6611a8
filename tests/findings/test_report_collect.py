"""A scan report from the analyzer's summaries in S3 plus the outcomes of every other host; the report's
OCSF file passes the OCSF server's validator (official 1.5.0 schema)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scanner.entries.analyzer import ObjectAnalyzer, S3ObjectRef
from scanner.events import ReportFiles
from scanner.models import Coverage, OutcomeDetail
from scanner.outcomes import HostOutcome
from scanner.report import (
    NOT_ANALYSED,
    AccountCoverage,
    HostRef,
    HostState,
    ScanDiff,
    ScanSummary,
    awaiting_analysis,
    combine,
    coverage_of,
    diff_scans,
    host_states,
    judged_hosts,
    publish_scan_report,
    read_host_summaries,
    report_keys,
    report_wait,
    summarize_scan,
)
from scanner.report.publish import _Chain
from scanner.state import AccountItem, AccountPhase, HostItem, HostPhase
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.tarbuilder import build_tar, statuses, valid_files
from tests.findings.workbook_reading import open_workbook

REGION = "us-east-1"
BUCKET = "results"
ACCOUNT = "222222222222"
OK, BAD = "i-00000000000000001", "i-00000000000000002"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client: Any = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


def analyze(s3: Any, scan: str, instance: str, data: bytes) -> None:
    key = f"results/{scan}/{ACCOUNT}/{instance}.tar"
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    ObjectAnalyzer(s3).analyze(S3ObjectRef(bucket=BUCKET, key=key))


def test_report_covers_every_targeted_host_and_diffs_against_the_previous_scan(s3: Any) -> None:
    analyze(s3, "old", OK, build_tar(valid_files(statuses(["U-01", "U-02"]), instance_id=OK)))
    analyze(s3, "new", OK, build_tar(valid_files(statuses(["U-01", "U-03"]), instance_id=OK)))
    analyze(s3, "new", BAD, b"garbage" * 100)
    state = [
        HostState(ACCOUNT, OK, HostOutcome.SUCCEEDED),
        HostState(ACCOUNT, BAD, HostOutcome.SUCCEEDED),
        HostState(ACCOUNT, "i-00000000000000003", HostOutcome.TIMED_OUT, "no answer in 600 s"),
        HostState(ACCOUNT, "i-00000000000000004", HostOutcome.SUCCEEDED),
        HostState(ACCOUNT, "i-00000000000000005", None),
    ]

    summaries = read_host_summaries(s3, BUCKET, "new")
    current = combine("new", state, summaries)
    scan = summarize_scan("new", current)
    diff = diff_scans(
        current, read_host_summaries(s3, BUCKET, "old").values(), scan_id="new", previous_scan_id="old"
    )

    assert scan.hosts == 4
    assert scan.outcomes == {
        HostOutcome.SUCCEEDED: 2,
        HostOutcome.TIMED_OUT: 1,
        HostOutcome.RESULT_INVALID: 1,
    }
    by_instance = {h.instance_id: h for h in current}
    assert by_instance[BAD].reason == "not a tar archive"
    assert by_instance["i-00000000000000004"].reason == NOT_ANALYSED
    assert scan.not_analysed == (HostRef(account_id=ACCOUNT, instance_id="i-00000000000000004"),)
    assert [(c.code, c.before) for c in diff.new_failures] == [("U-03", "GOOD")]
    assert [c.code for c in diff.fixed] == ["U-02"]
    assert diff.unchanged == 1
    assert (diff.hosts_compared, diff.hosts_new) == (1, 0)  # the host not analysed is not compared


def test_a_host_analysed_before_but_not_now_is_not_rescanned_rather_than_all_fixed(s3: Any) -> None:
    analyze(s3, "old", OK, build_tar(valid_files(statuses(["U-01", "U-02"]), instance_id=OK)))
    state = [HostState(ACCOUNT, OK, HostOutcome.SUCCEEDED, name="web-1")]

    current = combine("new", state, read_host_summaries(s3, BUCKET, "new"))
    diff = diff_scans(
        current, read_host_summaries(s3, BUCKET, "old").values(), scan_id="new", previous_scan_id="old"
    )

    [host] = current
    assert (host.outcome, host.not_analysed, host.counts) == (HostOutcome.SUCCEEDED, True, {})
    assert diff.fixed == ()
    assert (diff.hosts_compared, diff.hosts_not_rescanned) == (0, 1)
    assert summarize_scan("new", current).not_analysed == (
        HostRef(account_id=ACCOUNT, instance_id=OK, hostname="web-1"),
    )


def test_published_report_holds_summary_diff_and_exports_under_the_scans_keys(s3: Any) -> None:
    """The report's 134 OCSF findings pass the OCSF server's validator (official 1.5.0 schema): no
    error, no warning."""
    analyze(s3, "old", OK, build_tar(valid_files(statuses(["U-01", "U-02"]), instance_id=OK)))
    analyze(s3, "new", OK, build_tar(valid_files(statuses(["U-01", "U-03"]), instance_id=OK)))
    analyze(s3, "new", BAD, b"garbage" * 100)
    other = "i-00000000000000006"
    analyze(s3, "new", other, build_tar(valid_files(statuses(["U-67"]), instance_id=other)))
    state = [
        HostState(ACCOUNT, OK, HostOutcome.SUCCEEDED),
        HostState(ACCOUNT, BAD, HostOutcome.SUCCEEDED),
        HostState(ACCOUNT, other, HostOutcome.SUCCEEDED),
        HostState("333333333333", "", HostOutcome.ACCOUNT_UNREACHABLE, "AccessDenied"),
    ]

    published = publish_scan_report(s3, BUCKET, "new", state, previous_scan_id="old")

    keys = report_keys("new")
    assert published.files == ReportFiles(
        summary=keys["summary"], diff=keys["diff"], csv=keys["csv"], ocsf=keys["ocsf"], xlsx=keys["xlsx"]
    )
    summary = ScanSummary.model_validate_json(
        s3.get_object(Bucket=BUCKET, Key=keys["summary"])["Body"].read()
    )
    assert summary == published.summary
    assert summary.outcomes == {
        HostOutcome.SUCCEEDED: 2,
        HostOutcome.RESULT_INVALID: 1,
        HostOutcome.ACCOUNT_UNREACHABLE: 1,
    }
    diff = ScanDiff.model_validate_json(s3.get_object(Bucket=BUCKET, Key=keys["diff"])["Body"].read())
    assert [c.code for c in diff.fixed] == ["U-02"]
    body = s3.get_object(Bucket=BUCKET, Key=keys["ocsf"])["Body"].read()
    ocsf = [json.loads(line) for line in body.splitlines()]
    assert len(ocsf) == 134
    assert ocsf_problems(ocsf) == []
    assert {line["device"]["instance_uid"] for line in ocsf} == {OK, other}
    text = s3.get_object(Bucket=BUCKET, Key=keys["csv"])["Body"].read().decode("utf-8")
    assert text.startswith("\ufeffscan_id,account_id,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert len(rows) == 134
    assert {row["instance_id"] for row in rows} == {OK, other}


def test_a_report_without_a_previous_scan_names_no_diff_and_writes_none(s3: Any) -> None:
    analyze(s3, "new", OK, build_tar(valid_files(statuses(["U-01"]), instance_id=OK)))

    published = publish_scan_report(s3, BUCKET, "new", [HostState(ACCOUNT, OK, HostOutcome.SUCCEEDED)])

    assert published.diff is None
    assert published.files.diff is None
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=report_keys("new")["diff"])
    assert published.summary.not_analysed == ()


def test_a_published_report_carries_the_instances_not_covered_into_its_summary_and_workbook(s3: Any) -> None:
    analyze(s3, "new", OK, build_tar(valid_files(statuses(["U-01"]), instance_id=OK)))
    coverage = (
        AccountCoverage(
            account_id=ACCOUNT,
            region=REGION,
            checked=True,
            running=3,
            not_covered=2,
            instances=(
                HostRef(account_id=ACCOUNT, instance_id="i-0000000000000000a", hostname="batch-1"),
                HostRef(account_id=ACCOUNT, instance_id="i-0000000000000000b"),
            ),
        ),
    )

    published = publish_scan_report(
        s3, BUCKET, "new", [HostState(ACCOUNT, OK, HostOutcome.SUCCEEDED)], coverage=coverage
    )

    stored = ScanSummary.model_validate_json(
        s3.get_object(Bucket=BUCKET, Key=report_keys("new")["summary"])["Body"].read()
    )
    assert stored.coverage == published.summary.coverage == coverage
    assert stored.hosts == 1  # the instances not covered are no hosts of the scan
    xlsx = s3.get_object(Bucket=BUCKET, Key=report_keys("new")["xlsx"])["Body"].read()
    sheet = open_workbook(xlsx)["요약"]
    pairs = {row[0]: row[1] for row in sheet.iter_rows(max_col=2, values_only=True) if row[0] is not None}
    assert (
        pairs["점검하지 못한 실행 중 인스턴스 (SSM 미관리)"]
        == "2: i-0000000000000000a (batch-1), i-0000000000000000b"
    )


def _host(instance: str, outcome: HostOutcome | None, account: str = ACCOUNT) -> HostItem:
    return HostItem(account, REGION, instance, None, None, HostPhase.DONE, None, None, outcome, None)


def test_the_report_awaits_only_succeeded_hosts_whose_summary_is_not_there() -> None:
    hosts = [
        _host("i-00000000000000001", HostOutcome.SUCCEEDED),
        _host("i-00000000000000002", HostOutcome.SUCCEEDED),
        _host("i-00000000000000003", HostOutcome.RESULT_INVALID),
        _host("i-00000000000000004", HostOutcome.TIMED_OUT),
        _host("i-00000000000000005", None),
        _host("i-00000000000000001", HostOutcome.SUCCEEDED, account="333333333333"),
    ]
    judged = {(ACCOUNT, "i-00000000000000001"), (ACCOUNT, "i-00000000000000003")}
    awaited = [(h.account_id, h.instance_id) for h in awaiting_analysis(hosts, judged)]
    assert awaited == [(ACCOUNT, "i-00000000000000002"), ("333333333333", "i-00000000000000001")]


def test_the_judged_hosts_are_those_with_a_summary_object_whatever_else_the_prefix_holds(s3: Any) -> None:
    for key in (
        f"findings/new/{ACCOUNT}/i-00000000000000001.summary.json",
        f"findings/new/{ACCOUNT}/i-00000000000000001.csv",
        f"findings/new/{ACCOUNT}/i-00000000000000002.ocsf.jsonl",
        f"findings/newer/{ACCOUNT}/i-00000000000000003.summary.json",
        f"findings/new/{ACCOUNT}/notes.summary.json",
    ):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}")

    assert judged_hosts(s3, BUCKET, "new") == {(ACCOUNT, "i-00000000000000001")}


@pytest.mark.parametrize(
    ("awaited", "elapsed", "wait"),
    [
        (0, 0.0, None),  # nothing awaited: written at once
        (2, 0.0, 5.0),  # looked at again after the poll interval
        (2, 178.0, 2.0),  # never past the end of the wait
        (2, 180.0, None),  # the wait is over: written with the hosts not analysed
        (2, 500.0, None),
    ],
)
def test_the_report_waits_for_the_analyzer_no_longer_than_its_wait(
    awaited: int, elapsed: float, wait: float | None
) -> None:
    closed = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    now = closed + timedelta(seconds=elapsed)
    assert report_wait(awaited, closed_at=closed, now=now, wait_seconds=180, poll_seconds=5) == wait


def test_report_stream_joins_parts_whatever_the_read_size() -> None:
    parts = [b"", b"abc", b"", b"defgh", b"i" * 10_000, b"j"]
    expected = b"".join(parts)
    for size in (1, 2, 7, 4096, 1 << 20):
        stream = io.BufferedReader(_Chain(iter(parts)), buffer_size=max(size, 1))
        chunks = []
        while chunk := stream.read(size):
            chunks.append(chunk)
        assert b"".join(chunks) == expected


def test_host_states_flatten_the_state_items_and_count_an_unreachable_account_once() -> None:
    timed_out = HostItem(
        ACCOUNT,
        REGION,
        BAD,
        "web-2",
        None,
        HostPhase.DONE,
        "cmd-1",
        None,
        HostOutcome.TIMED_OUT,
        OutcomeDetail(step="run", reason="no answer in 600 s"),
    )
    running = _host(OK, None)

    def account(account_id: str, outcome: HostOutcome | None, reason: str = "") -> AccountItem:
        return AccountItem(
            account_id, "alias", "eu-west-1", AccountPhase.DONE, True, 0, None, outcome, reason
        )

    states = host_states(
        [timed_out, running],
        [account(ACCOUNT, None), account("333333333333", HostOutcome.ACCOUNT_UNREACHABLE, "AccessDenied")],
    )

    assert states == [
        HostState(ACCOUNT, BAD, HostOutcome.TIMED_OUT, "no answer in 600 s", "web-2", REGION),
        HostState(ACCOUNT, OK, None, "", None, REGION),
        HostState("333333333333", "", HostOutcome.ACCOUNT_UNREACHABLE, "AccessDenied", None, "eu-west-1"),
    ]


def test_coverage_is_reported_for_each_whole_account_discovered_and_unknown_where_ec2_refused() -> None:
    def account(
        account_id: str,
        *,
        discovered: bool = True,
        instance_ids: tuple[str, ...] | None = None,
        coverage: Coverage | None = None,
    ) -> AccountItem:
        return AccountItem(
            account_id,
            "alias",
            REGION,
            AccountPhase.DONE,
            discovered,
            3,
            instance_ids,
            None,
            "",
            coverage=coverage,
        )

    measured = Coverage(
        running=5, not_covered=2, named=(("i-0000000000000000a", "batch-1"), ("i-0000000000000000b", ""))
    )
    found = coverage_of(
        [
            account("555555555555", coverage=Coverage(running=3, not_covered=0)),
            account(ACCOUNT, coverage=measured),
            account("333333333333"),  # discovered, but EC2 refused DescribeInstanceStatus
            account("444444444444", instance_ids=("i-0000000000000000c",)),  # asked-for hosts only
            account("666666666666", discovered=False),  # never entered
        ]
    )

    assert found == (
        AccountCoverage(
            account_id=ACCOUNT,
            region=REGION,
            checked=True,
            running=5,
            not_covered=2,
            instances=(
                HostRef(account_id=ACCOUNT, instance_id="i-0000000000000000a", hostname="batch-1"),
                HostRef(account_id=ACCOUNT, instance_id="i-0000000000000000b", hostname=None),
            ),
        ),
        AccountCoverage(account_id="333333333333", region=REGION, checked=False),
        AccountCoverage(account_id="555555555555", region=REGION, checked=True, running=3),
    )
    assert (
        ScanSummary(
            scan_id="new",
            hosts=0,
            outcomes={},
            counts={},
            by_severity={},
            accounts=(),
            top_failing=(),
            coverage=found,
        ).not_covered
        == 2
    )
