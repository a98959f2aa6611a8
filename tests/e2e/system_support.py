"""The whole system for end-to-end tests: examples/cce-scan.yaml with short timeouts and the demo fleet."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from localworld.fleet import load_fleet
from localworld.slack.server import Message
from localworld.system import LocalSystem
from scanner.config import Config, load_config

ROOT = Path(__file__).resolve().parents[2]
REQUESTER = "U01REQUESTER"
APPROVER = "U02APPROVER"
SECOND_APPROVER = "U03APPROVER"
GROUP_MEMBER = "U07GROUPMEMBER"
STRANGER = "U09STRANGER"
CHANNEL = "C01CCESCAN"

T = TypeVar("T")


def fast_config(**scan: Any) -> Config:
    data = load_config(ROOT / "examples" / "cce-scan.yaml").model_dump()
    data["scan"].update({"delivery_timeout_seconds": 60, "execution_timeout_seconds": 120, **scan})
    data["rate_limits"].update(poll_interval_seconds=0.5)
    return Config.model_validate(data)


@contextlib.contextmanager
def running_system(tmp: Path, **scan: Any) -> Iterator[LocalSystem]:
    fleet = load_fleet(ROOT / "examples" / "fleet.yaml")
    with LocalSystem.start(
        fast_config(**scan),
        fleet,
        usergroups={"S01SECOPS": [GROUP_MEMBER]},
        base_dir=tmp,
        sweep_seconds=None,
    ) as system:
        yield system


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


def replies(system: LocalSystem, parent: Message) -> list[Message]:
    return [m for m in system.slack.thread(parent.channel, parent.ts) if m.thread_ts == parent.ts]


def button_message(system: LocalSystem, parent: Message) -> Message | None:
    for message in replies(system, parent):
        if any(block.get("type") == "actions" for block in message.blocks):
            return message
    return None
