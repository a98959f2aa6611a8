"""The notifier: scan events in, Slack thread out (Lambda entry ``bot.notifier.handler``).

- Every batch of events re-renders each of its scans' thread parent once from the stored scan, at
  most once per 3 s per scan however fast events come; an event that falls inside the window schedules one delayed refresh
  (an SQS message with ``DelaySeconds``), so the parent always ends up showing the latest counts.
- Replies for what a reader must notice: an account that could not be entered, and failed hosts
  as their number crosses 1, 10, 50, 100, … (a burst gives one reply, not one per host).
- ``scan.finished``: the final report as a reply broadcast to the channel, the findings files
  attached with ``files_upload_v2`` (the CSV, the audit workbook ``.xlsx`` when the worker built it,
  and the OCSF file), and the parent's last update. The worker has written the report
  (``reports/<scan>/``) before it sends the event; the notifier reads the files the event names
  (the summary and diff to render, the CSV, workbook and OCSF to attach) and computes nothing.
Events may arrive twice or out of order (SQS): replies are de-duplicated by the event's ``seq``. A
report whose message or files Slack refused is claimed back and the event fails, so SQS delivers
it again; what was posted is not posted twice.

Logs are Powertools JSON (:mod:`scanner.logs`), each message's under its scan ID as the correlation
id; what the invocation counted (:mod:`scanner.metrics`: Slack's error answers, the events it
published) is printed as EMF when it returns.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import ClientError
from slack_sdk import WebClient

from bot.decisions import expire
from bot.flows import UPDATE_INTERVAL_MS
from bot.i18n import Locale, t
from bot.ports import ScanOps
from bot.render.replies import account_unreachable_text, failures_text
from bot.render.report import FailedHost, report_blocks, report_text
from bot.render.text import plain
from bot.render.thread import approval_blocks, parent_blocks, parent_text
from bot.thread_state import ThreadState
from scanner.approvals import ApprovalStore
from scanner.config import Config
from scanner.errors import ScanNotFoundError
from scanner.events import (
    AccountUnreachable,
    HostOutcomeEvent,
    ReportFiles,
    ScanEvent,
    ScanFinished,
    parse_event,
)
from scanner.logs import correlated, entry_logger
from scanner.metrics import emf_metrics
from scanner.outcomes import FAILURES, HostOutcome
from scanner.report import ScanDiff, ScanSummary

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

__all__ = ["REFRESH_TYPE", "Notifier", "handler"]

log = logging.getLogger("cce_scan.notifier")
logger = entry_logger()
metrics = emf_metrics()

REFRESH_TYPE = "notifier.refresh"
FAILURE_THRESHOLDS = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000)
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class Notifier:
    """Turns scan events into Slack messages; every client is injected."""

    config: Config
    slack: WebClient
    scans: ScanOps
    approvals: ApprovalStore
    threads: ThreadState
    s3: S3Client
    sqs: SQSClient | None
    events_queue_url: str | None
    now_ms: Callable[[], int] = lambda: int(time.time() * 1000)
    interval_ms: int = UPDATE_INTERVAL_MS

    @property
    def locale(self) -> Locale:
        return self.config.locale

    # Entry points

    def handle_message(self, body: str, *, refresh: bool = True) -> str:
        """One SQS message body: a scan event, or the notifier's own delayed refresh; the scan whose
        parent it re-renders. With ``refresh=False`` the parent is left for the caller, who
        re-renders it once for a whole batch (:func:`handle_batch`)."""
        data = json.loads(body)
        if isinstance(data, dict) and data.get("type") == REFRESH_TYPE:
            scan_id = str(data["scan_id"])
            self.threads.clear_refresh(scan_id)
            if refresh:
                self.refresh_parent(scan_id)
            return scan_id
        return self.handle(parse_event(body), refresh=refresh)

    def handle(self, event: ScanEvent, *, refresh: bool = True) -> str:
        """Reply or report as the event asks; then re-render its scan's parent (unless ``refresh``
        is False: see :meth:`handle_message`). The event's scan."""
        if isinstance(event, ScanFinished):
            self.report(event)
            if refresh:
                self.refresh_parent(event.scan_id)
            return event.scan_id
        if isinstance(event, AccountUnreachable) and self.threads.claim_event(event.scan_id, event.seq):
            self.reply(
                event.scan_id,
                account_unreachable_text(
                    event.account.alias,
                    event.account.account_id,
                    event.account.region,
                    event.reason,
                    self.locale,
                ),
            )
        if isinstance(event, HostOutcomeEvent) and event.outcome in FAILURES:
            self._failure_burst(event)
        if refresh:
            self.refresh_parent(event.scan_id)
        return event.scan_id

    # The parent

    def refresh_parent(self, scan_id: str) -> None:
        """Re-render the parent now if the 3-second window allows it, else schedule one refresh."""
        try:
            record = self.scans.get(scan_id)
        except ScanNotFoundError:
            log.warning("event for unknown scan %s", scan_id)
            return
        if record.channel is None or record.thread_ts is None:
            return
        if not self.threads.claim_update(scan_id, self.now_ms(), self.interval_ms):
            self._schedule_refresh(scan_id)
            return
        self.slack.chat_update(
            channel=record.channel,
            ts=record.thread_ts,
            text=parent_text(record, self.locale),
            blocks=parent_blocks(record, self.locale),
        )

    def _schedule_refresh(self, scan_id: str) -> None:
        if self.sqs is None or self.events_queue_url is None or not self.threads.claim_refresh(scan_id):
            return
        self.sqs.send_message(
            QueueUrl=self.events_queue_url,
            MessageBody=json.dumps({"type": REFRESH_TYPE, "scan_id": scan_id}),
            DelaySeconds=max(1, self.interval_ms // 1000),
        )

    # Replies

    def reply(
        self, scan_id: str, text: str, *, blocks: list[Any] | None = None, broadcast: bool = False
    ) -> None:
        record = self.scans.get(scan_id)
        if record.channel is None or record.thread_ts is None:
            return
        self.slack.chat_postMessage(
            channel=record.channel,
            thread_ts=record.thread_ts,
            text=text,
            blocks=blocks,
            reply_broadcast=broadcast,
        )

    def _failure_burst(self, event: HostOutcomeEvent) -> None:
        record = self.scans.get(event.scan_id)
        failed = sum(count for outcome, count in record.counts.items() if outcome in FAILURES)
        crossed = [threshold for threshold in FAILURE_THRESHOLDS if threshold <= failed]
        if not crossed or not self.threads.claim_threshold(event.scan_id, crossed[-1]):
            return
        host = event.name or event.instance_id
        reason = event.detail.reason or event.detail.status_details or ""
        self.reply(event.scan_id, failures_text(failed, host, event.outcome.value, reason, self.locale))

    # Approval requests whose time is up

    def sweep_approvals(self) -> int:
        """Expire due requests and their scans (one write each); replace their buttons with the
        outcome and update the parent."""
        now = datetime.now(UTC)
        expired = 0
        for approval in self.approvals.pending_due(now):
            decision = expire(self.approvals, self.scans, approval.scan_id, now)
            if not decision.won:
                continue
            expired += 1
            record = self.scans.get(approval.scan_id)
            current = decision.approval
            if current.channel is not None and current.message_ts is not None:
                self.slack.chat_update(
                    channel=current.channel,
                    ts=current.message_ts,
                    text=t("approval_expired", self.locale, who=""),
                    blocks=approval_blocks(record, current, {}, self.locale),
                )
            self.refresh_parent(approval.scan_id)
        return expired

    # The final report

    def _read(self, key: str) -> bytes | None:
        """A report file the event names; None when it is not there (or too large to attach)."""
        try:
            body = self.s3.get_object(Bucket=self.config.results_bucket, Key=key)["Body"]
            try:
                content: bytes = body.read(MAX_FILE_BYTES + 1)
            finally:
                body.close()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                log.warning("report file %s is missing", key)
                return None
            raise
        return content if len(content) <= MAX_FILE_BYTES else None

    def _failed_hosts(self, scan_id: str, aliases: dict[str, str]) -> list[FailedHost]:
        hosts = []
        for account in self.scans.accounts(scan_id):
            if account.outcome is not None:
                hosts.append(
                    FailedHost(
                        instance_id=f"{account.alias} ({account.region})",
                        name=None,
                        account_alias=account.alias,
                        outcome=account.outcome,
                        reason=account.reason,
                    )
                )
        for host in self.scans.hosts(scan_id):
            if host.outcome is None or host.outcome is HostOutcome.SUCCEEDED:
                continue
            detail = host.detail
            reason = ""
            if detail is not None:
                step = f"{detail.step}: " if detail.step else ""
                reason = step + (detail.reason or detail.status_details or "")
            hosts.append(
                FailedHost(
                    instance_id=host.instance_id,
                    name=host.name,
                    account_alias=aliases.get(host.account_id, host.account_id),
                    outcome=host.outcome,
                    reason=reason,
                )
            )
        return hosts

    def report(self, event: ScanFinished) -> None:
        """Post the report the event names in the thread (broadcast), then attach its files; each
        once per event, and claimed back when Slack refuses it so the event's next delivery posts it."""
        record = self.scans.get(event.scan_id)
        channel, thread_ts = record.channel, record.thread_ts
        if channel is None or thread_ts is None:
            return
        if self.threads.claim_event(event.scan_id, event.seq):
            try:
                self._post_report(event, channel, thread_ts)
            except Exception:
                self.threads.release_event(event.scan_id, event.seq)
                raise
        if event.report is not None and self.threads.claim_attachment(event.scan_id, event.seq):
            try:
                self._attach_files(event.scan_id, channel, thread_ts, event.report)
            except Exception:
                self.threads.release_attachment(event.scan_id, event.seq)
                raise

    def _post_report(self, event: ScanFinished, channel: str, thread_ts: str) -> None:
        aliases = {a.id: a.alias for a in self.config.accounts}
        summary: ScanSummary | None = None
        diff: ScanDiff | None = None
        note: str | None = None
        if event.report is not None:
            summary_json = self._read(event.report.summary)
            summary = ScanSummary.model_validate_json(summary_json) if summary_json else None
            diff_json = self._read(event.report.diff) if event.report.diff else None
            diff = ScanDiff.model_validate_json(diff_json) if diff_json else None
            prefix = f"reports/{event.scan_id}/"
            note = t("report_files", self.locale, bucket=self.config.results_bucket, prefix=prefix)
        elif event.report_error:
            note = t("report_not_written", self.locale, reason=plain(event.report_error, 500))
        blocks = report_blocks(
            event, summary, diff, self._failed_hosts(event.scan_id, aliases), aliases, self.locale, note
        )
        self.slack.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=report_text(event, self.locale),
            blocks=[b.to_dict() for b in blocks],
            reply_broadcast=True,
        )

    def _attach_files(self, scan_id: str, channel: str, thread_ts: str, files: ReportFiles) -> None:
        uploads = []
        named = [(files.csv, f"cce-{scan_id}.csv"), (files.ocsf, f"cce-{scan_id}.ocsf.jsonl")]
        if files.xlsx is not None:  # the audit workbook, next to the CSV
            named.insert(1, (files.xlsx, f"cce-{scan_id}.xlsx"))
        for key, filename in named:
            content = self._read(key)
            if content:
                uploads.append({"content": content, "filename": filename, "title": filename})
        if uploads:
            self.slack.files_upload_v2(channel=channel, thread_ts=thread_ts, file_uploads=uploads)


