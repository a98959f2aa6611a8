"""Durable scan state in one DynamoDB table: a scan item, an item per account and per host.

Keys: ``pk`` = ``SCAN#<scan>``; ``sk`` = ``#SCAN`` (the scan), ``ACCOUNT#<account>#<region>``,
``HOST#<account>#<region>#<instance>`` and, for the commands sent,
``SENT#<account>#<region>#<first>``: one item per batch of sends (up to :data:`SENT_PER_ITEM` hosts;
``commands`` maps each instance to its command ID and deadline; ``<first>`` is the batch's lowest
instance ID, so writing a batch again rewrites the same item). Every item write costs at least one
write unit however small the item, so a host's command is not an item of its own. Idempotency keys
live at ``pk`` = ``IDEMPOTENCY#<key>``. A host item carries, when the analyzer refused the host's
tar before tracking saw its command finish, the reason (``result_invalid``); whether a result was
judged at all is not in the table (the analyzer's summary object is that mark, see
:mod:`scanner.report.readiness`). The scan item, once closed, carries the sequence number of its
``scan.finished`` (``finished_seq``), the report round working on it and, once the report is
published and announced, ``report_published``. Every item carries ``ttl`` (epoch seconds; the
table's TTL attribute). The scan item also carries the keys of two indexes (``scans_pk``, ``targets_pk``, ``created_sk``), through which
:meth:`ScanStore.recent_scans` and :meth:`ScanStore.previous_finished` read without a table
Scan; :mod:`scanner.table` describes the indexes.

Every change that a re-delivered job could repeat is a conditional write on one item: an
account is dispatched by the holder of its lease only, who sends only to hosts without a command
recorded in a ``SENT#`` item; a host's final outcome is written only where there is none, and only
that write bumps the scan's counters, so nothing is counted twice. The counters are progress; the
final counts are recounted from the items when the scan closes (:meth:`ScanStore.finalize`).
Transactions are avoided on the hot paths: they cost more on AWS and the local moto copies the
whole table for each one. A change of the scan's status may be linked to a write of the caller's
on another item, made in one transaction (:meth:`ScanStore.transition`): the decision on an
approval request and the scan's move out of AWAITING_APPROVAL are written together or not at all.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from scanner.errors import LinkedWriteRefusedError, ScanNotFoundError, ScanStateError
from scanner.models import Coverage, Host, HostResult, OutcomeDetail, ScanRecord, ScanStatus, ScanTargets
from scanner.outcomes import HostOutcome
from scanner.table import (
    SCANS_BY_CREATED,
    SCANS_BY_TARGETS,
    TableIndex,
    create_table,
    created_sort_key,
    targets_partition,
)
from scanner.transact import write_together

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# BatchWriteItems in flight at once for one list of items: an account's host items are written
# in one round trip's time rather than one per 25 hosts.
PARALLEL_BATCHES = 4
BATCH = 25  # items per BatchWriteItem, its limit
# Hosts per ``SENT#`` item: about 70 bytes each, so an item of 25 costs two write units where 25
# items of their own cost 25.
SENT_PER_ITEM = 25
BATCH_GET = 100  # keys per BatchGetItem, its limit
SCANS_PARTITION = "SCANS"  # every scan item's scans_pk
# How many earlier scans of the same targets :meth:`ScanStore.previous_finished` looks at, and
# how many one Query of the index reads: most often the first one looked at is the answer.
PREVIOUS_LOOKED_AT = 50
PREVIOUS_PAGE = 10
# The statuses of a scan whose approval request awaits its decision. A scan requested before scans
# were created AWAITING_APPROVAL waits in CREATED; one that needs no approval has no request, so
# the request's own condition keeps a decision from touching it.
UNDECIDED = (ScanStatus.AWAITING_APPROVAL, ScanStatus.CREATED)
DECLINED = (ScanStatus.DENIED, ScanStatus.EXPIRED)

__all__ = [
    "UNDECIDED",
    "AccountItem",
    "AccountPhase",
    "DispatchClaim",
    "FinalTally",
    "HostItem",
    "HostPhase",
    "ReportClaim",
    "ScanStore",
    "create_table",
    "scan_partition",
]


class HostPhase(StrEnum):
    PENDING = "PENDING"
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
    track_round: int = 0  # the tracking round last claimed (0: none yet)
    coverage: Coverage | None = None  # running instances SSM does not manage (a whole account's discovery)


@dataclass(frozen=True)
class HostItem:
    account_id: str
    region: str
    instance_id: str
    name: str | None
    private_ip: str | None
    phase: HostPhase
    command_id: str | None
    deadline: float | None
    outcome: HostOutcome | None
    detail: OutcomeDetail | None
    skip: HostResult | None = None


@dataclass(frozen=True)
class FinalTally:
    """What :meth:`ScanStore.finalize` counted the closed scan from: its account and host items."""

    accounts: tuple[AccountItem, ...]
    hosts: tuple[tuple[str, HostOutcome], ...]  # (account ID, outcome) of each host with one

    def counts(self) -> Counter[HostOutcome]:
        """Outcome → count over the scan: unreachable accounts and every host with an outcome."""
        counts = Counter(a.outcome for a in self.accounts if a.outcome is not None)
        counts.update(outcome for _, outcome in self.hosts)
        return counts

    def by_account(self) -> dict[str, dict[HostOutcome, int]]:
        """The same counts per account alias (an account ID where the alias is unknown)."""
        aliases = {a.account_id: a.alias for a in self.accounts}
        tallies: dict[str, Counter[HostOutcome]] = {}
        for account in self.accounts:
            if account.outcome is not None:
                tallies.setdefault(account.alias, Counter())[account.outcome] += 1
        for account_id, outcome in self.hosts:
            tallies.setdefault(aliases.get(account_id, account_id), Counter())[outcome] += 1
        return {alias: dict(counts) for alias, counts in tallies.items()}


@dataclass(frozen=True)
class ReportClaim:
    """A round of a closed scan's report, taken by :meth:`ScanStore.claim_report`: the scan as it
    is now, and the sequence number its ``scan.finished`` was given when it closed."""

    scan: ScanRecord
    finished_seq: int


@dataclass(frozen=True)
class DispatchClaim:
    """The outcome of :meth:`ScanStore.claim_dispatch`; ``account`` is set when claimed."""

    claimed: bool
    takeover: bool
    account: AccountItem | None


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: float) -> dict[str, Any]:
    return {"N": str(value)}


def scan_partition(scan_id: str) -> str:
    """The partition key of every item of the scan (its scan item, accounts, hosts, approval…)."""
    return f"SCAN#{scan_id}"


def _scan_key(scan_id: str) -> dict[str, Any]:
    return {"pk": _s(scan_partition(scan_id)), "sk": _s("#SCAN")}


def _account_sk(account_id: str, region: str) -> str:
    return f"ACCOUNT#{account_id}#{region}"


def _host_sk(account_id: str, region: str, instance_id: str) -> str:
    return f"HOST#{account_id}#{region}#{instance_id}"


def _sent_sk(account_id: str, region: str, first_instance_id: str) -> str:
    return f"SENT#{account_id}#{region}#{first_instance_id}"


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


def _coverage(item: Mapping[str, Any]) -> Coverage:
    """An account item's ``coverage`` map (plain values) as a :class:`Coverage`."""
    return Coverage(
        running=int(item.get("running", 0)),
        not_covered=int(item.get("not_covered", 0)),
        named=tuple((str(pair[0]), str(pair[1])) for pair in item.get("named", [])),
    )


