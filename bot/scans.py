"""The bot's way into the member accounts: the worker function.

The bot never enters a member account (the member roles trust only the worker's role): resolving
host targets and estimating host counts are asked of the worker function with a direct invocation
(:class:`WorkerInvoker`, the engine's :class:`~scanner.members.MemberAccess` in the bot).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from bot.errors import BotError
from scanner.errors import TargetError
from scanner.models import ScanTargets

__all__ = ["WorkerInvoker"]

logger = logging.getLogger("cce_scan.bot")


class WorkerInvoker:
    """:class:`~scanner.members.MemberAccess` by invoking the worker function (``RequestResponse``)."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._lambda = lambda_client
        self._function = function_name

    def _call(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = self._lambda.invoke(
            FunctionName=self._function, InvocationType="RequestResponse", Payload=json.dumps(payload)
        )
        body = json.loads(answer["Payload"].read() or b"{}")
        if answer.get("FunctionError"):
            raise BotError(f"the worker failed: {body.get('errorMessage', 'unknown error')}")
        if not body.get("ok"):
            raise TargetError(str(body.get("error", "the worker could not resolve the targets")))
        return dict(body)

    def resolve(self, kind: str, names: Sequence[str], requester: str) -> ScanTargets:
        body = self._call({"action": "resolve", "kind": kind, "names": list(names), "requester": requester})
        return ScanTargets.model_validate(body["targets"])

    def estimate(self, targets: ScanTargets, requester: str) -> dict[str, int | None]:
        body = self._call(
            {"action": "estimate", "targets": targets.model_dump(mode="json"), "requester": requester}
        )
        return {
            str(alias): (None if count is None else int(count)) for alias, count in body["estimate"].items()
        }
