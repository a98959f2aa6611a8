"""The job handlers, the worker's part of the scanner: dispatch, track and finalize. Idempotent, so
at-least-once delivery is safe.

- ``dispatch``: take the account's dispatch lease (a duplicate delivery stops here); a scan whose
  targets need approval goes no further without an APPROVED decision by someone other than its
  requester in the approvals table (the account closes, not entered, with the reason); then enter
  the account (AssumeRole), discover once and create a host item per host, then per host without a
  command: presign its GET and PUT, SendCommand, record the command IDs (an item per batch of sends, ``SENT#``).
  Hosts run in parallel threads sharing the account's token bucket. A delivery that takes over a
  dead holder's lease first adopts commands already sent (found by their ``Comment``). Skipped
  hosts get their outcome after the sends. Queues round 1 of ``track``.
- ``track``: one polling round per delivery, claimed per round so a duplicate does nothing; queues
  the next round after ``poll_interval_seconds`` until every host is final, then closes the account.
- ``finalize``: when every account is closed, moves the scan to FINISHED (or CANCELLED) once, drawing
  the number of its ``scan.finished``. Then, in report rounds claimed one at a time: waits (re-queued
  with a delay, never in the function) until the analyzer has judged every succeeded host's result or
  ``scan.report_wait_seconds`` have passed since the close, writes ``reports/<scan>/`` (hosts not
  judged by then are reported as not analysed), emits ``scan.finished`` naming the report's files,
  and records the report published. A delivery that dies on the way is taken over; each step is
  idempotent and the event keeps its number, so a copy is dropped by its consumer.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scanner.approvals import check_approved, needs_approval
from scanner.discovery import discover
from scanner.dispatch import (
    Sender,
    comment_for,
    find_sent_command,
    pace_client,
    sender_threads,
    ssm_client_config,
)
from scanner.errors import AccountUnreachableError, ApprovalRequiredError, ScanStateError
from scanner.events import (
    AccountRef,
    AccountUnreachable,
    HostOutcomeEvent,
    ReportFiles,
    ScanFinished,
    ScanProgress,
)
from scanner.jobs import SQS_MAX_DELAY, DispatchJob, FinalizeJob, Job, TrackJob
from scanner.metrics import count_throttles
from scanner.models import HostResult, OutcomeDetail, ScanRecord, ScanStatus
from scanner.outcomes import HostOutcome
from scanner.presign import Presigner
from scanner.report import ReportError, awaiting_analysis, coverage_of, host_states, report_wait
from scanner.runtime import Runtime
from scanner.sessions import AccountSession, SessionCache
from scanner.state import (
    SENT_PER_ITEM,
    AccountItem,
    AccountPhase,
    FinalTally,
    HostItem,
    HostPhase,
    ReportClaim,
)
from scanner.tracking import Pending, TrackingDeniedError, cancel, deadline_seconds, poll

__all__ = ["JobHandlers"]

log = logging.getLogger(__name__)

# A dispatch lease older than this (a Lambda runs ≤ 15 min) belongs to a worker that died.
DISPATCH_LEASE_SECONDS = 900.0
SWEEP_MARGIN = timedelta(minutes=5)
TRACK_LEASE_SECONDS = 300.0
# A recount takes seconds. The jobs queue's visibility timeout is six times the worker's timeout
# (≥ 30 s), so at least 180 s: the next delivery of a job whose worker died finds its claim stale.
# A report round takes its claim on the same terms (a round that writes a very large report for
# longer than this may be taken over: writing it twice rewrites the same content).
FINALIZE_LEASE_SECONDS = 120.0
ACTIVE = (ScanStatus.RUNNING, ScanStatus.CANCELLING)
CLOSED = (ScanStatus.FINISHED, ScanStatus.CANCELLED)
# While the report waits for the analyzer, it looks again this often.
REPORT_POLL_SECONDS = 5.0
# A report that cannot be written is tried again this often, for this long after the wait is over;
# then scan.finished goes out saying why there is no report.
PUBLISH_RETRY_SECONDS = 30.0
PUBLISH_GIVE_UP_SECONDS = 600.0


def _tracking_denied(hosts: list[HostItem], reason: str) -> list[tuple[HostItem, HostResult]]:
    """Each of ``hosts`` given ``DISPATCH_REJECTED`` at once: its command may have run, but the scan
    may not read (or enter) the account to learn how. Not ``ACCOUNT_UNREACHABLE``, which stands for
    a whole account whose hosts are unknown and counts once."""
    return [
        (h, HostResult(outcome=HostOutcome.DISPATCH_REJECTED, detail=OutcomeDetail(reason=reason)))
        for h in hosts
    ]


@dataclass
class _AccountClients:
    """An account's clients, built with ``credentials`` (rebuilt when those are refreshed)."""

    credentials: AccountSession
    ssm: Any
    ec2: Any


