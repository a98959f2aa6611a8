"""The records behind commands and invocations, and how they look at a given emulated time.

Workers (real shells or synthetic plans) write plugin results into the records; the API reads
them through :func:`invocation_view` and :func:`command_view`, which apply the time: an entry whose
start lies in the future is still Pending, one whose end lies in the future is InProgress. That
lets a synthetic host publish its whole timeline at once and lets a test move time by hand.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

__all__ = [
    "TERMINAL_DETAILS",
    "CommandRecord",
    "InvocationRecord",
    "InvocationView",
    "PluginRecord",
    "PluginView",
    "command_view",
    "invocation_view",
    "iso",
    "max_errors_allowed",
    "truncate",
]

TRUNCATION_MARKER = "--output truncated--"
MAX_STDOUT = 24_000
MAX_STDERR = 8_000
MAX_OUTPUT = 2_500
TERMINAL_DETAILS = frozenset(
    {
        "Success",
        "Failed",
        "DeliveryTimedOut",
        "ExecutionTimedOut",
        "Cancelled",
        "Undeliverable",
        "InvalidPlatform",
        "Terminated",
    }
)
Delivery = Literal["run", "offline", "undeliverable", "invalid_platform"]


def truncate(text: str, limit: int) -> str:
    """The agent's StringPrefix: at most ``limit`` characters, ending with the marker when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


def iso(when: float) -> str:
    """A timestamp as GetCommandInvocation's string fields carry it (UTC, milliseconds, Z)."""
    return (
        datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(when * 1000) % 1000:03d}Z"
    )


@dataclass
class PluginRecord:
    """One step of one invocation, as the agent reports it once the step is over."""

    name: str
    status: str = "Pending"
    details: str = "Pending"
    response_code: int = -1
    start: float | None = None
    end: float | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def output(self) -> str:
        text = self.stdout
        if self.stderr:
            text = f"{text}\n----------ERROR-------\n{self.stderr}"
        return truncate(text, MAX_OUTPUT)


@dataclass
class InvocationRecord:
    """A command on one node."""

    command_id: str
    instance_id: str
    instance_name: str
    requested: float
    visible_at: float
    expires_after: float
    delivery: Delivery
    plugins: list[PluginRecord]
    delivered_at: float | None = None
    finished_at: float | None = None
    final_status: str = "Pending"
    final_details: str = "Pending"
    cancel: threading.Event = field(default_factory=threading.Event)

    def finish(self, when: float, status: str, details: str) -> None:
        self.finished_at = when
        self.final_status = status
        self.final_details = details


@dataclass
class CommandRecord:
    """One SendCommand call."""

    command_id: str
    account_id: str
    region: str
    document_name: str
    document_version: str
    comment: str
    parameters: dict[str, list[str]]
    instance_ids: list[str]
    requested: float
    expires_after: float
    timeout_seconds: int
    max_concurrency: str
    max_errors: str
    multi_step: bool
    step_names: tuple[str, ...]
    invocations: dict[str, InvocationRecord]
    targets: list[dict[str, object]] = field(default_factory=list)
    cancel_requested: bool = False


@dataclass(frozen=True)
class PluginView:
    name: str
    status: str
    details: str
    response_code: int
    start: float | None
    end: float | None
    stdout: str
    stderr: str
    output: str


@dataclass(frozen=True)
class InvocationView:
    record: InvocationRecord
    status: str
    details: str
    plugins: tuple[PluginView, ...]

    @property
    def terminal(self) -> bool:
        return self.details in TERMINAL_DETAILS


def _plugin_view(plugin: PluginRecord, now: float) -> PluginView:
    if plugin.start is None or now < plugin.start:
        return PluginView(plugin.name, "Pending", "Pending", -1, None, None, "", "", "")
    if plugin.end is None or now < plugin.end:
        return PluginView(plugin.name, "InProgress", "InProgress", -1, plugin.start, None, "", "", "")
    return PluginView(
        plugin.name,
        plugin.status,
        plugin.details,
        plugin.response_code,
        plugin.start,
        plugin.end,
        truncate(plugin.stdout, MAX_STDOUT),
        truncate(plugin.stderr, MAX_STDERR),
        plugin.output,
    )


def invocation_view(record: InvocationRecord, now: float) -> InvocationView:
    """The invocation as the API shows it at ``now`` (callers hold the emulator's lock)."""
    if record.finished_at is not None and record.finished_at <= now:
        status, details = record.final_status, record.final_details
    elif record.delivery == "run" and record.delivered_at is not None and record.delivered_at <= now:
        status, details = "InProgress", "InProgress"
    elif now >= record.expires_after:
        status, details = "TimedOut", "DeliveryTimedOut"
    else:
        status, details = "Pending", "Pending"
    if record.delivery != "run" or details in ("Pending", "DeliveryTimedOut"):
        plugins: tuple[PluginView, ...] = ()
    else:
        plugins = tuple(_plugin_view(p, now) for p in record.plugins)
    return InvocationView(record, status, details, plugins)


def max_errors_allowed(max_errors: str, target_count: int) -> int:
    if max_errors.endswith("%"):
        return int(target_count * int(max_errors[:-1]) / 100)
    return int(max_errors)


@dataclass(frozen=True)
class CommandView:
    status: str
    details: str
    target_count: int
    completed: int
    errors: int
    delivery_timed_out: int


def command_view(command: CommandRecord, now: float) -> CommandView:
    """Aggregate the invocations into the command's status and counts."""
    views = [invocation_view(inv, now) for inv in command.invocations.values()]
    details = [v.details for v in views]
    completed = sum(1 for v in views if v.terminal)
    errors = sum(1 for d in details if d in ("Failed", "ExecutionTimedOut"))
    dto = details.count("DeliveryTimedOut")
    total = len(views)
    if completed < total:
        if command.cancel_requested:
            status = detail = "Cancelling"
        elif any(d != "Pending" for d in details):
            status = detail = "InProgress"
        else:
            status = detail = "Pending"
    elif all(d == "Success" for d in details):
        status = detail = "Success"
    elif command.cancel_requested and "Cancelled" in details:
        status = detail = "Cancelled"
    elif len(set(details)) == 1:  # every node ended the same way: the command says so
        status, detail = views[0].status, details[0]
    elif errors > max_errors_allowed(command.max_errors, total):
        only_timeouts = "Failed" not in details
        status, detail = ("TimedOut", "ExecutionTimedOut") if only_timeouts else ("Failed", "Failed")
    else:
        status, detail = "Failed", "Incomplete"
    return CommandView(status, detail, total, completed, errors, dto)
