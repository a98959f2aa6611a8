"""The in-process transport wired up: the engine, worker threads and an event bus in one process.

Used by ``cce-scan scan`` (against AWS or the local world), ``cce-scan local``, tests and the
benchmark::

    with InProcessScanner(config, central_session, endpoint_url=url) as scanner:
        scanner.bus.subscribe(print)
        record = scanner.run("account", ["prod"], requester="alice")   # blocks until finished
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any

import boto3

from scanner.config import Config
from scanner.dispatch import SendResult
from scanner.engine import ScanEngine
from scanner.errors import CceScanError
from scanner.events import InProcessBus, ScanEvent, ScanFinished
from scanner.handlers import JobHandlers
from scanner.jobs import ThreadJobQueue
from scanner.models import ScanRecord, ScanStatus
from scanner.runtime import Runtime
from scanner.table import create_approvals_table, create_table
from scanner.targets import OuLookup

__all__ = ["DEFAULT_APPROVALS_TABLE", "DEFAULT_TABLE", "InProcessScanner", "ScanTimeoutError"]

DEFAULT_TABLE = "cce-scan"
DEFAULT_APPROVALS_TABLE = "cce-scan-approvals"


class ScanTimeoutError(CceScanError):
    """A scan run in-process did not finish within the time given."""


class InProcessScanner:
    """Engine + :class:`ThreadJobQueue` + :class:`InProcessBus`; a context manager that stops its threads."""

    def __init__(
        self,
        config: Config,
        central_session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        table: str = DEFAULT_TABLE,
        approvals_table: str = DEFAULT_APPROVALS_TABLE,
        create: bool = True,
        workers: int | None = None,
        deliveries: int = 1,
        on_send: Callable[[str, str, SendResult], None] | None = None,
        ous: OuLookup | None = None,
    ) -> None:
        if create:
            session: Any = central_session
            dynamodb = session.client(
                "dynamodb", region_name=config.central.region, endpoint_url=endpoint_url
            )
            create_table(dynamodb, table)
            create_approvals_table(dynamodb, approvals_table)
        self.bus = InProcessBus()
        self.queue = ThreadJobQueue(
            workers=workers or config.rate_limits.max_parallel_accounts + 2,
            deliveries=deliveries,
        )
        self.runtime = Runtime.in_process(
            config,
            central_session,
            table=table,
            approvals_table=approvals_table,
            events=self.bus,
            jobs=self.queue,
            endpoint_url=endpoint_url,
            on_send=on_send,
        )
        self.engine = ScanEngine(self.runtime, ous=ous)
        self.handlers = JobHandlers(self.runtime)
        self.queue.bind(self.handlers)
        self._finished: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.bus.subscribe(self._watch)
        self.queue.start()

    def _event_for(self, scan_id: str) -> threading.Event:
        with self._lock:
            return self._finished.setdefault(scan_id, threading.Event())

    def _watch(self, event: ScanEvent) -> None:
        if isinstance(event, ScanFinished):
            self._event_for(event.scan_id).set()

    def wait(self, scan_id: str, timeout: float | None = None) -> ScanRecord:
        """Block until ``scan.finished`` for ``scan_id``; raise :class:`ScanTimeoutError` after ``timeout``."""
        if not self._event_for(scan_id).wait(timeout):
            raise ScanTimeoutError(f"scan {scan_id} did not finish within {timeout} s")
        self.queue.wait_idle(timeout=30)
        return self.engine.get(scan_id)

    def run(
        self,
        kind: str,
        names: Sequence[str],
        *,
        requester: str,
        approver: str | None = None,
        timeout: float | None = None,
    ) -> ScanRecord:
        """Create, start and wait for one scan. One whose targets need a second person's approval
        runs only with an ``approver`` other than ``requester`` (:meth:`request_approval`)."""
        record = self.engine.create(kind, names, requester)
        self._event_for(record.scan_id)
        if record.status is ScanStatus.AWAITING_APPROVAL:
            self.request_approval(record)
        self.engine.start(record.scan_id, approver=approver)
        return self.wait(record.scan_id, timeout)

    def request_approval(self, record: ScanRecord) -> None:
        """Open the approval request of ``record`` (a scan AWAITING_APPROVAL), as the bot does; the
        approver's decision is then written by :meth:`ScanEngine.start`."""
        now = self.runtime.utcnow()
        expires = now + timedelta(minutes=self.runtime.config.scan.approval_ttl_minutes)
        self.runtime.approvals.request(record.scan_id, record.requester, now, expires)

    def close(self) -> None:
        self.queue.close()

    def __enter__(self) -> InProcessScanner:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
