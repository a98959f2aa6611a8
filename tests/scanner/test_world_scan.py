"""The scan engine on the local world: real hosts run the document through presigned URLs.

GIVEN 3 accounts × 5 real hosts, one account denying AssumeRole, one host offline, one host whose
URLs are expired and one whose check run crashes, THEN every host has exactly one outcome, the
totals add up, the events come in order — and delivering every job twice changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeGuard

import pytest

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec
from localworld.world import World
from scanner.dispatch import sender_threads
from scanner.errors import TargetError
from scanner.events import AccountUnreachable, HostOutcomeEvent, ScanFinished, ScanProgress, ScanStarted
from scanner.local import InProcessScanner
from scanner.metrics import MemoryMetrics
from scanner.outcomes import HostOutcome
from tests.scanner.world_support import deployed_world, fast_config, real_fleet

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

PROD_WEB, PROD_DB, DEV_APP = "222222222222", "333333333333", "444444444444"
SHARED_NAME = "bastion"


def _fleet() -> FleetSpec:
    fleet = real_fleet(fast_config(), per_account=5)
    hosts = list(fleet.hosts)
    # The offline host: its agent lost contact before the scan (DescribeInstanceInformation says so).
    offline = next(i for i, h in enumerate(hosts) if h.account_id == DEV_APP)
    hosts[offline] = hosts[offline].model_copy(update={"ping_status": "ConnectionLost"})
    # Two accounts each have a host whose Name tag is "bastion": asking for it by name is ambiguous.
    for account in (PROD_WEB, DEV_APP):
        last = max(i for i, h in enumerate(hosts) if h.account_id == account)
        hosts[last] = hosts[last].model_copy(update={"name": SHARED_NAME})
    return FleetSpec(hosts=tuple(hosts))


def _hosts_of(fleet: FleetSpec, account: str) -> list[str]:
    return [h.instance_id for h in fleet.hosts if h.account_id == account]


def _host(fleet: FleetSpec, instance_id: str) -> HostSpec:
    host = fleet.host(instance_id)
    assert host is not None, instance_id
    return host


def _all_found(hosts: list[HostSpec | None]) -> TypeGuard[list[HostSpec]]:
    return all(hosts)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    fleet = _fleet()
    faults = Faults()
    faults.set_account(PROD_DB, assume_role_denied=True)
    faults.set_host(_hosts_of(fleet, PROD_WEB)[1], expire_urls=True)
    faults.set_host(_hosts_of(fleet, PROD_WEB)[2], crash_run_step=True)
    with deployed_world(fast_config(), fleet, tmp_path_factory.mktemp("scan"), faults=faults) as started:
        yield started


def _table_items(world: World, table: str) -> int:
    dynamodb: Any = world.central_session().client("dynamodb", endpoint_url=world.endpoint_url)
    return int(dynamodb.scan(TableName=table, Select="COUNT")["Count"])


def _commands_per_host(world: World, account: str) -> Counter[str]:
    ssm: Any = world.session_for(account).client("ssm", endpoint_url=world.endpoint_url)
    sent: Counter[str] = Counter()
    for page in ssm.get_paginator("list_commands").paginate():
        for command in page["Commands"]:
            sent.update(command["InstanceIds"])
    return sent


def _scan(world: World, table: str, *, deliveries: int = 1) -> tuple[Any, list[Any], InProcessScanner]:
    scanner = InProcessScanner(
        world.config,
        world.central_session(),
        endpoint_url=world.endpoint_url,
        table=table,
        deliveries=deliveries,
    )
    record = scanner.run(
        "account",
        ["prod-web", "prod-db", "dev-app"],
        requester="U01REQUESTER",
        approver="U02APPROVER",
        timeout=240,
    )
    return record, list(scanner.bus.log), scanner


def test_scan_of_three_accounts_gives_every_host_exactly_one_outcome_in_order(world: World) -> None:
    record, events, scanner = _scan(world, "scan-once")
    try:
        hosts = {h.instance_id: h for h in scanner.engine.hosts(record.scan_id)}
    finally:
        scanner.close()
    fleet = world.fleet
    web, db, dev = (_hosts_of(fleet, a) for a in (PROD_WEB, PROD_DB, DEV_APP))

    # Every reachable host has exactly one outcome; the unreachable account is one outcome for its hosts.
    assert set(hosts) == set(web) | set(dev)
    assert all(h.outcome is not None for h in hosts.values())
    assert hosts[web[1]].outcome == HostOutcome.FAILED_DOWNLOAD
    assert hosts[web[2]].outcome == HostOutcome.FAILED_CHECKS
    failed_checks = hosts[web[2]]
    assert failed_checks.detail is not None
    assert failed_checks.detail.step == "run"
    assert hosts[dev[0]].outcome == HostOutcome.SKIPPED_OFFLINE
    succeeded = [i for i, h in hosts.items() if h.outcome == HostOutcome.SUCCEEDED]
    assert sorted(succeeded) == sorted([web[0], web[3], web[4], *dev[1:]]), {
        i: (h.outcome, h.detail) for i, h in hosts.items() if h.outcome != HostOutcome.SUCCEEDED
    }
    assert record.counts == {
        HostOutcome.SUCCEEDED: 7,
        HostOutcome.FAILED_DOWNLOAD: 1,
        HostOutcome.FAILED_CHECKS: 1,
        HostOutcome.SKIPPED_OFFLINE: 1,
        HostOutcome.ACCOUNT_UNREACHABLE: 1,
    }
    assert record.hosts_total == sum(record.counts.values()) == 11
    assert record.accounts_done == record.accounts_total == 3
    assert not set(db) & set(hosts)

    # Each succeeded host's result tar is in the bucket, under its own key.
    s3: Any = world.central_session().client("s3", endpoint_url=world.endpoint_url)
    listed = s3.list_objects_v2(Bucket=world.config.results_bucket, Prefix=f"results/{record.scan_id}/")
    keys = {item["Key"] for item in listed.get("Contents", [])}
    for instance_id in succeeded:
        account = PROD_WEB if instance_id in web else DEV_APP
        assert f"results/{record.scan_id}/{account}/{instance_id}.tar" in keys

    # Events: numbered 1..N in emission order, started first, finished last, one outcome per host.
    ordered = sorted(events, key=lambda e: e.seq)
    assert [e.seq for e in ordered] == list(range(1, len(events) + 1))
    assert isinstance(ordered[0], ScanStarted)
    assert isinstance(ordered[-1], ScanFinished)
    assert ordered[-1].counts == record.counts
    assert ordered[-1].by_account["prod-db"] == {HostOutcome.ACCOUNT_UNREACHABLE: 1}
    outcome_events = Counter(e.instance_id for e in events if isinstance(e, HostOutcomeEvent))
    assert outcome_events == Counter(list(hosts))
    # Each host is named by its EC2 Name tag, as discovery read it.
    named = {e.instance_id: e.name for e in events if isinstance(e, HostOutcomeEvent)}
    assert named == {i: fleet.host(i).name for i in hosts}  # type: ignore[union-attr]
    assert all(named.values())
    unreachable = [e for e in events if isinstance(e, AccountUnreachable)]
    assert [e.account.account_id for e in unreachable] == [PROD_DB]
    assert "AccessDenied" in unreachable[0].reason
    done = [e.done for e in ordered if isinstance(e, ScanProgress)]
    assert done == sorted(done)


def test_scan_with_every_job_delivered_twice_sends_one_command_per_host_and_counts_once(world: World) -> None:
    before = {a: _commands_per_host(world, a) for a in (PROD_WEB, DEV_APP)}
    record, events, scanner = _scan(world, "scan-twice", deliveries=2)
    scanner.close()
    for account in (PROD_WEB, DEV_APP):
        after = _commands_per_host(world, account)
        new = after - before[account]
        reachable = [
            i for i in _hosts_of(world.fleet, account) if _host(world.fleet, i).ping_status == "Online"
        ]
        assert new == Counter(reachable), f"one command per reachable host in {account}"
    assert record.hosts_total == sum(record.counts.values()) == 11
    assert record.counts[HostOutcome.SUCCEEDED] == 7, [
        (e.instance_id, e.outcome, e.detail) for e in events if isinstance(e, HostOutcomeEvent)
    ]
    assert sum(1 for e in events if isinstance(e, ScanFinished)) == 1
    assert Counter(e.instance_id for e in events if isinstance(e, HostOutcomeEvent)).most_common(1)[0][1] == 1


def test_each_dispatch_sends_to_its_hosts_at_once_from_threads_that_end_with_it(world: World) -> None:
    limits = world.config.rate_limits
    senders: dict[str, set[str]] = {}
    calls: Counter[str] = Counter()
    # The first two sends of each account wait for each other: they can only meet if the
    # account's hosts are sent to at once (the first holds its thread until the second comes).
    together = {account: threading.Barrier(2) for account in (PROD_WEB, DEV_APP)}
    lock = threading.Lock()

    def on_send(account: str, _region: str, _result: Any) -> None:
        with lock:
            senders.setdefault(account, set()).add(threading.current_thread().name)
            calls[account] += 1
            meets = calls[account] <= 2
        if meets:
            together[account].wait(timeout=30)

    with InProcessScanner(
        world.config,
        world.central_session(),
        endpoint_url=world.endpoint_url,
        table="scan-senders",
        on_send=on_send,
    ) as scanner:
        record = scanner.run(
            "account", ["prod-web", "dev-app"], requester="U01REQUESTER", approver="U02APPROVER", timeout=240
        )
        left = [t.name for t in threading.enumerate() if t.name.startswith("send-")]

    assert record.hosts_total == sum(record.counts.values()) == 10
    assert record.counts[HostOutcome.SUCCEEDED] == 7
    assert set(senders) == {PROD_WEB, DEV_APP}
    assert not any(barrier.broken for barrier in together.values())
    for account, names in senders.items():
        assert 2 <= len(names) <= sender_threads(limits.send_command_per_second), names
        assert all(name.startswith(f"send-{account}") for name in names), names
    assert left == [], "a dispatch's sender threads end with it"


def test_a_dispatch_failing_in_one_send_gives_up_its_lease_only_after_its_other_sends(
    world: World,
) -> None:
    before = _commands_per_host(world, PROD_WEB)
    timeline: list[tuple[str, float]] = []
    failed = threading.Event()
    lock = threading.Lock()

    def on_send(account: str, _region: str, _result: Any) -> None:
        if account != PROD_WEB:
            return
        with lock:
            first = not failed.is_set()
            failed.set()
        if first:
            raise RuntimeError("recording one host's command failed")
        # The other sends are still going when that one has failed: the lease waits for them.
        time.sleep(0.2)
        timeline.append(("send", time.monotonic()))

    scanner = InProcessScanner(
        world.config,
        world.central_session(),
        endpoint_url=world.endpoint_url,
        table="scan-fail",
        on_send=on_send,
    )
    store: Any = scanner.runtime.store
    release = store.release_dispatch

    def released(*args: Any, **kwargs: Any) -> None:
        timeline.append(("release", time.monotonic()))
        release(*args, **kwargs)

    store.release_dispatch = released
    with scanner:
        record = scanner.run(
            "account", ["prod-web"], requester="U01REQUESTER", approver="U02APPROVER", timeout=240
        )

    assert failed.is_set()
    kinds = [kind for kind, _ in sorted(timeline, key=lambda event: event[1])]
    assert kinds == ["send"] * 4 + ["release"], "the other four sends, then the lease given up"
    assert _commands_per_host(world, PROD_WEB) - before == Counter(_hosts_of(world.fleet, PROD_WEB))
    assert record.hosts_total == sum(record.counts.values()) == 5


def test_a_dispatch_that_dies_after_sending_is_taken_over_and_its_commands_adopted_not_resent(
    world: World,
) -> None:
    """The worker sent prod-web's commands and died before recording them: the job's next
    delivery takes the released lease over, finds the commands by their Comment and records
    them, so no host gets a second command and every host still gets its one outcome."""
    before = _commands_per_host(world, PROD_WEB)
    scanner = InProcessScanner(
        world.config, world.central_session(), endpoint_url=world.endpoint_url, table="scan-adopt"
    )
    store = scanner.runtime.store
    record_sent = store.mark_sent_many
    calls: list[str] = []

    def dies_once(scan_id: str, account_id: str, region: str, sent: Any) -> None:
        calls.append(account_id)
        if account_id == PROD_WEB and calls.count(PROD_WEB) == 1:
            raise RuntimeError("the worker died after SendCommand, before recording it")
        record_sent(scan_id, account_id, region, sent)

    store.mark_sent_many = dies_once  # type: ignore[method-assign]
    try:
        record = scanner.run(
            "account", ["prod-web"], requester="U01REQUESTER", approver="U02APPROVER", timeout=240
        )
        hosts = {h.instance_id: h for h in scanner.engine.hosts(record.scan_id)}
    finally:
        scanner.close()
    reachable = _hosts_of(world.fleet, PROD_WEB)
    assert calls.count(PROD_WEB) == 2  # the dying delivery, then the adopting one
    assert _commands_per_host(world, PROD_WEB) - before == Counter(reachable)
    assert set(hosts) == set(reachable)
    assert all(h.command_id is not None and h.outcome is not None for h in hosts.values())
    assert record.hosts_total == sum(record.counts.values()) == len(reachable)


def test_host_targets_are_found_by_instance_id_name_tag_and_private_ip(world: World) -> None:
    web = [world.fleet.host(i) for i in _hosts_of(world.fleet, PROD_WEB)]
    dev = [world.fleet.host(i) for i in _hosts_of(world.fleet, DEV_APP)]
    assert _all_found(web)
    assert _all_found(dev)
    with InProcessScanner(
        world.config, world.central_session(), endpoint_url=world.endpoint_url, table="scan-hosts"
    ) as scanner:
        record = scanner.run(
            "host",
            [web[0].instance_id, dev[2].name, dev[3].private_ip],
            requester="U01REQUESTER",
            approver="U02APPROVER",
            timeout=120,
        )
        hosts = {h.instance_id: h.outcome for h in scanner.engine.hosts(record.scan_id)}
    assert hosts == {
        web[0].instance_id: HostOutcome.SUCCEEDED,
        dev[2].instance_id: HostOutcome.SUCCEEDED,
        dev[3].instance_id: HostOutcome.SUCCEEDED,
    }
    assert {t.alias for t in record.targets.accounts} == {"prod-web", "dev-app"}


@pytest.mark.parametrize(
    ("kind", "names", "message"),
    [
        ("account", ["no-such-alias"], "unknown account 'no-such-alias'"),
        ("account", ["999999999999"], "not in the configuration"),
        ("account", [], "no account given"),
        ("host", ["i-12345"], "not a valid instance ID"),
        ("host", ["i-0fffffffffffffff0"], "was not found in any configured account"),
        ("host", ["  "], "no host given"),
    ],
)
def test_bad_targets_are_a_clear_error_and_write_nothing(
    world: World, kind: str, names: list[str], message: str
) -> None:
    table = "scan-bad"
    with (
        InProcessScanner(
            world.config, world.central_session(), endpoint_url=world.endpoint_url, table=table
        ) as scanner,
        pytest.raises(TargetError, match=message) as info,
    ):
        scanner.engine.create(kind, names, "U01REQUESTER")
    assert _table_items(world, table) == 0
    if "not found" in message:
        assert "looked in prod-web/ap-northeast-2" in str(info.value)
        assert "could not search prod-db/ap-northeast-2" in str(info.value)


def test_a_name_two_accounts_share_is_ambiguous_names_both_hosts_and_writes_nothing(world: World) -> None:
    table = "scan-ambiguous"
    bastions = [h for h in world.fleet.hosts if h.name == SHARED_NAME]
    with (
        InProcessScanner(
            world.config, world.central_session(), endpoint_url=world.endpoint_url, table=table
        ) as scanner,
        pytest.raises(TargetError, match="'bastion' is ambiguous") as info,
    ):
        scanner.engine.create("host", [SHARED_NAME], "U01REQUESTER")
    assert len(bastions) == 2
    for host, alias in zip(bastions, ("prod-web", "dev-app"), strict=True):
        assert f"{host.instance_id} (bastion) in {alias}/ap-northeast-2" in str(info.value)
    assert "Name one by its instance ID" in str(info.value)
    assert _table_items(world, table) == 0


def test_a_scan_of_only_an_unreachable_account_still_finishes(world: World, tmp_path: Path) -> None:
    with InProcessScanner(
        world.config, world.central_session(), endpoint_url=world.endpoint_url, table="scan-denied"
    ) as scanner:
        record = scanner.run(
            "account", ["prod-db"], requester="U01REQUESTER", approver="U02APPROVER", timeout=60
        )
        events = list(scanner.bus.log)
    assert record.status.value == "FINISHED"
    assert record.counts == {HostOutcome.ACCOUNT_UNREACHABLE: 1}
    assert isinstance(max(events, key=lambda e: e.seq), ScanFinished)


def test_throttled_sends_are_counted_as_throttles_of_the_operation(world: World) -> None:
    metrics = MemoryMetrics()
    world.faults.fail_next(PROD_WEB, service="ssm", action="SendCommand", kind="throttle", times=2)
    try:
        with InProcessScanner(
            world.config, world.central_session(), endpoint_url=world.endpoint_url, table="scan-throttles"
        ) as scanner:
            scanner.runtime.metrics = metrics
            record = scanner.run(
                "account", ["prod-web"], requester="U01REQUESTER", approver="U02APPROVER", timeout=240
            )
    finally:
        world.faults.clear_one_shots()

    assert HostOutcome.DISPATCH_REJECTED not in record.counts  # botocore retried both throttles
    assert metrics.counted("Throttles", operation="ssm:SendCommand") == 2
