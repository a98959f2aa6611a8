"""What the product counts (scanner/metrics.py) and how the Lambda entries log (scanner/logs.py):
scans and hosts counted as events are published, throttles as a client hears them, EMF as
CloudWatch reads it, and the project's own loggers as Powertools JSON under the scan's ID."""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from scanner.events import (
    AccountRef,
    HostOutcomeEvent,
    InProcessBus,
    ScanEvent,
    ScanFinished,
    ScanStarted,
    parse_event,
)
from scanner.logs import correlated, entry_logger
from scanner.metrics import CountingEvents, EmfMetrics, MemoryMetrics, count_throttles
from scanner.models import OutcomeDetail
from scanner.outcomes import HostOutcome
from scanner.runtime import Runtime
from tests.lambda_output import LambdaContext, lambda_output
from tests.scanner.conftest import REGION
from tests.scanner.world_support import EXAMPLE_CONFIG

SCAN = "20261126T090000-abcdef"
ACCOUNT = AccountRef(account_id="222222222222", alias="dev-app", region=REGION)


def host(instance: str, outcome: HostOutcome, seq: int) -> HostOutcomeEvent:
    return HostOutcomeEvent(
        scan_id=SCAN, seq=seq, account=ACCOUNT, instance_id=instance, outcome=outcome, detail=OutcomeDetail()
    )


def a_scan() -> list[ScanEvent]:
    """A scan of three hosts: two succeed, one fails to download the bundle."""
    return [
        ScanStarted(scan_id=SCAN, seq=1, requester="U01REQUESTER", accounts=(ACCOUNT,)),
        host("i-0000000000000000a", HostOutcome.SUCCEEDED, 2),
        host("i-0000000000000000b", HostOutcome.SUCCEEDED, 3),
        host("i-0000000000000000c", HostOutcome.FAILED_DOWNLOAD, 4),
        ScanFinished(
            scan_id=SCAN,
            seq=5,
            status="FINISHED",
            total=3,
            counts={HostOutcome.SUCCEEDED: 2, HostOutcome.FAILED_DOWNLOAD: 1},
            by_account={},
            finished_at=datetime.now(UTC),
        ),
    ]


# Counting events as they are published


@pytest.mark.parametrize("together", [False, True], ids=["one by one", "all at once"])
def test_published_events_count_scans_started_and_finished_and_hosts_by_outcome(together: bool) -> None:
    bus, metrics = InProcessBus(), MemoryMetrics()
    events = CountingEvents(bus, metrics)
    scan = a_scan()

    if together:
        events.publish_all(scan)
    else:
        for event in scan:
            events.publish(event)

    assert bus.log == scan  # passed on, in order
    assert metrics.counted("ScansStarted") == 1
    assert metrics.counted("HostsByOutcome", outcome="SUCCEEDED") == 2
    assert metrics.counted("HostsByOutcome", outcome="FAILED_DOWNLOAD") == 1
    assert metrics.counted("HostsByOutcome", outcome="FAILED") == 0
    assert metrics.counted("ScansFinished", status="FINISHED") == 1


def test_an_event_that_could_not_be_published_is_not_counted() -> None:
    class Down:
        def publish(self, event: ScanEvent) -> None:
            raise ConnectionError("the queue is not there")

        def publish_all(self, events: Sequence[ScanEvent]) -> None:
            raise ConnectionError("the queue is not there")

    metrics = MemoryMetrics()

    with pytest.raises(ConnectionError):
        CountingEvents(Down(), metrics).publish(a_scan()[0])
    with pytest.raises(ConnectionError):
        CountingEvents(Down(), metrics).publish_all(a_scan())

    assert metrics.counted("ScansStarted") == 0


