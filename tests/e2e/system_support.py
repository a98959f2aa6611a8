"""The whole system for end-to-end tests: cce_scan/examples/cce-scan.yaml with short timeouts and the demo fleet."""

from __future__ import annotations

import contextlib
import fnmatch
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from localworld.fleet import load_fleet
from localworld.slack.server import Message
from localworld.system import LocalSystem
from scanner.config import Config, load_config
from scanner.deployment import FUNCTIONS, Deployment
from scanner.permissions import Facts, Need, function_needs, member_needs

ROOT = Path(__file__).resolve().parents[2]
REQUESTER = "U01REQUESTER"
APPROVER = "U02APPROVER"
SECOND_APPROVER = "U03APPROVER"
GROUP_MEMBER = "U07GROUPMEMBER"
STRANGER = "U09STRANGER"
CHANNEL = "C01CCESCAN"  # slack.report_channel of the example config
OTHER_ALLOWED_CHANNEL = "C04SECOPS"  # in its slack.allowed_channels
PUBLIC_CHANNEL = "C09PUBLIC"  # not

T = TypeVar("T")


def fast_config(**scan: Any) -> Config:
    data = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml").model_dump()
    data["scan"].update({"delivery_timeout_seconds": 60, "execution_timeout_seconds": 120, **scan})
    data["rate_limits"].update(poll_interval_seconds=0.5)
    return Config.model_validate(data)


@contextlib.contextmanager
def running_system(tmp: Path, **scan: Any) -> Iterator[LocalSystem]:
    fleet = load_fleet(ROOT / "cce_scan" / "examples" / "fleet.yaml")
    with LocalSystem.start(
        fast_config(**scan),
        fleet,
        usergroups={"S01SECOPS": [GROUP_MEMBER]},
        base_dir=tmp,
        sweep_seconds=None,
    ) as system:
        yield system


def uncatalogued_calls(system: LocalSystem) -> list[dict[str, Any]]:
    """The functions' allowed calls that no need of the permissions catalog (scanner/permissions.py,
    what `cce-scan doctor` checks a deployment for) covers: the catalog must name every call the
    code makes."""
    world = system.world
    deployment = Deployment(config=system.config, prefix=system.names.prefix)
    facts = Facts(
        secret_arn=system.central.secret_arn,
        kms_key_arn=system.central.kms_key_arn,
        organization_id=world.accounts.organization_id,
        management_account_id=system.config.central.account_id,
    )
    needs: dict[str, tuple[Need, ...]] = {
        deployment.function(key): function_needs(deployment, facts, key) for key in FUNCTIONS
    }
    member_role = f":role/{system.config.member_role.name}"
    for account in system.config.accounts:
        needs[account.id] = member_needs(deployment, account.id, account.regions)

    def covered(call: dict[str, Any]) -> bool:
        owner = (
            str(call["role"]).split(":")[4] if str(call["role"]).endswith(member_role) else call["function"]
        )
        return any(
            call["action"] in need.actions
            and any(fnmatch.fnmatchcase(call["resource"], pattern) for pattern in need.resources)
            for need in needs.get(owner, ())
        )

    return [
        call
        for call in world.calls.entries()
        if call["function"] in needs and call["allowed"] and call.get("because") is None and not covered(call)
    ]


def wait_for(condition: Callable[[], T | None], timeout: float = 60.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def parents(system: LocalSystem) -> list[Message]:
    return [m for m in system.slack.messages if m.thread_ts is None and m.ephemeral_to is None]


def scan_id_of(parent: Message) -> str:
    """The scan a thread parent is about (its text names the scan ID)."""
    found = re.search(r"\d{8}T\d{6}-[0-9a-z]+", parent.text)
    assert found is not None, parent.text
    return found.group(0)


def request_approval(
    system: LocalSystem, requester: str, text: str = "account prod-db"
) -> tuple[Message, Message]:
    """``/cce-scan TEXT`` of targets that need approval: the new thread parent and the approval
    request with its buttons."""
    count = len(parents(system))
    system.driver.command(requester, text)
    parent = wait_for(lambda: parents(system)[count] if len(parents(system)) > count else None, what="parent")
    request = wait_for(lambda: button_message(system, parent), what="approval request")
    return parent, request


def approval_scan_id(request: Message) -> str:
    """The scan an approval request's Approve button decides."""
    for block in request.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == "cce_approve":
                return str(element["value"]).split("|")[0]
    raise AssertionError("no approve button")


def replies(system: LocalSystem, parent: Message) -> list[Message]:
    return [m for m in system.slack.thread(parent.channel, parent.ts) if m.thread_ts == parent.ts]


def button_message(system: LocalSystem, parent: Message) -> Message | None:
    for message in replies(system, parent):
        if any(block.get("type") == "actions" for block in message.blocks):
            return message
    return None
