"""The notifier posts the report ``scan.finished`` names: it reads those files and nothing under
``findings/``, schedules nothing to wait for the analyzer, and posts the report once, also when Slack
failed the first delivery of the event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws
from slack_sdk.errors import SlackApiError

from bot.app import slack_client
from bot.notifier import Notifier, handle_batch
from bot.thread_state import ThreadState
from localworld.slack import SlackApiServer
from localworld.slack.render import message_text
from localworld.slack.server import Message
from scanner.approvals import ApprovalStore
from scanner.config import Config, load_config
from scanner.engine import ScanEngine
from scanner.events import InProcessBus, ReportFiles, ScanFinished, ScanProgress
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets
from scanner.outcomes import HostOutcome
from scanner.report import HostRef, ScanSummary, report_keys
from scanner.runtime import Runtime
from scanner.state import ScanStore
from scanner.table import create_approvals_table, create_table
from tests.moto_engine import KeptJobs

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-northeast-2"
CHANNEL = "C01CCESCAN"
SCAN = "20261126T090000-abcdef"
TABLE = "state"
APPROVALS = "approvals"
KEYS = report_keys(SCAN)
FILES = ReportFiles(summary=KEYS["summary"], csv=KEYS["csv"], ocsf=KEYS["ocsf"])


@pytest.fixture
def config() -> Config:
    return load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer(channels={CHANNEL}) as server:
        yield server


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


class _S3Reads:
    """Every S3 operation the notifier's client makes, with the key or prefix it names."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, str]] = []
        client.meta.events.register("provide-client-params.s3.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, str(params.get("Key") or params.get("Prefix") or "")))


@pytest.fixture
def parts(aws: None, config: Config, slack: SlackApiServer) -> dict[str, Any]:
    dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
    create_table(dynamodb, TABLE)
    create_approvals_table(dynamodb, APPROVALS)
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=config.results_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs: Any = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    store = ScanStore(dynamodb, TABLE)
    account = config.accounts[0]
    store.create_scan(
        ScanRecord(
            scan_id=SCAN,
            requester="U01REQUESTER",
            targets=ScanTargets(
                kind="account",
                names=(account.alias,),
                accounts=(AccountTarget(account_id=account.id, alias=account.alias, region=REGION),),
            ),
            status=ScanStatus.CREATED,
            created_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        )
    )
    parent = slack_client(slack.bot_token, slack.base_url).chat_postMessage(channel=CHANNEL, text="scan")
    store.attach_thread(SCAN, CHANNEL, parent["ts"])
    notifier = Notifier(
        config=config,
        slack=slack_client(slack.bot_token, slack.base_url),
        scans=ScanEngine(
            Runtime.in_process(
                config,
                boto3.Session(region_name=REGION),
                table=TABLE,
                approvals_table=APPROVALS,
                events=InProcessBus(),
                jobs=KeptJobs(),
            )
        ),
        approvals=ApprovalStore(dynamodb, APPROVALS),
        threads=ThreadState(dynamodb, TABLE),
        s3=s3,
        sqs=sqs,
        events_queue_url=queue,
    )
    return {
        "notifier": notifier,
        "reads": _S3Reads(s3),
        "sqs": sqs,
        "queue": queue,
        "ts": parent["ts"],
    }


def _write_report(bucket: str) -> None:
    """The report as the worker writes it (with its own client: the notifier's records its calls)."""
    s3: Any = boto3.client("s3", region_name=REGION)
    summary = ScanSummary(
        scan_id=SCAN,
        hosts=3,
        outcomes={HostOutcome.SUCCEEDED: 3},
        counts={},
        by_severity={},
        accounts=(),
        top_failing=(),
        not_analysed=(
            HostRef(account_id="222222222222", instance_id="i-0123456789abcdef0", hostname="web-9"),
        ),
    )
    s3.put_object(Bucket=bucket, Key=KEYS["summary"], Body=summary.model_dump_json().encode())
    s3.put_object(Bucket=bucket, Key=KEYS["csv"], Body="\ufeffscan_id\r\n".encode())
    s3.put_object(Bucket=bucket, Key=KEYS["ocsf"], Body=b'{"class_uid": 2003}\n')


def _finished(report: ReportFiles | None = FILES, error: str | None = None) -> ScanFinished:
    return ScanFinished(
        scan_id=SCAN,
        seq=7,
        status="FINISHED",
        total=3,
        counts={HostOutcome.SUCCEEDED: 3},
        by_account={"prod-web": {HostOutcome.SUCCEEDED: 3}},
        finished_at=datetime(2026, 11, 26, 9, 5, tzinfo=UTC),
        report=report,
        report_error=error,
    )


def _broadcasts(slack: SlackApiServer, ts: str) -> list[Message]:
    return [m for m in slack.thread(CHANNEL, ts) if m.reply_broadcast]


def _attached(slack: SlackApiServer, ts: str) -> list[str]:
    return sorted(f.filename for f in slack.files.values() if f.thread_ts == ts and f.shared)


def _queued(parts: dict[str, Any]) -> int:
    attributes = parts["sqs"].get_queue_attributes(
        QueueUrl=parts["queue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_scan_finished_posts_the_report_it_names_and_attaches_its_files_reading_only_those(
    parts: dict[str, Any], slack: SlackApiServer, config: Config
) -> None:
    _write_report(config.results_bucket)

    parts["notifier"].handle_message(_finished().to_json())

    [report] = _broadcasts(slack, parts["ts"])
    text = message_text(report.blocks, report.text)
    assert "대상 3대" in text
    assert "분석되지 않은 호스트 1대" in text
    assert "web-9" in text
    assert _attached(slack, parts["ts"]) == [f"cce-{SCAN}.csv", f"cce-{SCAN}.ocsf.jsonl"]
    read = parts["reads"].calls
    assert {op for op, _ in read} == {"GetObject"}
    assert sorted(key for _, key in read) == sorted([KEYS["summary"], KEYS["csv"], KEYS["ocsf"]])
    assert _queued(parts) == 0  # nothing scheduled to wait for the analyzer


def test_the_audit_workbook_the_event_names_is_attached_next_to_the_csv_as_the_worker_wrote_it(
    parts: dict[str, Any], slack: SlackApiServer, config: Config
) -> None:
    _write_report(config.results_bucket)
    workbook = b"PK\x03\x04 the workbook's bytes"
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=config.results_bucket, Key=KEYS["xlsx"], Body=workbook)

    parts["notifier"].handle_message(_finished(FILES.model_copy(update={"xlsx": KEYS["xlsx"]})).to_json())

    [completed] = [c for c in slack.calls_to("files.completeUploadExternal") if c.status == 200]
    titles = [f["title"] for f in completed.args["files"]]
    assert titles == [f"cce-{SCAN}.csv", f"cce-{SCAN}.xlsx", f"cce-{SCAN}.ocsf.jsonl"]
    [attached] = [f for f in slack.files.values() if f.filename == f"cce-{SCAN}.xlsx"]
    assert (attached.content, attached.thread_ts, attached.shared) == (workbook, parts["ts"], True)


def test_a_copy_of_scan_finished_posts_and_attaches_nothing_more(
    parts: dict[str, Any], slack: SlackApiServer, config: Config
) -> None:
    _write_report(config.results_bucket)
    notifier: Notifier = parts["notifier"]

    notifier.handle_message(_finished().to_json())
    notifier.handle_message(_finished().to_json())

    assert len(_broadcasts(slack, parts["ts"])) == 1
    assert len(_attached(slack, parts["ts"])) == 2


def test_when_slack_fails_the_report_the_event_fails_and_its_next_delivery_posts_it_once(
    parts: dict[str, Any], slack: SlackApiServer, config: Config
) -> None:
    _write_report(config.results_bucket)
    notifier: Notifier = parts["notifier"]
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable", times=3)

    with pytest.raises(SlackApiError):
        notifier.handle_message(_finished().to_json())
    assert _broadcasts(slack, parts["ts"]) == []
    assert _attached(slack, parts["ts"]) == []
    notifier.handle_message(_finished().to_json())  # SQS delivers the event again
    notifier.handle_message(_finished().to_json())

    assert len(_broadcasts(slack, parts["ts"])) == 1
    assert len(_attached(slack, parts["ts"])) == 2


def test_when_the_upload_fails_the_next_delivery_attaches_the_files_without_posting_again(
    parts: dict[str, Any], slack: SlackApiServer, config: Config
) -> None:
    _write_report(config.results_bucket)
    notifier: Notifier = parts["notifier"]
    slack.fail_next("files.completeUploadExternal", status=500, error="internal_error", times=3)

    with pytest.raises(SlackApiError):
        notifier.handle_message(_finished().to_json())
    notifier.handle_message(_finished().to_json())

    assert len(_broadcasts(slack, parts["ts"])) == 1
    assert _attached(slack, parts["ts"]) == [f"cce-{SCAN}.csv", f"cce-{SCAN}.ocsf.jsonl"]


def test_a_report_that_could_not_be_written_is_posted_with_why_and_without_files(
    parts: dict[str, Any], slack: SlackApiServer
) -> None:
    error = f"cannot write the report of scan {SCAN}: AccessDenied"

    parts["notifier"].handle_message(_finished(report=None, error=error).to_json())

    [report] = _broadcasts(slack, parts["ts"])
    text = message_text(report.blocks, report.text)
    assert "보고서 파일을 쓰지 못해" in text
    assert "AccessDenied" in text
    assert _attached(slack, parts["ts"]) == []
    assert parts["reads"].calls == []


def _sqs_batch(bodies: list[str]) -> dict[str, Any]:
    """An SQS event as Lambda delivers a batch of the events queue."""
    return {
        "Records": [
            {
                "messageId": f"m-{n}",
                "receiptHandle": f"r-{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:111111111111:events",
                "awsRegion": REGION,
            }
            for n, body in enumerate(bodies)
        ]
    }


def test_a_batch_of_events_re_renders_its_scans_parent_once_with_one_claim_of_the_window(
    parts: dict[str, Any], slack: SlackApiServer
) -> None:
    notifier: Notifier = parts["notifier"]
    writes: list[str] = []
    notifier.threads._db.meta.events.register(
        "provide-client-params.dynamodb.UpdateItem",
        lambda params, **_: writes.append(params["Key"]["sk"]["S"]),
    )
    progress = [
        ScanProgress(
            scan_id=SCAN,
            seq=n + 1,
            total=10,
            done=n + 1,
            counts={HostOutcome.SUCCEEDED: n + 1},
            accounts_total=1,
            accounts_done=0,
        ).to_json()
        for n in range(10)
    ]

    response = handle_batch(lambda: notifier, _sqs_batch(progress), LambdaContext())

    assert response == {"batchItemFailures": []}
    assert len([c for c in slack.calls_to("chat.update") if c.args.get("ts") == parts["ts"]]) == 1
    assert writes.count("#SLACK") == 1  # one claim of the 3-second window, not one per event
    assert _queued(parts) == 0  # and no delayed refresh: the parent shows the batch's last counts
