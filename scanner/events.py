"""Scan events: what the scanner tells the world (the bot renders them; the scanner never imports Slack).

Every event is self-describing and versioned: ``schema`` = ``cce-scan.event/1``, a ``type``, the
``scan_id``, a per-scan ``seq`` (1, 2, … in the order the scanner emitted them: a consumer that
receives them out of order sorts by it and drops a ``scan.progress`` older than one it has shown)
and ``at``. Parse any of them with :func:`parse_event`.

Types: ``scan.started``, ``scan.progress``, ``scan.account_unreachable``, ``scan.host_outcome``,
``scan.finished`` (always the last one of a scan, also when every account failed).

``scan.finished`` goes out once the scan's report is written (``reports/<scan>/``, named in its
``report``), at least once: its ``seq`` is drawn when the scan closes, so every copy carries the same
one and a consumer drops the copies by ``(scan_id, seq)``. A host outcome the analyzer corrects
while the report waits for it is sent before ``scan.finished`` but numbered after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from scanner.errors import CceScanError
from scanner.models import OutcomeDetail
from scanner.outcomes import HostOutcome

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "SCHEMA",
    "AccountUnreachable",
    "EventPort",
    "EventPublishError",
    "HostOutcomeEvent",
    "InProcessBus",
    "ReportFiles",
    "ScanEvent",
    "ScanFinished",
    "ScanProgress",
    "ScanStarted",
    "SqsEventPublisher",
    "parse_event",
    "sqs_batches",
]

SCHEMA = "cce-scan.event/1"


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_: Literal["cce-scan.event/1"] = Field(default="cce-scan.event/1", alias="schema")
    scan_id: str
    seq: int = Field(ge=1, description="Order of emission within the scan.")
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class AccountRef(BaseModel):
    """An account and region as events name them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    alias: str
    region: str


class ScanStarted(_Event):
    """The scan's jobs were queued: which accounts it covers."""

    type: Literal["scan.started"] = "scan.started"
    requester: str
    approver: str | None = None
    accounts: tuple[AccountRef, ...]


class ScanProgress(_Event):
    """Counts so far; ``total`` grows while accounts are still being discovered."""

    type: Literal["scan.progress"] = "scan.progress"
    total: int
    done: int
    counts: dict[HostOutcome, int]
    accounts_total: int
    accounts_done: int


class AccountUnreachable(_Event):
    """An account (in one region) could not be entered; its hosts are not scanned."""

    type: Literal["scan.account_unreachable"] = "scan.account_unreachable"
    account: AccountRef
    reason: str


class HostOutcomeEvent(_Event):
    """One host's final outcome (exactly one per host): ``scanner.models.HostResult`` on the wire,
    with the account and host it belongs to."""

    type: Literal["scan.host_outcome"] = "scan.host_outcome"
    account: AccountRef
    instance_id: str
    name: str | None = None
    outcome: HostOutcome
    detail: OutcomeDetail
    command_id: str | None = None


class ReportFiles(BaseModel):
    """Where a scan's report is: object keys in the results bucket (``scanner.report.publish``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: str = Field(description="ScanSummary JSON.")
    diff: str | None = Field(default=None, description="ScanDiff JSON; None without a previous scan.")
    csv: str
    ocsf: str
    xlsx: str | None = Field(default=None, description="The audit workbook; None when it was not built.")


class ScanFinished(_Event):
    """The scan is over and its report written: totals (adding up to every target), the same by
    account, and the report's files (None when no report is made, with ``report_error`` when writing
    it failed)."""

    type: Literal["scan.finished"] = "scan.finished"
    status: Literal["FINISHED", "CANCELLED"]
    total: int
    counts: dict[HostOutcome, int]
    by_account: dict[str, dict[HostOutcome, int]] = Field(description="Keyed by account alias.")
    started_at: datetime | None = None
    finished_at: datetime
    report: ReportFiles | None = None
    report_error: str | None = None


ScanEvent = Annotated[
    ScanStarted | ScanProgress | AccountUnreachable | HostOutcomeEvent | ScanFinished,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[ScanEvent] = TypeAdapter(ScanEvent)


def parse_event(text: str | bytes) -> ScanEvent:
    """Parse and validate one event's JSON (any type)."""
    return _ADAPTER.validate_json(text)


