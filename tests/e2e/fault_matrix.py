"""The fault matrix: one fault at one boundary a scan crosses, then the whole scan, and what must
hold whatever failed — the scan ends, ``reports/<scan>/`` is written once, the thread gets exactly
one final report with its files, and no host gets a second command.

The boundaries are :data:`localworld.fault_plan.RUNNING_SCAN_BOUNDARIES` (what ``cce-scan local
--faults`` draws from); the scans target the dev-app account of the demo fleet (two of its hosts,
which run the bundle for real; no approval needed).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localworld.fault_plan import Boundary, arm
from localworld.fleet import FleetSpec, load_fleet
from localworld.slack.server import Message
from localworld.system import LocalSystem
from scanner.models import ScanStatus
from scanner.state import ScanStore
from tests.e2e.system_support import CHANNEL, REQUESTER, ROOT, fast_config, parents, replies, wait_for

ACCOUNT = "444444444444"  # dev-app
REPORT_FILES = ("csv", "ocsf.jsonl", "xlsx")


def matrix_fleet() -> FleetSpec:
    """Two of dev-app's hosts: enough to see a second command, light enough for many scans."""
    fleet = load_fleet(ROOT / "cce_scan" / "examples" / "fleet.yaml")
    return FleetSpec(hosts=tuple(host for host in fleet.hosts if host.account_id == ACCOUNT)[:2])


@contextlib.contextmanager
def matrix_system(base: Path) -> Iterator[LocalSystem]:
    with LocalSystem.start(fast_config(), matrix_fleet(), base_dir=base, sweep_seconds=None) as system:
        yield system


@dataclass
class Outcome:
    """What one scan under one fault left behind."""

    scan_id: str
    status: ScanStatus
    fired: list[str]
    broadcasts: list[Message]
    thread_files: list[str]
    report_keys: set[str]
    report_writes: int
    commands_per_host: dict[str, int] = field(default_factory=dict)


def _scan_id(parent: Message) -> str:
    text = json.dumps(parent.blocks)
    marker = text.find("`20")
    return text[marker + 1 : text.index("`", marker + 1)]


def scan_under(system: LocalSystem, boundary: Boundary, timeout: float = 240.0) -> Outcome:
    """Scan dev-app from Slack and arm ``boundary`` once the scan has its thread (a failure before
    that is the requester's to hear: tests/e2e/test_slack_commands.py), wait for the report and
    for the system to rest."""
    fired: list[str] = []
    before = len(parents(system))
    system.driver.command(REQUESTER, "account dev-app", channel=CHANNEL)
    parent = wait_for(
        lambda: parents(system)[before] if len(parents(system)) > before else None, 60, "parent"
    )
    arm(system, [boundary], fired.append)
    scan_id = _scan_id(parent)
    wait_for(lambda: [m for m in replies(system, parent) if m.reply_broadcast], timeout, "the final report")
    system.settle(timeout=timeout)
    system.world.faults.clear_one_shots()
    setup = system.world.session_for(system.config.central.account_id)
    region, endpoint = system.world.region, system.world.endpoint_url
    store = ScanStore(setup.client("dynamodb", region_name=region, endpoint_url=endpoint), system.names.table)
    s3: Any = setup.client("s3", region_name=region, endpoint_url=endpoint)
    listed = s3.list_objects_v2(Bucket=system.config.results_bucket, Prefix=f"reports/{scan_id}/")
    summary = f"arn:aws:s3:::{system.config.results_bucket}/reports/{scan_id}/summary.json"
    writes = [
        call
        for call in system.world.calls.entries()
        if call["action"] == "s3:PutObject" and call["resource"] == summary and call["allowed"]
    ]
    return Outcome(
        scan_id=scan_id,
        status=store.get_scan(scan_id).status,
        fired=fired,
        broadcasts=[m for m in replies(system, parent) if m.reply_broadcast],
        thread_files=sorted(
            f.filename for f in system.slack.files.values() if f.thread_ts == parent.ts and f.shared
        ),
        report_keys={item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", [])},
        report_writes=len(writes),
        commands_per_host=_commands_per_host(system, scan_id),
    )


def _commands_per_host(system: LocalSystem, scan_id: str) -> dict[str, int]:
    member = system.world.session_for(ACCOUNT)
    ssm: Any = member.client("ssm", region_name=system.world.region, endpoint_url=system.world.endpoint_url)
    counts: dict[str, int] = {}
    for page in ssm.get_paginator("list_commands").paginate():
        for command in page["Commands"]:
            if command.get("Comment") == f"cce-scan {scan_id}":
                for instance in command.get("InstanceIds", []):
                    counts[instance] = counts.get(instance, 0) + 1
    return counts


def survives(system: LocalSystem, boundary: Boundary) -> None:
    """The fault at ``boundary`` during a whole scan, and what must hold whatever failed."""
    assert_survived(scan_under(system, boundary), boundary)


def assert_survived(outcome: Outcome, boundary: Boundary) -> None:
    """What must hold whatever failed (see the module docstring)."""
    assert outcome.fired, f"the fault at {boundary.name} never fired: the scan did not cross it"
    assert outcome.status is ScanStatus.FINISHED
    assert len(outcome.broadcasts) == 1, [m.text for m in outcome.broadcasts]
    assert outcome.thread_files == sorted(f"cce-{outcome.scan_id}.{kind}" for kind in REPORT_FILES)
    assert {"summary.json"} <= outcome.report_keys
    assert outcome.report_writes == 1
    assert outcome.commands_per_host
    assert set(outcome.commands_per_host.values()) == {1}, outcome.commands_per_host