class JobHandlers:
    """Call with a job; every handler may run twice, concurrently or later, without effect."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self._lock = threading.Lock()
        self._sessions: dict[str, SessionCache] = {}
        self._clients: dict[tuple[str, str, str], _AccountClients] = {}
        self._presigner: Presigner | None = None

    def __call__(self, job: Job) -> None:
        if isinstance(job, DispatchJob):
            self.dispatch(job)
        elif isinstance(job, TrackJob):
            self.track(job)
        else:
            self.finalize(job)

    # -- plumbing ------------------------------------------------------------------------------

    def _session_cache(self, scan: ScanRecord) -> SessionCache:
        with self._lock:
            cache = self._sessions.get(scan.scan_id)
            if cache is None:
                cache = self.rt.session_cache(scan.scan_id, scan.requester)
                self._sessions[scan.scan_id] = cache
            return cache

    def _account_clients(self, scan: ScanRecord, account_id: str, region: str) -> _AccountClients:
        entered = self._session_cache(scan).get(account_id)  # raises AccountUnreachableError
        key = (scan.scan_id, account_id, region)
        with self._lock:
            cached = self._clients.get(key)
            if cached is not None and cached.credentials is entered:
                return cached
        rate = self.rt.config.rate_limits.send_command_per_second
        ssm = entered.client(
            "ssm", region, endpoint_url=self.rt.endpoint_url, config=ssm_client_config(sender_threads(rate))
        )
        pace_client(ssm, self.rt.limiters.for_key(f"{account_id}/{region}"))
        count_throttles(ssm, self.rt.metrics)
        ec2 = count_throttles(
            entered.client("ec2", region, endpoint_url=self.rt.endpoint_url), self.rt.metrics
        )
        clients = _AccountClients(entered, ssm, ec2)
        with self._lock:
            self._clients[key] = clients
        return clients

    def presigner(self) -> Presigner:
        with self._lock:
            if self._presigner is None:
                self._presigner = Presigner(
                    self.rt.config, self.rt.central_session, endpoint_url=self.rt.endpoint_url
                )
            return self._presigner

    def _forget(self, scan_id: str) -> None:
        with self._lock:
            self._sessions.pop(scan_id, None)
            for key in [k for k in self._clients if k[0] == scan_id]:
                del self._clients[key]

    def _ref(self, account: AccountItem) -> AccountRef:
        return AccountRef(account_id=account.account_id, alias=account.alias, region=account.region)

    def _record(self, scan_id: str, account: AccountItem, results: list[tuple[HostItem, HostResult]]) -> bool:
        """Write final outcomes (batched) and emit one ``scan.host_outcome`` per outcome written, the
        events of one call together (:meth:`EventPort.publish_all`)."""
        if not results:
            return False
        by_id = {host.instance_id: (host, result) for host, result in results}
        written = self.rt.store.record_outcomes(
            scan_id, account.account_id, account.region, [(h.instance_id, r) for h, r in results]
        )
        seqs = self.rt.store.next_event_seqs(scan_id, len(written))
        events = []
        for seq, (instance_id, outcome) in zip(seqs, written, strict=True):
            host, result = by_id[instance_id]
            detail = result.detail
            if outcome != result.outcome:
                reread = self.rt.store.host(scan_id, account.account_id, account.region, instance_id)
                detail = reread.detail if reread is not None and reread.detail is not None else detail
            events.append(
                HostOutcomeEvent(
                    scan_id=scan_id,
                    seq=seq,
                    account=self._ref(account),
                    instance_id=instance_id,
                    name=host.name,
                    outcome=outcome,
                    detail=detail,
                    command_id=host.command_id,
                )
            )
        self.rt.events.publish_all(events)  # ten to an SQS request
        return bool(written)

    def _progress(self, scan_id: str) -> None:
        scan = self.rt.store.get_scan(scan_id)
        self.rt.events.publish(
            ScanProgress(
                scan_id=scan_id,
                seq=self.rt.store.next_event_seq(scan_id),
                total=scan.hosts_total,
                done=scan.hosts_done,
                counts=scan.counts,
                accounts_total=scan.accounts_total,
                accounts_done=scan.accounts_done,
            )
        )

    # -- dispatch ------------------------------------------------------------------------------

    def dispatch(self, job: DispatchJob) -> None:
        store = self.rt.store
        scan = store.get_scan(job.scan_id)
        if scan.status not in ACTIVE:
            return
        owner = uuid.uuid4().hex
        claim = store.claim_dispatch(
            job.scan_id,
            job.account_id,
            job.region,
            owner=owner,
            now=self.rt.now(),
            lease=DISPATCH_LEASE_SECONDS,
        )
        if not claim.claimed or claim.account is None:
            self._not_claimed(job)
            return
        account = claim.account
        try:
            if needs_approval(self.rt.config, scan.targets):
                try:
                    check_approved(self.rt.approvals, scan)
                except ApprovalRequiredError as exc:
                    log.error("dispatch refused: %s", exc)
                    self._unreachable(scan, account, str(exc))
                    return
            try:
                clients = self._account_clients(scan, job.account_id, job.region)
            except AccountUnreachableError as exc:
                self._unreachable(scan, account, exc.reason)
                return
            if account.discovered:
                hosts = store.hosts(job.scan_id, job.account_id, job.region)
            else:
                # Sends follow discovery, so nothing was sent here yet: the hosts just written
                # are the account's whole state, no need to read them back.
                hosts = self._discover(scan, account, clients)
            todo = [h for h in hosts if h.phase == HostPhase.PENDING and h.skip is None]
            if todo:
                self._send(scan, account, clients, todo, adopt=claim.takeover)
            # Skipped hosts are recorded after the sends, so every account starts sending early.
            self._record(
                scan.scan_id,
                account,
                [(h, h.skip) for h in hosts if h.skip is not None and h.outcome is None],
            )
        except BaseException:
            store.release_dispatch(job.scan_id, job.account_id, job.region, owner=owner)
            raise
        store.mark_dispatched(job.scan_id, job.account_id, job.region)
        self._progress(job.scan_id)
        self.rt.jobs.submit(
            TrackJob(scan_id=job.scan_id, account_id=job.account_id, region=job.region, round=1),
            delay_seconds=self.rt.config.rate_limits.poll_interval_seconds,
        )

    def _not_claimed(self, job: DispatchJob) -> None:
        """The lease was not ours: the account is done, dispatched, or another delivery holds it."""
        account = self.rt.store.account(job.scan_id, job.account_id, job.region)
        if account.phase == AccountPhase.DONE:
            self.rt.jobs.submit(FinalizeJob(scan_id=job.scan_id))
        elif account.phase == AccountPhase.DISPATCHED:
            # Re-delivered after the work was done: make sure tracking runs (a duplicate round is a no-op).
            self.rt.jobs.submit(
                TrackJob(scan_id=job.scan_id, account_id=job.account_id, region=job.region, round=1)
            )
        else:
            self._after_the_lease(job, DISPATCH_LEASE_SECONDS)  # another delivery holds the lease

    def _after_the_lease(self, job: Job, lease: float) -> None:
        """Another delivery holds ``job``'s claim and its lease is fresh: look again once the lease
        has gone stale. If that delivery finished, this finds nothing left to do; if its worker
        died, this takes the work over. Dropping the job instead would lose the work whenever the
        jobs queue brings a dead worker's message back before the lease ends: its visibility
        timeout is six times the worker's timeout (at least 180 s), shorter than the dispatch and
        tracking leases. It happens only to a job delivered twice."""
        self.rt.jobs.submit(job, delay_seconds=min(float(SQS_MAX_DELAY), lease + 1.0))

    def _unreachable(self, scan: ScanRecord, account: AccountItem, reason: str) -> None:
        store = self.rt.store
        if store.finish_account(scan.scan_id, account.account_id, account.region, unreachable_reason=reason):
            self.rt.events.publish(
                AccountUnreachable(
                    scan_id=scan.scan_id,
                    seq=store.next_event_seq(scan.scan_id),
                    account=self._ref(account),
                    reason=reason,
                )
            )
            self._progress(scan.scan_id)
        self.rt.jobs.submit(FinalizeJob(scan_id=scan.scan_id))

    def _discover(self, scan: ScanRecord, account: AccountItem, clients: _AccountClients) -> list[HostItem]:
        found = discover(clients.ssm, clients.ec2, account.instance_ids)
        hosts = self.rt.store.put_hosts(
            scan.scan_id,
            account.account_id,
            account.region,
            [*((h, None) for h in found.targets), *found.skipped],
        )
        self.rt.store.mark_discovered(
            scan.scan_id,
            account.account_id,
            account.region,
            len(found.targets) + len(found.skipped),
            coverage=found.coverage,
        )
        return hosts

    def _send(
        self,
        scan: ScanRecord,
        account: AccountItem,
        clients: _AccountClients,
        todo: list[HostItem],
        *,
        adopt: bool,
    ) -> None:
        """Send to every host of ``todo`` (we hold the account's dispatch lease)."""
        store = self.rt.store
        config = self.rt.config
        sid, aid, region = scan.scan_id, account.account_id, account.region
        comment = comment_for(sid)
        deadline_after = deadline_seconds(
            config.scan.delivery_timeout_seconds, config.scan.execution_timeout_seconds
        )
        if scan.status == ScanStatus.CANCELLING:
            reason = "the scan was cancelled before this host was sent its command"
            self._record(
                sid,
                account,
                [
                    (h, HostResult(outcome=HostOutcome.CANCELLED, detail=OutcomeDetail(reason=reason)))
                    for h in todo
                ],
            )
            return
        if scan.bundle_sha256 is None or scan.document_hash is None:
            raise ScanStateError(f"scan {sid} was not started (no bundle or document hash)")
        bundle_sha256 = scan.bundle_sha256
        if adopt:
            # The previous holder died: commands it sent but did not record are adopted, not resent.
            # A failed lookup raises: the dispatch gives up its lease and is delivered again.
            document_arn = config.document_arn(self.rt.partition)
            adopted = [
                (h.instance_id, find_sent_command(clients.ssm, h.instance_id, comment, document_arn))
                for h in todo
            ]
            store.mark_sent_many(
                sid, aid, region, [(i, c, self.rt.now() + deadline_after) for i, c in adopted if c]
            )
            todo = [h for h, (_, c) in zip(todo, adopted, strict=True) if c is None]
        sender = Sender(
            clients.ssm,
            document_arn=config.document_arn(self.rt.partition),
            document_hash=scan.document_hash,
            timeout_seconds=config.scan.delivery_timeout_seconds,
            comment=comment,
        )
        presigner = self.presigner()
        lock = threading.Lock()
        sent: list[tuple[str, str, float]] = []
        rejected: list[tuple[HostItem, HostResult]] = []

        def flush(force: bool) -> None:
            with lock:
                if not sent or (len(sent) < SENT_PER_ITEM and not force):
                    return
                batch = sent[:]
                sent.clear()
            store.mark_sent_many(sid, aid, region, batch)

        def one(host: HostItem) -> None:
            iid = host.instance_id
            working_directory = config.scan.working_directory.replace("{scan_id}", sid).replace(
                "{instance_id}", iid
            )
            parameters = {
                # Signed per host at send time: each URL's life starts when its command leaves.
                "scriptUrl": [presigner.bundle_get(bundle_sha256, iid)],
                "uploadUrl": [presigner.result_put(sid, aid, iid)],
                "workingDirectory": [working_directory],
                "bundleSha256": [bundle_sha256],
            }
            result = sender.send(iid, parameters)
            if self.rt.on_send is not None:
                self.rt.on_send(aid, region, result)
            with lock:
                if result.command_id is not None:
                    sent.append((iid, result.command_id, self.rt.now() + deadline_after))
                else:
                    reason = f"SendCommand refused: {result.error_code}: {result.error_message}"[:500]
                    rejected.append(
                        (
                            host,
                            HostResult(
                                outcome=HostOutcome.DISPATCH_REJECTED,
                                detail=OutcomeDetail(status_details=result.error_code, reason=reason),
                            ),
                        )
                    )
            flush(force=False)

        if todo:
            # Several hosts at once, sharing the account's bucket; every send ends before the
            # dispatch does (which may then give up its lease), however the others end.
            threads = min(sender_threads(config.rate_limits.send_command_per_second), len(todo))
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"send-{aid}") as pool:
                futures = [pool.submit(one, host) for host in todo]
            for future in futures:
                future.result()
        flush(force=True)
        self._record(sid, account, rejected)

    # -- track ---------------------------------------------------------------------------------

    def track(self, job: TrackJob) -> None:
        store = self.rt.store
        scan = store.get_scan(job.scan_id)
        if scan.status not in ACTIVE:
            return
        account = store.account(job.scan_id, job.account_id, job.region)
        if account.phase == AccountPhase.DONE:
            self.rt.jobs.submit(FinalizeJob(scan_id=job.scan_id))
            return
        if not store.claim_track_round(
            job.scan_id, job.account_id, job.region, job.round, now=self.rt.now(), lease=TRACK_LEASE_SECONDS
        ):
            if store.account(job.scan_id, job.account_id, job.region).track_round == job.round:
                self._after_the_lease(job, TRACK_LEASE_SECONDS)  # another delivery works this round
            return
        hosts = store.hosts(job.scan_id, job.account_id, job.region)
        open_hosts = [h for h in hosts if h.phase != HostPhase.DONE]
        results = self._track_round(scan, account, open_hosts) if open_hosts else []
        changed = self._record(job.scan_id, account, results)
        # A host given a result is done now, by this write or an earlier one. The rest were open when
        # read: one that another writer closed since then is found done in the next round.
        ended = {host.instance_id for host, _ in results}
        remaining = [h for h in open_hosts if h.instance_id not in ended]
        if not remaining:
            if store.finish_account(job.scan_id, job.account_id, job.region):
                changed = True
            self.rt.jobs.submit(FinalizeJob(scan_id=job.scan_id))
        else:
            self.rt.jobs.submit(
                TrackJob(
                    scan_id=job.scan_id, account_id=job.account_id, region=job.region, round=job.round + 1
                ),
                delay_seconds=self.rt.config.rate_limits.poll_interval_seconds,
            )
        if changed:
            self._progress(job.scan_id)

    def _track_round(
        self, scan: ScanRecord, account: AccountItem, open_hosts: list[HostItem]
    ) -> list[tuple[HostItem, HostResult]]:
        """The open hosts that have a final outcome this round, each with its result."""
        now = self.rt.now()
        try:
            clients = self._account_clients(scan, account.account_id, account.region)
        except AccountUnreachableError as exc:
            # The account let us in to send, and no longer does: waiting for the deadline would only
            # hide why (docs/design.md, "Host outcomes").
            return _tracking_denied(
                open_hosts, f"the account could not be entered again to track: {exc.reason}"
            )
        if scan.status == ScanStatus.CANCELLING:
            for host in open_hosts:
                if host.command_id:
                    cancel(clients.ssm, host.command_id)
            reason = "the scan was cancelled"
            return [
                (h, HostResult(outcome=HostOutcome.CANCELLED, detail=OutcomeDetail(reason=reason)))
                for h in open_hosts
            ]
        by_id = {h.instance_id: h for h in open_hosts}
        pending = [
            Pending(h.instance_id, h.command_id, h.deadline or now)
            for h in open_hosts
            if h.phase == HostPhase.SENT and h.command_id
        ]
        since = (scan.started_at or scan.created_at) - SWEEP_MARGIN
        try:
            finished, _ = poll(clients.ssm, pending, now=self.rt.now, since=since)
        except TrackingDeniedError as exc:
            for sent in pending:
                cancel(clients.ssm, sent.command_id)  # best effort: the role may not cancel either
            return _tracking_denied(open_hosts, f"tracking was denied: {exc}")
        return [(by_id[p.instance_id], r) for p, r in finished]

    # -- finalize ------------------------------------------------------------------------------

    def finalize(self, job: FinalizeJob) -> None:
        """Close the scan once every account is done; then work a round of its report."""
        scan = self.rt.store.get_scan(job.scan_id)
        if scan.status in ACTIVE:
            if not self._close_when_done(scan):
                return
        elif scan.status not in CLOSED:
            return
        # A job from before the close (tracking's, or the closing one delivered again) works round 1.
        self._report(job.scan_id, max(job.round, 1))

    def _close_when_done(self, scan: ScanRecord) -> bool:
        """True when this delivery closed the scan: every account was done and it took the claim."""
        store = self.rt.store
        if any(a.phase != AccountPhase.DONE for a in store.accounts(scan.scan_id)):
            return False
        owner = uuid.uuid4().hex
        if not store.claim_finalize(
            scan.scan_id, owner=owner, now=self.rt.now(), lease=FINALIZE_LEASE_SECONDS
        ):
            # Another delivery is closing the scan. Should its worker die, the job's own message
            # comes back after the lease (see FINALIZE_LEASE_SECONDS) and takes the claim over.
            return False
        closed = None
        try:
            closed = self._close(scan)
        finally:
            if closed is None:  # failed, or another closed the scan: a later delivery may try
                store.release_finalize(scan.scan_id, owner=owner)
        if closed is None:
            return False
        self._forget(scan.scan_id)
        return True

    def _report(self, scan_id: str, round_: int) -> None:
        """Work report round ``round_`` if it is this delivery's to work (see the module docstring)."""
        store = self.rt.store
        claim = store.claim_report(scan_id, round_, now=self.rt.now(), lease=FINALIZE_LEASE_SECONDS)
        if claim is None:
            return  # published already, or the round is another delivery's
        try:
            self._report_round(claim, round_)
        except BaseException:
            store.release_report(scan_id, round_)  # the job's next delivery takes the round over
            raise

    def _report_round(self, claim: ReportClaim, round_: int) -> None:
        scan, store = claim.scan, self.rt.store
        hosts, accounts = store.hosts(scan.scan_id), store.accounts(scan.scan_id)
        files: ReportFiles | None = None
        error: str | None = None
        if self.rt.reports is not None:
            now = self.rt.utcnow()
            closed_at = scan.finished_at or now
            wait_seconds = self.rt.config.scan.report_wait_seconds
            try:
                wait = report_wait(
                    len(awaiting_analysis(hosts, self.rt.reports.judged(scan.scan_id))),
                    closed_at=closed_at,
                    now=now,
                    wait_seconds=wait_seconds,
                    poll_seconds=REPORT_POLL_SECONDS,
                )
                if wait is not None:
                    self._next_report_round(scan.scan_id, round_, wait)
                    return
                published = self.rt.reports.publish(
                    scan.scan_id,
                    host_states(hosts, accounts),
                    previous_scan_id=store.previous_finished(scan),
                    coverage=coverage_of(accounts),
                )
            except ReportError as exc:
                if now < closed_at + timedelta(seconds=wait_seconds + PUBLISH_GIVE_UP_SECONDS):
                    log.warning("scan %s: %s; trying again", scan.scan_id, exc)
                    self._next_report_round(scan.scan_id, round_, PUBLISH_RETRY_SECONDS)
                    return
                log.error("scan %s: %s; giving up, scan.finished says so", scan.scan_id, exc)
                error = str(exc)
            else:
                files = published.files
        self.rt.events.publish(self._finished(scan, claim.finished_seq, hosts, accounts, files, error))
        store.mark_report_published(scan.scan_id, self.rt.utcnow())

    def _next_report_round(self, scan_id: str, round_: int, delay: float) -> None:
        self.rt.jobs.submit(FinalizeJob(scan_id=scan_id, round=round_ + 1), delay_seconds=delay)

    @staticmethod
    def _finished(
        scan: ScanRecord,
        seq: int,
        hosts: list[HostItem],
        accounts: list[AccountItem],
        files: ReportFiles | None,
        error: str | None,
    ) -> ScanFinished:
        """``scan.finished`` counted from the items as they are now, the analyzer's corrections made
        since the close included."""
        tally = FinalTally(
            tuple(accounts), tuple((h.account_id, h.outcome) for h in hosts if h.outcome is not None)
        )
        counts = tally.counts()
        discovered = sum(a.hosts for a in accounts if a.discovered)
        return ScanFinished(
            scan_id=scan.scan_id,
            seq=seq,
            status="CANCELLED" if scan.status == ScanStatus.CANCELLED else "FINISHED",
            total=discovered + counts.get(HostOutcome.ACCOUNT_UNREACHABLE, 0),
            counts=dict(counts),
            by_account=tally.by_account(),
            started_at=scan.started_at,
            finished_at=scan.finished_at or datetime.now(UTC),
            report=files,
            report_error=error,
        )

    def _close(self, scan: ScanRecord) -> ScanStatus | None:
        """Close the scan, recounted, from the active status it has: FINISHED when it was running,
        CANCELLED when it was being cancelled. A cancel may move it from RUNNING to CANCELLING
        meanwhile; it is then closed as CANCELLED. None when it is no longer active."""
        store = self.rt.store
        for _ in range(len(ACTIVE)):  # the status only moves forward: RUNNING, then CANCELLING
            final = ScanStatus.FINISHED if scan.status == ScanStatus.RUNNING else ScanStatus.CANCELLED
            finished_at = self.rt.utcnow()
            if store.finalize(scan.scan_id, (scan.status,), final, finished_at.isoformat()) is not None:
                return final
            scan = store.get_scan(scan.scan_id)
            if scan.status not in ACTIVE:
                return None
        return None
