"""The engine holds the two-person rule (moto): a scan whose targets need approval is created
awaiting it and starts only with an approver who is not its requester, whose decision on the
pending, unexpired request is written with the start; whatever the scan item says, without that
decision nothing is queued. It is cancelled at once, and once denied or expired it stays so. A
scan that needs no approval still starts without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scanner.approvals import ApprovalStatus
from scanner.config import Config
from scanner.errors import ApprovalRequiredError, LinkedWriteRefusedError, ScanStateError
from scanner.events import ScanStarted
from scanner.jobs import DispatchJob
from scanner.models import AccountTarget, ScanStatus, ScanTargets
from scanner.state import ScanStore
from tests.moto_engine import BUNDLE_SHA256, MotoEngine, engine_on_moto, prod_scan

SCAN = "20261126T090000-0000a1"
REQUESTER, APPROVER = "U01REQUESTER", "U02APPROVER"
DECIDED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture
def moto(store: ScanStore, config: Config) -> MotoEngine:
    return engine_on_moto(config, store)


def test_a_scan_of_targets_that_need_approval_is_created_awaiting_it(moto: MotoEngine) -> None:
    targets = prod_scan(SCAN).targets
    assert moto.engine.needs_approval(targets)
    awaiting = moto.engine.create("account", ["prod-db"], REQUESTER, targets=targets)
    assert awaiting.status is ScanStatus.AWAITING_APPROVAL


def test_a_scan_of_targets_that_need_approval_recorded_created_still_needs_an_approver(
    moto: MotoEngine,
) -> None:
    """The rule follows the targets and the configuration, not the status the scan item says."""
    moto.store.create_scan(prod_scan(SCAN, status=ScanStatus.CREATED))
    with pytest.raises(ApprovalRequiredError):
        moto.engine.start(SCAN)
    assert moto.store.get_scan(SCAN).status is ScanStatus.CREATED
    assert moto.jobs.submitted == []


def test_an_approver_without_a_pending_request_starts_nothing(moto: MotoEngine) -> None:
    moto.store.create_scan(prod_scan(SCAN))
    with pytest.raises(LinkedWriteRefusedError):
        moto.engine.start(SCAN, approver=APPROVER)
    assert moto.store.get_scan(SCAN).status is ScanStatus.AWAITING_APPROVAL
    assert moto.jobs.submitted == []


def test_an_approval_after_the_request_expired_starts_nothing(moto: MotoEngine) -> None:
    moto.store.create_scan(prod_scan(SCAN))
    requested = datetime.now(UTC) - timedelta(hours=2)
    moto.approvals.request(SCAN, REQUESTER, requested, requested + timedelta(hours=1))
    with pytest.raises(LinkedWriteRefusedError):
        moto.engine.start(SCAN, approver=APPROVER)
    assert moto.approvals.get(SCAN).status is ApprovalStatus.PENDING
    assert moto.jobs.submitted == []


def test_a_running_scan_without_an_approval_record_is_not_dispatched_again(moto: MotoEngine) -> None:
    """A scan item moved to RUNNING by anyone but the engine (a forged write) gets no jobs."""
    moto.store.create_scan(prod_scan(SCAN, status=ScanStatus.RUNNING))
    with pytest.raises(ApprovalRequiredError, match="none was requested"):
        moto.engine.start(SCAN, approver=APPROVER)
    assert moto.jobs.submitted == []


@pytest.mark.parametrize("approver", [None, REQUESTER], ids=["nobody", "the-requester"])
def test_a_scan_awaiting_approval_does_not_start_without_another_persons_approval(
    moto: MotoEngine, approver: str | None
) -> None:
    moto.store.create_scan(prod_scan(SCAN))
    with pytest.raises(ScanStateError):
        moto.engine.start(SCAN, approver=approver)
    assert moto.store.get_scan(SCAN).status is ScanStatus.AWAITING_APPROVAL
    assert moto.jobs.submitted == []
    assert moto.bus.log == []


def test_a_scan_awaiting_approval_starts_with_its_approver(moto: MotoEngine) -> None:
    moto.store.create_scan(prod_scan(SCAN))
    now = datetime.now(UTC)
    moto.approvals.request(SCAN, REQUESTER, now, now + timedelta(hours=1))
    scan = moto.engine.start(SCAN, approver=APPROVER)
    assert (scan.status, scan.approver, scan.bundle_sha256) == (ScanStatus.RUNNING, APPROVER, BUNDLE_SHA256)
    assert moto.jobs.submitted == [
        DispatchJob(scan_id=SCAN, account_id="333333333333", region="ap-northeast-2")
    ]
    started = [e for e in moto.bus.log if isinstance(e, ScanStarted)]
    assert [e.approver for e in started] == [APPROVER]


def test_a_scan_that_needs_no_approval_starts_without_an_approver(moto: MotoEngine) -> None:
    dev = prod_scan(SCAN, status=ScanStatus.CREATED)
    target = AccountTarget(account_id="444444444444", alias="dev-app", region="ap-northeast-2")
    dev = dev.model_copy(
        update={"targets": ScanTargets(kind="account", names=("dev-app",), accounts=(target,))}
    )
    assert not moto.engine.needs_approval(dev.targets)
    moto.store.create_scan(dev)
    scan = moto.engine.start(SCAN)
    assert (scan.status, scan.approver) == (ScanStatus.RUNNING, None)


def test_a_scan_awaiting_approval_is_cancelled_at_once(moto: MotoEngine) -> None:
    moto.store.create_scan(prod_scan(SCAN))
    scan = moto.engine.cancel(SCAN, by=REQUESTER)
    assert scan.status is ScanStatus.CANCELLED
    assert scan.finished_at is not None
    assert moto.jobs.submitted == []
    with pytest.raises(ScanStateError, match="CANCELLED"):
        moto.engine.start(SCAN, approver=APPROVER)


@pytest.mark.parametrize("ended", [ScanStatus.DENIED, ScanStatus.EXPIRED])
def test_a_denied_or_expired_scan_is_final(moto: MotoEngine, ended: ScanStatus) -> None:
    moto.store.create_scan(prod_scan(SCAN))
    assert moto.store.decline(SCAN, ended, decided_at=DECIDED, decided_by=APPROVER)
    with pytest.raises(ScanStateError, match=ended.value):
        moto.engine.start(SCAN, approver=APPROVER)
    assert moto.engine.cancel(SCAN, by=REQUESTER).status is ended
    assert moto.jobs.submitted == []
