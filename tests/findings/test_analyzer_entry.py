"""The analyzer Lambda on moto: real S3 and SQS event shapes, real S3 and DynamoDB calls, and what
the entry writes (Powertools JSON logs, EMF metrics)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes import S3Event
from moto import mock_aws

from scanner.entries import analyzer as entry
from scanner.entries.analyzer import (
    ObjectAnalyzer,
    S3ObjectRef,
    ScanEventsAnnouncer,
    ScanStoreState,
    process_event,
    result_objects,
)
from scanner.events import HostOutcomeEvent, InProcessBus, parse_event
from scanner.models import Host, HostResult
from scanner.outcomes import HostOutcome
from scanner.report import HostSummary
from scanner.state import ScanStore, create_table
from tests.findings.hostile import MIB
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.tarbuilder import INSTANCE, build_tar, statuses, valid_files
from tests.lambda_output import LambdaContext, LambdaOutput, lambda_output

REGION = "ap-northeast-2"
BUCKET = "cce-scan-results-111111111111"
TABLE = "cce-scan"
SCAN = "20261126T120000-abc123"
ACCOUNT = "222222222222"
KEY = f"results/{SCAN}/{ACCOUNT}/{INSTANCE}.tar"
FINDINGS = f"findings/{SCAN}/{ACCOUNT}/{INSTANCE}.ocsf.jsonl"
SUMMARY = f"findings/{SCAN}/{ACCOUNT}/{INSTANCE}.summary.json"
CSV = f"findings/{SCAN}/{ACCOUNT}/{INSTANCE}.csv"
CONFIG = Path(__file__).resolve().parents[2] / "cce_scan" / "examples" / "cce-scan.yaml"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3: Any = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield


@pytest.fixture
def s3(aws: None) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def store(aws: None) -> ScanStore:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_table(dynamodb, TABLE)
    scans = ScanStore(dynamodb, TABLE)
    scans.put_account(SCAN, ACCOUNT, "prod-web", REGION, None)
    scans.put_host(SCAN, ACCOUNT, REGION, Host(instance_id=INSTANCE, name="web-1"))
    return scans


def s3_event(*keys: str, name: str = "ObjectCreated:Put") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventName": name,
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
                    "object": {"key": quote_plus(key), "size": 1, "eTag": "x"},
                },
            }
            for key in keys
        ]
    }


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{index}",
                "receiptHandle": "r",
                "body": json.dumps(body),
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:111111111111:results",
                "awsRegion": REGION,
            }
            for index, body in enumerate(bodies)
        ]
    }


def read(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_analyzer_writes_67_ocsf_findings_and_a_summary_for_a_valid_result(s3: Any) -> None:
    """The 67 OCSF findings the analyzer Lambda writes pass the OCSF server's validator (official
    1.5.0 schema): no error, no warning."""
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar(valid_files(statuses(vulnerable=["U-01"]))))
    assert process_event(s3_event(KEY), ObjectAnalyzer(s3)) == {"batchItemFailures": []}
    lines = [json.loads(line) for line in read(s3, FINDINGS).splitlines()]
    assert len(lines) == 67
    assert ocsf_problems(lines) == []
    assert lines[0]["compliance"]["status"] == "Fail"
    summary = HostSummary.model_validate_json(read(s3, SUMMARY))
    assert summary.outcome is HostOutcome.SUCCEEDED
    assert summary.high_failures == ("U-01",)


def test_analyzer_is_idempotent_when_the_event_comes_twice(s3: Any, store: ScanStore) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    analyzer = ObjectAnalyzer(s3, state=ScanStoreState(store))
    process_event(s3_event(KEY), analyzer)
    first = read(s3, FINDINGS), read(s3, SUMMARY), read(s3, CSV)
    process_event(sqs_event(s3_event(KEY)), analyzer)
    assert (read(s3, FINDINGS), read(s3, SUMMARY), read(s3, CSV)) == first
    assert len(s3.list_objects_v2(Bucket=BUCKET, Prefix="findings/")["Contents"]) == 3


def test_analyzer_turns_a_rejected_result_into_result_invalid_and_announces_it_once(
    s3: Any, store: ScanStore
) -> None:
    store.record_outcome(SCAN, ACCOUNT, REGION, INSTANCE, HostResult(outcome=HostOutcome.SUCCEEDED))
    bus = InProcessBus()
    analyzer = ObjectAnalyzer(s3, state=ScanStoreState(store), events=ScanEventsAnnouncer(store, bus))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar(valid_files(instance_id="i-0fedcba9876543210")))
    s3.put_object(Bucket=BUCKET, Key=FINDINGS, Body=b"left by an earlier upload\n")
    s3.put_object(Bucket=BUCKET, Key=CSV, Body=b"left,by,an,earlier,upload\r\n")

    process_event(s3_event(KEY), analyzer)
    process_event(s3_event(KEY), analyzer)

    host = store.host(SCAN, ACCOUNT, REGION, INSTANCE)
    assert host is not None
    assert host.outcome is HostOutcome.RESULT_INVALID
    assert host.detail is not None
    assert "uploaded for i-0123456789abcdef0" in host.detail.reason
    events = [e for e in bus.log if isinstance(e, HostOutcomeEvent)]
    assert len(events) == 1
    assert (events[0].outcome, events[0].instance_id, events[0].account.region) == (
        HostOutcome.RESULT_INVALID,
        INSTANCE,
        REGION,
    )
    summary = HostSummary.model_validate_json(read(s3, SUMMARY))
    assert summary.outcome is HostOutcome.RESULT_INVALID
    assert "i-0fedcba9876543210" in (summary.reason or "")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=FINDINGS)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=CSV)


def test_analyzer_marks_a_host_still_running_so_tracking_records_result_invalid(
    s3: Any, store: ScanStore
) -> None:
    bus = InProcessBus()
    analyzer = ObjectAnalyzer(s3, state=ScanStoreState(store), events=ScanEventsAnnouncer(store, bus))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not a tar at all" * 64)
    process_event(s3_event(KEY), analyzer)
    assert bus.log == []  # tracking announces the outcome when the command ends
    recorded = store.record_outcome(
        SCAN, ACCOUNT, REGION, INSTANCE, HostResult(outcome=HostOutcome.SUCCEEDED)
    )
    assert recorded is HostOutcome.RESULT_INVALID


def _host_item() -> dict[str, Any]:
    key = {"pk": {"S": f"SCAN#{SCAN}"}, "sk": {"S": f"HOST#{ACCOUNT}#{REGION}#{INSTANCE}"}}
    return boto3.client("dynamodb", region_name=REGION).get_item(TableName=TABLE, Key=key)["Item"]


class _RecordingS3:
    """The S3 client, with the keys of the objects written, in order."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.written: list[str] = []

    def put_object(self, **kwargs: Any) -> Any:
        self.written.append(kwargs["Key"])
        return self._s3.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def test_an_accepted_result_is_marked_judged_by_its_summary_written_last_and_leaves_the_table_alone(
    s3: Any, store: ScanStore
) -> None:
    recording = _RecordingS3(s3)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    before = _host_item()

    process_event(s3_event(KEY), ObjectAnalyzer(cast(Any, recording), state=ScanStoreState(store)))

    assert recording.written == [FINDINGS, CSV, SUMMARY]
    assert len(read(s3, FINDINGS).splitlines()) == 67
    assert _host_item() == before  # not a write unit spent: tracking records SUCCEEDED itself


