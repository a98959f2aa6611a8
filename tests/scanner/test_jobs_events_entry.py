"""Job and event messages, the in-process transport, and the worker Lambda entry (moto SQS/DynamoDB)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from scanner.events import (
    EventPublishError,
    HostOutcomeEvent,
    InProcessBus,
    ScanFinished,
    SqsEventPublisher,
    parse_event,
    sqs_batches,
)
from scanner.jobs import DispatchJob, FinalizeJob, Job, SqsJobQueue, ThreadJobQueue, TrackJob, parse_job
from scanner.models import OutcomeDetail
from scanner.outcomes import HostOutcome
from tests.lambda_output import lambda_output
from tests.scanner.conftest import REGION, scan_record
from tests.scanner.world_support import EXAMPLE_CONFIG


def test_jobs_round_trip_through_json_by_kind() -> None:
    for job in (
        DispatchJob(scan_id="s", account_id="222222222222", region=REGION),
        TrackJob(scan_id="s", account_id="222222222222", region=REGION, round=3),
        FinalizeJob(scan_id="s"),
    ):
        assert parse_job(job.to_json()) == job


def test_events_are_versioned_self_describing_json() -> None:
    event = HostOutcomeEvent(
        scan_id="s",
        seq=4,
        account={"account_id": "222222222222", "alias": "prod-web", "region": REGION},
        instance_id="i-0123456789abcdef0",
        outcome=HostOutcome.FAILED_DOWNLOAD,
        detail=OutcomeDetail(step="download", response_code=22, stderr_excerpt="403"),
    )
    raw = json.loads(event.to_json())
    assert raw["schema"] == "cce-scan.event/1"
    assert raw["type"] == "scan.host_outcome"
    assert parse_event(event.to_json()) == event


def test_thread_queue_runs_delayed_jobs_when_due_and_each_job_as_often_as_delivered() -> None:
    seen: list[tuple[str, float]] = []
    lock = threading.Lock()

    def handle(job: Job) -> None:
        with lock:
            seen.append((job.kind, time.monotonic()))

    queue = ThreadJobQueue(handle, workers=2, deliveries=2).start()
    try:
        start = time.monotonic()
        queue.submit(FinalizeJob(scan_id="late"), delay_seconds=0.3)
        queue.submit(DispatchJob(scan_id="now", account_id="222222222222", region=REGION))
        assert queue.wait_idle(timeout=5)
    finally:
        queue.close()
    kinds = [kind for kind, _ in seen]
    assert kinds.count("dispatch") == 2
    assert kinds.count("finalize") == 2
    assert all(at - start >= 0.29 for kind, at in seen if kind == "finalize")


def test_thread_queue_retries_a_failing_job_then_records_it() -> None:
    attempts: list[int] = []

    def handle(job: Job) -> None:
        attempts.append(1)
        raise RuntimeError("boom")

    queue = ThreadJobQueue(handle, workers=1, max_attempts=3, retry_delay=0.01).start()
    try:
        queue.submit(FinalizeJob(scan_id="s"))
        assert queue.wait_idle(timeout=5)
    finally:
        queue.close()
    assert len(attempts) == 3
    assert len(queue.failures) == 1


def test_sqs_transports_carry_jobs_and_events(aws: None) -> None:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    jobs_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    events_url = sqs.create_queue(QueueName="events")["QueueUrl"]
    SqsJobQueue(sqs, jobs_url).submit(FinalizeJob(scan_id="s"), delay_seconds=2000)
    SqsEventPublisher(sqs, events_url).publish(
        ScanFinished(
            scan_id="s",
            seq=9,
            status="FINISHED",
            total=0,
            counts={},
            by_account={},
            finished_at="2026-11-26T00:00:00Z",
        )
    )
    job = sqs.receive_message(QueueUrl=jobs_url, WaitTimeSeconds=0)
    assert "Messages" not in job  # delayed (capped at SQS's 900 s)
    event = sqs.receive_message(QueueUrl=events_url, MessageAttributeNames=["All"])["Messages"][0]
    assert event["MessageAttributes"]["type"]["StringValue"] == "scan.finished"
    assert isinstance(parse_event(event["Body"]), ScanFinished)


def _outcomes(count: int, reason: str = "") -> list[HostOutcomeEvent]:
    return [
        HostOutcomeEvent(
            scan_id="s",
            seq=seq,
            account={"account_id": "222222222222", "alias": "prod-web", "region": REGION},
            instance_id=f"i-{seq:017x}",
            outcome=HostOutcome.SUCCEEDED,
            detail=OutcomeDetail(reason=reason),
        )
        for seq in range(1, count + 1)
    ]


def test_many_events_go_ten_to_a_request_and_each_arrives_as_its_own_message(aws: None) -> None:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    requests: list[str] = []
    sqs.meta.events.register("before-call.sqs.*", lambda model, **_: requests.append(model.name))

    SqsEventPublisher(sqs, url).publish_all(_outcomes(23))

    assert requests == ["SendMessageBatch"] * 3
    received: list[HostOutcomeEvent] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        for message in batch:
            assert message["MessageAttributes"]["type"]["StringValue"] == "scan.host_outcome"
            event = parse_event(message["Body"])
            assert isinstance(event, HostOutcomeEvent)
            received.append(event)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(e.seq for e in received) == list(range(1, 24))


def test_a_batch_closes_before_its_payload_would_pass_the_limit() -> None:
    events = _outcomes(5, reason="x" * 400)
    one = sum(len(entry["MessageBody"]) for entry in sqs_batches(events[:1])[0])
    batches = sqs_batches(events, max_bytes=3 * one + 200)
    assert [len(batch) for batch in batches] == [3, 2]
    assert [entry["Id"] for batch in batches for entry in batch] == ["0", "1", "2", "3", "4"]


def test_entries_a_batch_refuses_are_sent_once_more_and_a_second_refusal_raises(aws: None) -> None:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    url = "https://sqs.ap-northeast-2.amazonaws.com/111111111111/events"
    events = _outcomes(3)
    refused = {"Id": "1", "SenderFault": False, "Code": "InternalError", "Message": "try again"}
    sent = {"Id": "0", "MessageId": "m0", "MD5OfMessageBody": "0" * 32}
    with Stubber(sqs) as stub:
        stub.add_response("send_message_batch", {"Successful": [sent], "Failed": [refused]})
        stub.add_response(
            "send_message_batch",
            {"Successful": [], "Failed": [refused]},
            {"QueueUrl": url, "Entries": [sqs_batches(events)[0][1]]},
        )
        with pytest.raises(EventPublishError, match="SQS refused 1 events twice: InternalError"):
            SqsEventPublisher(sqs, url).publish_all(events)
        stub.assert_no_pending_responses()


def test_in_process_bus_calls_subscribers_in_order_and_keeps_a_log() -> None:
    bus = InProcessBus()
    got: list[int] = []
    bus.subscribe(lambda e: got.append(e.seq))
    for seq in (1, 2, 3):
        bus.publish(FinalizeEvent(seq))
    assert got == [1, 2, 3]
    assert [e.seq for e in bus.log] == [1, 2, 3]


def FinalizeEvent(seq: int) -> ScanFinished:
    return ScanFinished(
        scan_id="s",
        seq=seq,
        status="FINISHED",
        total=0,
        counts={},
        by_account={},
        finished_at="2026-11-26T00:00:00Z",
    )


def _sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{index}",
                "receiptHandle": f"r{index}",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:111111111111:jobs",
                "awsRegion": REGION,
            }
            for index, body in enumerate(bodies)
        ]
    }


class _Context:
    function_name = "cce-scan-worker"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:111111111111:function:cce-scan-worker"
    aws_request_id = "req-1"


RUNNING_NOT = "20261126T000000-abcdef"  # a scan that is not running: finalize has nothing to do
NO_SUCH_SCAN = "20261126T000000-999999"


@pytest.fixture
def worker_env(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The worker entry with its environment: a table holding one scan (not running), both queues."""
    from scanner.entries import worker
    from scanner.state import ScanStore, create_table

    dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
    create_table(dynamodb, "cce-scan")
    ScanStore(dynamodb, "cce-scan").create_scan(scan_record(RUNNING_NOT))
    sqs: Any = boto3.client("sqs", region_name=REGION)
    for name, value in {
        "CCE_SCAN_CONFIG": str(EXAMPLE_CONFIG),
        "CCE_SCAN_TABLE": "cce-scan",
        "CCE_SCAN_JOBS_QUEUE_URL": sqs.create_queue(QueueName="jobs")["QueueUrl"],
        "CCE_SCAN_EVENTS_QUEUE_URL": sqs.create_queue(QueueName="events")["QueueUrl"],
    }.items():
        monkeypatch.setenv(name, value)
    caches = (worker._runtime, worker._handlers, worker._engine)
    for cached in caches:
        cached.cache_clear()
    yield worker
    for cached in caches:
        cached.cache_clear()


def test_worker_entry_reports_only_the_failed_records_of_a_batch(worker_env: ModuleType) -> None:
    response = worker_env.handler(
        _sqs_event(
            FinalizeJob(scan_id=RUNNING_NOT).to_json(),
            "not json",
            FinalizeJob(scan_id=NO_SUCH_SCAN).to_json(),
        ),
        _Context(),
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}


def test_the_worker_logs_each_job_of_a_batch_under_its_scan_id_as_the_correlation_id(
    worker_env: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    with lambda_output(worker_env.logger, capsys) as output:
        worker_env.handler(
            _sqs_event(
                FinalizeJob(scan_id=RUNNING_NOT).to_json(), FinalizeJob(scan_id=NO_SUCH_SCAN).to_json()
            ),
            _Context(),
        )

    by_message = [(r["message"], r.get("correlation_id")) for r in output.logs()]
    assert ("job", RUNNING_NOT) in by_message
    assert ("job", NO_SUCH_SCAN) in by_message
    assert ("job failed; SQS delivers it again", NO_SUCH_SCAN) in by_message
    assert worker_env.logger.get_correlation_id() is None  # cleared after each job
    assert output.emf() == []  # nothing was counted, so nothing is printed
