"""Reads across scans Query the table's indexes (moto): the newest scans, and the previous scan of
the same targets. The store's client refuses a Scan, so each test also shows that none is made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from scanner.models import ScanRecord, ScanStatus, ScanTargets
from scanner.state import ScanStore
from tests.scanner.conftest import scan_record

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _scan(
    store: ScanStore,
    minute: int,
    names: tuple[str, ...] = ("a0",),
    kind: str = "account",
    status: ScanStatus = ScanStatus.CREATED,
) -> ScanRecord:
    """A scan created ``minute`` minutes after START, of ``kind`` ``names``."""
    moment = START + timedelta(minutes=minute)
    base = scan_record(f"{moment:%Y%m%dT%H%M%S}-{minute:06x}")
    targets = ScanTargets(kind=kind, names=names, accounts=base.targets.accounts)
    return store.create_scan(
        base.model_copy(update={"created_at": moment, "targets": targets, "status": status})
    )


def _close(store: ScanStore, record: ScanRecord, to: ScanStatus) -> None:
    assert store.transition(record.scan_id, (ScanStatus.CREATED,), to)


def test_the_table_refuses_a_scan_in_these_tests(dynamodb: Any) -> None:
    with pytest.raises(AssertionError, match="Scan"):
        dynamodb.scan(TableName="state")


def test_the_recent_scans_are_the_newest_first_however_they_were_written(store: ScanStore) -> None:
    minutes = [3, 0, 6, 1, 5, 2, 4]
    created = {minute: _scan(store, minute) for minute in minutes}
    _close(store, created[6], ScanStatus.FINISHED)

    recent = store.recent_scans(5)

    assert [r.scan_id for r in recent] == [created[m].scan_id for m in (6, 5, 4, 3, 2)]
    assert recent[0].status is ScanStatus.FINISHED  # the scans are read whole, as they are now
    assert store.recent_scans(0) == []


def test_the_recent_scans_are_keys_from_one_query_and_the_scans_from_one_batch_read(
    store: ScanStore, dynamodb: Any
) -> None:
    for minute in range(12):
        _scan(store, minute)
    calls: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))

    assert len(store.recent_scans(10)) == 10
    assert calls == ["Query", "BatchGetItem"]


def test_scans_dynamodb_leaves_unread_are_read_again(store: ScanStore, dynamodb: Any) -> None:
    created = [_scan(store, minute) for minute in range(3)]
    asked: list[Any] = []

    def remember(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["RequestItems"])

    def leave_all_unread_once(**_: Any) -> Any:
        if len(asked) == 1:  # the first call: nothing read, every key handed back
            return SimpleNamespace(status_code=200), {"Responses": {}, "UnprocessedKeys": asked[0]}
        return None

    dynamodb.meta.events.register("provide-client-params.dynamodb.BatchGetItem", remember)
    dynamodb.meta.events.register("before-call.dynamodb.BatchGetItem", leave_all_unread_once)
    assert [r.scan_id for r in store.recent_scans(3)] == [r.scan_id for r in reversed(created)]
    assert len(asked) == 2


def test_the_previous_scan_is_the_newest_earlier_finished_one_of_the_same_targets(store: ScanStore) -> None:
    older = _scan(store, 0, names=("a1", "a0"))
    _close(store, older, ScanStatus.FINISHED)
    previous = _scan(store, 1, names=("a0", "a1"))
    _close(store, previous, ScanStatus.FINISHED)
    cancelled = _scan(store, 2, names=("a1", "a0"))
    _close(store, cancelled, ScanStatus.CANCELLED)
    _scan(store, 3, names=("a0", "a1"))  # never finished
    _close(store, _scan(store, 4, names=("a0",)), ScanStatus.FINISHED)  # other names
    _close(store, _scan(store, 5, names=("a0", "a1"), kind="host"), ScanStatus.FINISHED)  # other kind
    this = _scan(store, 6, names=("a0", "a1"))
    _close(store, _scan(store, 7, names=("a0", "a1")), ScanStatus.FINISHED)  # a later one

    assert store.previous_finished(this) == previous.scan_id
    assert store.previous_finished(previous) == older.scan_id
    assert store.previous_finished(older) is None


def test_the_previous_scan_is_looked_for_among_a_bounded_number_of_earlier_scans(
    store: ScanStore, dynamodb: Any
) -> None:
    _close(store, _scan(store, 0), ScanStatus.FINISHED)
    for minute in range(1, 26):
        _close(store, _scan(store, minute), ScanStatus.CANCELLED)
    this = _scan(store, 26)
    limits: list[int] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: limits.append(params["Limit"])
    )

    assert store.previous_finished(this, look_at=20) is None
    assert sum(limits) == 20
    assert limits[:4] == [1, 2, 4, 8]  # one entry first, then more each Query
    limits.clear()
    assert store.previous_finished(this, look_at=30) is not None
    assert sum(limits) <= 30


def test_when_the_newest_earlier_scan_finished_one_entry_is_read_however_many_came_before(
    store: ScanStore, dynamodb: Any
) -> None:
    for minute in range(12):
        _close(store, _scan(store, minute), ScanStatus.FINISHED)
    this = _scan(store, 12)
    counted: list[int] = []
    dynamodb.meta.events.register(
        "after-call.dynamodb.Query", lambda parsed, **_: counted.append(parsed["ScannedCount"])
    )

    assert store.previous_finished(this) is not None
    assert counted == [1]


def test_denied_and_expired_scans_are_listed_with_their_decision_and_never_diffed_against(
    store: ScanStore,
) -> None:
    finished = _scan(store, 0)
    _close(store, finished, ScanStatus.FINISHED)
    denied = _scan(store, 1, status=ScanStatus.AWAITING_APPROVAL)
    assert store.decline(denied.scan_id, ScanStatus.DENIED, decided_at=START, decided_by="U02APPROVER")
    expired = _scan(store, 2, status=ScanStatus.AWAITING_APPROVAL)
    assert store.decline(expired.scan_id, ScanStatus.EXPIRED, decided_at=START)
    this = _scan(store, 3)

    assert store.previous_finished(this) == finished.scan_id
    recent = {r.scan_id: r for r in store.recent_scans(4)}
    assert (recent[denied.scan_id].status, recent[denied.scan_id].decided_by) == (
        ScanStatus.DENIED,
        "U02APPROVER",
    )
    assert (recent[expired.scan_id].status, recent[expired.scan_id].decided_at) == (ScanStatus.EXPIRED, START)