def test_a_rejected_tar_turns_the_host_result_invalid_before_its_summary_says_why(
    s3: Any, store: ScanStore
) -> None:
    store.record_outcome(SCAN, ACCOUNT, REGION, INSTANCE, HostResult(outcome=HostOutcome.SUCCEEDED))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not a tar at all" * 64)
    outcome_when_summarised: list[HostOutcome | None] = []

    class _Watching(_RecordingS3):
        def put_object(self, **kwargs: Any) -> Any:
            host = store.host(SCAN, ACCOUNT, REGION, INSTANCE)
            outcome_when_summarised.append(host.outcome if host is not None else None)
            return super().put_object(**kwargs)

    process_event(s3_event(KEY), ObjectAnalyzer(cast(Any, _Watching(s3)), state=ScanStoreState(store)))

    assert outcome_when_summarised == [HostOutcome.RESULT_INVALID]  # the one object written: the summary
    summary = HostSummary.model_validate_json(read(s3, SUMMARY))
    assert (summary.outcome, summary.reason) == (HostOutcome.RESULT_INVALID, "not a tar archive")


def test_a_valid_re_upload_after_a_rejection_does_not_undo_it(s3: Any, store: ScanStore) -> None:
    analyzer = ObjectAnalyzer(s3, state=ScanStoreState(store))
    store.record_outcome(SCAN, ACCOUNT, REGION, INSTANCE, HostResult(outcome=HostOutcome.SUCCEEDED))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    process_event(s3_event(KEY), analyzer)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not a tar at all" * 64)
    process_event(s3_event(KEY), analyzer)

    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    process_event(s3_event(KEY), analyzer)

    host = store.host(SCAN, ACCOUNT, REGION, INSTANCE)
    assert host is not None
    assert host.outcome is HostOutcome.RESULT_INVALID


def test_a_result_for_an_instance_the_scan_does_not_have_changes_no_item(s3: Any, store: ScanStore) -> None:
    stranger = "i-0fedcba9876543210"
    key = f"results/{SCAN}/{ACCOUNT}/{stranger}.tar"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"not a tar at all" * 64)
    before = _host_item()

    process_event(s3_event(key), ObjectAnalyzer(s3, state=ScanStoreState(store)))

    assert store.host(SCAN, ACCOUNT, REGION, stranger) is None  # no item was made up
    assert _host_item() == before


