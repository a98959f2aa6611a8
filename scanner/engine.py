r"""The scanner's one interface: what the bot, the worker and the command line call.

    engine = ScanEngine(runtime)                      # see scanner.runtime.Runtime
    scan = engine.create("account", ["prod"], "U01…", "C01…", trigger_id)   # resolves targets; writes
    engine.start(scan.scan_id, approver="U02…")        # queues the jobs; idempotent
    engine.cancel(scan.scan_id, by="U01…")             # running commands are cancelled
    engine.get(scan.scan_id)                           # ScanRecord with counts

``create`` resolves the targets first: unknown, malformed or empty input raises
:class:`~scanner.errors.TargetError` and nothing is written. A scan whose targets need approval is
created AWAITING_APPROVAL; the caller asks for the approval (:mod:`scanner.approvals`), then
``start``\s it with the approver, and the engine writes the approval's decision with the start (or
the caller ``decline``\s it as DENIED or EXPIRED). The worker checks the decision again before it
dispatches to each account (:meth:`scanner.handlers.JobHandlers.dispatch`). The jobs it
queues are run by :class:`scanner.handlers.JobHandlers` in the worker.

Host targets need the member accounts, which only the worker may enter: the engine asks its
:class:`~scanner.members.MemberAccess` (the bot's asks the worker function).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.approvals import check_approved, needs_approval
from scanner.artifacts import current_bundle_sha256, document_hash
from scanner.errors import ApprovalRequiredError, CceScanError, ScanStateError
from scanner.events import AccountRef, ScanStarted
from scanner.jobs import DispatchJob, FinalizeJob
from scanner.members import DirectMembers, MemberAccess
from scanner.models import ScanRecord, ScanStatus, ScanTargets, new_scan_id
from scanner.runtime import Runtime
from scanner.state import UNDECIDED, AccountItem, AccountPhase, HostItem
from scanner.targets import OuLookup

__all__ = ["ScanEngine"]

log = logging.getLogger(__name__)


class ScanEngine:
    """Create, start, decline, cancel and read scans (the bot's ``bot.ports.ScanOps``)."""

    def __init__(
        self, runtime: Runtime, *, members: MemberAccess | None = None, ous: OuLookup | None = None
    ) -> None:
        self.rt = runtime
        self._central = DirectMembers(runtime, ous=ous)
        self._members: MemberAccess = members or self._central

    def resolve(self, kind: str, names: Sequence[str], requester: str) -> ScanTargets:
        """Resolve ``kind`` (``account``/``host``) ``names``; host targets through the member accounts."""
        if kind == "host":
            return self._members.resolve(kind, tuple(names), requester)
        return self._central.resolve(kind, names, requester)

    def needs_approval(self, targets: ScanTargets) -> bool:
        """Whether a second person must approve a scan of ``targets`` (an account the configuration
        does not know counts as one that needs it)."""
        return needs_approval(self.rt.config, targets)

    def estimate_hosts(self, targets: ScanTargets, requester: str = "cce-scan") -> dict[str, int | None]:
        """Online Linux managed hosts per account alias now (None where the account cannot be counted)."""
        try:
            return self._members.estimate(targets, requester)
        except (CceScanError, ClientError, BotoCoreError) as exc:  # an estimate is best effort
            log.warning("host estimate failed: %s", exc)
            return {target.alias: None for target in targets.accounts}

    def create(
        self,
        kind: str,
        names: Sequence[str],
        requester: str,
        channel: str | None = None,
        idempotency_key: str | None = None,
        *,
        thread_ts: str | None = None,
        targets: ScanTargets | None = None,
    ) -> ScanRecord:
        """Resolve ``kind`` (``account``/``host``) ``names`` and record a scan: AWAITING_APPROVAL when
        its targets need a second person's approval (:meth:`needs_approval`), else CREATED.

        ``targets`` already resolved are recorded as given. With ``idempotency_key`` (Slack's
        ``trigger_id``) a repeated call returns the first scan, as it is now.
        """
        if targets is None:
            targets = self.resolve(kind, names, requester)
        awaiting_approval = self.needs_approval(targets)
        record = ScanRecord(
            scan_id=new_scan_id(self.rt.utcnow()),
            requester=requester,
            targets=targets,
            channel=channel,
            thread_ts=thread_ts,
            status=ScanStatus.AWAITING_APPROVAL if awaiting_approval else ScanStatus.CREATED,
            created_at=self.rt.utcnow(),
        )
        return self.rt.store.create_scan(record, idempotency_key)

    def attach_thread(self, scan_id: str, channel: str, thread_ts: str) -> bool:
        """Remember the scan's thread parent; False when it already had one (a retry lost the race)."""
        return self.rt.store.attach_thread(scan_id, channel, thread_ts)

    def start(
        self, scan_id: str, *, approver: str | None = None, decided_at: datetime | None = None
    ) -> ScanRecord:
        """Look up the bundle and document hash, queue one dispatch job per account and region.

        The two-person rule is held here: a scan whose targets need approval
        (:meth:`needs_approval`) starts only with an ``approver`` who is not its requester, and the
        approval's decision (a conditional update of its pending, unexpired request in the
        approvals table) is written in one transaction with the move to RUNNING: both or neither
        (:class:`~scanner.errors.LinkedWriteRefusedError` when the request refuses it). A scan that
        needs none starts with or without an approver. ``decided_at`` is when the approver
        decided (now when not given): the request must not have expired by then.

        Calling it again on a running scan re-queues dispatch for accounts not yet dispatched
        (harmless: dispatch is idempotent) and emits nothing new; a running scan that needs
        approval must have it (:class:`~scanner.errors.ApprovalRequiredError`).
        """
        store = self.rt.store
        scan = store.get_scan(scan_id)
        _check_startable(scan, approver)
        gated = self.needs_approval(scan.targets)
        if gated and scan.status is ScanStatus.RUNNING:
            check_approved(self.rt.approvals, scan)
        elif gated and approver is None:
            raise ApprovalRequiredError(
                f"scan {scan_id} needs a second person's approval; it starts only with an approver"
            )
        config = self.rt.config
        for target in scan.targets.accounts:
            store.put_account(scan_id, target.account_id, target.alias, target.region, target.instance_ids)
        started = False
        if scan.status in UNDECIDED:
            fields = {
                "started_at": self.rt.utcnow().isoformat(),
                "bundle_sha256": current_bundle_sha256(self.rt.client("s3"), config.results_bucket),
                "document_hash": document_hash(self.rt.client("ssm"), config.document.name),
            }
            if approver is not None:
                fields["approver"] = approver
            decision = (
                self.rt.approvals.decision_write(
                    scan_id, approver, approve=True, now=decided_at or self.rt.utcnow()
                )
                if gated and approver is not None
                else None
            )
            started = store.transition(
                scan_id, (scan.status,), ScanStatus.RUNNING, linked_write=decision, **fields
            )
            if not started and decision is not None:
                raise ScanStateError(f"scan {scan_id} left {scan.status.value} before it could start")
        if started:
            scan = store.get_scan(scan_id)
            self.rt.events.publish(
                ScanStarted(
                    scan_id=scan_id,
                    seq=store.next_event_seq(scan_id),
                    requester=scan.requester,
                    approver=scan.approver,
                    accounts=tuple(
                        AccountRef(account_id=t.account_id, alias=t.alias, region=t.region)
                        for t in scan.targets.accounts
                    ),
                )
            )
        for account in store.accounts(scan_id):
            if account.phase == AccountPhase.PENDING:
                self.rt.jobs.submit(
                    DispatchJob(scan_id=scan_id, account_id=account.account_id, region=account.region)
                )
        return store.get_scan(scan_id)

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
        log.info("scan %s %s (decided by %s)", scan_id, to.value, decided_by or "its request's expiry")
        return self.rt.store.decline(
            scan_id, to, decided_at=decided_at, decided_by=decided_by, linked_write=linked_write
        )

    def cancel(self, scan_id: str, by: str) -> ScanRecord:
        """Stop a scan: one not started yet (CREATED or AWAITING_APPROVAL) is CANCELLED at once; a
        RUNNING one cancels its commands. A scan already ended is left as it is."""
        log.info("scan %s cancelled by %s", scan_id, by)
        store = self.rt.store
        if store.transition(
            scan_id, UNDECIDED, ScanStatus.CANCELLED, finished_at=self.rt.utcnow().isoformat()
        ):
            return store.get_scan(scan_id)
        if store.transition(scan_id, (ScanStatus.RUNNING,), ScanStatus.CANCELLING):
            for account in store.accounts(scan_id):
                if account.phase == AccountPhase.PENDING:
                    self.rt.jobs.submit(
                        DispatchJob(scan_id=scan_id, account_id=account.account_id, region=account.region)
                    )
            self.rt.jobs.submit(FinalizeJob(scan_id=scan_id))
        return store.get_scan(scan_id)

    def get(self, scan_id: str) -> ScanRecord:
        """The scan item: status, counts so far, totals."""
        return self.rt.store.get_scan(scan_id)

    def recent(self, limit: int = 5) -> list[ScanRecord]:
        """The newest scans, newest first (a Query of the table's index of scans, not a Scan)."""
        return self.rt.store.recent_scans(limit)

    def accounts(self, scan_id: str) -> list[AccountItem]:
        """Every account item of the scan (one per account and region), with its phase."""
        return self.rt.store.accounts(scan_id)

    def hosts(self, scan_id: str) -> list[HostItem]:
        """Every host item of the scan, with its outcome once it has one."""
        return self.rt.store.hosts(scan_id)


def _check_startable(scan: ScanRecord, approver: str | None) -> None:
    """Raise :class:`ScanStateError` unless ``approver`` may start ``scan`` now."""
    if scan.status not in (*UNDECIDED, ScanStatus.RUNNING):
        raise ScanStateError(f"scan {scan.scan_id} is {scan.status.value}; it cannot be started")
    if approver is not None and approver == scan.requester:
        raise ScanStateError(f"scan {scan.scan_id} cannot be approved by its requester")
    if scan.status is ScanStatus.AWAITING_APPROVAL and approver is None:
        raise ScanStateError(f"scan {scan.scan_id} awaits approval; it starts only with an approver")
