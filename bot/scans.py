"""The bot's :class:`~bot.ports.ScanOps` on the scan engine and the state table."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.config import Config
from scanner.discovery import managed_instances
from scanner.engine import ScanEngine
from scanner.errors import CceScanError
from scanner.models import ScanRecord, ScanTargets
from scanner.sessions import SessionCache

__all__ = ["EngineScans"]

logger = logging.getLogger("cce_scan.bot")

ESTIMATE_WORKERS = 8
LINUX_ONLINE = [
    {"Key": "PingStatus", "Values": ["Online"]},
    {"Key": "PlatformTypes", "Values": ["Linux"]},
]


class EngineScans:
    """Scan operations for the listeners; every call may reach AWS, so only lazy listeners call it."""

    def __init__(self, engine: ScanEngine) -> None:
        self._engine = engine

    @property
    def _config(self) -> Config:
        return self._engine.rt.config

    def create(
        self, kind: str, names: tuple[str, ...], requester: str, channel: str, idempotency_key: str
    ) -> ScanRecord:
        return self._engine.create_scan(
            kind, list(names), requester=requester, channel=channel, idempotency_key=idempotency_key
        )

    def attach_thread(self, scan_id: str, channel: str, thread_ts: str) -> bool:
        return self._engine.rt.store.attach_thread(scan_id, channel, thread_ts)

    def needs_approval(self, targets: ScanTargets) -> bool:
        config = self._config
        for target in targets.accounts:
            account = config.account_by_id(target.account_id)
            if account is None or config.requires_approval(account):
                return True
        return False

    def estimate_hosts(self, targets: ScanTargets) -> dict[str, int | None]:
        """Online Linux managed hosts per account now (host targets: the hosts named)."""
        rt = self._engine.rt
        sessions = SessionCache(
            rt.config,
            scan_id="estimate",
            requester="cce-scan",
            central_session=rt.central_session,
            endpoint_url=rt.endpoint_url,
            partition=rt.partition,
        )

        def count(target: Any) -> tuple[str, int | None]:
            if target.instance_ids is not None:
                return target.alias, len(target.instance_ids)
            try:
                ssm = sessions.client(target.account_id, "ssm", target.region)
                return target.alias, len(managed_instances(ssm, LINUX_ONLINE))
            except (ClientError, BotoCoreError, CceScanError):  # an estimate is best effort
                return target.alias, None

        estimate: dict[str, int | None] = {}
        with ThreadPoolExecutor(max_workers=ESTIMATE_WORKERS) as pool:
            for alias, found in pool.map(count, targets.accounts):
                previous = estimate.get(alias)
                estimate[alias] = None if found is None else (previous or 0) + found
        return estimate

    def start(self, scan_id: str, approver: str | None) -> None:
        self._engine.start(scan_id, approver=approver)

    def cancel(self, scan_id: str, by: str) -> ScanRecord:
        logger.info("scan %s cancelled by %s", scan_id, by)
        return self._engine.cancel(scan_id)

    def get(self, scan_id: str) -> ScanRecord:
        return self._engine.status(scan_id)

    def recent(self, limit: int = 5) -> list[ScanRecord]:
        return self._engine.rt.store.recent_scans(limit)
