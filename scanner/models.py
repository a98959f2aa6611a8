"""The scanner's shared value types: targets, hosts, the outcome detail and the scan record."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from scanner.outcomes import HostOutcome

__all__ = [
    "NOT_COVERED_NAMED",
    "NOT_COVERED_NAME_KEPT",
    "SCAN_ID",
    "AccountTarget",
    "Coverage",
    "Host",
    "HostResult",
    "OutcomeDetail",
    "ScanRecord",
    "ScanStatus",
    "ScanTargets",
    "new_scan_id",
]

# Safe in S3 keys, RoleSessionName, the working-directory pattern and Comment.
SCAN_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")


def new_scan_id(now: datetime | None = None) -> str:
    """A sortable, unique scan ID such as ``20261126T203916-3fa9c1``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AccountTarget(_Frozen):
    """One account and region to scan; ``instance_ids`` None means every managed host in it."""

    account_id: str
    alias: str
    region: str
    instance_ids: tuple[str, ...] | None = None


class ScanTargets(_Frozen):
    """What a scan covers, as the requester asked for it and as it was resolved."""

    kind: str = Field(pattern=r"^(account|host)$")
    names: tuple[str, ...]
    accounts: tuple[AccountTarget, ...] = Field(min_length=1)


class Host(_Frozen):
    """A host found by discovery, before anything is sent to it."""

    instance_id: str
    name: str | None = None
    private_ip: str | None = None
    platform_type: str | None = None
    platform_name: str | None = None
    ping_status: str | None = None


# Instances not covered that an account's item names (the rest are counted), and the characters of
# each Name tag it keeps (EC2 allows 256): the account item is rewritten on every tracking round, and
# a write costs a unit per KB, so what it keeps stays well under 1 KB.
NOT_COVERED_NAMED = 10
NOT_COVERED_NAME_KEPT = 64


class Coverage(_Frozen):
    """An account's running EC2 instances against the managed nodes SSM lists (docs/design.md,
    "Coverage"): EC2 reports ``running`` instances, of which SSM does not list ``not_covered``;
    ``named`` holds the first :data:`NOT_COVERED_NAMED` of those by instance ID, each with its
    Name tag ("" for none, at most :data:`NOT_COVERED_NAME_KEPT` characters)."""

    running: int = Field(ge=0)
    not_covered: int = Field(ge=0)
    named: tuple[tuple[str, str], ...] = ()


class OutcomeDetail(_Frozen):
    """Why a host ended as it did: the failed step, its response code and a short stderr excerpt."""

    step: str | None = None
    response_code: int | None = None
    status_details: str | None = None
    stderr_excerpt: str = ""
    reason: str = ""


class HostResult(_Frozen):
    """A host's final outcome (its result tar, once accepted, is ``scanner.results.AcceptedResult``)."""

    outcome: HostOutcome
    detail: OutcomeDetail = OutcomeDetail()


class ScanStatus(StrEnum):
    """Where a scan is in its life.

    A scan that needs no approval is CREATED, then RUNNING once started; one that needs a second
    person's approval is created AWAITING_APPROVAL and is started (RUNNING), DENIED or EXPIRED by
    the decision on its request. A running scan ends FINISHED, or CANCELLING then CANCELLED; one
    not yet started is CANCELLED at once. FINISHED, CANCELLED, DENIED and EXPIRED are final.
    """

    CREATED = "CREATED"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"


class ScanRecord(_Frozen):
    """The scan item of the state table, as callers see it."""

    scan_id: str
    requester: str
    approver: str | None = None  # who approved it, when it needed approval
    decided_by: str | None = None  # who denied it (DENIED)
    decided_at: datetime | None = None  # when it was denied, or its request expired
    targets: ScanTargets
    channel: str | None = None
    thread_ts: str | None = None
    status: ScanStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    bundle_sha256: str | None = None
    document_hash: str | None = None
    hosts_total: int = 0
    accounts_total: int = 0
    accounts_done: int = 0
    counts: dict[HostOutcome, int] = {}

    @property
    def hosts_done(self) -> int:
        return sum(self.counts.values())
