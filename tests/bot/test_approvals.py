"""Two-person approval on DynamoDB: one decision wins, the requester cannot approve, requests expire.

The store's client refuses a Scan: the sweep finds due requests with a Query of an index."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from bot.approvals import ApprovalStatus, ApprovalStore
from localworld.dynamodb_atomic import install_atomic_items
from scanner.state import create_table
from tests.dynamodb_reads import refuse_scans

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[ApprovalStore]:
    with mock_aws():
        client = refuse_scans(boto3.client("dynamodb", region_name="ap-northeast-2"))
        create_table(client, "cce-scan")
        approvals = ApprovalStore(client, "cce-scan")
        approvals.request("scan-1", "U01REQUESTER", NOW, NOW + timedelta(minutes=60))
        undo = install_atomic_items()
        yield approvals
        undo()


def test_asking_twice_keeps_the_first_request(store: ApprovalStore) -> None:
    again = store.request("scan-1", "U09OTHER", NOW + timedelta(minutes=5), NOW + timedelta(minutes=65))
    assert again.requester == "U01REQUESTER"
    assert again.expires_at == NOW + timedelta(minutes=60)


def test_another_user_approves(store: ApprovalStore) -> None:
    decision = store.decide("scan-1", "U02APPROVER", approve=True, now=NOW + timedelta(minutes=1))
    assert decision.won
    assert decision.approval.status is ApprovalStatus.APPROVED
    assert decision.approval.decided_by == "U02APPROVER"


def test_requester_cannot_approve_their_own_scan(store: ApprovalStore) -> None:
    decision = store.decide("scan-1", "U01REQUESTER", approve=True, now=NOW)
    assert not decision.won
    assert decision.refused == "self_approval"
    assert store.get("scan-1").status is ApprovalStatus.PENDING


def test_second_click_loses_and_learns_the_first_decision(store: ApprovalStore) -> None:
    store.decide("scan-1", "U02APPROVER", approve=False, now=NOW)
    decision = store.decide("scan-1", "U03APPROVER", approve=True, now=NOW)
    assert not decision.won
    assert decision.refused == "already_decided"
    assert decision.approval.status is ApprovalStatus.DENIED
    assert decision.approval.decided_by == "U02APPROVER"


def test_simultaneous_clicks_produce_exactly_one_winner(store: ApprovalStore) -> None:
    users = [f"U{index:02d}APPROVER" for index in range(2, 10)]
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        decisions = list(pool.map(lambda user: store.decide("scan-1", user, approve=True, now=NOW), users))
    winners = [d for d in decisions if d.won]
    assert len(winners) == 1
    assert store.get("scan-1").decided_by == winners[0].approval.decided_by


def test_click_after_expiry_expires_the_request(store: ApprovalStore) -> None:
    decision = store.decide("scan-1", "U02APPROVER", approve=True, now=NOW + timedelta(minutes=61))
    assert not decision.won
    assert decision.refused == "expired"
    assert store.get("scan-1").status is ApprovalStatus.EXPIRED


def test_sweep_finds_only_requests_past_their_time(store: ApprovalStore) -> None:
    store.request("scan-2", "U01REQUESTER", NOW, NOW + timedelta(minutes=10))
    due = list(store.pending_due(NOW + timedelta(minutes=30)))
    assert [a.scan_id for a in due] == ["scan-2"]
    assert store.expire("scan-2", NOW + timedelta(minutes=30)).won
    assert not store.expire("scan-2", NOW + timedelta(minutes=31)).won


def test_the_sweep_finds_due_requests_soonest_first(store: ApprovalStore) -> None:
    store.request("scan-3", "U01REQUESTER", NOW, NOW + timedelta(minutes=20))
    store.request("scan-2", "U01REQUESTER", NOW, NOW + timedelta(minutes=10))
    due = list(store.pending_due(NOW + timedelta(minutes=20)))
    assert [(a.scan_id, a.status) for a in due] == [
        ("scan-2", ApprovalStatus.PENDING),
        ("scan-3", ApprovalStatus.PENDING),
    ]


def test_a_decided_or_expired_request_is_no_longer_due(store: ApprovalStore) -> None:
    store.request("scan-2", "U01REQUESTER", NOW, NOW + timedelta(minutes=10))
    store.request("scan-3", "U01REQUESTER", NOW, NOW + timedelta(minutes=10))
    store.decide("scan-1", "U02APPROVER", approve=False, now=NOW)
    store.decide("scan-2", "U02APPROVER", approve=True, now=NOW)
    assert store.expire("scan-3", NOW + timedelta(minutes=10)).won
    assert list(store.pending_due(NOW + timedelta(days=1))) == []


def test_a_refused_decision_keeps_the_request_due(store: ApprovalStore) -> None:
    store.decide("scan-1", "U01REQUESTER", approve=True, now=NOW)  # self-approval, refused
    assert [a.scan_id for a in store.pending_due(NOW + timedelta(minutes=60))] == ["scan-1"]
