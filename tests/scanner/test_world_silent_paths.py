"""No silent error path, on the local world: a refused tracking call, an account that cannot be
entered again, a failed ListCommands while adopting, and hybrid (``mi-``) nodes.

GIVEN synthetic hosts whose runs hang (no result would come before the deadline), THEN
- tracking refused (``AccessDeniedException``) gives every open host its outcome at once, with the reason;
- the account refusing to be entered again while tracking does the same;
- a ListCommands that fails while a taken-over dispatch looks for its commands fails the dispatch,
  which is delivered again: no host is sent a second command;
- a hybrid node is skipped at discovery with its own reason and sent nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from localworld.fleet import FleetSpec, HostSpec, SyntheticBehaviour
from localworld.world import World
from scanner.errors import AccountUnreachableError
from scanner.handlers import JobHandlers
from scanner.local import InProcessScanner
from scanner.outcomes import HostOutcome
from tests.scanner.world_support import deployed_world, fast_config

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

PROD_WEB, DEV_APP = "222222222222", "444444444444"
HYBRID = "mi-0123456789abcdef0"
HANG = SyntheticBehaviour(outcome="hang")
SUCCESS = SyntheticBehaviour(outcome="success")
# Far below the hosts' deadline (delivery 600 s + execution 600 s + 60 s): an outcome by then came at once.
PROMPTLY = 60.0


def _fleet() -> FleetSpec:
    hosts = [
        HostSpec(instance_id=f"i-0b{n:015x}", account_id=PROD_WEB, name=f"hang-{n}", synthetic=HANG)
        for n in range(3)
    ]
    hosts += [
        HostSpec(instance_id=f"i-0c{n:015x}", account_id=DEV_APP, name=f"ok-{n}", synthetic=SUCCESS)
        for n in range(2)
    ]
    hosts.append(
        HostSpec(
            instance_id=HYBRID,
            account_id=DEV_APP,
            name="on-prem-1",
            resource_type="ManagedInstance",
            synthetic=SUCCESS,
        )
    )
    return FleetSpec(hosts=tuple(hosts))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with deployed_world(
        fast_config(), _fleet(), tmp_path_factory.mktemp("silent"), synthetic=True
    ) as started:
        yield started


@pytest.fixture(autouse=True)
def _no_leftover_faults(world: World) -> Iterator[None]:
    yield
    world.faults.clear_one_shots()


def _scanner(world: World, table: str) -> InProcessScanner:
    return InProcessScanner(
        world.config, world.central_session(), endpoint_url=world.endpoint_url, table=table
    )


def _commands_per_host(world: World, account: str) -> Counter[str]:
    ssm: Any = world.session_for(account).client("ssm", endpoint_url=world.endpoint_url)
    sent: Counter[str] = Counter()
    for page in ssm.get_paginator("list_commands").paginate():
        for command in page["Commands"]:
            sent.update(command["InstanceIds"])
    return sent


def test_tracking_refused_gives_every_open_host_its_outcome_at_once_with_the_reason(world: World) -> None:
    world.faults.fail_next(PROD_WEB, service="ssm", action="ListCommandInvocations", kind="access_denied")
    started = time.monotonic()
    with _scanner(world, "scan-track-denied") as scanner:
        record = scanner.run(
            "account", ["prod-web"], requester="U01REQUESTER", approver="U02APPROVER", timeout=PROMPTLY
        )
        hosts = scanner.engine.hosts(record.scan_id)
    assert time.monotonic() - started < PROMPTLY
    assert record.status.value == "FINISHED"
    assert record.counts == {HostOutcome.DISPATCH_REJECTED: 3}
    assert world.faults.pending_one_shots() == 0
    for host in hosts:
        assert host.detail is not None
        assert "tracking was denied" in host.detail.reason
        assert "AccessDeniedException on ListCommandInvocations" in host.detail.reason


def test_an_account_that_cannot_be_entered_again_while_tracking_ends_its_hosts_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = JobHandlers._account_clients
    calls: list[str] = []

    def refused_after_dispatch(self: JobHandlers, scan: Any, account_id: str, region: str) -> Any:
        calls.append(account_id)
        if len(calls) > 1:  # the dispatch entered; the role's trust was removed since
            raise AccountUnreachableError(
                account_id, "AccessDenied: not authorized to perform sts:AssumeRole"
            )
        return entered(self, scan, account_id, region)

    monkeypatch.setattr(JobHandlers, "_account_clients", refused_after_dispatch)
    started = time.monotonic()
    with _scanner(world, "scan-track-unreachable") as scanner:
        record = scanner.run(
            "account", ["prod-web"], requester="U01REQUESTER", approver="U02APPROVER", timeout=PROMPTLY
        )
        hosts = scanner.engine.hosts(record.scan_id)
    assert time.monotonic() - started < PROMPTLY
    assert record.counts == {HostOutcome.DISPATCH_REJECTED: 3}
    assert record.hosts_total == 3  # hosts, not an unreachable account counted on top of them
    for host in hosts:
        assert host.detail is not None
        assert "could not be entered again to track" in host.detail.reason
        assert "sts:AssumeRole" in host.detail.reason


def test_a_failed_list_while_adopting_fails_the_dispatch_instead_of_sending_again(world: World) -> None:
    """The first delivery sends and dies before recording; the second finds ListCommands refused
    (once) and fails; the third adopts. Every host has exactly one command."""
    before = _commands_per_host(world, DEV_APP)
    scanner = _scanner(world, "scan-adopt-list-fails")
    store = scanner.runtime.store
    record_sent = store.mark_sent_many
    calls: list[str] = []

    def dies_once(scan_id: str, account_id: str, region: str, sent: Any) -> None:
        calls.append(account_id)
        if calls.count(account_id) == 1:
            world.faults.fail_next(DEV_APP, service="ssm", action="ListCommands", kind="access_denied")
            raise RuntimeError("the worker died after SendCommand, before recording it")
        record_sent(scan_id, account_id, region, sent)

    store.mark_sent_many = dies_once  # type: ignore[method-assign]
    try:
        record = scanner.run(
            "account", ["dev-app"], requester="U01REQUESTER", approver="U02APPROVER", timeout=PROMPTLY
        )
        hosts = {h.instance_id: h for h in scanner.engine.hosts(record.scan_id)}
    finally:
        scanner.close()
    ec2_hosts = [f"i-0c{n:015x}" for n in range(2)]
    assert world.faults.pending_one_shots() == 0  # the refused ListCommands happened
    assert _commands_per_host(world, DEV_APP) - before == Counter(ec2_hosts)
    assert all(hosts[i].command_id is not None for i in ec2_hosts)
    assert record.counts[HostOutcome.SUCCEEDED] == 2


def test_a_hybrid_node_is_skipped_at_discovery_with_its_own_reason(world: World) -> None:
    before = _commands_per_host(world, DEV_APP)
    with _scanner(world, "scan-hybrid") as scanner:
        record = scanner.run(
            "account", ["dev-app"], requester="U01REQUESTER", approver="U02APPROVER", timeout=PROMPTLY
        )
        hosts = {h.instance_id: h for h in scanner.engine.hosts(record.scan_id)}
    hybrid = hosts[HYBRID]
    assert hybrid.outcome == HostOutcome.SKIPPED_PLATFORM
    assert hybrid.detail is not None
    assert "hybrid managed node" in hybrid.detail.reason
    assert hybrid.command_id is None
    assert (_commands_per_host(world, DEV_APP) - before)[HYBRID] == 0
    assert record.counts == {HostOutcome.SUCCEEDED: 2, HostOutcome.SKIPPED_PLATFORM: 1}
    assert record.hosts_total == 3
