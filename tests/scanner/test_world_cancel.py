"""Cancelling a running scan on the local world: CancelCommand for every command in flight."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from localworld.fleet import FleetSpec, HostSpec, SyntheticBehaviour
from scanner.events import ScanFinished
from scanner.local import InProcessScanner
from scanner.models import ScanStatus
from scanner.outcomes import HostOutcome
from scanner.state import HostPhase
from tests.scanner.world_support import deployed_world, fast_config

pytestmark = [pytest.mark.slow]

PROD_WEB = "222222222222"


def test_cancelling_a_running_scan_cancels_its_commands_and_finishes_cancelled(tmp_path: Path) -> None:
    hang = SyntheticBehaviour(outcome="hang")
    fleet = FleetSpec(
        hosts=tuple(
            HostSpec(instance_id=f"i-0a{n:015x}", account_id=PROD_WEB, name=f"hang-{n}", synthetic=hang)
            for n in range(3)
        )
    )
    with (
        deployed_world(fast_config(), fleet, tmp_path, synthetic=True) as world,
        InProcessScanner(world.config, world.central_session(), endpoint_url=world.endpoint_url) as scanner,
    ):
        record = scanner.engine.create("account", ["prod-web"], "U01REQUESTER")
        scanner.request_approval(record)
        scanner.engine.start(record.scan_id, approver="U02APPROVER")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            hosts = scanner.engine.hosts(record.scan_id)
            if hosts and all(h.phase == HostPhase.SENT for h in hosts):
                break
            time.sleep(0.1)
        assert scanner.engine.cancel(record.scan_id, by="U01REQUESTER").status == ScanStatus.CANCELLING
        record = scanner.wait(record.scan_id, timeout=60)
        events = list(scanner.bus.log)
        ssm: Any = world.session_for(PROD_WEB).client("ssm", endpoint_url=world.endpoint_url)
        statuses = _invocation_statuses_once_visible(ssm, expected=3)
    assert record.status == ScanStatus.CANCELLED
    assert record.counts == {HostOutcome.CANCELLED: 3}
    assert set(statuses.values()) <= {"Cancelled", "Cancelling"}
    assert len(statuses) == 3
    final = max(events, key=lambda e: e.seq)
    assert isinstance(final, ScanFinished)
    assert final.status == "CANCELLED"


def _invocation_statuses_once_visible(ssm: Any, expected: int, timeout: float = 15.0) -> dict[str, str]:
    """Instance → invocation status, read again until ``expected`` invocations are listed.

    The scan may finish within SSM's consistency window of its last SendCommand: an invocation
    stays out of ListCommandInvocations for that long, in AWS as in the local world.
    """
    deadline = time.monotonic() + timeout
    while True:
        statuses = {
            invocation["InstanceId"]: invocation["Status"]
            for invocation in ssm.list_command_invocations()["CommandInvocations"]
        }
        if len(statuses) >= expected or time.monotonic() > deadline:
            return statuses
        time.sleep(0.1)