def versioned_event(key: str, version_id: str) -> dict[str, Any]:
    """The notification of a versioned bucket: the object names the version created."""
    event = s3_event(key)
    event["Records"][0]["s3"]["object"]["versionId"] = version_id
    return event


def test_analyzer_reads_the_version_the_event_names(s3: Any) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())["VersionId"]

    assert result_objects(S3Event(versioned_event(KEY, version))) == [
        S3ObjectRef(bucket=BUCKET, key=KEY, version_id=version)
    ]
    process_event(versioned_event(KEY, version), ObjectAnalyzer(s3))

    assert len(read(s3, FINDINGS).splitlines()) == 67


def test_analyzer_refuses_a_result_written_more_than_once(s3: Any, store: ScanStore) -> None:
    # GIVEN a key with two versions (results are write-once: a host cannot make the second one)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())["VersionId"]
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())

    # WHEN the first version's event comes: its version is no longer the key's latest
    process_event(versioned_event(KEY, first), ObjectAnalyzer(s3, state=ScanStoreState(store)))

    summary = HostSummary.model_validate_json(read(s3, SUMMARY))
    reason = "the result was written more than once; only one upload is accepted"
    assert (summary.outcome, summary.reason) == (HostOutcome.RESULT_INVALID, reason)
    recorded = store.record_outcome(
        SCAN, ACCOUNT, REGION, INSTANCE, HostResult(outcome=HostOutcome.SUCCEEDED)
    )
    assert recorded is HostOutcome.RESULT_INVALID  # tracking records the refusal when the command ends
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=FINDINGS)


def test_analyzer_rejects_an_oversized_object_without_downloading_it(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=bytes(21 * MIB))
    process_event(s3_event(KEY), ObjectAnalyzer(s3))
    summary = HostSummary.model_validate_json(read(s3, SUMMARY))
    assert summary.outcome is HostOutcome.RESULT_INVALID
    assert summary.reason == "the tar is larger than the 20 MiB cap"


def test_analyzer_rejects_an_empty_upload(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"")
    assert process_event(s3_event(KEY), ObjectAnalyzer(s3)) == {"batchItemFailures": []}
    summary = HostSummary.model_validate_json(read(s3, SUMMARY))
    assert (summary.outcome, summary.reason) == (HostOutcome.RESULT_INVALID, "the file is empty, not a tar")


def test_analyzer_ignores_other_keys_test_events_and_deletions(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="results/evil/../../x.tar", Body=build_tar())
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}
    result = process_event(
        sqs_event(
            s3_event("results/evil/../../x.tar"), test_event, s3_event(KEY, name="ObjectRemoved:Delete")
        ),
        ObjectAnalyzer(s3),
    )
    assert result == {"batchItemFailures": []}
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="findings/")


