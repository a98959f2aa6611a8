"""Two-person approval on DynamoDB: one decision wins, the requester cannot approve, requests expire,
and the request and its scan change together: approved and RUNNING, denied and DENIED, expired and
EXPIRED, or neither changed.

The scan side is the real engine on moto. The store's client refuses a Scan: the sweep finds due
requests with a Query of an index."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bot.decisions import decide, expire, refusal
from localworld.dynamodb_atomic import install_atomic_items
from scanner.approvals import ApprovalStatus, ApprovalStore
from scanner.config import load_config
from scanner.engine import ScanEngine
from scanner.events import ScanStarted
from scanner.jobs import DispatchJob, Job
from scanner.models import ScanStatus, ScanTargets
from scanner.state import ScanStore, create_table
from tests.dynamodb_reads import refuse_scans
from tests.moto_engine import MotoEngine, engine_on_moto, prod_scan

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
REGION = "ap-northeast-2"
TABLE = "cce-scan"
SCAN = "20261126T090000-000001"
REQUESTER, APPROVER, SECOND = "U01REQUESTER", "U02APPROVER", "U03APPROVER"
CONFIG = load_config(Path(__file__).resolve().parents[2] / "cce_scan" / "examples" / "cce-scan.yaml")
# The scan that goes with each state of its request.
AGREEING = {
    ApprovalStatus.PENDING: ScanStatus.AWAITING_APPROVAL,
    ApprovalStatus.APPROVED: ScanStatus.RUNNING,
    ApprovalStatus.DENIED: ScanStatus.DENIED,
    ApprovalStatus.EXPIRED: ScanStatus.EXPIRED,
}


class _NoMemberAccounts:
    """Deciding on a request never enters a member account."""

    def resolve(self, kind: str, names: Sequence[str], requester: str) -> ScanTargets:
        raise AssertionError("a decision resolved targets")

    def estimate(self, targets: ScanTargets, requester: str) -> dict[str, int | None]:
        raise AssertionError("a decision estimated hosts")


@dataclass(frozen=True)
class Given:
    """A scan of prod-db awaiting the request U01REQUESTER opened at NOW for 60 minutes."""

    approvals: ApprovalStore
    scans: ScanEngine
    moto: MotoEngine
    client: Any

    @property
    def store(self) -> ScanStore:
        return self.moto.store

    def states(self, scan_id: str = SCAN) -> tuple[ApprovalStatus, ScanStatus]:
        return self.approvals.get(scan_id).status, self.store.get_scan(scan_id).status


@pytest.fixture
def given() -> Iterator[Given]:
    with mock_aws():
        client = refuse_scans(boto3.client("dynamodb", region_name=REGION))
        create_table(client, TABLE)
        store = ScanStore(client, TABLE)
        moto = engine_on_moto(CONFIG, store, members=_NoMemberAccounts())
        approvals = moto.approvals
        store.create_scan(prod_scan(SCAN))
        approvals.request(SCAN, REQUESTER, NOW, NOW + timedelta(minutes=60))
        undo = install_atomic_items()
        yield Given(approvals, moto.engine, moto, client)
        undo()


def _awaiting(given: Given, scan_id: str, expires_in: timedelta = timedelta(minutes=60)) -> None:
    given.store.create_scan(prod_scan(scan_id))
    given.approvals.request(scan_id, REQUESTER, NOW, NOW + expires_in)


def test_asking_twice_keeps_the_first_request(given: Given) -> None:
    again = given.approvals.request(SCAN, "U09OTHER", NOW + timedelta(minutes=5), NOW + timedelta(minutes=65))
    assert again.requester == REQUESTER
    assert again.expires_at == NOW + timedelta(minutes=60)


def test_an_approval_starts_the_scan_with_the_approver_in_the_same_write(given: Given) -> None:
    decision = decide(
        given.approvals, given.scans, SCAN, APPROVER, approve=True, now=NOW + timedelta(minutes=1)
    )
    scan = given.store.get_scan(SCAN)
    assert decision.won
    assert decision.approval.status is ApprovalStatus.APPROVED
    assert decision.approval.decided_by == APPROVER
    assert (scan.status, scan.approver) == (ScanStatus.RUNNING, APPROVER)
    assert scan.started_at is not None
    assert given.moto.jobs.submitted == [DispatchJob(scan_id=SCAN, account_id="333333333333", region=REGION)]
    assert [type(e) for e in given.moto.bus.log] == [ScanStarted]


def test_an_approval_whose_jobs_could_not_be_queued_queues_them_again(
    given: Given, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit = given.moto.jobs.submit
    failures = iter([ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "SendMessage")])

    def flaky(job: Job, delay_seconds: float = 0.0) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        submit(job, delay_seconds)

    monkeypatch.setattr(given.moto.jobs, "submit", flaky)
    monkeypatch.setattr("bot.starting.time.sleep", lambda seconds: None)
    decision = decide(
        given.approvals, given.scans, SCAN, APPROVER, approve=True, now=NOW + timedelta(minutes=1)
    )
    assert decision.won
    assert given.states() == (ApprovalStatus.APPROVED, ScanStatus.RUNNING)
    assert given.moto.jobs.submitted == [DispatchJob(scan_id=SCAN, account_id="333333333333", region=REGION)]


def test_a_denial_closes_the_scan_as_denied_by_whom_and_when(given: Given) -> None:
    decision = decide(
        given.approvals, given.scans, SCAN, APPROVER, approve=False, now=NOW + timedelta(minutes=2)
    )
    scan = given.store.get_scan(SCAN)
    assert decision.won
    assert given.states() == (ApprovalStatus.DENIED, ScanStatus.DENIED)
    assert (scan.decided_by, scan.decided_at) == (APPROVER, NOW + timedelta(minutes=2))
    assert scan.started_at is None
    assert given.moto.jobs.submitted == []


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "deny"])
def test_requester_cannot_decide_on_their_own_scan(given: Given, approve: bool) -> None:
    decision = decide(given.approvals, given.scans, SCAN, REQUESTER, approve=approve, now=NOW)
    assert not decision.won
    assert decision.refused == "self_approval"
    assert given.states() == (ApprovalStatus.PENDING, ScanStatus.AWAITING_APPROVAL)


def test_second_click_loses_and_learns_the_first_decision(given: Given) -> None:
    decide(given.approvals, given.scans, SCAN, APPROVER, approve=False, now=NOW)
    decision = decide(given.approvals, given.scans, SCAN, SECOND, approve=True, now=NOW)
    assert not decision.won
    assert decision.refused == "already_decided"
    assert decision.approval.decided_by == APPROVER
    assert given.states() == (ApprovalStatus.DENIED, ScanStatus.DENIED)
    assert given.moto.jobs.submitted == []


def test_simultaneous_clicks_produce_exactly_one_winner_and_the_scan_follows_it(given: Given) -> None:
    clicks = [(f"U{index:02d}APPROVER", index % 2 == 0) for index in range(2, 10)]
    with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
        decisions = list(
            pool.map(
                lambda c: decide(given.approvals, given.scans, SCAN, c[0], approve=c[1], now=NOW), clicks
            )
        )
    winners = [d for d in decisions if d.won]
    assert len(winners) == 1
    assert {d.refused for d in decisions if not d.won} == {"already_decided"}
    approval, scan = given.states()
    assert given.approvals.get(SCAN).decided_by == winners[0].approval.decided_by
    assert scan is AGREEING[approval]


def test_a_click_after_expiry_expires_the_request_and_the_scan(given: Given) -> None:
    late = NOW + timedelta(minutes=61)
    decision = decide(given.approvals, given.scans, SCAN, APPROVER, approve=True, now=late)
    assert not decision.won
    assert decision.refused == "expired"
    assert given.states() == (ApprovalStatus.EXPIRED, ScanStatus.EXPIRED)
    assert given.store.get_scan(SCAN).decided_at == late
    assert given.moto.jobs.submitted == []


@pytest.mark.parametrize("crash_at", [1, 2, 3])
@pytest.mark.parametrize("action", ["approve", "deny", "expire"])
def test_a_crash_at_any_write_leaves_the_request_and_the_scan_agreeing(
    given: Given, action: str, crash_at: int
) -> None:
    writes = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
    seen: list[str] = []

    def crash(model: Any, **_: Any) -> None:
        if model.name in writes:
            seen.append(model.name)
            if len(seen) == crash_at:
                raise ConnectionError(f"the function died at write {crash_at} ({model.name})")

    given.client.meta.events.register("before-call.dynamodb", crash)
    with pytest.raises(ConnectionError) if crash_at <= _writes_of(action) else contextlib.nullcontext():
        if action == "expire":
            expire(given.approvals, given.scans, SCAN, NOW + timedelta(minutes=60))
        else:
            decide(given.approvals, given.scans, SCAN, APPROVER, approve=action == "approve", now=NOW)
    given.client.meta.events.unregister("before-call.dynamodb", crash)
    approval, scan = given.states()
    assert scan is AGREEING[approval]


def _writes_of(action: str) -> int:
    """The writes an uninterrupted action makes: an approval also records the scan's accounts
    before and takes an event number after; denial and expiry are one transaction."""
    return 3 if action == "approve" else 1


def test_the_sweep_expires_the_request_and_its_scan_together_once(given: Given) -> None:
    _awaiting(given, "20261126T090000-000002", expires_in=timedelta(minutes=10))
    due = list(given.approvals.pending_due(NOW + timedelta(minutes=30)))
    assert [a.scan_id for a in due] == ["20261126T090000-000002"]
    assert expire(given.approvals, given.scans, "20261126T090000-000002", NOW + timedelta(minutes=30)).won
    assert not expire(given.approvals, given.scans, "20261126T090000-000002", NOW + timedelta(minutes=31)).won
    assert given.states("20261126T090000-000002") == (ApprovalStatus.EXPIRED, ScanStatus.EXPIRED)
    assert given.store.get_scan("20261126T090000-000002").decided_at == NOW + timedelta(minutes=30)


def test_a_request_not_yet_due_is_not_expired(given: Given) -> None:
    assert not expire(given.approvals, given.scans, SCAN, NOW + timedelta(minutes=59)).won
    assert given.states() == (ApprovalStatus.PENDING, ScanStatus.AWAITING_APPROVAL)


def test_the_request_of_a_cancelled_scan_expires_alone_and_the_scan_stays_cancelled(given: Given) -> None:
    assert given.moto.engine.cancel(SCAN, by=REQUESTER).status is ScanStatus.CANCELLED
    assert expire(given.approvals, given.scans, SCAN, NOW + timedelta(minutes=60)).won
    assert given.states() == (ApprovalStatus.EXPIRED, ScanStatus.CANCELLED)
    assert list(given.approvals.pending_due(NOW + timedelta(days=1))) == []


def test_a_click_on_the_request_of_a_cancelled_scan_is_told_the_scan_is_closed(given: Given) -> None:
    given.moto.engine.cancel(SCAN, by=REQUESTER)
    decision = decide(given.approvals, given.scans, SCAN, APPROVER, approve=True, now=NOW)
    assert not decision.won
    assert decision.refused == "scan_closed"
    assert given.states() == (ApprovalStatus.PENDING, ScanStatus.CANCELLED)
    assert given.moto.jobs.submitted == []


def test_a_request_opened_while_scans_waited_in_created_is_decided_with_its_scan(given: Given) -> None:
    older = "20261126T080000-000009"
    given.store.create_scan(prod_scan(older, status=ScanStatus.CREATED))
    given.approvals.request(older, REQUESTER, NOW, NOW + timedelta(minutes=60))
    assert decide(given.approvals, given.scans, older, APPROVER, approve=False, now=NOW).won
    assert given.states(older) == (ApprovalStatus.DENIED, ScanStatus.DENIED)


def test_the_sweep_finds_due_requests_soonest_first(given: Given) -> None:
    _awaiting(given, "20261126T090000-000003", expires_in=timedelta(minutes=20))
    _awaiting(given, "20261126T090000-000002", expires_in=timedelta(minutes=10))
    due = list(given.approvals.pending_due(NOW + timedelta(minutes=20)))
    assert [(a.scan_id, a.status) for a in due] == [
        ("20261126T090000-000002", ApprovalStatus.PENDING),
        ("20261126T090000-000003", ApprovalStatus.PENDING),
    ]


def test_a_decided_or_expired_request_is_no_longer_due(given: Given) -> None:
    _awaiting(given, "20261126T090000-000002", expires_in=timedelta(minutes=10))
    _awaiting(given, "20261126T090000-000003", expires_in=timedelta(minutes=10))
    decide(given.approvals, given.scans, SCAN, APPROVER, approve=False, now=NOW)
    decide(given.approvals, given.scans, "20261126T090000-000002", APPROVER, approve=True, now=NOW)
    assert expire(given.approvals, given.scans, "20261126T090000-000003", NOW + timedelta(minutes=10)).won
    assert list(given.approvals.pending_due(NOW + timedelta(days=1))) == []


def test_a_refused_decision_keeps_the_request_due(given: Given) -> None:
    decide(given.approvals, given.scans, SCAN, REQUESTER, approve=True, now=NOW)  # self-approval, refused
    assert [a.scan_id for a in given.approvals.pending_due(NOW + timedelta(minutes=60))] == [SCAN]


def test_the_refusal_is_read_from_the_request_first_then_the_clicker_then_the_time(given: Given) -> None:
    pending = given.approvals.get(SCAN)
    at_expiry = pending.expires_at
    assert refusal(pending, APPROVER, NOW) is None
    assert refusal(pending, REQUESTER, NOW) == "self_approval"
    assert refusal(pending, APPROVER, at_expiry) == "expired"
    denied = pending.model_copy(update={"status": ApprovalStatus.DENIED})
    assert refusal(denied, REQUESTER, at_expiry) == "already_decided"
    expired = pending.model_copy(update={"status": ApprovalStatus.EXPIRED})
    assert refusal(expired, APPROVER, NOW) == "expired"
