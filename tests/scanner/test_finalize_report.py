"""After a scan closes, finalize waits for the analyzer (re-queued, never in the function), writes
``reports/<scan>/`` and only then emits ``scan.finished`` naming the report's files, once per number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from scanner.config import Config
from scanner.entries.analyzer import ObjectAnalyzer, S3ObjectRef, ScanStoreState
from scanner.events import InProcessBus, ReportFiles, ScanFinished
from scanner.handlers import PUBLISH_RETRY_SECONDS, REPORT_POLL_SECONDS, JobHandlers
from scanner.jobs import FinalizeJob, Job
from scanner.models import Coverage, Host, HostResult, ScanStatus
from scanner.outcomes import HostOutcome
from scanner.report import (
    AccountCoverage,
    HostState,
    PublishedReport,
    ReportWriteError,
    S3Reports,
    ScanSummary,
    report_keys,
)
from scanner.runtime import Runtime
from scanner.state import ScanStore
from tests.findings.tarbuilder import build_tar, statuses, valid_files
from tests.scanner.conftest import REGION, scan_record

ACCOUNT = "222222222222"
SCAN = "20261126T000000-abcdef"
IDS = [f"i-0{n:016x}" for n in range(3)]
CLOSED_AT = 1_795_000_000.0  # when the scan closes, on the handlers' clock


class _Jobs:
    def __init__(self) -> None:
        self.submitted: list[tuple[Job, float]] = []

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None:
        self.submitted.append((job, delay_seconds))


class _Clock:
    def __init__(self) -> None:
        self.now = CLOSED_AT

    def __call__(self) -> float:
        return self.now


class _FailingReports:
    """A results bucket that refuses every report."""

    def __init__(self) -> None:
        self.calls = 0

    def judged(self, scan_id: str) -> frozenset[tuple[str, str]]:
        return frozenset((ACCOUNT, instance) for instance in IDS)

    def publish(
        self,
        scan_id: str,
        hosts: Iterable[HostState],
        *,
        previous_scan_id: str | None,
        coverage: Sequence[AccountCoverage] = (),
    ) -> PublishedReport:
        self.calls += 1
        raise ReportWriteError(f"cannot write the report of scan {scan_id}: SlowDown")


@pytest.fixture
def s3(aws: None, config: Config) -> Any:
    client: Any = boto3.client("s3", region_name=REGION)
    client.create_bucket(
        Bucket=config.results_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return client


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


def _handlers(store: ScanStore, config: Config, clock: _Clock, reports: Any) -> JobHandlers:
    return JobHandlers(
        Runtime(
            config=config,
            store=store,
            events=InProcessBus(),
            jobs=_Jobs(),
            central_session=boto3.Session(region_name=REGION),
            now=clock,
            reports=reports,
        )
    )


def _scan_done(store: ScanStore, coverage: Coverage | None = None) -> None:
    """A running scan whose only account is done: three hosts succeeded, none analysed yet."""
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    store.put_hosts(
        SCAN, ACCOUNT, REGION, [(Host(instance_id=i, name=f"web-{n}"), None) for n, i in enumerate(IDS)]
    )
    store.mark_discovered(SCAN, ACCOUNT, REGION, len(IDS), coverage=coverage)
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    store.record_outcomes(
        SCAN, ACCOUNT, REGION, [(i, HostResult(outcome=HostOutcome.SUCCEEDED)) for i in IDS]
    )
    store.finish_account(SCAN, ACCOUNT, REGION)


@pytest.fixture
def handlers(store: ScanStore, config: Config, s3: Any, clock: _Clock) -> JobHandlers:
    """A running scan whose only account is done: three hosts succeeded, none analysed yet."""
    _scan_done(store)
    return _handlers(store, config, clock, S3Reports(s3, config.results_bucket))


def _analyse(s3: Any, store: ScanStore, bucket: str, instance: str, tar: bytes | None = None) -> None:
    """The analyzer's work for one host's upload: findings written, the summary last."""
    key = f"results/{SCAN}/{ACCOUNT}/{instance}.tar"
    body = tar if tar is not None else build_tar(valid_files(statuses(["U-01"]), instance_id=instance))
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    ObjectAnalyzer(s3, state=ScanStoreState(store)).analyze(S3ObjectRef(bucket=bucket, key=key))


def _finished(handlers: JobHandlers) -> list[ScanFinished]:
    bus = handlers.rt.events
    assert isinstance(bus, InProcessBus)
    return [e for e in bus.log if isinstance(e, ScanFinished)]


def _submitted(handlers: JobHandlers) -> list[tuple[Job, float]]:
    jobs = handlers.rt.jobs
    assert isinstance(jobs, _Jobs)
    return jobs.submitted


def _objects(s3: Any, bucket: str, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def test_a_host_not_yet_analysed_makes_finalize_queue_its_next_round_with_a_delay(
    handlers: JobHandlers, store: ScanStore, s3: Any, config: Config
) -> None:
    _analyse(s3, store, config.results_bucket, IDS[0])
    _analyse(s3, store, config.results_bucket, IDS[1])

    handlers.finalize(FinalizeJob(scan_id=SCAN))

    assert store.get_scan(SCAN).status == ScanStatus.FINISHED  # closed at once, as before
    assert _submitted(handlers) == [(FinalizeJob(scan_id=SCAN, round=2), REPORT_POLL_SECONDS)]
    assert _finished(handlers) == []
    assert _objects(s3, config.results_bucket, f"reports/{SCAN}/") == []


def test_once_every_host_is_judged_the_report_is_written_and_then_scan_finished_names_its_files(
    handlers: JobHandlers, store: ScanStore, s3: Any, config: Config, clock: _Clock
) -> None:
    bucket = config.results_bucket
    _analyse(s3, store, bucket, IDS[0])
    handlers.finalize(FinalizeJob(scan_id=SCAN))
    _analyse(s3, store, bucket, IDS[1])
    _analyse(s3, store, bucket, IDS[2], tar=b"not a tar at all" * 64)  # rejected: judged too
    clock.now += REPORT_POLL_SECONDS

    handlers.finalize(FinalizeJob(scan_id=SCAN, round=2))

    keys = report_keys(SCAN)
    [finished] = _finished(handlers)
    assert finished.report == ReportFiles(
        summary=keys["summary"], csv=keys["csv"], ocsf=keys["ocsf"], xlsx=keys["xlsx"]
    )
    assert finished.report_error is None
    assert sorted(_objects(s3, bucket, f"reports/{SCAN}/")) == sorted(
        [keys["summary"], keys["csv"], keys["ocsf"], keys["xlsx"]]
    )
    summary = ScanSummary.model_validate_json(
        s3.get_object(Bucket=bucket, Key=keys["summary"])["Body"].read()
    )
    assert summary.outcomes == {HostOutcome.SUCCEEDED: 2, HostOutcome.RESULT_INVALID: 1}
    assert summary.not_analysed == ()
    # The analyzer's correction after the close is counted in the event too.
    assert finished.counts == {HostOutcome.SUCCEEDED: 2, HostOutcome.RESULT_INVALID: 1}
    assert finished.by_account == {"a0": {HostOutcome.SUCCEEDED: 2, HostOutcome.RESULT_INVALID: 1}}
    assert (finished.status, finished.total) == ("FINISHED", 3)
    assert len(_submitted(handlers)) == 1  # no round after the one that published


def test_after_the_wait_the_report_is_written_with_the_hosts_not_analysed(
    handlers: JobHandlers, store: ScanStore, s3: Any, config: Config, clock: _Clock
) -> None:
    bucket = config.results_bucket
    _analyse(s3, store, bucket, IDS[0])
    handlers.finalize(FinalizeJob(scan_id=SCAN))
    clock.now += config.scan.report_wait_seconds - 1
    handlers.finalize(FinalizeJob(scan_id=SCAN, round=2))
    assert _finished(handlers) == []  # still within the wait: one more round
    clock.now += 1

    handlers.finalize(FinalizeJob(scan_id=SCAN, round=3))

    [finished] = _finished(handlers)
    assert finished.report is not None
    summary = ScanSummary.model_validate_json(
        s3.get_object(Bucket=bucket, Key=finished.report.summary)["Body"].read()
    )
    assert [(h.instance_id, h.hostname) for h in summary.not_analysed] == [
        (IDS[1], "web-1"),
        (IDS[2], "web-2"),
    ]
    assert summary.outcomes == {HostOutcome.SUCCEEDED: 3}  # not dropped: succeeded, not analysed
    text = s3.get_object(Bucket=bucket, Key=finished.report.csv)["Body"].read().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert {row["instance_id"] for row in rows} == {IDS[0]}
    assert [delay for _, delay in _submitted(handlers)] == [REPORT_POLL_SECONDS, 1.0]


def test_a_redelivered_finalize_emits_the_same_number_until_the_report_is_recorded_published(
    handlers: JobHandlers, store: ScanStore, s3: Any, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    for instance in IDS:
        _analyse(s3, store, config.results_bucket, instance)
    record = store.mark_report_published

    def dies_once(scan_id: str, at: datetime) -> bool:
        monkeypatch.setattr(store, "mark_report_published", record)
        raise RuntimeError("the worker died after emitting")

    monkeypatch.setattr(store, "mark_report_published", dies_once)
    with pytest.raises(RuntimeError):
        handlers.finalize(FinalizeJob(scan_id=SCAN))
    handlers.finalize(FinalizeJob(scan_id=SCAN))  # the job delivered again: round 1 was given up
    handlers.finalize(FinalizeJob(scan_id=SCAN))  # and again, after the report was recorded

    first, second = _finished(handlers)
    assert first.seq == second.seq
    assert first.model_dump(exclude={"at"}) == second.model_dump(exclude={"at"})
    assert store.next_event_seq(SCAN) == first.seq + 1


def test_a_report_that_cannot_be_written_is_tried_again_then_scan_finished_says_why(
    store: ScanStore, config: Config, clock: _Clock, handlers: JobHandlers, s3: Any
) -> None:
    for instance in IDS:
        _analyse(s3, store, config.results_bucket, instance)
    reports = _FailingReports()
    failing = _handlers(store, config, clock, reports)

    failing.finalize(FinalizeJob(scan_id=SCAN))
    assert _finished(failing) == []
    assert _submitted(failing) == [(FinalizeJob(scan_id=SCAN, round=2), PUBLISH_RETRY_SECONDS)]
    clock.now += config.scan.report_wait_seconds + 600
    failing.finalize(FinalizeJob(scan_id=SCAN, round=2))

    [finished] = _finished(failing)
    assert finished.report is None
    assert finished.report_error == f"cannot write the report of scan {SCAN}: SlowDown"
    assert reports.calls == 2


def test_without_a_report_to_write_scan_finished_goes_out_at_the_close(
    store: ScanStore, config: Config, clock: _Clock, handlers: JobHandlers
) -> None:
    in_process = _handlers(store, config, clock, None)

    in_process.finalize(FinalizeJob(scan_id=SCAN))

    [finished] = _finished(in_process)
    assert (finished.report, finished.report_error) == (None, None)
    assert _submitted(in_process) == []  # nothing was awaited
    assert finished.finished_at == datetime.fromtimestamp(CLOSED_AT, UTC)


def test_a_host_whose_summary_cannot_be_read_is_judged_and_reported_not_analysed(
    handlers: JobHandlers, s3: Any, config: Config
) -> None:
    for instance in IDS:
        key = f"findings/{SCAN}/{ACCOUNT}/{instance}.summary.json"
        s3.put_object(Bucket=config.results_bucket, Key=key, Body=b"{not json")

    handlers.finalize(FinalizeJob(scan_id=SCAN))

    [finished] = _finished(handlers)
    assert finished.report is not None
    summary = ScanSummary.model_validate_json(
        s3.get_object(Bucket=config.results_bucket, Key=finished.report.summary)["Body"].read()
    )
    assert len(summary.not_analysed) == 3


def test_the_report_names_the_running_instances_discovery_found_ssm_does_not_manage(
    store: ScanStore, config: Config, s3: Any, clock: _Clock
) -> None:
    _scan_done(store, Coverage(running=5, not_covered=2, named=(("i-0000000000000000a", "batch-1"),)))
    handlers = _handlers(store, config, clock, S3Reports(s3, config.results_bucket))
    for instance in IDS:
        _analyse(s3, store, config.results_bucket, instance)

    handlers.finalize(FinalizeJob(scan_id=SCAN))

    [finished] = _finished(handlers)
    assert finished.total == 3  # the instances not covered are no hosts of the scan
    summary = ScanSummary.model_validate_json(
        s3.get_object(Bucket=config.results_bucket, Key=report_keys(SCAN)["summary"])["Body"].read()
    )
    [account] = summary.coverage
    assert (account.account_id, account.checked, account.running, account.not_covered) == (
        ACCOUNT,
        True,
        5,
        2,
    )
    assert [(h.instance_id, h.hostname) for h in account.instances] == [("i-0000000000000000a", "batch-1")]
