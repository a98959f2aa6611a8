"""From Run Command invocations to host outcomes: pure mapping, polling, deadlines, cancel.

Each host has its own command (its upload URL is its own). A round asks
``ListCommandInvocations(CommandId, Details=True)`` per pending command while few are pending, and
sweeps the account's completed invocations since the scan started (paginated, 50 a page) when many
are. Right after SendCommand the list may be
empty for a while (the API is eventually consistent): such a host simply stays pending until its
deadline. A host past its deadline is cancelled and reported ``TIMED_OUT``. A refusal (:data:`DENIED_CODES`: the member role
may no longer read the commands) is no passing failure: :func:`poll` raises
:class:`TrackingDeniedError`, and the hosts get their outcome at once rather than at their deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.models import HostResult, OutcomeDetail
from scanner.outcomes import HostOutcome

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

__all__ = [
    "DENIED_CODES",
    "STEP_OUTCOMES",
    "Pending",
    "TrackingDeniedError",
    "cancel",
    "deadline_seconds",
    "invocation_outcome",
    "poll",
    "stderr_excerpt",
]

STEP_OUTCOMES = {
    "download": HostOutcome.FAILED_DOWNLOAD,
    "run": HostOutcome.FAILED_CHECKS,
    "upload": HostOutcome.FAILED_UPLOAD,
}
NOT_TERMINAL = frozenset({"Pending", "InProgress", "Delayed", "Cancelling"})
ERROR_MARKER = "----------ERROR-------"
EXCERPT_CHARS = 300
# Slack for the agent's last report to reach the API after a command's own expiry.
DEADLINE_GRACE_SECONDS = 60
# Above this many pending hosts, one sweep of the account beats a call per command.
SWEEP_THRESHOLD = 10


# Error codes that say the caller may not track, not that the call may succeed later.
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnrecognizedClientException"})


class TrackingDeniedError(Exception):
    """SSM refused a tracking call: the commands' results cannot be read with these credentials."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{code} on {operation}: {message}".strip())
        self.operation = operation
        self.code = code


def _denied(exc: ClientError, operation: str) -> TrackingDeniedError | None:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    return (
        TrackingDeniedError(operation, code, str(error.get("Message", ""))) if code in DENIED_CODES else None
    )


def deadline_seconds(delivery_timeout: int, execution_timeout: int) -> int:
    """How long after SendCommand a host may stay without a final status before we give up:
    waiting for delivery, then every step of the document (``execution_timeout`` is their sum)."""
    return delivery_timeout + execution_timeout + DEADLINE_GRACE_SECONDS


