"""What every entry runs on, built once per process: the configuration, the scan state, the job and
event transports, the report store and the central account's clients.

- :meth:`Runtime.from_env` is the Lambda entries' (bot, notifier, worker, and the analyzer when it
  first refuses a result): everything from the function's environment (docs/design.md, "The Lambda
  entries"). A transport whose queue the
  function is not given (the analyzer has no jobs queue) raises :class:`NotConfiguredError` if used.
  Its metrics are the process's EMF metrics (:func:`scanner.metrics.emf_metrics`, flushed by the
  entry's handler), and its events are counted as they are published
  (:class:`scanner.metrics.CountingEvents`: scans started and finished, hosts by outcome).
- :meth:`Runtime.in_process` is the command line's and the tests': jobs run on threads of this
  process and events go to an in-process bus; nothing is counted (:class:`scanner.metrics.NoMetrics`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from pydantic_settings import BaseSettings, SettingsConfigDict

from scanner.approvals import ApprovalStore
from scanner.config import Config, load_config_source
from scanner.dispatch import SendResult
from scanner.errors import CceScanError
from scanner.events import EventPort, ScanEvent, SqsEventPublisher
from scanner.jobs import Job, JobQueue, SqsJobQueue
from scanner.metrics import CountingEvents, MetricsPort, NoMetrics, emf_metrics
from scanner.ratelimit import RateLimiterRegistry
from scanner.report import ReportPort, S3Reports
from scanner.sessions import SessionCache
from scanner.state import ScanStore

__all__ = ["NotConfiguredError", "Runtime", "RuntimeSettings"]


class NotConfiguredError(CceScanError):
    """The function was not given what this operation needs (a queue URL of its environment)."""


class RuntimeSettings(BaseSettings):
    """The environment every Lambda entry shares (each function is given what it uses)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    cce_scan_config: str
    cce_scan_table: str
    cce_scan_approvals_table: str | None = None  # the analyzer is not given it
    cce_scan_jobs_queue_url: str | None = None
    cce_scan_events_queue_url: str | None = None
    aws_endpoint_url: str | None = None  # the local world's endpoint; AWS's own when unset


@dataclass(frozen=True)
class _Missing:
    """A transport the function has no queue for."""

    variable: str

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None:
        raise NotConfiguredError(f"{self.variable} is not set: this function cannot queue {job.kind}")

    def publish(self, event: ScanEvent) -> None:
        raise NotConfiguredError(f"{self.variable} is not set: this function cannot publish {event.type}")

    def publish_all(self, events: Sequence[ScanEvent]) -> None:
        for event in events:
            self.publish(event)


