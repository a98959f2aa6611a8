"""Two-person approval: the requests and decisions in the approvals table (``pk = SCAN#<scan>``,
``sk = #APPROVAL``), and the rule the engine holds (:func:`check_approved`).

A table of its own (:mod:`scanner.table`), so that IAM keeps every role but the bot's from writing
an approval: the worker only reads one, when it dispatches; the analyzer cannot reach the table.

One decision wins even when two approvers click at once: the decision is a conditional update
that only applies while the request is ``PENDING``, not expired, and the decider is not the
requester. The store builds that update (:meth:`ApprovalStore.decision_write`,
:meth:`ApprovalStore.expiry_write`); the engine writes the approval in one transaction with the
scan's start (:meth:`scanner.engine.ScanEngine.start`), and :mod:`bot.decisions` a denial or an
expiry with the scan's close; whoever loses is told what happened instead.

The rule does not trust the scan item: a scan whose targets need approval (the configuration says
which) starts, and is dispatched to each account, only while the approvals table holds an APPROVED
decision on it by someone other than its requester (:func:`check_approved`).

While a request is ``PENDING`` its item carries ``pending_pk``, which puts it in the sparse
``pending_approvals`` index (sorted by its ``expires_at``); the update that decides or expires it
removes ``pending_pk`` in the same write. The expiry sweep (:meth:`ApprovalStore.pending_due`) is
a Query of that index, so it reads the open requests only, however many scans the table holds;
see :mod:`scanner.table`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from scanner.config import Config
from scanner.errors import ApprovalNotFoundError, ApprovalRequiredError
from scanner.models import ScanRecord, ScanTargets
from scanner.state import scan_partition
from scanner.table import PENDING_APPROVALS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["Approval", "ApprovalStatus", "ApprovalStore", "check_approved", "needs_approval"]

SORT_KEY = "#APPROVAL"
PENDING = "PENDING"  # pending_pk of every open request
# The update that decides or expires a request takes it out of the pending_approvals index.
LEAVE_PENDING = f"REMOVE {PENDING_APPROVALS.partition}"


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"


class Approval(BaseModel):
    """An approval request and, once made, its decision."""

    model_config = ConfigDict(frozen=True)

    scan_id: str
    requester: str
    status: ApprovalStatus
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    channel: str | None = None
    message_ts: str | None = None


def _key(scan_id: str) -> dict[str, Any]:
    return {"pk": {"S": scan_partition(scan_id)}, "sk": {"S": SORT_KEY}}


def _epoch(moment: datetime) -> dict[str, str]:
    return {"N": str(int(moment.timestamp()))}


def _from_item(item: dict[str, Any]) -> Approval:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    def moment(name: str) -> datetime | None:
        return datetime.fromtimestamp(int(item[name]["N"]), UTC) if name in item else None

    requested, expires = moment("requested_at"), moment("expires_at")
    assert requested is not None
    assert expires is not None
    return Approval(
        scan_id=item["scan_id"]["S"],
        requester=item["requester"]["S"],
        status=ApprovalStatus(item["status"]["S"]),
        requested_at=requested,
        expires_at=expires,
        decided_by=text("decided_by"),
        decided_at=moment("decided_at"),
        channel=text("channel"),
        message_ts=text("message_ts"),
    )


class ApprovalStore:
    """Approval requests and decisions in the approvals table."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_days: int = 90) -> None:
        self._db = client
        self._table = table
        self._ttl_seconds = ttl_days * 86_400

    def request(self, scan_id: str, requester: str, requested_at: datetime, expires_at: datetime) -> Approval:
        """Open a request; asking again for the same scan returns the first one unchanged."""
        item = {
            **_key(scan_id),
            "scan_id": {"S": scan_id},
            "requester": {"S": requester},
            "status": {"S": ApprovalStatus.PENDING.value},
            "requested_at": _epoch(requested_at),
            "expires_at": _epoch(expires_at),
            "ttl": {"N": str(int(expires_at.timestamp()) + self._ttl_seconds)},
            PENDING_APPROVALS.partition: {"S": PENDING},
        }
        try:
            self._db.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        return self.get(scan_id)

    def get(self, scan_id: str) -> Approval:
        item = self._db.get_item(TableName=self._table, Key=_key(scan_id), ConsistentRead=True).get("Item")
        if item is None:
            raise ApprovalNotFoundError(f"no approval request for scan {scan_id!r}")
        return _from_item(item)

    def set_message(self, scan_id: str, channel: str, ts: str) -> None:
        """Remember where the approval message is, so its buttons can be replaced later."""
        self._db.update_item(
            TableName=self._table,
            Key=_key(scan_id),
            UpdateExpression="SET channel = :c, message_ts = :t",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":c": {"S": channel}, ":t": {"S": ts}},
        )

    def decision_write(self, scan_id: str, user: str, *, approve: bool, now: datetime) -> dict[str, Any]:
        """The decision as a ``TransactWriteItems`` element: it applies only while the request is
        pending, not expired, and ``user`` is not the requester."""
        status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
        return {
            "Update": {
                "TableName": self._table,
                "Key": _key(scan_id),
                "UpdateExpression": f"SET #s = :decided, decided_by = :user, decided_at = :now {LEAVE_PENDING}",
                "ConditionExpression": "#s = :pending AND expires_at > :now AND requester <> :user",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":decided": {"S": status.value},
                    ":pending": {"S": ApprovalStatus.PENDING.value},
                    ":user": {"S": user},
                    ":now": _epoch(now),
                },
            }
        }

    def expiry_write(self, scan_id: str, now: datetime) -> dict[str, Any]:
        """Expiry as a ``TransactWriteItems`` element: only a pending request whose time is up."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": _key(scan_id),
                "UpdateExpression": f"SET #s = :expired, decided_at = :now {LEAVE_PENDING}",
                "ConditionExpression": "#s = :pending AND expires_at <= :now",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":expired": {"S": ApprovalStatus.EXPIRED.value},
                    ":pending": {"S": ApprovalStatus.PENDING.value},
                    ":now": _epoch(now),
                },
            }
        }

    def expire_alone(self, scan_id: str, now: datetime) -> bool:
        """:meth:`expiry_write` by itself, for a request whose scan awaits it no more (it was
        cancelled); True when this call expired it."""
        try:
            self._db.update_item(**self.expiry_write(scan_id, now)["Update"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def pending_due(self, now: datetime) -> Iterator[Approval]:
        """Pending requests whose time is up, soonest due first: a Query of ``pending_approvals``.

        The index is eventually consistent, so a request decided a moment ago may still be among
        them (as the index last saw it); :meth:`expire` refuses it.
        """
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=PENDING_APPROVALS.name,
            KeyConditionExpression="#pending = :pending AND #due <= :now",
            ExpressionAttributeNames={
                "#pending": PENDING_APPROVALS.partition,
                "#due": PENDING_APPROVALS.sort,
            },
            ExpressionAttributeValues={":pending": {"S": PENDING}, ":now": _epoch(now)},
        ):
            for item in page.get("Items", []):
                yield _from_item(item)


def needs_approval(config: Config, targets: ScanTargets) -> bool:
    """Whether a second person must approve a scan of ``targets`` (an account the configuration
    does not know counts as one that needs it)."""
    for target in targets.accounts:
        account = config.account_by_id(target.account_id)
        if account is None or config.requires_approval(account):
            return True
    return False


def check_approved(approvals: ApprovalStore, scan: ScanRecord) -> Approval:
    """The APPROVED decision that lets ``scan`` run, read from the approvals table; raise
    :class:`ApprovalRequiredError` when there is none by someone other than its requester."""
    try:
        approval = approvals.get(scan.scan_id)
    except ApprovalNotFoundError:
        raise ApprovalRequiredError(
            f"scan {scan.scan_id} needs a second person's approval and none was requested"
        ) from None
    if approval.status is not ApprovalStatus.APPROVED:
        raise ApprovalRequiredError(
            f"scan {scan.scan_id} needs a second person's approval; its request is {approval.status.value}"
        )
    if approval.requester != scan.requester or approval.decided_by in (None, scan.requester):
        raise ApprovalRequiredError(
            f"scan {scan.scan_id} needs a second person's approval; its approval is not by someone "
            "other than its requester"
        )
    return approval