def _record(item: Mapping[str, Any]) -> ScanRecord:
    """The scan item (plain values) as a :class:`ScanRecord`."""
    counts = {
        outcome: int(item[_count_attr(outcome)])
        for outcome in HostOutcome
        if int(item.get(_count_attr(outcome), 0) or 0) > 0
    }
    # Discovered hosts (kept on the scan item by mark_discovered), plus one per unreachable
    # account: its hosts are unknown, so it stands for one outcome.
    hosts_total = int(item.get("hosts_total", 0) or 0) + counts.get(HostOutcome.ACCOUNT_UNREACHABLE, 0)
    return ScanRecord(
        scan_id=item["scan_id"],
        requester=item["requester"],
        approver=item.get("approver"),
        decided_by=item.get("decided_by"),
        decided_at=datetime.fromisoformat(item["decided_at"]) if item.get("decided_at") else None,
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

    @property
    def table(self) -> str:
        """The table's name (the approvals and thread state share it)."""
        return self._table

    @property
    def ttl_days(self) -> int:
        return self._ttl_days

    # -- helpers -------------------------------------------------------------------------------

    def _ttl(self) -> dict[str, Any]:
        return _n(int((self._now() + timedelta(days=self._ttl_days)).timestamp()))

    def _update_if(
        self,
        key: dict[str, Any],
        update: str,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> bool:
        """One conditional UpdateItem; False when the condition does not hold."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": key,
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        return self._try_update(kwargs)

    def _try_update(self, kwargs: Mapping[str, Any]) -> bool:
        """UpdateItem with ``kwargs``; False when its condition does not hold."""
        try:
            self._db.update_item(**kwargs)
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def _add_counts(self, scan_id: str, counts: Mapping[HostOutcome, int], accounts_done: int = 0) -> None:
        """Bump the scan's counters. Progress only: a crash between an item's conditional write and
        this leaves them short (never over); :meth:`finalize` recounts from the items."""
        parts = {f"#c{i}": (_count_attr(o), n) for i, (o, n) in enumerate(counts.items()) if n}
        names = {k: v[0] for k, v in parts.items()}
        values = {f":v{k[2:]}": _n(v[1]) for k, v in parts.items()}
        adds = [f"{k} :v{k[2:]}" for k in parts]
        if accounts_done:
            adds.append("accounts_done :ad")
            values[":ad"] = _n(accounts_done)
        if not adds:
            return
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": _scan_key(scan_id),
            "UpdateExpression": "ADD " + ", ".join(adds),
            "ExpressionAttributeValues": values,
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        self._db.update_item(**kwargs)

    def _query(self, scan_id: str, prefix: str, attributes: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        """The scan's items whose sort key starts with ``prefix``; only ``attributes`` if given."""
        paginator = self._db.get_paginator("query")
        kwargs: dict[str, Any] = {}
        if attributes:
            names = {f"#p{index}": name for index, name in enumerate(attributes)}
            kwargs = {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": _s(scan_partition(scan_id)), ":prefix": _s(prefix)},
            ConsistentRead=True,
            **kwargs,
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
            "hosts_total": _n(0),
            "event_seq": _n(0),
            "ttl": self._ttl(),
            SCANS_BY_CREATED.partition: _s(SCANS_PARTITION),
            SCANS_BY_TARGETS.partition: _s(targets_partition(record.targets)),
            SCANS_BY_CREATED.sort: _s(created_sort_key(record.created_at, record.scan_id)),
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
        return _record({key: _plain(value) for key, value in raw.items()})

    def _get_scans(self, scan_ids: Sequence[str]) -> list[ScanRecord]:
        """The scans of ``scan_ids`` in that order, 100 to a consistent BatchGetItem; a scan that is
        gone (expired since its ID was read) is left out."""
        found: dict[str, ScanRecord] = {}
        for start in range(0, len(scan_ids), BATCH_GET):
            keys: list[Any] = [_scan_key(scan_id) for scan_id in scan_ids[start : start + BATCH_GET]]
            for attempt in range(8):
                response = self._db.batch_get_item(
                    RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
                )
                for raw in response.get("Responses", {}).get(self._table, []):
                    record = _record({key: _plain(value) for key, value in raw.items()})
                    found[record.scan_id] = record
                unprocessed = response.get("UnprocessedKeys", {})
                keys = list(unprocessed[self._table]["Keys"]) if self._table in unprocessed else []
                if not keys:
                    break
                time.sleep(min(1.0, 0.05 * 2**attempt))
            else:
                raise ScanStateError(f"DynamoDB left {len(keys)} scans unread")
        return [found[scan_id] for scan_id in scan_ids if scan_id in found]

    def transition(
        self,
        scan_id: str,
        allowed: tuple[ScanStatus, ...],
        to: ScanStatus,
        *,
        linked_write: Mapping[str, Any] | None = None,
        **fields: str,
    ) -> bool:
        """Move the scan to ``to`` if it is in one of ``allowed``; set ``fields`` too. False if not.

        With ``linked_write`` (a ``TransactWriteItems`` element of the caller's, on another item)
        both are written in one transaction or neither is: False when only the scan's status did
        not allow the change, :class:`~scanner.errors.LinkedWriteRefusedError` when the linked
        write's condition failed.
        """
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets = []
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = _s(value)
            sets.append(f"#f{index} = :f{index}")
        update = self._status_update(scan_id, allowed, to, sets, names, values)
        if linked_write is None:
            return self._try_update(update)
        failed = write_together(self._db, [{"Update": update}, linked_write])
        if 1 in failed:
            raise LinkedWriteRefusedError(scan_id, scan_refused=0 in failed)
        return not failed

    def decline(
        self,
        scan_id: str,
        to: ScanStatus,
        *,
        decided_at: datetime,
        decided_by: str | None = None,
        linked_write: Mapping[str, Any] | None = None,
    ) -> bool:
        """Close a scan awaiting approval as DENIED (by ``decided_by``) or EXPIRED; False when it is
        no longer awaiting. ``linked_write`` as in :meth:`transition`."""
        if to not in DECLINED:
            raise ValueError(f"a scan awaiting approval is declined as DENIED or EXPIRED, not {to.value}")
        fields = {"decided_at": decided_at.isoformat()}
        if decided_by is not None:
            fields["decided_by"] = decided_by
        return self.transition(scan_id, UNDECIDED, to, linked_write=linked_write, **fields)

    def _status_update(
        self,
        scan_id: str,
        allowed: tuple[ScanStatus, ...],
        to: ScanStatus,
        sets: list[str],
        names: dict[str, str],
        values: dict[str, Any],
    ) -> dict[str, Any]:
        """The UpdateItem that sets the status to ``to`` and ``sets`` if it is one of ``allowed``."""
        names = {"#status": "status", **names}
        values = {":to": _s(to.value), **values}
        conditions = []
        for index, status in enumerate(allowed):
            values[f":a{index}"] = _s(status.value)
            conditions.append(f"#status = :a{index}")
        return {
            "TableName": self._table,
            "Key": _scan_key(scan_id),
            "UpdateExpression": "SET " + ", ".join(["#status = :to", *sets]),
            "ConditionExpression": "attribute_exists(pk) AND (" + " OR ".join(conditions) + ")",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def attach_thread(self, scan_id: str, channel: str, thread_ts: str) -> bool:
        """Record the Slack thread parent once; False when the scan already has one."""
        return self._update_if(
            _scan_key(scan_id),
            "SET channel = :c, thread_ts = :t",
            "attribute_exists(pk) AND attribute_not_exists(thread_ts)",
            {":c": _s(channel), ":t": _s(thread_ts)},
        )

    def _newest_first(
        self,
        index: TableIndex,
        partition: str,
        *,
        before: str | None,
        at_most: int,
        page: int,
        first_page: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Up to ``at_most`` entries of ``index`` in ``partition``, highest sort key first (only those
        below ``before`` if given), read as the caller goes on: ``first_page`` entries first (default
        ``page``), then twice as many each time up to ``page``."""
        names = {"#pk": index.partition}
        values: dict[str, Any] = {":pk": _s(partition)}
        condition = "#pk = :pk"
        if before is not None:
            names["#sk"] = index.sort
            values[":before"] = _s(before)
            condition += " AND #sk < :before"
        start: dict[str, Any] | None = None
        read = 0
        size = first_page or page
        while read < at_most:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            response = self._db.query(
                TableName=self._table,
                IndexName=index.name,
                KeyConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ScanIndexForward=False,
                Limit=min(size, at_most - read),
                **kwargs,
            )
            size = min(size * 2, page)
            items = response.get("Items", [])
            read += len(items)
            yield from ({key: _plain(value) for key, value in item.items()} for item in items)
            start = response.get("LastEvaluatedKey")
            if not start:
                return

    def recent_scans(self, limit: int = 5) -> list[ScanRecord]:
        """The newest ``limit`` scans, newest first: one Query of the ``scans_by_created`` index for
        their keys, then one BatchGetItem for the scans (read consistently)."""
        entries = self._newest_first(
            SCANS_BY_CREATED, SCANS_PARTITION, before=None, at_most=limit, page=limit
        )
        return self._get_scans([entry["pk"].removeprefix("SCAN#") for entry in entries])

    def previous_finished(self, record: ScanRecord, *, look_at: int = PREVIOUS_LOOKED_AT) -> str | None:
        """The ID of the newest FINISHED scan of the same targets created before ``record``, if any.

        Reads the ``scans_by_targets`` index newest first, and looks at ``look_at`` earlier scans at
        most; each entry carries its scan's status, so no scan item is read. The first Query reads
        one entry (the newest earlier scan has usually finished), later ones more, up to
        :data:`PREVIOUS_PAGE`: what a report reads does not grow with the scans before it. The
        status is judged here rather than by a FilterExpression: DynamoDB applies ``Limit`` before
        the filter, so the bound would count the scans passed over anyway.
        """
        entries = self._newest_first(
            SCANS_BY_TARGETS,
            targets_partition(record.targets),
            before=created_sort_key(record.created_at, record.scan_id),
            at_most=look_at,
            page=PREVIOUS_PAGE,
            first_page=1,
        )
        for entry in entries:
            if entry.get("status") == ScanStatus.FINISHED.value:
                return str(entry["pk"]).removeprefix("SCAN#")
        return None

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
            "pk": _s(scan_partition(scan_id)),
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
            track_round=int(item.get("track_round", 0) or 0),
            coverage=_coverage(item["coverage"]) if item.get("coverage") is not None else None,
        )

    def accounts(self, scan_id: str) -> list[AccountItem]:
        return [self._account(item) for item in self._query(scan_id, "ACCOUNT#")]

    def account(self, scan_id: str, account_id: str, region: str) -> AccountItem:
        raw = self._db.get_item(
            TableName=self._table,
            Key={"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))},
            ConsistentRead=True,
        ).get("Item")
        if raw is None:
            raise ScanNotFoundError(f"scan {scan_id} has no account {account_id}/{region}")
        return self._account({key: _plain(value) for key, value in raw.items()})

    def mark_discovered(
        self, scan_id: str, account_id: str, region: str, hosts: int, coverage: Coverage | None = None
    ) -> bool:
        """Record how many hosts discovery found, and add them to the scan's total; only the
        first discovery of an account counts. ``coverage`` (the running instances SSM does not
        manage, a few named) is kept on the account item in the same write.

        The total is progress, like the outcome counters: a crash between the two writes leaves
        it short (never over) until :meth:`finalize` recounts it from the account items.
        """
        values: dict[str, Any] = {":yes": {"BOOL": True}, ":n": _n(hosts)}
        if coverage is not None:
            values[":c"] = {
                "M": {
                    "running": _n(coverage.running),
                    "not_covered": _n(coverage.not_covered),
                    "named": {"L": [{"L": [_s(i), _s(name)]} for i, name in coverage.named]},
                }
            }
        if not self._update_if(
            {"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))},
            "SET discovered = :yes, hosts = :n" + (", coverage = :c" if coverage is not None else ""),
            "attribute_exists(pk) AND attribute_not_exists(discovered)",
            values,
        ):
            return False
        self._db.update_item(
            TableName=self._table,
            Key=_scan_key(scan_id),
            UpdateExpression="ADD hosts_total :n",
            ExpressionAttributeValues={":n": _n(hosts)},
        )
        return True

    def mark_dispatched(self, scan_id: str, account_id: str, region: str) -> bool:
        """``PENDING`` → ``DISPATCHED``: every host of the account has a command or an outcome."""
        return self._update_if(
            {"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))},
            "SET phase = :dispatched",
            "phase = :pending",
            {":dispatched": _s(AccountPhase.DISPATCHED.value), ":pending": _s(AccountPhase.PENDING.value)},
        )

    def claim_track_round(
        self, scan_id: str, account_id: str, region: str, round_: int, *, now: float, lease: float
    ) -> bool:
        """Only one delivery of a track round works it (and queues the next); a round whose worker
        died is taken over after ``lease`` seconds."""
        return self._update_if(
            {"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))},
            "SET track_round = :r, track_at = :now",
            "attribute_exists(pk) AND phase <> :done AND (attribute_not_exists(track_round) "
            "OR track_round < :r OR (track_round = :r AND track_at < :stale))",
            {
                ":r": _n(round_),
                ":now": _n(round(now, 3)),
                ":stale": _n(round(now - lease, 3)),
                ":done": _s(AccountPhase.DONE.value),
            },
        )

    def finish_account(
        self, scan_id: str, account_id: str, region: str, unreachable_reason: str | None = None
    ) -> bool:
        """Close an account (once): bumps the scan's ``accounts_done``; unreachable counts one outcome."""
        sets = ["phase = :done"]
        values: dict[str, Any] = {":done": _s(AccountPhase.DONE.value)}
        if unreachable_reason is not None:
            sets += ["outcome = :o", "reason = :r"]
            values[":o"] = _s(HostOutcome.ACCOUNT_UNREACHABLE.value)
            values[":r"] = _s(unreachable_reason)
        key = {"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))}
        if not self._update_if(
            key, "SET " + ", ".join(sets), "attribute_exists(pk) AND phase <> :done", values
        ):
            return False
        counts = {HostOutcome.ACCOUNT_UNREACHABLE: 1} if unreachable_reason is not None else {}
        self._add_counts(scan_id, counts, accounts_done=1)
        return True

    # -- hosts ---------------------------------------------------------------------------------

    def put_host(self, scan_id: str, account_id: str, region: str, host: Host) -> bool:
        """Create a host item in ``PENDING``; False when it already exists (a re-delivered job)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=self._host_item(scan_id, account_id, region, host),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def _host_item(
        self, scan_id: str, account_id: str, region: str, host: Host, skip: HostResult | None = None
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": _s(scan_partition(scan_id)),
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
        if skip is not None:
            item["skip"] = _s(skip.model_dump_json())
        return item

    def put_hosts(
        self, scan_id: str, account_id: str, region: str, hosts: Sequence[tuple[Host, HostResult | None]]
    ) -> list[HostItem]:
        """Create host items in ``PENDING``, 25 to a BatchWriteItem, and return them as written; a
        host discovery skipped carries its outcome-to-be (``skip``), so it is never sent a command.

        Only for the holder of the account's dispatch lease before the account is marked
        discovered: nothing has been sent to these hosts yet, so writing them whole is safe.
        """
        items = [self._host_item(scan_id, account_id, region, h, skip) for h, skip in hosts]
        self._batch_put(items, what=f"{account_id} hosts")
        return [self._host({key: _plain(value) for key, value in item.items()}) for item in items]

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
            deadline=item.get("deadline"),
            outcome=HostOutcome(item["outcome"]) if item.get("outcome") else None,
            detail=OutcomeDetail.model_validate_json(item["detail"]) if item.get("detail") else None,
            skip=HostResult.model_validate_json(item["skip"]) if item.get("skip") else None,
        )

    def hosts(self, scan_id: str, account_id: str | None = None, region: str | None = None) -> list[HostItem]:
        suffix = ""
        if account_id is not None:
            suffix += f"{account_id}#"
            if region is not None:
                suffix += f"{region}#"
        sent = self._commands(scan_id, suffix)
        return [
            self._merge(item, sent.get((item["account_id"], item["region"], item["instance_id"])))
            for item in self._query(scan_id, f"HOST#{suffix}")
        ]

    def _commands(self, scan_id: str, suffix: str) -> dict[tuple[str, str, str], tuple[str, float]]:
        """The commands recorded in the ``SENT#<suffix>…`` items: (command ID, deadline) by host."""
        return {
            (item["account_id"], item["region"], instance_id): (str(command_id), float(deadline))
            for item in self._query(scan_id, f"SENT#{suffix}")
            for instance_id, (command_id, deadline) in item["commands"].items()
        }

    def _merge(self, host: dict[str, Any], sent: tuple[str, float] | None) -> HostItem:
        if sent is not None:
            host = {**host, "command_id": sent[0], "deadline": sent[1]}
            if not host.get("outcome"):
                host["phase"] = HostPhase.SENT.value
        return self._host(host)

    def host(self, scan_id: str, account_id: str, region: str, instance_id: str) -> HostItem | None:
        """One host, its command included (read from its account's ``SENT#`` items: for the rare
        paths, such as a rejected result, not for every host)."""
        raw = self._db.get_item(
            TableName=self._table,
            Key={"pk": _s(scan_partition(scan_id)), "sk": _s(_host_sk(account_id, region, instance_id))},
            ConsistentRead=True,
        ).get("Item")
        if raw is None:
            return None
        sent = self._commands(scan_id, f"{account_id}#{region}#")
        return self._merge(
            {key: _plain(value) for key, value in raw.items()}, sent.get((account_id, region, instance_id))
        )

    def claim_dispatch(
        self, scan_id: str, account_id: str, region: str, *, owner: str, now: float, lease: float
    ) -> DispatchClaim:
        """Take the account's dispatch lease.

        Only one delivery of a dispatch job sends; another one finds the lease held and stops. A
        lease older than ``lease`` seconds (its holder died) is taken over — ``takeover`` is then
        True and the new holder first adopts commands the old one sent but did not record. The
        claim carries the account as it was when the lease was taken: nobody else changes it
        while the lease is held.
        """
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))},
                UpdateExpression="SET dispatch_owner = :me, dispatch_at = :now",
                ConditionExpression="phase = :pending AND (attribute_not_exists(dispatch_owner) OR dispatch_at < :stale)",
                ExpressionAttributeValues={
                    ":me": _s(owner),
                    ":now": _n(round(now, 3)),
                    ":stale": _n(round(now - lease, 3)),
                    ":pending": _s(AccountPhase.PENDING.value),
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return DispatchClaim(claimed=False, takeover=False, account=None)
            raise
        before = {key: _plain(value) for key, value in response.get("Attributes", {}).items()}
        return DispatchClaim(claimed=True, takeover="dispatch_owner" in before, account=self._account(before))

    def release_dispatch(self, scan_id: str, account_id: str, region: str, *, owner: str) -> None:
        """Give the lease up after a failure: the next delivery takes over (and adopts, not resends)."""
        self._update_if(
            {"pk": _s(scan_partition(scan_id)), "sk": _s(_account_sk(account_id, region))},
            "SET dispatch_at = :zero",
            "dispatch_owner = :me",
            {":zero": _n(0), ":me": _s(owner)},
        )

    def mark_sent_many(
        self, scan_id: str, account_id: str, region: str, sent: Sequence[tuple[str, str, float]]
    ) -> None:
        """Record many ``(instance_id, command_id, deadline)``: an item per :data:`SENT_PER_ITEM`
        hosts, several to a BatchWriteItem.

        For the holder of the account's dispatch lease, who sends only to hosts without a command:
        each host is in one batch only, and the items are written by nobody else, so unconditional
        puts are safe (a batch written again is the same item).
        """
        ordered = sorted(sent)
        items = []
        for start in range(0, len(ordered), SENT_PER_ITEM):
            batch = ordered[start : start + SENT_PER_ITEM]
            items.append(
                {
                    "pk": _s(scan_partition(scan_id)),
                    "sk": _s(_sent_sk(account_id, region, batch[0][0])),
                    "account_id": _s(account_id),
                    "region": _s(region),
                    "commands": {
                        "M": {
                            instance_id: {"L": [_s(command_id), _n(round(deadline, 3))]}
                            for instance_id, command_id, deadline in batch
                        }
                    },
                    "ttl": self._ttl(),
                }
            )
        self._batch_put(items, what=f"{account_id} commands")

    def _batch_put(self, items: Sequence[dict[str, Any]], *, what: str) -> None:
        """Put ``items``, 25 to a BatchWriteItem; the batches go at once, a few at a time."""
        batches = [items[start : start + BATCH] for start in range(0, len(items), BATCH)]
        if len(batches) <= 1:
            for batch in batches:
                self._put_batch(batch, what=what)
            return
        with ThreadPoolExecutor(max_workers=min(PARALLEL_BATCHES, len(batches))) as pool:
            for future in [pool.submit(self._put_batch, batch, what=what) for batch in batches]:
                future.result()

    def _put_batch(self, items: Sequence[dict[str, Any]], *, what: str) -> None:
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
        for attempt in range(8):
            response = self._db.batch_write_item(RequestItems={self._table: requests})
            requests = list(response.get("UnprocessedItems", {}).get(self._table, []))
            if not requests:
                return
            time.sleep(min(1.0, 0.05 * 2**attempt))
        raise ScanStateError(f"DynamoDB left {len(requests)} items unwritten ({what})")

    def record_outcomes(
        self, scan_id: str, account_id: str, region: str, results: Sequence[tuple[str, HostResult]]
    ) -> list[tuple[str, HostOutcome]]:
        """:meth:`record_outcome` for many hosts, with one counter update for all of them.

        Returns ``(instance_id, outcome)`` for each outcome this call wrote (none twice, ever).
        """
        written: list[tuple[str, HostOutcome]] = []
        for instance_id, result in results:
            outcome = self._set_outcome(scan_id, account_id, region, instance_id, result)
            if outcome is not None:
                written.append((instance_id, outcome))
        self._add_counts(scan_id, Counter(outcome for _, outcome in written))
        return written

    def next_event_seqs(self, scan_id: str, count: int) -> list[int]:
        """``count`` consecutive event sequence numbers in one write."""
        if count <= 0:
            return []
        response = self._db.update_item(
            TableName=self._table,
            Key=_scan_key(scan_id),
            UpdateExpression="ADD event_seq :n",
            ExpressionAttributeValues={":n": _n(count)},
            ReturnValues="UPDATED_NEW",
        )
        last = int(response["Attributes"]["event_seq"]["N"])
        return list(range(last - count + 1, last + 1))

    def record_outcome(
        self, scan_id: str, account_id: str, region: str, instance_id: str, result: HostResult
    ) -> HostOutcome | None:
        """Write the host's final outcome and count it, once. Returns the outcome written, or None.

        A result the analyzer already judged invalid turns ``SUCCEEDED`` into ``RESULT_INVALID``.
        """
        outcome = self._set_outcome(scan_id, account_id, region, instance_id, result)
        if outcome is not None:
            self._add_counts(scan_id, {outcome: 1})
        return outcome

    def _set_outcome(
        self, scan_id: str, account_id: str, region: str, instance_id: str, result: HostResult
    ) -> HostOutcome | None:
        key = {"pk": _s(scan_partition(scan_id)), "sk": _s(_host_sk(account_id, region, instance_id))}
        outcome, detail = result.outcome, result.detail
        condition = "attribute_exists(pk) AND attribute_not_exists(outcome)"
        if outcome == HostOutcome.SUCCEEDED:
            condition += " AND attribute_not_exists(result_invalid)"
        values = {
            ":done": _s(HostPhase.DONE.value),
            ":o": _s(outcome.value),
            ":d": _s(detail.model_dump_json()),
        }
        if self._update_if(key, "SET phase = :done, outcome = :o, detail = :d", condition, values):
            return outcome
        if outcome != HostOutcome.SUCCEEDED:
            return None
        # The analyzer judged this host's tar before tracking saw the command finish.
        current = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item", {})
        if "outcome" in current or "result_invalid" not in current:
            return None
        invalid = HostResult(
            outcome=HostOutcome.RESULT_INVALID,
            detail=detail.model_copy(update={"reason": current["result_invalid"]["S"]}),
        )
        return self._set_outcome(scan_id, account_id, region, instance_id, invalid)

    def mark_result_invalid(
        self, scan_id: str, account_id: str, region: str, instance_id: str, reason: str
    ) -> bool:
        """For the analyzer: a host's result tar was rejected. Moves ``SUCCEEDED`` to ``RESULT_INVALID``
        (and its count), or marks the host so tracking records ``RESULT_INVALID`` when it finishes.
        Idempotent; returns True when this call changed the outcome or the mark."""
        key = {"pk": _s(scan_partition(scan_id)), "sk": _s(_host_sk(account_id, region, instance_id))}
        detail = OutcomeDetail(status_details="Success", reason=reason)
        if self._update_if(
            key,
            "SET outcome = :bad, detail = :d, result_invalid = :r",
            "outcome = :good",
            {
                ":bad": _s(HostOutcome.RESULT_INVALID.value),
                ":good": _s(HostOutcome.SUCCEEDED.value),
                ":d": _s(detail.model_dump_json()),
                ":r": _s(reason),
            },
        ):
            self._add_counts(scan_id, {HostOutcome.RESULT_INVALID: 1, HostOutcome.SUCCEEDED: -1})
            return True
        return self._update_if(
            key,
            "SET result_invalid = :r",
            "attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(result_invalid)",
            {":r": _s(reason)},
        )

    def account_regions(self, scan_id: str, account_id: str) -> list[str]:
        """The regions in which the scan covers ``account_id`` (from its account items)."""
        return [
            str(item["region"])
            for item in self._query(scan_id, f"ACCOUNT#{account_id}#", attributes=("region",))
        ]

    def claim_finalize(self, scan_id: str, *, owner: str, now: float, lease: float) -> bool:
        """Take the scan's finalize claim, so that one of the finalize jobs racing at the scan's end
        recounts it and the others stop. A claim older than ``lease`` seconds (its holder died) is
        taken over. The claim saves work only: :meth:`finalize` closes the scan once either way.
        """
        return self._update_if(
            _scan_key(scan_id),
            "SET finalize_owner = :me, finalize_at = :now",
            "attribute_exists(pk) AND (attribute_not_exists(finalize_owner) OR finalize_at < :stale)",
            {":me": _s(owner), ":now": _n(round(now, 3)), ":stale": _n(round(now - lease, 3))},
        )

    def release_finalize(self, scan_id: str, *, owner: str) -> None:
        """Give the finalize claim up after a failure, so the job's next delivery can take it."""
        self._update_if(
            _scan_key(scan_id),
            "REMOVE finalize_owner, finalize_at",
            "finalize_owner = :me",
            {":me": _s(owner)},
        )

    def finalize(
        self, scan_id: str, allowed: tuple[ScanStatus, ...], to: ScanStatus, finished_at: str
    ) -> FinalTally | None:
        """Close the scan once, with its counters recounted from the host and account items, and
        draw the sequence number of its ``scan.finished`` (``finished_seq``).

        Returns the items it counted, or None when the scan's status was not in ``allowed``.
        """
        host_outcomes = (
            (item["account_id"], HostOutcome(item["outcome"]))
            for item in self._query(scan_id, "HOST#", attributes=("account_id", "outcome"))
            if item.get("outcome")
        )
        tally = FinalTally(tuple(self.accounts(scan_id)), tuple(host_outcomes))
        counts = tally.counts()
        accounts_done = sum(1 for a in tally.accounts if a.phase == AccountPhase.DONE)
        hosts_total = sum(a.hosts for a in tally.accounts if a.discovered)
        names = {"#fin": "finished_at"}
        values: dict[str, Any] = {
            ":fin": _s(finished_at),
            ":ad": _n(accounts_done),
            ":ht": _n(hosts_total),
            ":zero": _n(0),
            ":one": _n(1),
        }
        # The scan.finished event's number is drawn with the close, so every delivery that
        # announces the closed scan announces it under the same number.
        seq = "if_not_exists(event_seq, :zero) + :one"
        sets = [
            "#fin = :fin",
            "accounts_done = :ad",
            "hosts_total = :ht",
            f"finished_seq = {seq}",
            f"event_seq = {seq}",
        ]
        for index, outcome in enumerate(HostOutcome):
            names[f"#c{index}"] = _count_attr(outcome)
            values[f":c{index}"] = _n(counts.get(outcome, 0))
            sets.append(f"#c{index} = :c{index}")
        update = self._status_update(scan_id, allowed, to, sets, names, values)
        return tally if self._try_update(update) else None

    # -- the report of a closed scan -----------------------------------------------------------

    def claim_report(self, scan_id: str, round_: int, *, now: float, lease: float) -> ReportClaim | None:
        """Take round ``round_`` of the closed scan's report (waiting for the analyzer, then
        publishing and announcing), so one delivery works each round; a round whose worker died is
        taken over after ``lease`` seconds. None when the scan is not closed, its report is already
        published, or the round is taken (or a later one)."""
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=_scan_key(scan_id),
                UpdateExpression="SET report_round = :r, report_at = :now",
                ConditionExpression=(
                    "attribute_exists(finished_seq) AND attribute_not_exists(report_published) AND "
                    "(attribute_not_exists(report_round) OR report_round < :r "
                    "OR (report_round = :r AND report_at < :stale))"
                ),
                ExpressionAttributeValues={
                    ":r": _n(round_),
                    ":now": _n(round(now, 3)),
                    ":stale": _n(round(now - lease, 3)),
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return None
            raise
        item = {key: _plain(value) for key, value in response["Attributes"].items()}
        return ReportClaim(scan=_record(item), finished_seq=int(item["finished_seq"]))

    def release_report(self, scan_id: str, round_: int) -> None:
        """Give round ``round_`` up after a failure, so the job's next delivery takes it at once."""
        self._update_if(
            _scan_key(scan_id),
            "SET report_at = :zero",
            "report_round = :r",
            {":zero": _n(0), ":r": _n(round_)},
        )

    def mark_report_published(self, scan_id: str, at: datetime) -> bool:
        """Record that the report is published and ``scan.finished`` sent: later finalize deliveries
        stop. False when it was already recorded."""
        return self._update_if(
            _scan_key(scan_id),
            "SET report_published = :at",
            "attribute_exists(finished_seq) AND attribute_not_exists(report_published)",
            {":at": _s(at.isoformat())},
        )
