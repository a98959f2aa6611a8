"""Job messages and their two transports: in-process worker threads (local) and SQS (AWS).

A scan runs as ``dispatch(scan, account, region)`` per account and region, then ``track(…)``
(re-queued with a delay until every host is final), then ``finalize(scan)`` (re-queued with a delay
while the report waits for the analyzer). Both transports
deliver at least once; the handlers (:mod:`scanner.handlers`) are idempotent, so a job delivered
twice changes nothing.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "DispatchJob",
    "FinalizeJob",
    "Job",
    "JobQueue",
    "SqsJobQueue",
    "ThreadJobQueue",
    "TrackJob",
    "parse_job",
]

log = logging.getLogger(__name__)
SQS_MAX_DELAY = 900


class _Job(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    scan_id: str

    def to_json(self) -> str:
        return self.model_dump_json()


class DispatchJob(_Job):
    """Enter one account and region, discover its hosts, send each its command."""

    kind: Literal["dispatch"] = "dispatch"
    account_id: str
    region: str


class TrackJob(_Job):
    """Poll one account's commands once; re-queued until every host is final."""

    kind: Literal["track"] = "track"
    account_id: str
    region: str
    round: int = Field(default=0, ge=0)


class FinalizeJob(_Job):
    """Close the scan when every account is done, then write its report and emit ``scan.finished``;
    ``round`` ≥ 1 is a report round re-queued while the report waits for the analyzer."""

    kind: Literal["finalize"] = "finalize"
    round: int = Field(default=0, ge=0)


Job = Annotated[DispatchJob | TrackJob | FinalizeJob, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[Job] = TypeAdapter(Job)


def parse_job(text: str | bytes) -> Job:
    return _ADAPTER.validate_json(text)


class JobQueue(Protocol):
    """Where handlers put follow-up jobs."""

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None: ...


class SqsJobQueue:
    """The AWS transport: one message per job (``DelaySeconds`` ≤ 900); the worker Lambda consumes it."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._sqs = client
        self._queue_url = queue_url

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None:
        self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=job.to_json(),
            DelaySeconds=max(0, min(SQS_MAX_DELAY, round(delay_seconds))),
        )


class ThreadJobQueue:
    """The local transport: ``workers`` threads run jobs as they come due.

    ``deliveries`` > 1 hands every job to the handler that many times (at-least-once delivery made
    visible, for tests). A job whose handler raises is retried up to ``max_attempts`` times.
    """

    def __init__(
        self,
        handler: Callable[[Job], None] | None = None,
        *,
        workers: int = 8,
        deliveries: int = 1,
        max_attempts: int = 3,
        retry_delay: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._handler = handler
        self._workers = workers
        self._deliveries = deliveries
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._clock = clock
        self._heap: list[tuple[float, int, Job, int]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._outstanding = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        self.failures: list[tuple[Job, BaseException]] = []

    def bind(self, handler: Callable[[Job], None]) -> None:
        self._handler = handler

    def start(self) -> ThreadJobQueue:
        for index in range(self._workers):
            thread = threading.Thread(target=self._run, name=f"job-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None:
        with self._cond:
            if self._closed:
                return
            due = self._clock() + max(0.0, delay_seconds)
            for _ in range(self._deliveries):
                heapq.heappush(self._heap, (due, next(self._order), job, 1))
                self._outstanding += 1
            self._cond.notify_all()

    def _next(self) -> tuple[Job, int] | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._heap:
                    due, _, job, attempt = self._heap[0]
                    wait = due - self._clock()
                    if wait <= 0:
                        heapq.heappop(self._heap)
                        return job, attempt
                    self._cond.wait(timeout=wait)
                else:
                    self._cond.wait()

    def _run(self) -> None:
        while True:
            item = self._next()
            if item is None:
                return
            job, attempt = item
            try:
                assert self._handler is not None, "bind a handler before start()"
                self._handler(job)
            except Exception as exc:
                log.exception("job %s failed (attempt %d)", job.kind, attempt)
                with self._cond:
                    if attempt < self._max_attempts and not self._closed:
                        due = self._clock() + self._retry_delay
                        heapq.heappush(self._heap, (due, next(self._order), job, attempt + 1))
                        self._outstanding += 1
                    else:
                        self.failures.append((job, exc))
            finally:
                with self._cond:
                    self._outstanding -= 1
                    self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False on timeout."""
        end = None if timeout is None else self._clock() + timeout
        with self._cond:
            while self._outstanding > 0:
                remaining = None if end is None else end - self._clock()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(timeout=remaining if remaining is not None else 1.0)
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
