"""``cce-scan scan`` titles its table with the scan's status, naming the decision that ended a scan
before it ran."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from cce_scan.commands.scan import outcome_table, status_text
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets

SEOUL = timezone(timedelta(hours=9))


def _scan(status: ScanStatus, **fields: object) -> ScanRecord:
    return ScanRecord(
        scan_id="20261126T090000-0000c1",
        requester="alice",
        targets=ScanTargets(
            kind="account",
            names=("prod-db",),
            accounts=(AccountTarget(account_id="333333333333", alias="prod-db", region="ap-northeast-2"),),
        ),
        status=status,
        created_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    ).model_copy(update=fields)


def test_a_denied_scan_names_who_denied_it_and_when_in_utc() -> None:
    denied = _scan(
        ScanStatus.DENIED, decided_by="U02APPROVER", decided_at=datetime(2026, 11, 26, 18, 30, tzinfo=SEOUL)
    )
    assert status_text(denied) == "DENIED by U02APPROVER at 2026-11-26 09:30 UTC"


def test_an_expired_scan_says_its_approval_request_expired() -> None:
    expired = _scan(ScanStatus.EXPIRED, decided_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    assert status_text(expired) == "EXPIRED: the approval request expired at 2026-11-26 10:00 UTC"


def test_other_statuses_are_their_names_and_title_the_table() -> None:
    assert status_text(_scan(ScanStatus.FINISHED)) == "FINISHED"
    assert status_text(_scan(ScanStatus.RUNNING, approver="U02APPROVER")) == "RUNNING"
    table = outcome_table(_scan(ScanStatus.DENIED, decided_by="U02APPROVER"), {"prod-db": Counter()})
    assert table.title == "scan 20261126T090000-0000c1: DENIED by U02APPROVER"
