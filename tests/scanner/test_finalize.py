"""Closing a scan: of the finalize jobs racing at its end one recounts it, and none leaves it open."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from scanner.config import Config
from scanner.events import InProcessBus, ScanFinished
from scanner.handlers import JobHandlers
from scanner.jobs import FinalizeJob, Job
from scanner.models import Host, HostResult, ScanStatus
from scanner.outcomes import HostOutcome
from scanner.runtime import Runtime
from scanner.state import FinalTally, ScanStore
from tests.scanner.conftest import REGION, scan_record

ACCOUNT = "222222222222"
SCAN = "20261126T000000-abcdef"
JOB = FinalizeJob(scan_id=SCAN)


class _Jobs:
    def __init__(self) -> None:
        self.submitted: list[Job] = []

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None:
        self.submitted.append(job)


@pytest.fixture
def handlers(store: ScanStore, config: Config) -> JobHandlers:
    """Handlers on a scan whose only account is done: three hosts succeeded."""
    store.create_scan(scan_record(SCAN))
    store.put_account(SCAN, ACCOUNT, "a0", REGION, None)
    ids = [f"i-0{n:016x}" for n in range(3)]
    store.put_hosts(SCAN, ACCOUNT, REGION, [(Host(instance_id=i), None) for i in ids])
    store.mark_discovered(SCAN, ACCOUNT, REGION, len(ids))
    store.transition(SCAN, (ScanStatus.CREATED,), ScanStatus.RUNNING)
    store.record_outcomes(
        SCAN, ACCOUNT, REGION, [(i, HostResult(outcome=HostOutcome.SUCCEEDED)) for i in ids]
    )
    store.finish_account(SCAN, ACCOUNT, REGION)
    runtime = Runtime(
        config=config,
        store=store,
        events=InProcessBus(),
        jobs=_Jobs(),
        central_session=boto3.Session(region_name=REGION),
    )
    return JobHandlers(runtime)


def _finished_events(handlers: JobHandlers) -> list[ScanFinished]:
    bus = handlers.rt.events
    assert isinstance(bus, InProcessBus)
    return [e for e in bus.log if isinstance(e, ScanFinished)]


def _recount_with(
    monkeypatch: pytest.MonkeyPatch, store: ScanStore, before: Callable[[int], object]
) -> list[int]:
    """Run ``before(call number)`` ahead of each recount of ``store``; returns the call numbers."""
    calls: list[int] = []
    recount = store.finalize

    def finalize(*args: Any, **kwargs: Any) -> FinalTally | None:
        calls.append(len(calls) + 1)
        before(len(calls))
        return recount(*args, **kwargs)

    monkeypatch.setattr(store, "finalize", finalize)
    return calls


def test_of_four_finalize_jobs_racing_at_the_scans_end_one_recounts_and_closes_it(
    handlers: JobHandlers, store: ScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    others_returned = threading.Event()
    returned: list[str] = []
    lock = threading.Lock()
    # The recount waits (5 s at most) until the other three jobs are over: they must not recount.
    calls = _recount_with(monkeypatch, store, lambda _: others_returned.wait(timeout=5))
    start = threading.Barrier(4)

    def deliver(name: str) -> None:
        start.wait()
        handlers.finalize(JOB)
        with lock:
            returned.append(name)
            if len(returned) == 3:
                others_returned.set()

    threads = [threading.Thread(target=deliver, args=(f"job-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert calls == [1]
    assert store.get_scan(SCAN).status == ScanStatus.FINISHED
    [finished] = _finished_events(handlers)
    assert finished.by_account == {"a0": {HostOutcome.SUCCEEDED: 3}}


def test_a_finalize_that_fails_gives_its_claim_up_so_the_next_delivery_closes_the_scan(
    handlers: JobHandlers, store: ScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_first(call: int) -> None:
        if call == 1:
            raise RuntimeError("the recount's query timed out")

    _recount_with(monkeypatch, store, fail_first)

    with pytest.raises(RuntimeError):
        handlers.finalize(JOB)
    assert store.get_scan(SCAN).status == ScanStatus.RUNNING
    handlers.finalize(JOB)  # the job delivered again, at once: the claim is not left held

    assert store.get_scan(SCAN).status == ScanStatus.FINISHED
    assert len(_finished_events(handlers)) == 1


def test_a_scan_cancelled_while_its_finalize_holds_the_claim_is_closed_cancelled(
    handlers: JobHandlers, store: ScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cancel_first(call: int) -> None:
        if call == 1:  # the cancel lands between the claim and the recount, and queues its finalize
            assert store.transition(SCAN, (ScanStatus.RUNNING,), ScanStatus.CANCELLING)
            handlers.finalize(JOB)  # the cancel's job finds the claim held and stops

    calls = _recount_with(monkeypatch, store, cancel_first)
    handlers.finalize(JOB)

    assert calls == [1, 2]
    assert store.get_scan(SCAN).status == ScanStatus.CANCELLED
    [finished] = _finished_events(handlers)
    assert finished.status == "CANCELLED"
