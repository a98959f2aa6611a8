"""What the product counts, and where the counts go: CloudWatch metrics in the embedded metric
format (EMF) from the Lambda entries, nothing from the command line.

The product counts through one narrow port, :class:`MetricsPort` (``count(name, **dimension)``):

| metric | its own dimension | counted |
|---|---|---|
| ``ScansStarted`` | | each ``scan.started`` published (:class:`CountingEvents`) |
| ``ScansFinished`` | ``status`` (``FINISHED``, ``CANCELLED``) | each ``scan.finished`` published |
| ``HostsByOutcome`` | ``outcome`` (``scanner.outcomes.HostOutcome``) | each ``scan.host_outcome`` published |
| ``Throttles`` | ``operation`` (``ssm:SendCommand``, …) | each throttling answer a client got, retried or not (:func:`count_throttles`) |
| ``AnalyzerRejections`` | | each result tar the analyzer judged ``RESULT_INVALID`` (``scanner/entries/analyzer.py``) |
| ``SlackApiErrors`` | ``error`` (Slack's error code, ``http_<status>`` or the exception's name) | each error answer of the Slack Web API, retried or not (``bot/app.py`` ``count_slack_errors``) |

Namespace ``cce-scan``; every metric has the dimension ``service`` = ``cce-scan``. A metric with a
dimension of its own is published under two dimension sets, ``[service]`` and ``[service, <its
dimension>]``: the first is the total that a graph or an alarm usually wants (all hosts, every
throttle), the second the breakdown (one line per outcome; ``GROUP BY outcome`` in Metrics
Insights). EMF puts one list of dimensions on a whole JSON object, so each value of such a
dimension is an object of its own; counts are summed over an invocation, so a tracking round that
closes 500 hosts writes one object per outcome it saw, not 500. The metrics without a dimension of
their own share one object.

Counts are of events and answers as they happen, so what is delivered at least once may be counted
twice (a ``scan.finished`` sent again), and a host whose SUCCEEDED the analyzer corrects is counted
under ``SUCCEEDED`` and again under ``RESULT_INVALID``.

- :class:`EmfMetrics` is the Lambda entries' (:func:`emf_metrics`, one per process, what
  :meth:`scanner.runtime.Runtime.from_env` counts into): Powertools' ``Metrics``, whose
  ``log_metrics`` decorator on each handler prints the invocation's counts to stdout, where
  CloudWatch Logs turns them into metrics.
- :class:`NoMetrics` (in-process runs: the command line, whose stdout is the user's) records nothing;
  :class:`MemoryMetrics` (tests) keeps the counts.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Protocol

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.exceptions import SchemaValidationError
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from scanner.events import EventPort, HostOutcomeEvent, ScanEvent, ScanFinished, ScanStarted

__all__ = [
    "ANALYZER_REJECTIONS",
    "HOSTS_BY_OUTCOME",
    "NAMESPACE",
    "SCANS_FINISHED",
    "SCANS_STARTED",
    "SERVICE",
    "SLACK_API_ERRORS",
    "THROTTLES",
    "THROTTLING_CODES",
    "CountingEvents",
    "EmfMetrics",
    "MemoryMetrics",
    "MetricsPort",
    "NoMetrics",
    "count_throttles",
    "emf_metrics",
]

NAMESPACE = "cce-scan"
SERVICE = "cce-scan"

SCANS_STARTED = "ScansStarted"
SCANS_FINISHED = "ScansFinished"
HOSTS_BY_OUTCOME = "HostsByOutcome"
THROTTLES = "Throttles"
ANALYZER_REJECTIONS = "AnalyzerRejections"
SLACK_API_ERRORS = "SlackApiErrors"

# The error codes AWS services throttle with (botocore's standard retry mode retries the same).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)

_Key = tuple[str, tuple[tuple[str, str], ...]]


def _key(name: str, dimensions: Mapping[str, str]) -> _Key:
    return name, tuple(sorted(dimensions.items()))


class MetricsPort(Protocol):
    """Where the product counts: ``count("HostsByOutcome", outcome="SUCCEEDED")``. At most one
    dimension of the metric's own (module docstring)."""

    def count(self, name: str, value: int = 1, **dimensions: str) -> None: ...


class NoMetrics:
    """Records nothing: in-process runs (the command line's stdout is its user's)."""

    def count(self, name: str, value: int = 1, **dimensions: str) -> None:
        return None


