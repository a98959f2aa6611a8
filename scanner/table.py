"""The two tables' shapes: their keys, their global secondary indexes, :func:`create_table` (the
scan state) and :func:`create_approvals_table` (the approval requests and decisions).

Terraform declares the tables (``terraform/modules/central/dynamodb.tf``); the local world and
the tests create them here, and ``tests/terraform`` checks that the two declare the same indexes.

Approvals have a table of their own so that IAM can tell them apart: every function writes scan
state, but only the bot may write an approval, the worker may only read one (dispatch checks it),
and the analyzer, which parses what hosts upload, cannot reach the table at all. In one table
they would share the scan's partition with its host items, which ``dynamodb:LeadingKeys`` cannot
separate.

No read of either table grows with it: every read is a GetItem, a BatchGetItem or a Query of one
key range, and no role may Scan them. Three reads are not of one scan's items, and each has an
index of its own:

``scans_by_created``
    The newest scans (``/cce-scan status`` without an ID). Every scan item carries
    ``scans_pk = "SCANS"`` and ``created_sk`` = its creation time (UTC, fixed width, so that the
    text sorts as the time does) and ID; a Query reads it newest first with a ``Limit``. One
    partition holds every scan: a few are created an hour, far below what a partition takes.
    KEYS_ONLY: the scan item changes with every counted outcome, and a projected copy would be
    written again each time; the few scans listed are then read whole with one BatchGetItem.
``scans_by_targets``
    The previous scan of the same targets (the report's diff). ``targets_pk`` names the targets
    as they were asked for (kind and sorted names, hashed: :func:`targets_partition`), sorted by
    the same ``created_sk``. INCLUDE ``status``: the reader passes over scans that did not finish
    without reading them, and a scan's status changes only a few times in its life.
``pending_approvals`` (of the approvals table)
    Approval requests awaiting a decision, for the expiry sweep, by their own ``expires_at``
    (epoch seconds; the one place the expiry is kept). Sparse: an approval item carries
    ``pending_pk = "PENDING"`` from the request until the conditional update that decides or
    expires it removes it, so the index holds the open requests only; "due" is a Query of
    ``expires_at <= now``. ALL: an approval item is small and written two or three times in its
    life, so a full copy costs little and the sweep gets each due request from the one Query.

A key attribute's type binds every item of the table that has it: the scans' index attributes
have names of their own, and ``expires_at`` is a number wherever it is written.

A global secondary index is eventually consistent (a consistent read of one is refused): a scan
created a moment ago may be missing from the list, and a request decided a moment ago may still
be listed as pending; the sweep's expiry is a conditional update, which refuses it.

Items written before the indexes existed carry no index attributes and appear in none of them;
that is accepted, as every state item expires through TTL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from botocore.exceptions import ClientError

from scanner.models import ScanTargets

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        GlobalSecondaryIndexTypeDef,
        ProjectionTypeDef,
    )

__all__ = [
    "APPROVAL_INDEXES",
    "INDEXES",
    "PENDING_APPROVALS",
    "SCANS_BY_CREATED",
    "SCANS_BY_TARGETS",
    "TableIndex",
    "create_approvals_table",
    "create_table",
    "created_sort_key",
    "targets_partition",
]


@dataclass(frozen=True)
class TableIndex:
    """A global secondary index: its key attributes and what it copies of each item."""

    name: str
    partition: str  # a string attribute
    sort: str
    sort_type: Literal["S", "N"]
    projection: Literal["KEYS_ONLY", "INCLUDE", "ALL"]
    included: tuple[str, ...] = ()  # the attributes an INCLUDE projection copies


SCANS_BY_CREATED = TableIndex("scans_by_created", "scans_pk", "created_sk", "S", "KEYS_ONLY")
SCANS_BY_TARGETS = TableIndex("scans_by_targets", "targets_pk", "created_sk", "S", "INCLUDE", ("status",))
PENDING_APPROVALS = TableIndex("pending_approvals", "pending_pk", "expires_at", "N", "ALL")
INDEXES = (SCANS_BY_CREATED, SCANS_BY_TARGETS)  # the state table's
APPROVAL_INDEXES = (PENDING_APPROVALS,)  # the approvals table's


def created_sort_key(created_at: datetime, scan_id: str) -> str:
    """``created_sk``: the creation time in UTC at fixed width, then the scan ID (unique)."""
    moment = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S.%fZ}#{scan_id}"


def targets_partition(targets: ScanTargets) -> str:
    """``targets_pk``: the same for two scans asked for the same kind and names, in any order."""
    canonical = json.dumps([targets.kind, sorted(targets.names)], separators=(",", ":"))
    return "TARGETS#" + hashlib.sha256(canonical.encode()).hexdigest()


def _attribute_definitions(indexes: tuple[TableIndex, ...]) -> list[AttributeDefinitionTypeDef]:
    types: dict[str, Literal["S", "N"]] = {"pk": "S", "sk": "S"}
    for index in indexes:
        types.setdefault(index.partition, "S")
        types.setdefault(index.sort, index.sort_type)
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in types.items()]


def _global_secondary_index(index: TableIndex) -> GlobalSecondaryIndexTypeDef:
    projection: ProjectionTypeDef = {"ProjectionType": index.projection}
    if index.included:
        projection["NonKeyAttributes"] = list(index.included)
    return {
        "IndexName": index.name,
        "KeySchema": [
            {"AttributeName": index.partition, "KeyType": "HASH"},
            {"AttributeName": index.sort, "KeyType": "RANGE"},
        ],
        "Projection": projection,
    }


def create_table(client: DynamoDBClient, name: str) -> None:
    """Create the state table as Terraform does (on-demand, ``pk``/``sk`` strings, :data:`INDEXES`,
    TTL on ``ttl``); a table of that name that already exists is left as it is."""
    _create(client, name, INDEXES)


def create_approvals_table(client: DynamoDBClient, name: str) -> None:
    """Create the approvals table as Terraform does (as the state table, with
    :data:`APPROVAL_INDEXES`); a table of that name that already exists is left as it is."""
    _create(client, name, APPROVAL_INDEXES)


def _create(client: DynamoDBClient, name: str, indexes: tuple[TableIndex, ...]) -> None:
    try:
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=_attribute_definitions(indexes),
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[_global_secondary_index(index) for index in indexes],
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
