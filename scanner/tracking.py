"""From Run Command invocations to host outcomes: pure mapping, polling, deadlines, cancel.

One ``ListCommandInvocations(CommandId, Details=True)`` per pending command per round (each host
has its own command, since its upload URL is its own). Right after SendCommand the list may be
empty for a while (the API is eventually consistent): such a host simply stays pending until its
deadline. A host past its deadline is cancelled and reported ``TIMED_OUT``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.models import HostResult, OutcomeDetail
from scanner.outcomes import HostOutcome

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

__all__ = [
    "STEP_OUTCOMES",
    "Pending",
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
STEP_COUNT = 3
NOT_TERMINAL = frozenset({"Pending", "InProgress", "Delayed", "Cancelling"})
ERROR_MARKER = "----------ERROR-------"
EXCERPT_CHARS = 300
# Slack for the agent's last report to reach the API after a command's own expiry.
DEADLINE_GRACE_SECONDS = 60


def deadline_seconds(delivery_timeout: int, execution_timeout: int) -> int:
    """How long after SendCommand a host may stay without a final status before we give up."""
    return delivery_timeout + STEP_COUNT * execution_timeout + DEADLINE_GRACE_SECONDS


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


def poll(
    ssm: SSMClient,
    pending: Sequence[Pending],
    *,
    now: Callable[[], float],
    on_result: Callable[[Pending, HostResult], None],
) -> list[Pending]:
    """One round: report every host that reached a final status; return those still pending.

    A host past its deadline is cancelled and reported ``TIMED_OUT``. A call that fails
    (throttled, the consistency window's ``InvalidCommandId``) leaves the host for the next round.
    """
    still: list[Pending] = []
    for host in pending:
        try:
            invocations = [
                i for i in _invocations(ssm, host.command_id) if i.get("InstanceId") == host.instance_id
            ]
        except (ClientError, BotoCoreError):
            invocations = []
        result = invocation_outcome(invocations[0]) if invocations else None
        if result is None and now() >= host.deadline:
            cancel(ssm, host.command_id)
            result = HostResult(
                outcome=HostOutcome.TIMED_OUT,
                detail=OutcomeDetail(
                    status_details=invocations[0].get("StatusDetails") if invocations else None,
                    reason="no final status before the scan's deadline; the command was cancelled",
                ),
            )
        if result is None:
            still.append(host)
        else:
            on_result(host, result)
    return still


def cancel(ssm: SSMClient, command_id: str) -> bool:
    """Ask SSM to cancel a command; False when SSM refuses (already finished, unknown)."""
    try:
        ssm.cancel_command(CommandId=command_id)
    except (ClientError, BotoCoreError):
        return False
    return True