class MemoryMetrics:
    """Keeps the counts in memory, for tests: ``counted("HostsByOutcome", outcome="FAILED")``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[_Key] = Counter()

    def count(self, name: str, value: int = 1, **dimensions: str) -> None:
        with self._lock:
            self._counts[_key(name, dimensions)] += value

    def counted(self, name: str, **dimensions: str) -> int:
        """The count of ``name`` with exactly these dimensions (none: those counted without)."""
        with self._lock:
            return self._counts[_key(name, dimensions)]


class _CountingEmfProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider with counts summed per (metric, dimension) until the flush, each
    dimension value in an EMF object of its own under the ``[service]`` and ``[service, dimension]``
    dimension sets; what Powertools' own ``add_metric`` added is flushed as Powertools does."""

    def __init__(self, namespace: str, service: str) -> None:
        super().__init__(namespace=namespace, service=service)
        self._lock = threading.Lock()
        self._counts: Counter[_Key] = Counter()

    def count(self, name: str, value: int, dimensions: Mapping[str, str]) -> None:
        with self._lock:
            self._counts[_key(name, dimensions)] += value

    def blobs(self, counts: Mapping[_Key, int]) -> list[dict[str, Any]]:
        """The EMF objects of ``counts``: one for the metrics without a dimension of their own, one
        per (metric, dimension value) for the others."""
        objects: list[dict[str, Any]] = []
        plain = {name: value for (name, dimensions), value in counts.items() if not dimensions}
        if plain:
            objects.append(self._blob(plain, {}))
        for (name, dimensions), value in counts.items():
            if dimensions:
                objects.append(self._blob({name: value}, dict(dimensions)))
        return objects

    def _blob(self, metrics: Mapping[str, int], dimensions: Mapping[str, str]) -> dict[str, Any]:
        one = AmazonCloudWatchEMFProvider(
            namespace=self.namespace, service=self.service, default_dimensions={"service": str(self.service)}
        )
        for name, value in metrics.items():
            one.add_metric(name=name, unit=MetricUnit.Count, value=value)
        if dimensions:
            one.add_dimensions(**dimensions)
        return dict(one.serialize_metric_set(one.metric_set, one.dimension_set, one.metadata_set))

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        """Print this invocation's counts as EMF (nothing, and no warning, when none were counted)."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if self.metric_set:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)
        elif not counts and raise_on_empty_metrics:
            raise SchemaValidationError("Must contain at least one metric.")
        if counts and not is_metrics_disabled():
            for blob in self.blobs(counts):
                print(json.dumps(blob, separators=(",", ":")))


class EmfMetrics(Metrics):
    """Powertools' ``Metrics`` that also is a :class:`MetricsPort`: decorate a handler with
    ``@metrics.log_metrics(raise_on_empty_metrics=False)`` and what was counted during the
    invocation is printed as EMF when it returns (or raises)."""

    def __init__(self, namespace: str = NAMESPACE, service: str = SERVICE) -> None:
        self._counting = _CountingEmfProvider(namespace, service)
        super().__init__(provider=self._counting)

    def count(self, name: str, value: int = 1, **dimensions: str) -> None:
        self._counting.count(name, value, dimensions)


@cache
def emf_metrics() -> EmfMetrics:
    """The process's :class:`EmfMetrics`: the one its Lambda entry flushes and its runtime counts into."""
    return EmfMetrics()


class CountingEvents:
    """An :class:`~scanner.events.EventPort` that counts scans and host outcomes as it publishes:
    ``ScansStarted``, ``ScansFinished`` by ``status``, ``HostsByOutcome`` by ``outcome``. An event
    whose publication fails is not counted."""

    def __init__(self, events: EventPort, metrics: MetricsPort) -> None:
        self._events = events
        self._metrics = metrics

    def publish(self, event: ScanEvent) -> None:
        self._events.publish(event)
        self._count(event)

    def publish_all(self, events: Sequence[ScanEvent]) -> None:
        self._events.publish_all(events)
        for event in events:
            self._count(event)

    def _count(self, event: ScanEvent) -> None:
        if isinstance(event, ScanStarted):
            self._metrics.count(SCANS_STARTED)
        elif isinstance(event, ScanFinished):
            self._metrics.count(SCANS_FINISHED, status=event.status)
        elif isinstance(event, HostOutcomeEvent):
            self._metrics.count(HOSTS_BY_OUTCOME, outcome=event.outcome.value)


def count_throttles(client: Any, metrics: MetricsPort) -> Any:
    """Count every throttling answer ``client`` gets (each attempt: botocore's ``needs-retry``
    event, which sees every response before it is retried or returned) as ``Throttles`` by
    ``operation`` (``ssm:SendCommand``). Decides nothing about the retry. Returns the client."""
    service = client.meta.service_model.service_id.hyphenize()
    prefix = client.meta.service_model.signing_name or service

    def handler(response: Any = None, operation: Any = None, **_: Any) -> None:
        parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else None
        code = (parsed or {}).get("Error", {}).get("Code")
        if code in THROTTLING_CODES:
            metrics.count(THROTTLES, operation=f"{prefix}:{getattr(operation, 'name', 'unknown')}")

    client.meta.events.register(f"needs-retry.{service}", handler)
    return client
