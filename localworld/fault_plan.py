"""Faults at the boundaries a scan crosses, drawn from a seed: what ``cce-scan local --faults SEED``
injects, and what the fault-matrix tests inject one at a time.

A :class:`Boundary` is one place a scan's work can fail: a Slack Web API method (an HTTP 5xx, or
``ratelimited`` with ``Retry-After``), the upload step of ``files_upload_v2``, an AWS action of the
central or a member account (5xx or throttling, for as many calls in a row as botocore's default
mode tries, five, so the handler sees it; S3 three times, which the hosts' ``curl --retry 3`` rides
out when a presigned call meets it), or a function whose runtime dies after its handler's side
effects. Each is armed
once and fires on the first call that reaches it; the world's parts tell their ``on_fire`` listener
as it happens.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from scanner.deployment import Function

if TYPE_CHECKING:
    from localworld.system import LocalSystem

__all__ = ["BOUNDARIES", "RUNNING_SCAN_BOUNDARIES", "Boundary", "arm", "draw"]

# botocore's default (legacy) retry mode makes up to five attempts.
SDK_ATTEMPTS = 5
# The document's curl makes four (--retry 3): a host that meets an S3 fault still gets through.
S3_FAILURES = 3

Where = Literal["central", "member"]


@dataclass(frozen=True)
class Boundary:
    """One place to fail, and how (see the module docstring)."""

    name: str
    arm: Callable[[LocalSystem], None]


def _slack(method: str, status: int, error: str, times: int = 1) -> Boundary:
    def arm(system: LocalSystem) -> None:
        system.slack.fail_next(method, status=status, error=error, times=times)

    return Boundary(f"Slack {method} {status} ×{times}", arm)


def _ratelimited(method: str, retry_after: int = 1) -> Boundary:
    def arm(system: LocalSystem) -> None:
        system.slack.force_429(method, retry_after=retry_after)

    return Boundary(f"Slack {method} ratelimited (Retry-After {retry_after})", arm)


def _aws(
    service: str,
    action: str,
    kind: Literal["http_500", "throttle"] = "http_500",
    where: Where = "central",
    times: int = SDK_ATTEMPTS,
) -> Boundary:
    def arm(system: LocalSystem) -> None:
        accounts = (
            [system.config.central.account_id]
            if where == "central"
            else [account.id for account in system.config.accounts]
        )
        for account in accounts:
            system.world.faults.fail_next(account, service=service, action=action, kind=kind, times=times)

    return Boundary(f"{where} {service}:{action} {kind} ×{times}", arm)


def _crash(function: Function) -> Boundary:
    def arm(system: LocalSystem) -> None:
        system.lambdas.crash_after_next(system.names.function(function))

    return Boundary(f"{function} dies after its side effects", arm)


BOUNDARIES: tuple[Boundary, ...] = (
    _slack("chat.postMessage", 503, "service_unavailable"),
    _slack("chat.postMessage", 500, "internal_error", times=3),
    _ratelimited("chat.postMessage"),
    _slack("chat.update", 503, "service_unavailable", times=3),
    _ratelimited("chat.update"),
    _slack("files.getUploadURLExternal", 500, "internal_error", times=3),
    _ratelimited("files.getUploadURLExternal"),
    _slack("upload", 500, "internal_error"),
    _slack("files.completeUploadExternal", 500, "internal_error", times=3),
    _ratelimited("files.completeUploadExternal"),
    _aws("s3", "GetObject", times=S3_FAILURES),
    _aws("s3", "PutObject", times=S3_FAILURES),
    _aws("dynamodb", "UpdateItem"),
    _aws("dynamodb", "PutItem"),
    _aws("dynamodb", "TransactWriteItems"),
    _aws("sqs", "SendMessage"),
    _aws("ssm", "SendCommand", kind="throttle", where="member"),
    _aws("ssm", "ListCommandInvocations", where="member"),
    _crash("worker"),
    _crash("notifier"),
    _crash("analyzer"),
)


# Boundaries only a request crosses, before its scan has a thread and an approval: a failure there
# is told to the person who asked (and who asks again), not survived by a running scan.
REQUEST_ONLY = ("central dynamodb:TransactWriteItems", "central dynamodb:PutItem")
RUNNING_SCAN_BOUNDARIES: tuple[Boundary, ...] = tuple(
    boundary for boundary in BOUNDARIES if not boundary.name.startswith(REQUEST_ONLY)
)


def draw(seed: int, count: int = 3, among: tuple[Boundary, ...] = RUNNING_SCAN_BOUNDARIES) -> list[Boundary]:
    """``count`` different boundaries of ``among``, the same ones for the same seed."""
    return random.Random(f"cce-scan faults {seed}").sample(among, count)


def arm(system: LocalSystem, boundaries: list[Boundary], tell: Callable[[str], None]) -> None:
    """Arm ``boundaries`` in ``system``; ``tell`` hears each fault as it fires."""
    system.world.faults.on_fire = tell
    system.slack.on_fire = tell
    system.lambdas.on_fire = tell
    for boundary in boundaries:
        boundary.arm(system)