def test_analyzer_reports_only_the_failed_sqs_message(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    broken = s3_event(KEY)
    broken["Records"][0]["s3"]["bucket"]["name"] = "no-such-bucket-anywhere"
    result = process_event(sqs_event(s3_event(KEY), broken), ObjectAnalyzer(s3))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert len(read(s3, FINDINGS).splitlines()) == 67


def test_analyzer_raises_on_a_failed_direct_s3_event_so_lambda_retries(s3: Any) -> None:
    broken = s3_event(KEY)
    broken["Records"][0]["s3"]["bucket"]["name"] = "no-such-bucket-anywhere"
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    with pytest.raises(entry.AnalyzerError):
        process_event(broken, ObjectAnalyzer(s3))


def _fresh_entry() -> None:
    entry._analyzer.cache_clear()
    entry._runtime.cache_clear()


def test_handler_builds_itself_from_the_environment(
    s3: Any, store: ScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCE_SCAN_CONFIG", str(CONFIG))
    monkeypatch.setenv("CCE_SCAN_TABLE", TABLE)
    _fresh_entry()
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    try:
        assert entry.handler(sqs_event(s3_event(KEY)), LambdaContext()) == {"batchItemFailures": []}
    finally:
        _fresh_entry()
    assert len(read(s3, FINDINGS).splitlines()) == 67


def test_an_environment_that_only_accepts_results_never_reads_the_configuration(
    s3: Any, store: ScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The configuration parameter does not exist: reading it would fail the invocation.
    monkeypatch.setenv("CCE_SCAN_CONFIG", "ssm:/cce-scan/no-such-parameter")
    monkeypatch.setenv("CCE_SCAN_TABLE", TABLE)
    _fresh_entry()
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar())
    try:
        assert entry.handler(sqs_event(s3_event(KEY)), LambdaContext()) == {"batchItemFailures": []}
        assert len(read(s3, FINDINGS).splitlines()) == 67

        # A refused result needs the scan state: then the configuration is read, and its absence fails.
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not a tar at all" * 64)
        with pytest.raises(BatchProcessingError, match="cannot read the configuration parameter"):
            entry.handler(sqs_event(s3_event(KEY)), LambdaContext())
    finally:
        _fresh_entry()


def test_keys_are_read_decoded_from_the_form_encoding_s3_sends() -> None:
    key = f"results/{SCAN}/{ACCOUNT}/a+b c.tar"

    assert result_objects(S3Event(s3_event(key))) == [S3ObjectRef(bucket=BUCKET, key=key)]
    assert result_objects(S3Event({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []
    assert result_objects(S3Event(s3_event(key, name="ObjectRemoved:Delete"))) == []


# What the entry writes: Powertools JSON logs under the scan's ID, EMF metrics.

OTHER_SCAN = "20261127T080000-fedcba"
OTHER_KEY = f"results/{OTHER_SCAN}/{ACCOUNT}/{INSTANCE}.tar"


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[LambdaOutput]:
    with lambda_output(entry.logger, capsys) as caught:
        yield caught


@pytest.fixture
def events_queue(aws: None) -> str:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    return str(sqs.create_queue(QueueName="events")["QueueUrl"])


@pytest.fixture
def from_env(store: ScanStore, events_queue: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CCE_SCAN_CONFIG", str(CONFIG))
    monkeypatch.setenv("CCE_SCAN_TABLE", TABLE)
    monkeypatch.setenv("CCE_SCAN_EVENTS_QUEUE_URL", events_queue)
    _fresh_entry()
    yield
    _fresh_entry()


def published(queue_url: str) -> list[Any]:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [parse_event(m["Body"]) for m in messages.get("Messages", [])]


def test_an_invalid_tar_delivered_by_s3_counts_a_rejection_in_emf_and_logs_under_its_scan(
    s3: Any, from_env: None, output: LambdaOutput
) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not a tar at all" * 64)

    assert entry.handler(s3_event(KEY), LambdaContext()) == {"batchItemFailures": []}

    assert output.metric("AnalyzerRejections") == 1
    [rejected] = [r for r in output.logs() if "rejected" in r["message"]]
    assert rejected["correlation_id"] == SCAN
    assert rejected["service"] == "cce-scan"
    assert rejected["function_name"] == "cce-scan-test"  # the function, from the invocation's context
    assert rejected["name"] == "scanner.entries.analyzer"  # a standard-library logger, as Powertools JSON
    assert rejected["function_request_id"] == "req-1"
    assert entry.logger.get_correlation_id() is None  # cleared after the object


def test_a_batch_through_sqs_logs_each_object_under_its_own_scan_and_counts_each_rejection(
    s3: Any, from_env: None, output: LambdaOutput
) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not a tar at all" * 64)
    s3.put_object(Bucket=BUCKET, Key=OTHER_KEY, Body=b"")

    result = entry.handler(sqs_event(s3_event(KEY), s3_event(OTHER_KEY)), LambdaContext())

    assert result == {"batchItemFailures": []}
    assert output.metric("AnalyzerRejections") == 2
    rejected = {
        r["message"].split()[1]: r["correlation_id"] for r in output.logs() if "rejected" in r["message"]
    }
    assert rejected == {KEY: SCAN, OTHER_KEY: OTHER_SCAN}


def test_a_rejected_result_of_a_host_that_had_succeeded_is_counted_as_a_result_invalid_host(
    s3: Any, store: ScanStore, from_env: None, events_queue: str, output: LambdaOutput
) -> None:
    store.record_outcome(SCAN, ACCOUNT, REGION, INSTANCE, HostResult(outcome=HostOutcome.SUCCEEDED))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_tar(valid_files(instance_id="i-0fedcba9876543210")))

    entry.handler(s3_event(KEY), LambdaContext())

    [event] = published(events_queue)
    assert isinstance(event, HostOutcomeEvent)
    assert event.outcome is HostOutcome.RESULT_INVALID
    assert output.metric("HostsByOutcome", outcome="RESULT_INVALID") == 1
    assert output.metric("AnalyzerRejections") == 1


def test_a_failed_object_is_logged_under_its_scan_and_the_direct_event_still_raises(
    s3: Any, from_env: None, output: LambdaOutput
) -> None:
    broken = s3_event(KEY)
    broken["Records"][0]["s3"]["bucket"]["name"] = "no-such-bucket-anywhere"

    with pytest.raises(entry.AnalyzerError):
        entry.handler(broken, LambdaContext())

    [failed] = [r for r in output.logs() if r["level"] == "ERROR"]
    assert failed["correlation_id"] == SCAN
    assert "no-such-bucket-anywhere" in failed["message"]