def test_a_lambda_runtime_counts_the_events_it_publishes_on_the_events_queue(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    monkeypatch.setenv("CCE_SCAN_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("CCE_SCAN_TABLE", "cce-scan")
    monkeypatch.setenv("CCE_SCAN_EVENTS_QUEUE_URL", queue)
    metrics = MemoryMetrics()
    runtime = Runtime.from_env(metrics=metrics)

    runtime.events.publish(host("i-0000000000000000a", HostOutcome.TIMED_OUT, 2))

    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert parse_event(message["Body"]).instance_id == "i-0000000000000000a"  # type: ignore[union-attr]
    assert metrics.counted("HostsByOutcome", outcome="TIMED_OUT") == 1
    assert runtime.metrics is metrics


# EMF, as the entries print it


def test_an_invocation_prints_its_counts_as_emf_one_object_per_outcome_under_two_dimension_sets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = EmfMetrics()
    events = CountingEvents(InProcessBus(), metrics)

    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> None:
        for published in a_scan():
            events.publish(published)

    handler({}, LambdaContext())

    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_outcome = {b["outcome"]: b for b in blobs if "outcome" in b}
    assert set(by_outcome) == {"SUCCEEDED", "FAILED_DOWNLOAD"}
    succeeded = by_outcome["SUCCEEDED"]
    assert succeeded["HostsByOutcome"] == [2.0]  # summed over the invocation
    assert succeeded["service"] == "cce-scan"
    [directive] = succeeded["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "cce-scan"
    assert directive["Dimensions"] == [["service"], ["service", "outcome"]]  # the total and by outcome
    assert directive["Metrics"] == [{"Name": "HostsByOutcome", "Unit": "Count"}]
    [plain] = [b for b in blobs if "ScansStarted" in b]
    assert plain["ScansStarted"] == [1.0]
    assert plain["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    [finished] = [b for b in blobs if "ScansFinished" in b]
    assert finished["status"] == "FINISHED"


def test_an_invocation_that_counted_nothing_prints_nothing_and_warns_of_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = EmfMetrics()

    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> str:
        return "done"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert handler({}, LambdaContext()) == "done"

    assert capsys.readouterr().out == ""


def test_counts_are_printed_also_when_the_handler_fails_and_then_start_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = EmfMetrics()

    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.count("AnalyzerRejections")
        raise RuntimeError("the invocation fails")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            handler({}, LambdaContext())

    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [b["AnalyzerRejections"] for b in blobs] == [[1.0], [1.0]]


def test_powertools_switch_turns_the_metrics_off(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics = EmfMetrics()

    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.count("HostsByOutcome", outcome="SUCCEEDED")

    handler({}, LambdaContext())

    assert capsys.readouterr().out == ""


# Throttles, as a client hears them


@pytest.fixture
def throttling_ssm() -> Iterator[str]:
    """An SSM endpoint that throttles every call, as SSM answers a ThrottlingException."""

    @Request.application
    def app(request: Request) -> Response:
        body = {"__type": "ThrottlingException", "message": "Rate exceeded"}
        return Response(json.dumps(body), status=400, content_type="application/x-amz-json-1.1")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_every_throttled_attempt_is_counted_by_operation_and_the_retries_are_unchanged(
    throttling_ssm: str,
) -> None:
    ssm: Any = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client(
        "ssm",
        endpoint_url=throttling_ssm,
        config=BotoConfig(retries={"mode": "standard", "total_max_attempts": 2}),
    )
    metrics = MemoryMetrics()
    count_throttles(ssm, metrics)

    with pytest.raises(ClientError) as raised:
        ssm.send_command(DocumentName="cce-scan", InstanceIds=["i-0000000000000000a"])

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 1  # retried as before
    assert metrics.counted("Throttles", operation="ssm:SendCommand") == 2


# The entries' logs


def test_the_projects_own_loggers_write_powertools_json_under_the_scan_id_while_it_is_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = entry_logger()
    project = logging.getLogger("scanner.tracking")

    with lambda_output(logger, capsys) as output:
        with correlated(logger, SCAN):
            project.info("polled %d hosts", 3)
            with correlated(logger, "20261126T100000-fedcba"):
                project.info("a message of another scan")
            project.info("back to the first scan")
        project.info("between records")

    records = [(r["message"], r.get("correlation_id"), r["name"], r["service"]) for r in output.logs()]
    assert records == [
        ("polled 3 hosts", SCAN, "scanner.tracking", "cce-scan"),
        ("a message of another scan", "20261126T100000-fedcba", "scanner.tracking", "cce-scan"),
        ("back to the first scan", SCAN, "scanner.tracking", "cce-scan"),
        ("between records", None, "scanner.tracking", "cce-scan"),
    ]
    assert not logging.getLogger("scanner").propagate  # not written a second time by the root's handler
