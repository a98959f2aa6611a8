"""The scan engine facade: what the command line and the bot call.

    engine = ScanEngine(runtime)                      # see scanner.handlers.Runtime
    scan = engine.create_scan("account", ["prod"], requester="U01…", channel="C01…",
                              thread_ts=None, idempotency_key=trigger_id)   # resolves targets; writes
    engine.start(scan.scan_id, approver="U02…")        # queues the jobs; idempotent
    engine.cancel(scan.scan_id)                        # running commands are cancelled
    engine.status(scan.scan_id)                        # ScanRecord with counts

``create_scan`` resolves the targets first: unknown, malformed or empty input raises
:class:`~scanner.errors.TargetError` and nothing is written. Approval is the caller's business:
create the scan ``awaiting_approval``, ask, then ``start`` it with the approver, the approval's
write linked to the start (or have the store decline it as DENIED or EXPIRED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.artifacts import current_bundle_sha256, document_hash
from scanner.discovery import managed_instances
from scanner.errors import CceScanError, ScanStateError
from scanner.events import AccountRef, ScanStarted
from scanner.handlers import JobHandlers, Runtime
from scanner.jobs import DispatchJob, FinalizeJob
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets, new_scan_id
from scanner.state import UNDECIDED, AccountPhase, HostItem
from scanner.targets import OrganizationDirectory, OuLookup, resolve_targets

__all__ = ["ScanEngine"]

ESTIMATE_WORKERS = 8
ONLINE_LINUX = [
    {"Key": "PingStatus", "Values": ["Online"]},
    {"Key": "PlatformTypes", "Values": ["Linux"]},
]


class ScanEngine:
    """Create, start, cancel and read scans; the jobs it queues run through :class:`JobHandlers`."""

    def __init__(self, runtime: Runtime, *, ous: OuLookup | None = None) -> None:
        self.rt = runtime
        self.handlers = JobHandlers(runtime)
        self._ous = ous

    def _ou_lookup(self) -> OuLookup:
        if self._ous is None:
            client: Any = self.rt.central_session.client(
                "organizations", region_name=self.rt.config.central.region, endpoint_url=self.rt.endpoint_url
            )
            self._ous = OrganizationDirectory(client)
        return self._ous

    def resolve(
        self, kind: str, names: Sequence[str], *, requester: str, scan_id: str = "resolve"
    ) -> ScanTargets:
        """Resolve ``kind`` (``account``/``host``) ``names``; host targets enter member accounts."""
        sessions = self.rt.session_cache(scan_id, requester)

        def clients_for(account_id: str, region: str) -> tuple[Any, Any]:
            return (
                sessions.client(account_id, "ssm", region),
                sessions.client(account_id, "ec2", region),
            )

        return resolve_targets(
            self.rt.config,
            kind,
            names,
            ous=self._ou_lookup() if kind == "account" else None,
            clients_for=clients_for,
        )

    def estimate_hosts(self, targets: ScanTargets, *, requester: str = "cce-scan") -> dict[str, int | None]:
        """Online Linux managed hosts per account alias now (None where the account cannot be counted)."""
        sessions = self.rt.session_cache("estimate", requester)

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

    def create_scan(
        self,
        kind: str,
        names: Sequence[str],
        *,
        requester: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        idempotency_key: str | None = None,
        targets: ScanTargets | None = None,
        awaiting_approval: bool = False,
    ) -> ScanRecord:
        """Resolve ``kind`` (``account``/``host``) ``names`` and record a scan in CREATED, or in
        AWAITING_APPROVAL when it may start only once someone other than the requester approves it.

        ``targets`` already resolved elsewhere (the bot has the worker resolve host targets, as only
        the worker may enter member accounts) are recorded as given. With ``idempotency_key`` (e.g.
        Slack's ``trigger_id``) a repeated call returns the first scan, as it is now.
        """
        scan_id = new_scan_id(self.rt.utcnow())
        if targets is None:
            targets = self.resolve(kind, names, requester=requester, scan_id=scan_id)
        record = ScanRecord(
            scan_id=scan_id,
            requester=requester,
            targets=targets,
            channel=channel,
            thread_ts=thread_ts,
            status=ScanStatus.AWAITING_APPROVAL if awaiting_approval else ScanStatus.CREATED,
            created_at=self.rt.utcnow(),
        )
        return self.rt.store.create_scan(record, idempotency_key)

    def start(
        self, scan_id: str, *, approver: str | None = None, linked_write: Mapping[str, Any] | None = None
    ) -> ScanRecord:
        """Look up the bundle and document hash, queue one dispatch job per account and region.

        A scan AWAITING_APPROVAL starts only with an ``approver`` who is not its requester; a
        CREATED one needs none. ``linked_write`` (a ``TransactWriteItems`` element of the caller's,
        such as the approval's decision) is written in one transaction with the move to RUNNING:
        both or neither (:class:`~scanner.errors.LinkedWriteRefusedError` when its condition fails).

        Calling it again on a running scan re-queues dispatch for accounts not yet dispatched
        (harmless: dispatch is idempotent) and emits nothing new.
        """
        store = self.rt.store
        scan = store.get_scan(scan_id)
        _check_startable(scan, approver, linked=linked_write is not None)
        config = self.rt.config
        for target in scan.targets.accounts:
            store.put_account(scan_id, target.account_id, target.alias, target.region, target.instance_ids)
        started = False
        if scan.status in UNDECIDED:
            central: Any = self.rt.central_session
            s3 = central.client("s3", region_name=config.central.region, endpoint_url=self.rt.endpoint_url)
            ssm = central.client("ssm", region_name=config.central.region, endpoint_url=self.rt.endpoint_url)
            fields = {
                "started_at": self.rt.utcnow().isoformat(),
                "bundle_sha256": current_bundle_sha256(s3, config.results_bucket),
                "document_hash": document_hash(ssm, config.document.name),
            }
            if approver is not None:
                fields["approver"] = approver
            started = store.transition(
                scan_id, (scan.status,), ScanStatus.RUNNING, linked_write=linked_write, **fields
            )
            if not started and linked_write is not None:
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

    def cancel(self, scan_id: str) -> ScanRecord:
        """Stop a scan: one not started yet (CREATED or AWAITING_APPROVAL) is CANCELLED at once; a
        RUNNING one cancels its commands. A scan already ended is left as it is."""
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

    def status(self, scan_id: str) -> ScanRecord:
        """The scan item: status, counts so far, totals."""
        return self.rt.store.get_scan(scan_id)

    def hosts(self, scan_id: str) -> list[HostItem]:
        """Every host item of the scan, with its outcome once it has one."""
        return self.rt.store.hosts(scan_id)


def _check_startable(scan: ScanRecord, approver: str | None, *, linked: bool) -> None:
    """Raise :class:`ScanStateError` unless ``approver`` may start ``scan`` now (a linked write
    must go with the move to RUNNING, so it needs a scan not started yet)."""
    if scan.status not in (*UNDECIDED, ScanStatus.RUNNING):
        raise ScanStateError(f"scan {scan.scan_id} is {scan.status.value}; it cannot be started")
    if approver is not None and approver == scan.requester:
        raise ScanStateError(f"scan {scan.scan_id} cannot be approved by its requester")
    if scan.status is ScanStatus.AWAITING_APPROVAL and approver is None:
        raise ScanStateError(f"scan {scan.scan_id} awaits approval; it starts only with an approver")
    if linked and scan.status not in UNDECIDED:
        raise ScanStateError(f"scan {scan.scan_id} is {scan.status.value}; it has started already")
