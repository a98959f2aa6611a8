"""What the bot needs from the scanner, as one narrow interface (``scanner.engine.ScanEngine``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from scanner.models import ScanRecord, ScanStatus, ScanTargets
from scanner.state import AccountItem, HostItem

__all__ = ["ScanOps"]


class ScanOps(Protocol):
    """Scan lifecycle operations the listeners call; every one may do network I/O (lazy path only)."""

    def create(
        self, kind: str, names: tuple[str, ...], requester: str, channel: str, idempotency_key: str
    ) -> ScanRecord:
        """Resolve the targets and record a new scan, AWAITING_APPROVAL when they need approval
        (``TargetError`` naming what is wrong, nothing written); the same ``idempotency_key``
        returns the first scan again."""
        ...

    def attach_thread(self, scan_id: str, channel: str, thread_ts: str) -> bool:
        """Remember the thread parent; False when the scan already had one (a retry lost the race)."""
        ...

    def needs_approval(self, targets: ScanTargets) -> bool: ...

    def estimate_hosts(self, targets: ScanTargets, requester: str = ...) -> dict[str, int | None]:
        """Managed Linux hosts per account alias now (None where it could not be counted)."""
        ...

    def start(
        self, scan_id: str, *, approver: str | None = None, decided_at: datetime | None = None
    ) -> ScanRecord:
        """Queue the scan's jobs (idempotent); a scan whose targets need approval needs an
        ``approver`` who is not its requester, whose decision (at ``decided_at``) on the pending
        request is written with the move to RUNNING or not at all."""
        ...

    def decline(
        self,
        scan_id: str,
        to: ScanStatus,
        *,
        decided_at: datetime,
        decided_by: str | None = None,
        linked_write: Mapping[str, Any] | None = None,
    ) -> bool:
        """Close a scan awaiting approval as DENIED or EXPIRED, with ``linked_write`` or not at all."""
        ...

    def cancel(self, scan_id: str, by: str) -> ScanRecord: ...

    def get(self, scan_id: str) -> ScanRecord: ...

    def accounts(self, scan_id: str) -> list[AccountItem]: ...

    def hosts(self, scan_id: str) -> list[HostItem]: ...

    def recent(self, limit: int = 5) -> list[ScanRecord]: ...
