"""A decision on an approval request and the scan's change, written as one.

Approve starts the scan (AWAITING_APPROVAL → RUNNING): the engine, which holds the two-person rule,
writes the approval with the start. Deny closes it DENIED,
and expiry (a click too late, or the notifier's sweep) closes it EXPIRED. Each time the approval's
conditional update is linked to the scan's conditional status change in one transaction, so the
request and the scan never disagree, whatever fails between two writes. A decision that loses is
told why, read back from the request (:func:`refusal`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.ports import ScanOps
from bot.starting import AwsFailure, start_with_retries
from scanner.approvals import Approval, ApprovalStatus, ApprovalStore
from scanner.errors import LinkedWriteRefusedError, ScanStateError
from scanner.models import ScanStatus
from scanner.state import UNDECIDED

__all__ = ["Decision", "Refusal", "decide", "expire", "refusal"]

# self_approval: the requester clicked; already_decided: someone decided first; expired: the
# request's time is up; scan_closed: the scan awaits the request no more (it was cancelled).
Refusal = Literal["self_approval", "already_decided", "expired", "scan_closed"]


class Decision(BaseModel):
    """What a click (or the sweep) did: ``won`` is true only for the one that made the decision."""

    model_config = ConfigDict(frozen=True)

    approval: Approval
    won: bool
    refused: Refusal | None = None


def refusal(approval: Approval, user: str, now: datetime) -> Refusal | None:
    """Why ``user``'s decision at ``now`` cannot apply to ``approval``; None when the request would
    take it (then it is the scan that no longer awaits the decision)."""
    if approval.status is ApprovalStatus.EXPIRED:
        return "expired"
    if approval.status is not ApprovalStatus.PENDING:
        return "already_decided"
    if approval.requester == user:
        return "self_approval"
    if int(approval.expires_at.timestamp()) <= int(now.timestamp()):
        return "expired"
    return None


def decide(
    approvals: ApprovalStore, scans: ScanOps, scan_id: str, user: str, *, approve: bool, now: datetime
) -> Decision:
    """``user`` approves (the scan starts) or denies (the scan is DENIED); only the first valid
    decision before the request expires is kept, together with the scan's change."""
    try:
        if approve:
            try:
                # The engine writes the approval with the scan's start, on the request's terms.
                scans.start(scan_id, approver=user, decided_at=now)
            except AwsFailure:
                # The decision and the move to RUNNING are one write: if it was made, only queueing
                # the jobs failed, and starting the running scan again queues them.
                if scans.get(scan_id).status is not ScanStatus.RUNNING:
                    raise
                start_with_retries(lambda: scans.start(scan_id, approver=user))
            made = True
        else:
            made = scans.decline(
                scan_id,
                ScanStatus.DENIED,
                decided_at=now,
                decided_by=user,
                linked_write=approvals.decision_write(scan_id, user, approve=False, now=now),
            )
    except (LinkedWriteRefusedError, ScanStateError):
        made = False
    if made:
        return Decision(approval=approvals.get(scan_id), won=True)
    return _refused(approvals, scans, scan_id, user, now)


def _refused(approvals: ApprovalStore, scans: ScanOps, scan_id: str, user: str, now: datetime) -> Decision:
    approval = approvals.get(scan_id)
    reason = refusal(approval, user, now)
    if reason == "expired" and approval.status is ApprovalStatus.PENDING:
        expired = expire(approvals, scans, scan_id, now)
        return Decision(approval=expired.approval, won=False, refused="expired")
    if reason is not None:
        return Decision(approval=approval, won=False, refused=reason)
    scan = scans.get(scan_id)
    if scan.status in UNDECIDED:
        raise ScanStateError(
            f"the decision on scan {scan_id} was refused, and the request and scan still await it"
        )
    return Decision(approval=approval, won=False, refused="scan_closed")


def expire(approvals: ApprovalStore, scans: ScanOps, scan_id: str, now: datetime) -> Decision:
    """Expire a pending request whose time is up, and its scan with it; ``won`` when this call did.

    A scan cancelled while it awaited the request keeps its status: the request expires alone (a
    scan never returns to awaiting approval, so the two cannot disagree later).
    """
    try:
        expired = scans.decline(
            scan_id, ScanStatus.EXPIRED, decided_at=now, linked_write=approvals.expiry_write(scan_id, now)
        )
        won = expired or approvals.expire_alone(scan_id, now)
    except LinkedWriteRefusedError:  # the request is decided already, or not due yet
        won = False
    return Decision(approval=approvals.get(scan_id), won=won)