def stderr_excerpt(output: str, limit: int = EXCERPT_CHARS) -> str:
    """The end of a plugin's stderr (the agent appends it after its ERROR marker), at most ``limit``."""
    text = output.split(ERROR_MARKER, 1)[1] if ERROR_MARKER in output else output
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _failed_plugin(plugins: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    for plugin in plugins:
        if plugin.get("Status") in ("Failed", "TimedOut", "Cancelled"):
            return plugin
    return None


def invocation_outcome(invocation: dict[str, Any]) -> HostResult | None:
    """Pure: the host outcome for one invocation with ``Details=True``, or None while not terminal."""
    status = invocation.get("Status", "")
    details = invocation.get("StatusDetails", "")
    plugins = invocation.get("CommandPlugins", []) or []
    if status in NOT_TERMINAL and details not in ("DeliveryTimedOut", "Undeliverable", "InvalidPlatform"):
        return None
    plugin = _failed_plugin(plugins)
    detail = OutcomeDetail(
        step=plugin.get("Name") if plugin else None,
        response_code=plugin.get("ResponseCode") if plugin else None,
        status_details=details or status,
        stderr_excerpt=stderr_excerpt(plugin.get("Output", "") or "") if plugin else "",
    )

    def result(outcome: HostOutcome, reason: str) -> HostResult:
        return HostResult(outcome=outcome, detail=detail.model_copy(update={"reason": reason}))

    if status == "Success":
        return result(HostOutcome.SUCCEEDED, "all steps succeeded")
    if details == "Undeliverable":
        return result(HostOutcome.UNDELIVERABLE, "the host does not exist or its agent is not responding")
    if details == "DeliveryTimedOut":
        return result(HostOutcome.UNDELIVERABLE, "not delivered before the delivery timeout")
    if details == "InvalidPlatform":
        return result(HostOutcome.SKIPPED_PLATFORM, "the document does not match the host's platform")
    if details == "AccessDenied":
        return result(HostOutcome.DISPATCH_REJECTED, "access denied")
    if status in ("Cancelled",) or details in ("Cancelled", "Terminated"):
        return result(HostOutcome.CANCELLED, "the command was cancelled")
    if (
        details == "ExecutionTimedOut"
        or status == "TimedOut"
        or (plugin and plugin.get("Status") == "TimedOut")
    ):
        where = f"the {plugin.get('Name')} step" if plugin else "the command"
        return result(HostOutcome.TIMED_OUT, f"{where} ran past its timeout")
    if plugin is not None:
        name = str(plugin.get("Name", ""))
        outcome = STEP_OUTCOMES.get(name, HostOutcome.FAILED_CHECKS)
        return result(outcome, f"step {name} failed with code {plugin.get('ResponseCode')}")
    return result(HostOutcome.FAILED_CHECKS, f"the command ended {status} ({details}) without a failed step")


@dataclass(frozen=True)
class Pending:
    """A host with a command in flight."""

    instance_id: str
    command_id: str
    deadline: float  # epoch seconds


def _invocations(ssm: SSMClient, command_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    paginator = ssm.get_paginator("list_command_invocations")
    for page in paginator.paginate(CommandId=command_id, Details=True, PaginationConfig={"PageSize": 50}):
        found.extend(dict(item) for item in page.get("CommandInvocations", []))
    return found


def _sweep(ssm: SSMClient, since: datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Every completed invocation in the account since ``since``, 50 a page, by (command, instance)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    paginator = ssm.get_paginator("list_command_invocations")
    filters = [
        {"key": "InvokedAfter", "value": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        {"key": "ExecutionStage", "value": "Complete"},
    ]
    for page in paginator.paginate(Filters=filters, Details=True, PaginationConfig={"PageSize": 50}):  # type: ignore[arg-type]
        for item in page.get("CommandInvocations", []):
            found[(item.get("CommandId", ""), item.get("InstanceId", ""))] = dict(item)
    return found


def poll(
    ssm: SSMClient,
    pending: Sequence[Pending],
    *,
    now: Callable[[], float],
    since: datetime | None = None,
) -> tuple[list[tuple[Pending, HostResult]], list[Pending]]:
    """One round: ``(finished hosts with their outcome, hosts still pending)``.

    With many hosts pending and ``since`` given, one paginated sweep of the account's completed
    invocations (``InvokedAfter`` = ``since``) replaces a call per command. A host past its
    deadline is cancelled and reported ``TIMED_OUT``. A call that fails (throttled, the
    consistency window's ``InvalidCommandId``) leaves the host for the next round; a call refused
    (:data:`DENIED_CODES`) raises :class:`TrackingDeniedError`.
    """
    swept: dict[tuple[str, str], dict[str, Any]] | None = None
    if since is not None and len(pending) > SWEEP_THRESHOLD:
        try:
            swept = _sweep(ssm, since)
        except ClientError as exc:
            denied = _denied(exc, "ListCommandInvocations")
            if denied is not None:
                raise denied from exc
            return [], list(pending)
        except BotoCoreError:
            return [], list(pending)
    finished: list[tuple[Pending, HostResult]] = []
    still: list[Pending] = []
    for host in pending:
        invocation: dict[str, Any] | None
        if swept is not None:
            invocation = swept.get((host.command_id, host.instance_id))
        else:
            try:
                listed = _invocations(ssm, host.command_id)
            except ClientError as exc:
                denied = _denied(exc, "ListCommandInvocations")
                if denied is not None:
                    raise denied from exc
                listed = []
            except BotoCoreError:
                listed = []
            invocation = next((i for i in listed if i.get("InstanceId") == host.instance_id), None)
        result = invocation_outcome(invocation) if invocation else None
        if result is None and now() >= host.deadline:
            cancel(ssm, host.command_id)
            result = HostResult(
                outcome=HostOutcome.TIMED_OUT,
                detail=OutcomeDetail(
                    status_details=invocation.get("StatusDetails") if invocation else None,
                    reason="no final status before the scan's deadline; the command was cancelled",
                ),
            )
        if result is None:
            still.append(host)
        else:
            finished.append((host, result))
    return finished, still


def cancel(ssm: SSMClient, command_id: str) -> bool:
    """Ask SSM to cancel a command; False when SSM refuses (already finished, unknown)."""
    try:
        ssm.cancel_command(CommandId=command_id)
    except (ClientError, BotoCoreError):
        return False
    return True