@dataclass
class Runtime:
    """The configuration, state, transports and central clients of one process."""

    config: Config
    store: ScanStore
    events: EventPort
    jobs: JobQueue
    central_session: boto3.Session
    # The approvals table (scanner/approvals.py); None where the function is not given it.
    approvals_table: str | None = None
    # The local world's endpoint, for member-account clients and presigned URLs.
    endpoint_url: str | None = None
    # Where central clients are sent; None lets botocore resolve it from the environment
    # (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL) or use AWS's own.
    central_endpoint_url: str | None = None
    # Where finalize writes the scan's report; None (in-process runs) writes none and waits for no analyzer.
    reports: ReportPort | None = None
    partition: str = "aws"
    events_queue_url: str | None = None
    now: Callable[[], float] = time.time
    on_send: Callable[[str, str, SendResult], None] | None = None
    # What the product counts (scanner/metrics.py): EMF in a Lambda entry, nothing in-process.
    metrics: MetricsPort = field(default_factory=NoMetrics)
    limiters: RateLimiterRegistry = field(init=False)
    _clients: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        limits = self.config.rate_limits
        self.limiters = RateLimiterRegistry(limits.send_command_per_second, limits.send_command_burst)

    @classmethod
    def from_env(
        cls,
        session: boto3.Session | None = None,
        *,
        settings: RuntimeSettings | None = None,
        config: Config | None = None,
        metrics: MetricsPort | None = None,
    ) -> Runtime:
        """The runtime of a Lambda entry, from its environment: state in DynamoDB, jobs and events
        through SQS, reports in the results bucket, the configuration from its file or SSM parameter
        (or ``config``, when the entry has read it already); counted into ``metrics`` (the
        process's EMF metrics when None), its published events included."""
        settings = settings or RuntimeSettings()  # filled from the environment
        metrics = metrics if metrics is not None else emf_metrics()
        any_session: Any = session or boto3.Session()
        # Built once here and kept for :meth:`client`, which would build the same ones again.
        clients = {name: any_session.client(name) for name in ("ssm", "sqs", "dynamodb", "s3")}
        if config is None:
            config = load_config_source(settings.cce_scan_config, clients["ssm"])
        jobs_url, events_url = settings.cce_scan_jobs_queue_url, settings.cce_scan_events_queue_url
        runtime = cls(
            config=config,
            store=ScanStore(
                clients["dynamodb"], settings.cce_scan_table, ttl_days=config.scan.state_ttl_days
            ),
            events=CountingEvents(
                SqsEventPublisher(clients["sqs"], events_url)
                if events_url
                else _Missing("CCE_SCAN_EVENTS_QUEUE_URL"),
                metrics,
            ),
            jobs=SqsJobQueue(clients["sqs"], jobs_url) if jobs_url else _Missing("CCE_SCAN_JOBS_QUEUE_URL"),
            central_session=any_session,
            approvals_table=settings.cce_scan_approvals_table,
            endpoint_url=settings.aws_endpoint_url,
            reports=S3Reports(
                clients["s3"],
                config.results_bucket,
                locale=config.locale,
                aliases={account.id: account.alias for account in config.accounts},
            ),
            partition=any_session.get_partition_for_region(any_session.region_name or config.central.region),
            events_queue_url=events_url,
            metrics=metrics,
        )
        runtime._clients.update(clients)
        return runtime

    @classmethod
    def in_process(
        cls,
        config: Config,
        session: boto3.Session,
        *,
        table: str,
        approvals_table: str,
        events: EventPort,
        jobs: JobQueue,
        endpoint_url: str | None = None,
        on_send: Callable[[str, str, SendResult], None] | None = None,
    ) -> Runtime:
        """The runtime of a scan run in this process (the command line, tests): no report is written."""
        any_session: Any = session
        dynamodb = any_session.client(
            "dynamodb", region_name=config.central.region, endpoint_url=endpoint_url
        )
        return cls(
            config=config,
            store=ScanStore(dynamodb, table, ttl_days=config.scan.state_ttl_days),
            events=events,
            jobs=jobs,
            central_session=session,
            approvals_table=approvals_table,
            endpoint_url=endpoint_url,
            central_endpoint_url=endpoint_url,
            partition=any_session.get_partition_for_region(config.central.region),
            on_send=on_send,
        )

    def client(self, service: str) -> Any:
        """A client of the central account, built once per process (clients are thread-safe)."""
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                any_session: Any = self.central_session
                client = any_session.client(
                    service, region_name=self.config.central.region, endpoint_url=self.central_endpoint_url
                )
                self._clients[service] = client
            return client

    @property
    def approvals(self) -> ApprovalStore:
        """The approval requests and decisions (:class:`NotConfiguredError` where the function has
        no approvals table: the analyzer)."""
        if self.approvals_table is None:
            raise NotConfiguredError(
                "CCE_SCAN_APPROVALS_TABLE is not set: this function cannot read approvals"
            )
        return ApprovalStore(self.client("dynamodb"), self.approvals_table, ttl_days=self.store.ttl_days)

    def session_cache(self, scan_id: str, requester: str) -> SessionCache:
        """Member-account credentials for one scan (or one target lookup), through the central STS."""
        return SessionCache(
            self.config,
            scan_id=scan_id,
            requester=requester,
            central_session=self.central_session,
            endpoint_url=self.endpoint_url,
            sts=self.client("sts"),
            partition=self.partition,
        )

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)
