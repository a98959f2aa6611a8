"""A job delivered twice while its first delivery holds the claim comes back once the lease is
stale, instead of being dropped: the first delivery's worker may have died."""

from __future__ import annotations

import boto3
import pytest

from scanner.config import Config
from scanner.events import InProcessBus
from scanner.handlers import DISPATCH_LEASE_SECONDS, TRACK_LEASE_SECONDS, JobHandlers
from scanner.jobs import DispatchJob, Job, TrackJob
from scanner.models import Host, ScanStatus
from scanner.runtime import Runtime
from scanner.state import ScanStore
from tests.moto_engine import KeptJobs
from tests.scanner.conftest import REGION, scan_record

ACCOUNT = "222222222222"
SCAN = "20261126T000000-abcdef"
NOW = 1_800_000_000.0


@pytest.fixture
def handlers(store: ScanStore, config: Config) -> JobHandlers:
    """A running scan with one account of three hosts, discovered."""
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    ids = [f"i-0{n:016x}" for n in range(3)]
    store.put_hosts(SCAN, ACCOUNT, REGION, [(Host(instance_id=i), None) for i in ids])
    store.mark_discovered(SCAN, ACCOUNT, REGION, len(ids))
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    runtime = Runtime(
        config=config,
        store=store,
        events=InProcessBus(),
        jobs=KeptJobs(),
        central_session=boto3.Session(region_name=REGION),
        now=lambda: NOW,
    )
    return JobHandlers(runtime)


def _submitted(handlers: JobHandlers) -> list[tuple[Job, float]]:
    jobs = handlers.rt.jobs
    assert isinstance(jobs, KeptJobs)
    return list(zip(jobs.submitted, jobs.delays, strict=True))


def test_a_tracking_round_another_delivery_holds_comes_back_after_the_lease(
    handlers: JobHandlers, store: ScanStore
) -> None:
    store.mark_dispatched(SCAN, ACCOUNT, REGION)
    assert store.claim_track_round(SCAN, ACCOUNT, REGION, 2, now=NOW - 10, lease=TRACK_LEASE_SECONDS)
    job = TrackJob(scan_id=SCAN, account_id=ACCOUNT, region=REGION, round=2)
    handlers.track(job)
    assert _submitted(handlers) == [(job, TRACK_LEASE_SECONDS + 1)]


def test_a_tracking_round_already_followed_by_a_later_one_is_dropped(
    handlers: JobHandlers, store: ScanStore
) -> None:
    store.mark_dispatched(SCAN, ACCOUNT, REGION)
    assert store.claim_track_round(SCAN, ACCOUNT, REGION, 3, now=NOW - 10, lease=TRACK_LEASE_SECONDS)
    handlers.track(TrackJob(scan_id=SCAN, account_id=ACCOUNT, region=REGION, round=2))
    assert _submitted(handlers) == []


def test_a_dispatch_another_delivery_holds_comes_back_after_the_lease(
    handlers: JobHandlers, store: ScanStore
) -> None:
    held = store.claim_dispatch(
        SCAN, ACCOUNT, REGION, owner="other", now=NOW - 10, lease=DISPATCH_LEASE_SECONDS
    )
    assert held.claimed
    job = DispatchJob(scan_id=SCAN, account_id=ACCOUNT, region=REGION)
    handlers.dispatch(job)
    assert _submitted(handlers) == [(job, 900.0)]  # SQS delays at most 900 s: it looks again then
