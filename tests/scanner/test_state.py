"""Scan state in DynamoDB (moto): conditional writes make every job safe to run twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from scanner.errors import LinkedWriteRefusedError
from scanner.models import Coverage, Host, HostResult, OutcomeDetail, ScanStatus
from scanner.outcomes import HostOutcome
from scanner.state import AccountPhase, HostPhase, ScanStore
from tests.scanner.conftest import REGION, scan_record

ACCOUNT = "222222222222"
SCAN = "20261126T000000-abcdef"


def _prepared(store: ScanStore, hosts: int = 3) -> list[str]:
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    ids = [f"i-0{n:016x}" for n in range(hosts)]
    store.put_hosts(SCAN, ACCOUNT, REGION, [(Host(instance_id=i), None) for i in ids])
    store.mark_discovered(SCAN, ACCOUNT, REGION, hosts)
    return ids


def test_create_scan_with_the_same_idempotency_key_returns_the_first_scan(store: ScanStore) -> None:
    first = store.create_scan(scan_record("20261126T000000-000001"), idempotency_key="trigger-1")
    second = store.create_scan(scan_record("20261126T000000-000002"), idempotency_key="trigger-1")
    assert second.scan_id == first.scan_id == "20261126T000000-000001"
    assert second.status == ScanStatus.CREATED


def test_an_outcome_recorded_twice_is_written_and_counted_once(store: ScanStore) -> None:
    ids = _prepared(store)
    result = HostResult(outcome=HostOutcome.SUCCEEDED, detail=OutcomeDetail(reason="ok"))
    first = store.record_outcomes(SCAN, ACCOUNT, REGION, [(ids[0], result), (ids[1], result)])
    again = store.record_outcomes(SCAN, ACCOUNT, REGION, [(ids[0], result), (ids[1], result)])
    other = store.record_outcome(SCAN, ACCOUNT, REGION, ids[0], HostResult(outcome=HostOutcome.FAILED_CHECKS))
    assert [i for i, _ in first] == ids[:2]
    assert again == []
    assert other is None
    assert store.get_scan(SCAN).counts == {HostOutcome.SUCCEEDED: 2}


def test_concurrent_outcomes_for_one_host_count_exactly_once(store: ScanStore) -> None:
    ids = _prepared(store, hosts=1)
    result = HostResult(outcome=HostOutcome.SUCCEEDED)
    with ThreadPoolExecutor(8) as pool:
        written = list(
            pool.map(lambda _: store.record_outcome(SCAN, ACCOUNT, REGION, ids[0], result), range(8))
        )
    assert written.count(HostOutcome.SUCCEEDED) == 1
    assert store.get_scan(SCAN).counts == {HostOutcome.SUCCEEDED: 1}


def test_a_discovery_recorded_twice_adds_the_accounts_hosts_to_the_total_once(store: ScanStore) -> None:
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    store.put_account(SCAN, "333333333333", "a1", REGION, None)
    assert store.get_scan(SCAN).hosts_total == 0
    assert store.mark_discovered(SCAN, ACCOUNT, REGION, 4)
    assert not store.mark_discovered(SCAN, ACCOUNT, REGION, 4)
    assert store.mark_discovered(SCAN, "333333333333", REGION, 2)
    assert store.get_scan(SCAN).hosts_total == 6
    assert store.account(SCAN, ACCOUNT, REGION).hosts == 4


def _writes(store: ScanStore) -> list[str]:
    """The DynamoDB write operations ``store`` makes from now on, in order."""
    made: list[str] = []

    def count(model: Any, **_: Any) -> None:
        if model.name in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"):
            made.append(model.name)

    store._db.meta.events.register("before-call.dynamodb", count)
    return made


def test_discovery_keeps_an_accounts_instances_ssm_does_not_manage_on_its_item_in_the_same_writes(
    store: ScanStore,
) -> None:
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    store.put_account(SCAN, "333333333333", "a1", REGION, None)
    coverage = Coverage(
        running=9, not_covered=2, named=(("i-0000000000000000a", "batch-1"), ("i-0000000000000000b", ""))
    )
    writes = _writes(store)

    assert store.mark_discovered(SCAN, ACCOUNT, REGION, 7, coverage=coverage)
    with_coverage = len(writes)
    assert store.mark_discovered(SCAN, "333333333333", REGION, 4)

    assert with_coverage == len(writes) - with_coverage == 2  # the account item and the scan's total
    assert store.account(SCAN, ACCOUNT, REGION).coverage == coverage
    assert {a.account_id: a.coverage for a in store.accounts(SCAN)} == {
        ACCOUNT: coverage,
        "333333333333": None,
    }


def test_discovery_of_an_account_not_in_the_scan_writes_nothing(store: ScanStore) -> None:
    store.create_scan(scan_record(SCAN))
    assert not store.mark_discovered(SCAN, ACCOUNT, REGION, 4)
    assert store.get_scan(SCAN).hosts_total == 0
    assert store.accounts(SCAN) == []


def test_only_one_delivery_gets_the_dispatch_lease_until_it_goes_stale(store: ScanStore) -> None:
    _prepared(store)
    first = store.claim_dispatch(SCAN, ACCOUNT, REGION, owner="a", now=1000.0, lease=900)
    assert (first.claimed, first.takeover) == (True, False)
    assert first.account is not None
    assert first.account.discovered  # as _prepared left it
    second = store.claim_dispatch(SCAN, ACCOUNT, REGION, owner="b", now=1001.0, lease=900)
    assert (second.claimed, second.takeover, second.account) == (False, False, None)
    # The holder died: after the lease, the next delivery takes over and knows it.
    late = store.claim_dispatch(SCAN, ACCOUNT, REGION, owner="c", now=2000.0, lease=900)
    assert (late.claimed, late.takeover) == (True, True)


def test_a_released_lease_is_taken_over_at_once(store: ScanStore) -> None:
    _prepared(store)
    store.claim_dispatch(SCAN, ACCOUNT, REGION, owner="a", now=1000.0, lease=900)
    store.release_dispatch(SCAN, ACCOUNT, REGION, owner="a")
    after_release = store.claim_dispatch(SCAN, ACCOUNT, REGION, owner="b", now=1001.0, lease=900)
    assert (after_release.claimed, after_release.takeover) == (True, True)


def _sent_items(dynamodb: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.query(
        TableName="state",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sent)",
        ExpressionAttributeValues={":pk": {"S": f"SCAN#{SCAN}"}, ":sent": {"S": "SENT#"}},
    )["Items"]
    return items


def test_a_batch_of_sends_is_one_item_and_each_host_reads_back_its_own_command(
    store: ScanStore, dynamodb: Any
) -> None:
    ids = _prepared(store)
    batch = [(ids[1], "d" * 36, 5001.5), (ids[0], "c" * 36, 5000.0)]
    store.mark_sent_many(SCAN, ACCOUNT, REGION, batch)
    store.mark_sent_many(SCAN, ACCOUNT, REGION, batch)  # the same batch again: the same item

    assert [item["sk"]["S"] for item in _sent_items(dynamodb)] == [f"SENT#{ACCOUNT}#{REGION}#{ids[0]}"]
    host = store.host(SCAN, ACCOUNT, REGION, ids[1])
    assert host is not None
    assert (host.phase, host.command_id, host.deadline) == (HostPhase.SENT, "d" * 36, 5001.5)
    phases = {h.instance_id: (h.phase, h.command_id) for h in store.hosts(SCAN, ACCOUNT, REGION)}
    assert phases == {
        ids[0]: (HostPhase.SENT, "c" * 36),
        ids[1]: (HostPhase.SENT, "d" * 36),
        ids[2]: (HostPhase.PENDING, None),
    }


def test_the_commands_of_many_hosts_take_an_item_per_25_and_none_is_lost(
    store: ScanStore, dynamodb: Any
) -> None:
    ids = _prepared(store, hosts=60)
    store.mark_sent_many(SCAN, ACCOUNT, REGION, [(i, f"{n:036d}", 5000.0 + n) for n, i in enumerate(ids)])

    assert len(_sent_items(dynamodb)) == 3
    commands = {h.instance_id: (h.command_id, h.deadline) for h in store.hosts(SCAN)}
    assert commands == {i: (f"{n:036d}", 5000.0 + n) for n, i in enumerate(ids)}


def test_a_track_round_is_worked_once(store: ScanStore) -> None:
    _prepared(store)
    assert store.claim_track_round(SCAN, ACCOUNT, REGION, 1, now=10.0, lease=300)
    assert not store.claim_track_round(SCAN, ACCOUNT, REGION, 1, now=11.0, lease=300)
    assert store.claim_track_round(SCAN, ACCOUNT, REGION, 2, now=12.0, lease=300)
    assert not store.claim_track_round(SCAN, ACCOUNT, REGION, 1, now=13.0, lease=300)


def test_closing_an_account_twice_counts_it_once(store: ScanStore) -> None:
    _prepared(store)
    assert store.finish_account(SCAN, ACCOUNT, REGION, unreachable_reason="AccessDenied: no")
    assert not store.finish_account(SCAN, ACCOUNT, REGION, unreachable_reason="AccessDenied: no")
    scan = store.get_scan(SCAN)
    assert scan.accounts_done == 1
    assert scan.counts == {HostOutcome.ACCOUNT_UNREACHABLE: 1}
    assert store.account(SCAN, ACCOUNT, REGION).phase == AccountPhase.DONE


def test_the_analyzer_turns_a_success_into_result_invalid_before_or_after_tracking(store: ScanStore) -> None:
    ids = _prepared(store)
    ok = HostResult(outcome=HostOutcome.SUCCEEDED)
    # After: the count moves.
    store.record_outcome(SCAN, ACCOUNT, REGION, ids[0], ok)
    assert store.mark_result_invalid(SCAN, ACCOUNT, REGION, ids[0], "path traversal")
    # Before: tracking then records RESULT_INVALID instead of SUCCEEDED.
    assert store.mark_result_invalid(SCAN, ACCOUNT, REGION, ids[1], "no summary line")
    assert store.record_outcome(SCAN, ACCOUNT, REGION, ids[1], ok) == HostOutcome.RESULT_INVALID
    assert not store.mark_result_invalid(SCAN, ACCOUNT, REGION, ids[1], "no summary line")
    assert store.get_scan(SCAN).counts == {HostOutcome.RESULT_INVALID: 2}
    host = store.host(SCAN, ACCOUNT, REGION, ids[1])
    assert host is not None
    assert host.detail is not None
    assert host.detail.reason == "no summary line"


def test_finalize_closes_once_and_recounts_from_the_items(store: ScanStore) -> None:
    ids = _prepared(store)
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    for instance_id in ids:
        store.record_outcome(SCAN, ACCOUNT, REGION, instance_id, HostResult(outcome=HostOutcome.SUCCEEDED))
    store.finish_account(SCAN, ACCOUNT, REGION)
    # A counter left short by a crash between an item write and its counter update:
    store._add_counts(SCAN, {HostOutcome.SUCCEEDED: -1})
    assert store.finalize(SCAN, (ScanStatus.RUNNING,), ScanStatus.FINISHED, "2026-11-26T00:00:00+00:00")
    assert not store.finalize(SCAN, (ScanStatus.RUNNING,), ScanStatus.FINISHED, "2026-11-26T00:00:00+00:00")
    scan = store.get_scan(SCAN)
    assert scan.status == ScanStatus.FINISHED
    assert scan.counts == {HostOutcome.SUCCEEDED: 3}
    assert scan.hosts_total == 3


def test_finalize_returns_the_items_it_counted_by_account(store: ScanStore) -> None:
    ids = _prepared(store)
    store.put_account(SCAN, "333333333333", "a1", REGION, None)
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    store.record_outcomes(
        SCAN,
        ACCOUNT,
        REGION,
        [
            (ids[0], HostResult(outcome=HostOutcome.SUCCEEDED)),
            (ids[1], HostResult(outcome=HostOutcome.SUCCEEDED)),
            (ids[2], HostResult(outcome=HostOutcome.FAILED_CHECKS)),
        ],
    )
    store.finish_account(SCAN, ACCOUNT, REGION)
    store.finish_account(SCAN, "333333333333", REGION, unreachable_reason="AccessDenied")

    tally = store.finalize(SCAN, (ScanStatus.RUNNING,), ScanStatus.FINISHED, "2026-11-26T00:00:00+00:00")

    assert tally is not None
    assert sorted(tally.hosts) == sorted(
        [(ACCOUNT, HostOutcome.SUCCEEDED)] * 2 + [(ACCOUNT, HostOutcome.FAILED_CHECKS)]
    )
    assert tally.by_account() == {
        "a0": {HostOutcome.SUCCEEDED: 2, HostOutcome.FAILED_CHECKS: 1},
        "a1": {HostOutcome.ACCOUNT_UNREACHABLE: 1},
    }
    assert store.get_scan(SCAN).counts == dict(tally.counts())


def test_the_finalize_claim_is_held_until_released_by_its_owner_or_stale(store: ScanStore) -> None:
    store.create_scan(scan_record(SCAN))
    assert store.claim_finalize(SCAN, owner="a", now=1000.0, lease=120.0)
    assert not store.claim_finalize(SCAN, owner="b", now=1100.0, lease=120.0)
    store.release_finalize(SCAN, owner="b")  # not b's to give up
    assert not store.claim_finalize(SCAN, owner="b", now=1100.0, lease=120.0)
    assert store.claim_finalize(SCAN, owner="b", now=1121.0, lease=120.0)  # a's holder died: taken over
    store.release_finalize(SCAN, owner="b")
    assert store.claim_finalize(SCAN, owner="c", now=1122.0, lease=120.0)


def test_every_item_carries_a_ttl(store: ScanStore) -> None:
    _prepared(store)
    # The store's client refuses a Scan (tests/dynamodb_reads.py); the test reads with its own.
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="state")["Items"]
    assert items
    assert all("ttl" in item for item in items)


def test_put_hosts_returns_the_host_items_exactly_as_they_read_back(store: ScanStore) -> None:
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    skipped = HostResult(outcome=HostOutcome.SKIPPED_OFFLINE, detail=OutcomeDetail(reason="ConnectionLost"))
    written = store.put_hosts(
        SCAN,
        ACCOUNT,
        REGION,
        [
            (Host(instance_id="i-0000000000000000a", name="web-01", private_ip="10.0.0.1"), None),
            (Host(instance_id="i-0000000000000000b"), skipped),
        ],
    )
    assert written == store.hosts(SCAN, ACCOUNT, REGION)
    assert [h.phase for h in written] == [HostPhase.PENDING, HostPhase.PENDING]
    assert written[1].skip == skipped


def _hosts(count: int) -> list[tuple[Host, HostResult | None]]:
    return [(Host(instance_id=f"i-0{n:016x}"), None) for n in range(count)]


def test_an_accounts_host_items_are_written_25_at_a_time_all_batches_at_once(
    store: ScanStore, dynamodb: Any
) -> None:
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    together = threading.Barrier(4, timeout=10)  # broken unless four batches are in flight at once
    sizes: list[int] = []

    def in_flight(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["RequestItems"]["state"]))
        together.wait()

    dynamodb.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", in_flight)
    store.put_hosts(SCAN, ACCOUNT, REGION, _hosts(100))
    assert sorted(sizes) == [25, 25, 25, 25]
    assert len(store.hosts(SCAN, ACCOUNT, REGION)) == 100


def test_items_dynamodb_leaves_unprocessed_are_written_again(store: ScanStore, dynamodb: Any) -> None:
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    asked: list[Any] = []

    def remember(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["RequestItems"])

    def leave_all_unprocessed_once(**_: Any) -> Any:
        if len(asked) == 1:  # the first call: nothing written, everything handed back
            return SimpleNamespace(status_code=200), {"UnprocessedItems": asked[0]}
        return None

    dynamodb.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", remember)
    dynamodb.meta.events.register("before-call.dynamodb.BatchWriteItem", leave_all_unprocessed_once)
    store.put_hosts(SCAN, ACCOUNT, REGION, _hosts(3))
    assert len(asked) == 2
    assert len(store.hosts(SCAN, ACCOUNT, REGION)) == 3


def _awaiting(store: ScanStore) -> None:
    store.create_scan(scan_record(SCAN).model_copy(update={"status": ScanStatus.AWAITING_APPROVAL}))


def _put_once(key: str) -> dict[str, Any]:
    """A write of another item, linked to a transition: it applies only where the item is not yet."""
    return {
        "Put": {
            "TableName": "state",
            "Item": {"pk": {"S": f"LINKED#{key}"}, "sk": {"S": "#"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _linked_exists(dynamodb: Any, key: str) -> bool:
    item = dynamodb.get_item(TableName="state", Key={"pk": {"S": f"LINKED#{key}"}, "sk": {"S": "#"}})
    return "Item" in item


def test_a_transition_and_its_linked_write_are_made_together(store: ScanStore, dynamodb: Any) -> None:
    _awaiting(store)
    assert store.transition(
        SCAN, (ScanStatus.AWAITING_APPROVAL,), ScanStatus.RUNNING, linked_write=_put_once("a"), approver="U02"
    )
    assert store.get_scan(SCAN).status is ScanStatus.RUNNING
    assert _linked_exists(dynamodb, "a")


def test_a_linked_write_whose_condition_fails_keeps_the_scan_where_it_was(
    store: ScanStore, dynamodb: Any
) -> None:
    _awaiting(store)
    dynamodb.put_item(TableName="state", Item={"pk": {"S": "LINKED#taken"}, "sk": {"S": "#"}})
    with pytest.raises(LinkedWriteRefusedError) as refused:
        store.transition(
            SCAN, (ScanStatus.AWAITING_APPROVAL,), ScanStatus.RUNNING, linked_write=_put_once("taken")
        )
    assert not refused.value.scan_refused
    assert store.get_scan(SCAN).status is ScanStatus.AWAITING_APPROVAL


def test_a_scan_whose_status_refuses_the_transition_keeps_its_linked_write_from_being_made(
    store: ScanStore, dynamodb: Any
) -> None:
    store.create_scan(scan_record(SCAN))  # CREATED: not awaiting approval
    assert not store.transition(
        SCAN, (ScanStatus.AWAITING_APPROVAL,), ScanStatus.RUNNING, linked_write=_put_once("b")
    )
    assert not _linked_exists(dynamodb, "b")
    dynamodb.put_item(TableName="state", Item={"pk": {"S": "LINKED#c"}, "sk": {"S": "#"}})
    with pytest.raises(LinkedWriteRefusedError) as refused:  # both conditions fail: both are told
        store.transition(
            SCAN, (ScanStatus.AWAITING_APPROVAL,), ScanStatus.RUNNING, linked_write=_put_once("c")
        )
    assert refused.value.scan_refused


def test_a_scan_awaiting_approval_is_declined_once_with_who_and_when(store: ScanStore) -> None:
    _awaiting(store)
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    assert store.decline(SCAN, ScanStatus.DENIED, decided_at=moment, decided_by="U02APPROVER")
    assert not store.decline(SCAN, ScanStatus.EXPIRED, decided_at=moment)
    scan = store.get_scan(SCAN)
    assert (scan.status, scan.decided_by, scan.decided_at) == (ScanStatus.DENIED, "U02APPROVER", moment)


def test_a_running_scan_cannot_be_declined_and_only_denied_or_expired_are_declines(store: ScanStore) -> None:
    _awaiting(store)
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="DENIED or EXPIRED"):
        store.decline(SCAN, ScanStatus.CANCELLED, decided_at=moment)
    assert store.transition(SCAN, (ScanStatus.AWAITING_APPROVAL,), ScanStatus.RUNNING)
    assert not store.decline(SCAN, ScanStatus.EXPIRED, decided_at=moment)
    assert store.get_scan(SCAN).status is ScanStatus.RUNNING


def test_a_host_is_looked_for_in_its_own_region_only(store: ScanStore) -> None:
    ids = _prepared(store)
    assert store.host(SCAN, ACCOUNT, "us-east-1", ids[1]) is None
    assert store.host(SCAN, ACCOUNT, REGION, ids[1]) is not None


def test_the_regions_of_an_account_are_those_the_scan_covers_it_in(store: ScanStore) -> None:
    _prepared(store)
    store.put_account(SCAN, ACCOUNT, "a0", "us-east-1", None)
    store.put_account(SCAN, "333333333333", "a1", REGION, None)

    assert sorted(store.account_regions(SCAN, ACCOUNT)) == [REGION, "us-east-1"]
    assert store.account_regions(SCAN, "444444444444") == []


def _closed(store: ScanStore) -> None:
    ids = _prepared(store)
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    store.record_outcomes(
        SCAN, ACCOUNT, REGION, [(i, HostResult(outcome=HostOutcome.SUCCEEDED)) for i in ids]
    )
    store.finish_account(SCAN, ACCOUNT, REGION)
    assert store.finalize(SCAN, (ScanStatus.RUNNING,), ScanStatus.FINISHED, "2026-11-26T00:00:00+00:00")


def test_closing_the_scan_draws_the_number_of_its_finished_event_once(store: ScanStore) -> None:
    _prepared(store)
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    before = store.next_event_seqs(SCAN, 3)
    assert store.claim_report(SCAN, 1, now=1000.0, lease=120.0) is None  # not closed yet
    store.finish_account(SCAN, ACCOUNT, REGION)
    store.finalize(SCAN, (ScanStatus.RUNNING,), ScanStatus.FINISHED, "2026-11-26T00:00:00+00:00")
    store.finalize(SCAN, (ScanStatus.RUNNING,), ScanStatus.FINISHED, "2026-11-26T00:00:01+00:00")

    claim = store.claim_report(SCAN, 1, now=1000.0, lease=120.0)
    assert claim is not None
    assert claim.finished_seq == before[-1] + 1
    assert claim.scan.status == ScanStatus.FINISHED
    assert claim.scan.finished_at == datetime(2026, 11, 26, tzinfo=UTC)
    assert store.next_event_seq(SCAN) == claim.finished_seq + 1  # later events come after it


def test_a_report_round_is_worked_once_until_released_or_stale_and_never_after_publication(
    store: ScanStore,
) -> None:
    _closed(store)
    claim = store.claim_report
    first = claim(SCAN, 1, now=1000.0, lease=120.0)
    assert first is not None
    assert claim(SCAN, 1, now=1010.0, lease=120.0) is None  # a copy of round 1
    store.release_report(SCAN, 1)  # round 1 failed
    assert claim(SCAN, 1, now=1011.0, lease=120.0) is not None  # its next delivery works it
    assert claim(SCAN, 2, now=1020.0, lease=120.0) is not None  # the round it queued
    assert claim(SCAN, 1, now=1030.0, lease=120.0) is None  # an earlier round, late
    store.release_report(SCAN, 1)  # not the round held: nothing is given up
    assert claim(SCAN, 2, now=1031.0, lease=120.0) is None
    assert claim(SCAN, 2, now=1141.0, lease=120.0) is not None  # round 2's worker died: taken over

    assert store.mark_report_published(SCAN, datetime(2026, 11, 26, 0, 1, tzinfo=UTC))
    assert not store.mark_report_published(SCAN, datetime(2026, 11, 26, 0, 2, tzinfo=UTC))
    assert claim(SCAN, 3, now=1200.0, lease=120.0) is None
    assert claim(SCAN, 2, now=9999.0, lease=120.0) is None
