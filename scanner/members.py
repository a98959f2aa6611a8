"""What needs the member accounts before a scan starts: resolving host targets, counting hosts.

Only the worker's role may enter the member accounts (the member roles trust it alone). The worker
and the command line do it from their own process (:class:`DirectMembers`); the bot asks the worker
function (``bot.scans.WorkerInvoker``). Account targets need no member account: they resolve from
the configuration and Organizations, in the central account.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from scanner.discovery import managed_instances
from scanner.errors import CceScanError
from scanner.models import AccountTarget, ScanTargets
from scanner.targets import OrganizationDirectory, OuLookup, resolve_targets

if TYPE_CHECKING:
    from scanner.runtime import Runtime

__all__ = ["ONLINE_LINUX", "DirectMembers", "MemberAccess"]

ESTIMATE_WORKERS = 8
ONLINE_LINUX = [
    {"Key": "PingStatus", "Values": ["Online"]},
    {"Key": "PlatformTypes", "Values": ["Linux"]},
]


class MemberAccess(Protocol):
    """Resolving targets and counting hosts, where that needs the member accounts."""

    def resolve(self, kind: str, names: Sequence[str], requester: str) -> ScanTargets:
        """The targets ``kind`` (``account``/``host``) ``names`` name; ``TargetError`` if none."""
        ...

    def estimate(self, targets: ScanTargets, requester: str) -> dict[str, int | None]:
        """Online Linux managed hosts per account alias now (None where they could not be counted)."""
        ...


class DirectMembers:
    """:class:`MemberAccess` from this process, with the member role (the worker, the command line)."""

    def __init__(self, runtime: Runtime, *, ous: OuLookup | None = None) -> None:
        self._rt = runtime
        self._ous = ous

    def ous(self) -> OuLookup:
        if self._ous is None:
            self._ous = OrganizationDirectory(self._rt.client("organizations"))
        return self._ous

    def resolve(
        self, kind: str, names: Sequence[str], requester: str, *, scan_id: str = "resolve"
    ) -> ScanTargets:
        sessions = self._rt.session_cache(scan_id, requester)

        def clients_for(account_id: str, region: str) -> tuple[Any, Any]:
            return (
                sessions.client(account_id, "ssm", region),
                sessions.client(account_id, "ec2", region),
            )

        return resolve_targets(
            self._rt.config,
            kind,
            names,
            ous=self.ous() if kind == "account" else None,
            clients_for=clients_for,
        )

    def estimate(self, targets: ScanTargets, requester: str) -> dict[str, int | None]:
        sessions = self._rt.session_cache("estimate", requester)

        def count(target: AccountTarget) -> tuple[str, int | None]:
            if target.instance_ids is not None:
                return target.alias, len(target.instance_ids)
            try:
                ssm = sessions.client(target.account_id, "ssm", target.region)
                return target.alias, len(managed_instances(ssm, ONLINE_LINUX))
            except (ClientError, BotoCoreError, CceScanError):  # an estimate is best effort
                return target.alias, None

        estimate: dict[str, int | None] = {}
        with ThreadPoolExecutor(max_workers=ESTIMATE_WORKERS) as pool:
            for alias, found in pool.map(count, targets.accounts):
                previous = estimate.get(alias, 0)
                estimate[alias] = None if found is None or previous is None else previous + found
        return estimate