class EventPort(Protocol):
    """Where the scanner puts its events."""

    def publish(self, event: ScanEvent) -> None: ...

    def publish_all(self, events: Sequence[ScanEvent]) -> None:
        """Publish ``events``, in order where the transport keeps one, in as few requests as it can."""
        ...


class InProcessBus:
    """The local transport: calls each subscriber in the publishing thread and keeps a log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[ScanEvent], None]] = []
        self.log: list[ScanEvent] = []

    def subscribe(self, callback: Callable[[ScanEvent], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def publish(self, event: ScanEvent) -> None:
        with self._lock:
            self.log.append(event)
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(event)

    def publish_all(self, events: Sequence[ScanEvent]) -> None:
        for event in events:
            self.publish(event)


# SendMessageBatch's limits: ten entries, and 256 KiB for the bodies and attributes together (the
# limit every SDK's documentation of the call gives; SQS has since raised it for some, not relied on).
SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 262_144


def _attributes(event: ScanEvent) -> dict[str, Any]:
    return {
        "type": {"DataType": "String", "StringValue": event.type},
        "scan_id": {"DataType": "String", "StringValue": event.scan_id},
    }


def _entry_size(body: str, attributes: Mapping[str, Mapping[str, str]]) -> int:
    """What SQS counts of a message against a batch's payload: the body and each attribute's name,
    data type and value, in bytes."""
    size = len(body.encode())
    for name, value in attributes.items():
        size += len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
    return size


def sqs_batches(events: Sequence[ScanEvent], max_bytes: int = SQS_BATCH_BYTES) -> list[list[dict[str, Any]]]:
    """``SendMessageBatch`` entries for ``events`` in order: at most :data:`SQS_BATCH_ENTRIES` a
    request and ``max_bytes`` of payload (pure)."""
    batches: list[list[dict[str, Any]]] = []
    size = 0
    for index, event in enumerate(events):
        body, attributes = event.to_json(), _attributes(event)
        entry_size = _entry_size(body, attributes)
        if not batches or len(batches[-1]) == SQS_BATCH_ENTRIES or size + entry_size > max_bytes:
            batches.append([])
            size = 0
        batches[-1].append({"Id": str(index), "MessageBody": body, "MessageAttributes": attributes})
        size += entry_size
    return batches


class EventPublishError(CceScanError):
    """SQS refused some events of a batch, and again when they were sent once more."""


class SqsEventPublisher:
    """The AWS transport: one SQS message per event, its type in a message attribute. Many events
    go ten to a ``SendMessageBatch`` (one request where there were ten: SQS bills a request per
    64 KB of a batch). The events queue is a standard queue, so order is not kept either way: every
    event carries its sequence number."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._sqs = client
        self._queue_url = queue_url

    def publish(self, event: ScanEvent) -> None:
        self._sqs.send_message(
            QueueUrl=self._queue_url, MessageBody=event.to_json(), MessageAttributes=_attributes(event)
        )

    def publish_all(self, events: Sequence[ScanEvent]) -> None:
        """Send ``events`` in batches; the entries a batch refuses are sent once more, and
        :class:`EventPublishError` is raised if any is refused again. The job then fails as it did
        when one ``SendMessage`` failed: what it recorded stays (the scan's counts come from the
        items), and the refused events are not sent again."""
        for batch in sqs_batches(events):
            entries: list[Any] = batch
            for _ in range(2):
                failed = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries).get(
                    "Failed", []
                )
                if not failed:
                    break
                refused = {item["Id"] for item in failed}
                entries = [entry for entry in entries if entry["Id"] in refused]
            else:
                codes = sorted({str(item.get("Code")) for item in failed})
                raise EventPublishError(f"SQS refused {len(failed)} events twice: {', '.join(codes)}")