# The Lambda entry: built once per cold start, nothing at import.


@cache
def _notifier() -> Notifier:
    from bot.app import count_slack_errors, slack_client
    from bot.settings import load_bot_settings, load_slack_secrets
    from scanner.engine import ScanEngine
    from scanner.runtime import Runtime

    settings = load_bot_settings()  # read from the environment
    runtime = Runtime.from_env(metrics=metrics)
    secrets = load_slack_secrets(settings, runtime.client("secretsmanager"))
    dynamodb, ttl_days = runtime.client("dynamodb"), runtime.store.ttl_days
    return Notifier(
        config=runtime.config,
        slack=count_slack_errors(
            slack_client(secrets.bot_token.get_secret_value(), settings.slack_api_url), runtime.metrics
        ),
        scans=ScanEngine(runtime),
        approvals=runtime.approvals,
        threads=ThreadState(dynamodb, runtime.store.table, ttl_days=ttl_days),
        s3=runtime.client("s3"),
        sqs=runtime.client("sqs"),
        events_queue_url=runtime.events_queue_url,
    )


def _scan_id(body: str) -> str | None:
    """The scan a message is about (scan events and the notifier's refreshes both name it)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    scan_id = data.get("scan_id") if isinstance(data, dict) else None
    return scan_id if isinstance(scan_id, str) else None


def handle_batch(
    notifier: Callable[[], Notifier], event: dict[str, Any], context: Any
) -> PartialItemFailureResponse:
    """An SQS batch: each message handled on its own (a failed one is returned for redelivery),
    then each scan's parent re-rendered once for the batch, not once per event: a busy scan's
    events come ten to a batch, and each re-render reads the scan and claims the 3-second window
    with a conditional write. A re-render that fails fails the invocation, so the batch comes back
    (what its messages did is de-duplicated)."""
    touched: set[str] = set()

    def one(record: SQSRecord) -> None:  # Powertools passes it as ``record=``
        with correlated(logger, _scan_id(record.body)):
            try:
                touched.add(notifier().handle_message(record.body, refresh=False))
            except Exception:
                logger.exception("event failed; SQS delivers it again")
                raise

    response = process_partial_response(
        event=event,
        record_handler=one,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    for scan_id in sorted(touched):
        with correlated(logger, scan_id):
            notifier().refresh_parent(scan_id)
    return response


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse | dict[str, int]:
    """SQS batch of scan events (:func:`handle_batch`), or the scheduled sweep (EventBridge) that
    expires approval requests whose time is up."""
    if event.get("source") == "aws.events":
        return {"expired": _notifier().sweep_approvals()}
    return handle_batch(_notifier, event, context)
