"""Durable scan state in one DynamoDB table: a scan item, an item per account and per host.

Keys: ``pk`` = ``SCAN#<scan>``; ``sk`` = ``#SCAN`` (the scan), ``ACCOUNT#<account>#<region>``,
``HOST#<account>#<region>#<instance>``. Idempotency keys live at ``pk`` = ``IDEMPOTENCY#<key>``.
Every item carries ``ttl`` (epoch seconds; the table's TTL attribute).

Every change that a re-delivered job could repeat is a conditional write: a host is claimed
(``PENDING`` → ``SENDING``) before its command is sent and only one claim wins; a final outcome is
written together with the scan's counter in one transaction that only applies while the host has
no outcome, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from scanner.errors import ScanNotFoundError
from scanner.models import Host, HostResult, OutcomeDetail, ScanRecord, ScanStatus, ScanTargets
from scanner.outcomes import HostOutcome

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "AccountItem",
    "AccountPhase",
    "HostItem",
    "HostPhase",
    "ScanStore",
    "create_table",
]


class HostPhase(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DONE = "DONE"


class AccountPhase(StrEnum):
    PENDING = "PENDING"
    DISPATCHED = "DISPATCHED"
    DONE = "DONE"


@dataclass(frozen=True)
class AccountItem:
    account_id: str
    alias: str
    region: str
    phase: AccountPhase
    discovered: bool
    hosts: int
    instance_ids: tuple[str, ...] | None
    outcome: HostOutcome | None
    reason: str


@dataclass(frozen=True)
class HostItem:
    account_id: str
    region: str
    instance_id: str
    name: str | None
    private_ip: str | None
    phase: HostPhase
    command_id: str | None
    claimed_at: float | None
    deadline: float | None
    outcome: HostOutcome | None
    detail: OutcomeDetail | None


def create_table(client: DynamoDBClient, name: str) -> None:
    """Create the table as Terraform does (on-demand, ``pk``/``sk`` strings, TTL on ``ttl``)."""
    try:
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: float) -> dict[str, Any]:
    return {"N": str(value)}


def _scan_key(scan_id: str) -> dict[str, Any]:
    return {"pk": _s(f"SCAN#{scan_id}"), "sk": _s("#SCAN")}


def _account_sk(account_id: str, region: str) -> str:
    return f"ACCOUNT#{account_id}#{region}"


def _host_sk(account_id: str, region: str, instance_id: str) -> str:
    return f"HOST#{account_id}#{region}#{instance_id}"


def _count_attr(outcome: HostOutcome) -> str:
    return f"count_{outcome.value}"


def _plain(attribute: Any) -> Any:
    if "S" in attribute:
        return attribute["S"]
    if "N" in attribute:
        number = float(attribute["N"])
        return int(number) if number.is_integer() else number
    if "BOOL" in attribute:
        return attribute["BOOL"]
    if "NULL" in attribute:
        return None
    if "L" in attribute:
        return [_plain(item) for item in attribute["L"]]
    if "M" in attribute:
        return {key: _plain(value) for key, value in attribute["M"].items()}
    raise ValueError(f"unexpected DynamoDB attribute {attribute!r}")


def _is_conditional_failure(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons", [])
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons
    return False


class ScanStore:
    """All reads and writes of scan state; ``client`` is a DynamoDB client (moto, local or AWS)."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        ttl_days: int = 90,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = client
        self._table = table
        self._ttl_days = ttl_days
        self._now = now

    # -- helpers -------------------------------------------------------------------------------

    def _ttl(self) -> dict[str, Any]:
        return _n(int((self._now() + timedelta(days=self._ttl_days)).timestamp()))

    def _query(self, scan_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": _s(f"SCAN#{scan_id}"), ":prefix": _s(prefix)},
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                yield {key: _plain(value) for key, value in item.items()}

    # -- the scan item -------------------------------------------------------------------------

    def create_scan(self, record: ScanRecord, idempotency_key: str | None = None) -> ScanRecord:
        """Write a new scan; with ``idempotency_key``, a second call returns the first scan instead."""
        item: dict[str, Any] = {
            **_scan_key(record.scan_id),
            "scan_id": _s(record.scan_id),
            "requester": _s(record.requester),
            "targets": _s(record.targets.model_dump_json()),
            "status": _s(record.status.value),
            "created_at": _s(record.created_at.isoformat()),
            "accounts_total": _n(len(record.targets.accounts)),
            "accounts_done": _n(0),
            "event_seq": _n(0),
            "ttl": self._ttl(),
        }
        for name in ("approver", "channel", "thread_ts"):
            value = getattr(record, name)
            if value is not None:
                item[name] = _s(value)
        put_scan = {
            "Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        }
        if idempotency_key is None:
            self._db.transact_write_items(TransactItems=[put_scan])  # type: ignore[list-item]
            return self.get_scan(record.scan_id)
        guard = {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "pk": _s(f"IDEMPOTENCY#{idempotency_key}"),
                    "sk": _s("#"),
                    "scan_id": _s(record.scan_id),
                    "ttl": self._ttl(),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        try:
            self._db.transact_write_items(TransactItems=[guard, put_scan])  # type: ignore[list-item]
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            existing = self._db.get_item(
                TableName=self._table,
                Key={"pk": _s(f"IDEMPOTENCY#{idempotency_key}"), "sk": _s("#")},
                ConsistentRead=True,
            ).get("Item")
            if existing is None:
                raise
            return self.get_scan(existing["scan_id"]["S"])
        return self.get_scan(record.scan_id)

    def get_scan(self, scan_id: str) -> ScanRecord:
        response = self._db.get_item(TableName=self._table, Key=_scan_key(scan_id), ConsistentRead=True)
        raw = response.get("Item")
        if raw is None:
            raise ScanNotFoundError(f"no scan {scan_id!r}")
        item = {key: _plain(value) for key, value in raw.items()}
        counts = {
            outcome: int(item[_count_attr(outcome)])
            for outcome in HostOutcome
            if int(item.get(_count_attr(outcome), 0) or 0) > 0
        }
        hosts_total = sum(a.hosts for a in self.accounts(scan_id) if a.discovered) + counts.get(
            HostOutcome.ACCOUNT_UNREACHABLE, 0
        )
        return ScanRecord(
            scan_id=item["scan_id"],
            requester=item["requester"],
            approver=item.get("approver"),
            targets=ScanTargets.model_validate_json(item["targets"]),
            channel=item.get("channel"),
            thread_ts=item.get("thread_ts"),
            status=ScanStatus(item["status"]),
            created_at=datetime.fromisoformat(item["created_at"]),
            started_at=datetime.fromisoformat(item["started_at"]) if item.get("started_at") else None,
            finished_at=datetime.fromisoformat(item["finished_at"]) if item.get("finished_at") else None,
            bundle_sha256=item.get("bundle_sha256"),
            document_hash=item.get("document_hash"),
            hosts_total=hosts_total,
            accounts_total=int(item["accounts_total"]),
            accounts_done=int(item["accounts_done"]),
            counts=counts,
        )

    def transition(
        self, scan_id: str, allowed: tuple[ScanStatus, ...], to: ScanStatus, **fields: str
    ) -> bool:
        """Move the scan to ``to`` if it is in one of ``allowed``; set ``fields`` too. False if not."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":to": _s(to.value)}
        sets = ["#status = :to"]
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = _s(value)
            sets.append(f"#f{index} = :f{index}")
        conditions = []
        for index, status in enumerate(allowed):
            values[f":a{index}"] = _s(status.value)
            conditions.append(f"#status = :a{index}")
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_scan_key(scan_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="attribute_exists(pk) AND (" + " OR ".join(conditions) + ")",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def attach_thread(self, scan_id: str, channel: str, thread_ts: str) -> bool:
        """Record the Slack thread parent once; False when the scan already has one."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_scan_key(scan_id),
                UpdateExpression="SET channel = :c, thread_ts = :t",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(thread_ts)",
                ExpressionAttributeValues={":c": _s(channel), ":t": _s(thread_ts)},
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def recent_scans(self, limit: int = 5) -> list[ScanRecord]:
        """The newest scans (a filtered table scan: the table holds one scan item per scan)."""
        ids: list[tuple[str, str]] = []
        paginator = self._db.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table,
            FilterExpression="sk = :sk",
            ExpressionAttributeValues={":sk": _s("#SCAN")},
            ProjectionExpression="scan_id, created_at",
        ):
            ids.extend((item["created_at"]["S"], item["scan_id"]["S"]) for item in page.get("Items", []))
        return [self.get_scan(scan_id) for _, scan_id in sorted(ids, reverse=True)[:limit]]

    def next_event_seq(self, scan_id: str) -> int:
        """A per-scan event sequence number (1, 2, …), so consumers can order events."""
        response = self._db.update_item(
            TableName=self._table,
            Key=_scan_key(scan_id),
            UpdateExpression="ADD event_seq :one",
            ExpressionAttributeValues={":one": _n(1)},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["event_seq"]["N"])

    # -- accounts ------------------------------------------------------------------------------

    def put_account(
        self, scan_id: str, account_id: str, alias: str, region: str, instance_ids: tuple[str, ...] | None
    ) -> None:
        item: dict[str, Any] = {
            "pk": _s(f"SCAN#{scan_id}"),
            "sk": _s(_account_sk(account_id, region)),
            "account_id": _s(account_id),
            "alias": _s(alias),
            "region": _s(region),
            "phase": _s(AccountPhase.PENDING.value),
            "ttl": self._ttl(),
        }
        if instance_ids is not None:
            item["instance_ids"] = {"L": [_s(i) for i in instance_ids]}
        try:
            self._db.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise

    @staticmethod
    def _account(item: dict[str, Any]) -> AccountItem:
        return AccountItem(
            account_id=item["account_id"],
            alias=item["alias"],
            region=item["region"],
            phase=AccountPhase(item["phase"]),
            discovered=bool(item.get("discovered", False)),
            hosts=int(item.get("hosts", 0)),
            instance_ids=tuple(item["instance_ids"]) if item.get("instance_ids") is not None else None,
            outcome=HostOutcome(item["outcome"]) if item.get("outcome") else None,
            reason=item.get("reason", ""),
        )

    def accounts(self, scan_id: str) -> list[AccountItem]:
        return [self._account(item) for item in self._query(scan_id, "ACCOUNT#")]

    def account(self, scan_id: str, account_id: str, region: str) -> AccountItem:
        raw = self._db.get_item(
            TableName=self._table,
            Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_account_sk(account_id, region))},
            ConsistentRead=True,
        ).get("Item")
        if raw is None:
            raise ScanNotFoundError(f"scan {scan_id} has no account {account_id}/{region}")
        return self._account({key: _plain(value) for key, value in raw.items()})

    def mark_discovered(self, scan_id: str, account_id: str, region: str, hosts: int) -> bool:
        """Record how many hosts discovery found; only the first discovery counts."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_account_sk(account_id, region))},
                UpdateExpression="SET discovered = :yes, hosts = :n",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(discovered)",
                ExpressionAttributeValues={":yes": {"BOOL": True}, ":n": _n(hosts)},
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def mark_dispatched(self, scan_id: str, account_id: str, region: str) -> bool:
        """``PENDING`` → ``DISPATCHED``: every host of the account has a command or an outcome."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_account_sk(account_id, region))},
                UpdateExpression="SET phase = :dispatched",
                ConditionExpression="phase = :pending",
                ExpressionAttributeValues={
                    ":dispatched": _s(AccountPhase.DISPATCHED.value),
                    ":pending": _s(AccountPhase.PENDING.value),
                },
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def claim_track_round(
        self, scan_id: str, account_id: str, region: str, round_: int, *, now: float, lease: float
    ) -> bool:
        """Only one delivery of a track round works it (and queues the next); a round whose worker
        died is taken over after ``lease`` seconds."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_account_sk(account_id, region))},
                UpdateExpression="SET track_round = :r, track_at = :now",
                ConditionExpression="attribute_exists(pk) AND phase <> :done AND (attribute_not_exists(track_round) "
                "OR track_round < :r OR (track_round = :r AND track_at < :stale))",
                ExpressionAttributeValues={
                    ":r": _n(round_),
                    ":now": _n(round(now, 3)),
                    ":stale": _n(round(now - lease, 3)),
                    ":done": _s(AccountPhase.DONE.value),
                },
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def finish_account(
        self, scan_id: str, account_id: str, region: str, unreachable_reason: str | None = None
    ) -> bool:
        """Close an account (once): bumps the scan's ``accounts_done``; unreachable counts one outcome."""
        sets = ["phase = :done"]
        values: dict[str, Any] = {":done": _s(AccountPhase.DONE.value), ":one": _n(1)}
        scan_update = "ADD accounts_done :one"
        if unreachable_reason is not None:
            sets += ["outcome = :o", "reason = :r"]
            values[":o"] = _s(HostOutcome.ACCOUNT_UNREACHABLE.value)
            values[":r"] = _s(unreachable_reason)
            scan_update += f", {_count_attr(HostOutcome.ACCOUNT_UNREACHABLE)} :one"
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_account_sk(account_id, region))},
                            "UpdateExpression": "SET " + ", ".join(sets),
                            "ConditionExpression": "attribute_exists(pk) AND phase <> :done",
                            "ExpressionAttributeValues": {k: v for k, v in values.items() if k != ":one"},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _scan_key(scan_id),
                            "UpdateExpression": scan_update,
                            "ExpressionAttributeValues": {":one": _n(1)},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    # -- hosts ---------------------------------------------------------------------------------

    def put_host(self, scan_id: str, account_id: str, region: str, host: Host) -> bool:
        """Create a host item in ``PENDING``; False when it already exists (a re-delivered job)."""
        item: dict[str, Any] = {
            "pk": _s(f"SCAN#{scan_id}"),
            "sk": _s(_host_sk(account_id, region, host.instance_id)),
            "account_id": _s(account_id),
            "region": _s(region),
            "instance_id": _s(host.instance_id),
            "phase": _s(HostPhase.PENDING.value),
            "ttl": self._ttl(),
        }
        if host.name:
            item["name"] = _s(host.name)
        if host.private_ip:
            item["private_ip"] = _s(host.private_ip)
        try:
            self._db.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    @staticmethod
    def _host(item: dict[str, Any]) -> HostItem:
        return HostItem(
            account_id=item["account_id"],
            region=item["region"],
            instance_id=item["instance_id"],
            name=item.get("name"),
            private_ip=item.get("private_ip"),
            phase=HostPhase(item["phase"]),
            command_id=item.get("command_id"),
            claimed_at=item.get("claimed_at"),
            deadline=item.get("deadline"),
            outcome=HostOutcome(item["outcome"]) if item.get("outcome") else None,
            detail=OutcomeDetail.model_validate_json(item["detail"]) if item.get("detail") else None,
        )

    def hosts(self, scan_id: str, account_id: str | None = None, region: str | None = None) -> list[HostItem]:
        prefix = "HOST#"
        if account_id is not None:
            prefix += f"{account_id}#"
            if region is not None:
                prefix += f"{region}#"
        return [self._host(item) for item in self._query(scan_id, prefix)]

    def host(self, scan_id: str, account_id: str, region: str, instance_id: str) -> HostItem | None:
        raw = self._db.get_item(
            TableName=self._table,
            Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_host_sk(account_id, region, instance_id))},
            ConsistentRead=True,
        ).get("Item")
        return self._host({key: _plain(value) for key, value in raw.items()}) if raw else None

    def claim_host(
        self,
        scan_id: str,
        account_id: str,
        region: str,
        instance_id: str,
        *,
        now: float,
        stale_before: float | None = None,
    ) -> bool:
        """``PENDING`` → ``SENDING``; with ``stale_before``, also re-claim a ``SENDING`` claimed before it."""
        condition = "phase = :pending"
        values: dict[str, Any] = {
            ":pending": _s(HostPhase.PENDING.value),
            ":sending": _s(HostPhase.SENDING.value),
            ":at": _n(round(now, 3)),
        }
        if stale_before is not None:
            condition = "(phase = :pending OR (phase = :sending AND claimed_at < :stale))"
            values[":stale"] = _n(stale_before)
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_host_sk(account_id, region, instance_id))},
                UpdateExpression="SET phase = :sending, claimed_at = :at",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def mark_sent(
        self, scan_id: str, account_id: str, region: str, instance_id: str, command_id: str, deadline: float
    ) -> bool:
        """``SENDING`` → ``SENT`` with the command ID (never overwrites another command ID)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_host_sk(account_id, region, instance_id))},
                UpdateExpression="SET phase = :sent, command_id = :c, deadline = :d",
                ConditionExpression="phase = :sending AND attribute_not_exists(command_id)",
                ExpressionAttributeValues={
                    ":sent": _s(HostPhase.SENT.value),
                    ":sending": _s(HostPhase.SENDING.value),
                    ":c": _s(command_id),
                    ":d": _n(round(deadline, 3)),
                },
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def record_outcome(
        self, scan_id: str, account_id: str, region: str, instance_id: str, result: HostResult
    ) -> HostOutcome | None:
        """Write the host's final outcome and count it, once. Returns the outcome written, or None.

        A result the analyzer already judged invalid turns ``SUCCEEDED`` into ``RESULT_INVALID``.
        """
        key = {"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_host_sk(account_id, region, instance_id))}
        outcome = result.outcome
        detail = result.detail
        if outcome == HostOutcome.SUCCEEDED:
            current = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item", {})
            if "result_invalid" in current:
                outcome = HostOutcome.RESULT_INVALID
                detail = detail.model_copy(update={"reason": current["result_invalid"]["S"]})
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": key,
                            "UpdateExpression": "SET phase = :done, outcome = :o, detail = :d",
                            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(outcome)",
                            "ExpressionAttributeValues": {
                                ":done": _s(HostPhase.DONE.value),
                                ":o": _s(outcome.value),
                                ":d": _s(detail.model_dump_json()),
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _scan_key(scan_id),
                            "UpdateExpression": f"ADD {_count_attr(outcome)} :one",
                            "ExpressionAttributeValues": {":one": _n(1)},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return None
            raise
        return outcome

    def mark_result_invalid(
        self, scan_id: str, account_id: str, region: str, instance_id: str, reason: str
    ) -> bool:
        """For the analyzer: a host's result tar was rejected. Moves ``SUCCEEDED`` to ``RESULT_INVALID``
        (and its count), or marks the host so tracking records ``RESULT_INVALID`` when it finishes.
        Idempotent; returns True when this call changed the outcome or the mark."""
        key = {"pk": _s(f"SCAN#{scan_id}"), "sk": _s(_host_sk(account_id, region, instance_id))}
        detail = OutcomeDetail(status_details="Success", reason=reason)
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": key,
                            "UpdateExpression": "SET outcome = :bad, detail = :d, result_invalid = :r",
                            "ConditionExpression": "outcome = :good",
                            "ExpressionAttributeValues": {
                                ":bad": _s(HostOutcome.RESULT_INVALID.value),
                                ":good": _s(HostOutcome.SUCCEEDED.value),
                                ":d": _s(detail.model_dump_json()),
                                ":r": _s(reason),
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _scan_key(scan_id),
                            "UpdateExpression": f"ADD {_count_attr(HostOutcome.RESULT_INVALID)} :one, "
                            f"{_count_attr(HostOutcome.SUCCEEDED)} :minus",
                            "ExpressionAttributeValues": {":one": _n(1), ":minus": _n(-1)},
                        }
                    },
                ]
            )
            return True
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET result_invalid = :r",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(outcome) "
                "AND attribute_not_exists(result_invalid)",
                ExpressionAttributeValues={":r": _s(reason)},
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True
