"""The bot's :class:`~bot.ports.ScanOps` on the scan engine, and the worker for the member accounts.

The bot never enters a member account (the member roles trust only the worker's role):
resolving host targets and estimating host counts are asked of the worker function with a direct
invocation (:class:`WorkerInvoker`); account targets resolve from the configuration and
Organizations in the central account.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from bot.errors import BotError
from scanner.engine import ScanEngine
from scanner.errors import TargetError
from scanner.models import ScanRecord, ScanStatus, ScanTargets

__all__ = ["EngineScans", "MemberAccess", "WorkerInvoker"]

logger = logging.getLogger("cce_scan.bot")


class MemberAccess(Protocol):
    """What needs the member accounts."""

    def resolve(self, kind: str, names: tuple[str, ...], requester: str) -> ScanTargets: ...

    def estimate(self, targets: ScanTargets, requester: str) -> dict[str, int | None]: ...


class WorkerInvoker:
    """:class:`MemberAccess` by invoking the worker function (``RequestResponse``)."""

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

    def resolve(self, kind: str, names: tuple[str, ...], requester: str) -> ScanTargets:
        body = self._call({"action": "resolve", "kind": kind, "names": list(names), "requester": requester})
        return ScanTargets.model_validate(body["targets"])

    def estimate(self, targets: ScanTargets, requester: str) -> dict[str, int | None]:
        body = self._call(
            {"action": "estimate", "targets": targets.model_dump(mode="json"), "requester": requester}
        )
        return {
            str(alias): (None if count is None else int(count)) for alias, count in body["estimate"].items()
        }


class EngineScans:
    """Scan operations for the listeners; every call may reach AWS, so only lazy listeners call it."""

    def __init__(self, engine: ScanEngine, members: MemberAccess) -> None:
        self._engine = engine
        self._members = members

    def create(
        self, kind: str, names: tuple[str, ...], requester: str, channel: str, idempotency_key: str
    ) -> ScanRecord:
        if kind == "host":
            targets = self._members.resolve(kind, names, requester)
        else:
            targets = self._engine.resolve(kind, names, requester=requester)
        return self._engine.create_scan(
            kind,
            list(names),
            requester=requester,
            channel=channel,
            idempotency_key=idempotency_key,
            targets=targets,
            awaiting_approval=self.needs_approval(targets),
        )

    def attach_thread(self, scan_id: str, channel: str, thread_ts: str) -> bool:
        return self._engine.rt.store.attach_thread(scan_id, channel, thread_ts)

    def needs_approval(self, targets: ScanTargets) -> bool:
        config = self._engine.rt.config
        for target in targets.accounts:
            account = config.account_by_id(target.account_id)
            if account is None or config.requires_approval(account):
                return True
        return False

    def estimate_hosts(self, targets: ScanTargets) -> dict[str, int | None]:
        try:
            return self._members.estimate(targets, "cce-scan")
        except (BotError, TargetError) as exc:  # an estimate is best effort
            logger.warning("host estimate failed: %s", exc)
            return {target.alias: None for target in targets.accounts}

    def start(
        self, scan_id: str, approver: str | None, linked_write: Mapping[str, Any] | None = None
    ) -> None:
        self._engine.start(scan_id, approver=approver, linked_write=linked_write)

    def decline(
        self,
        scan_id: str,
        to: ScanStatus,
        *,
        decided_at: datetime,
        decided_by: str | None = None,
        linked_write: Mapping[str, Any] | None = None,
    ) -> bool:
        logger.info("scan %s %s (decided by %s)", scan_id, to.value, decided_by or "its request's expiry")
        return self._engine.rt.store.decline(
            scan_id, to, decided_at=decided_at, decided_by=decided_by, linked_write=linked_write
        )

    def cancel(self, scan_id: str, by: str) -> ScanRecord:
        logger.info("scan %s cancelled by %s", scan_id, by)
        return self._engine.cancel(scan_id)

    def get(self, scan_id: str) -> ScanRecord:
        return self._engine.status(scan_id)

    def recent(self, limit: int = 5) -> list[ScanRecord]:
        """The newest scans, newest first (a Query of the table's index of scans, not a Scan)."""
        return self._engine.rt.store.recent_scans(limit)
