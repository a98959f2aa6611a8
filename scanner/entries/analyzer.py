"""The analyzer Lambda: a result tar lands in ``results/`` → findings in ``findings/``.

Trigger: S3 ``ObjectCreated`` on ``results/<scan>/<account>/<instance>.tar``, delivered directly
(``terraform/modules/central/s3.tf`` ``aws_s3_bucket_notification.results``: a failed event raises,
so Lambda tries it again) or through SQS (the notification is the message's body; Powertools'
``BatchProcessor`` hands over each ``SQSRecord`` and reports the failed ones as
``batchItemFailures``). The notification is read with Powertools' ``S3Event`` data class (an SQS
message's with ``SQSRecord.decoded_nested_s3_event``); S3's ``s3:TestEvent`` and other event types
name no object, and keys arrive form-encoded (``unquote_plus``: the data class keeps them as sent).
For each object:

1. read the version the event names (``object.versionId``: the results bucket is versioned) with a
   size cap (``HeadObject`` first, then a bounded ranged ``GetObject``); a key whose latest version
   is another one was written more than once (results are write-once: the presigned PUT signs
   ``If-None-Match: *``), and is refused (RESULT_INVALID) without reading it;
2. judge it (:mod:`scanner.results`): the instance in the key is the one the tar must name;
3. SUCCEEDED → write ``findings/<scan>/<account>/<instance>.ocsf.jsonl`` (OCSF 1.5.0) and ``….csv``
   (its CSV rows); RESULT_INVALID → remove any findings an earlier upload of the same key left;
4. RESULT_INVALID only: hand the verdict to the scan state (:class:`HostStatePort`) and, when the
   state says it is news, to the scan events (:class:`ScanEventPort`). An accepted result touches
   no scan state: tracking records SUCCEEDED from the command's status;
5. write ``….summary.json`` (the host summary reports are built from, with the reason of a
   refusal). It is the mark that the result was judged: the worker's finalize waits for it
   (:mod:`scanner.report.readiness`) before it writes the scan's report, so it comes last.

Idempotent: the outputs are a pure function of the tar (times come from the tar's summary), so a
second delivery rewrites the same bytes; the state change is conditional, so the event goes out
once. A result written more than once is refused (RESULT_INVALID), whichever of its versions'
events comes first; the host's outcome, once RESULT_INVALID, stays so and wins over any summary.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from scanner.config import Config
from scanner.errors import CceScanError
from scanner.events import AccountRef, EventPort, HostOutcomeEvent
from scanner.findings.analysis import AnalyzedHost, analyze_tar, rejected
from scanner.findings.csvout import write_csv
from scanner.findings.errors import ObjectKeyError
from scanner.findings.keys import ResultKey, parse_result_key
from scanner.findings.ocsf import ocsf_jsonl
from scanner.findings.ports import HostAnalysis, HostStatePort, ScanEventPort
from scanner.logs import correlated, entry_logger
from scanner.metrics import ANALYZER_REJECTIONS, MetricsPort, NoMetrics, emf_metrics
from scanner.models import OutcomeDetail
from scanner.outcomes import HostOutcome
from scanner.results import DEFAULT_LIMITS, Limits
from scanner.runtime import Runtime
from scanner.state import ScanStore

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "AnalyzerError",
    "ObjectAnalyzer",
    "S3ObjectRef",
    "ScanEventsAnnouncer",
    "ScanStoreState",
    "handler",
    "process_event",
    "result_objects",
]

log = logging.getLogger(__name__)
logger = entry_logger()
metrics = emf_metrics()


class AnalyzerError(CceScanError):
    """Reading the result or writing the findings failed for a reason worth retrying (S3 errors)."""


class S3ObjectRef(BaseModel):
    """One object an S3 notification names."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    version_id: str | None = None  # the created version, when the bucket is versioned


def result_objects(notification: S3Event) -> list[S3ObjectRef]:
    """The objects an S3 notification says were created, keys decoded (S3 form-encodes them, and
    ``S3Object.key`` is the key as sent). S3's ``s3:TestEvent`` has no records: it names none."""
    if not isinstance(notification.raw_event, dict) or "Records" not in notification:
        return []
    return [
        S3ObjectRef(
            bucket=record.s3.bucket.name,
            key=unquote_plus(record.s3.get_object.key),
            version_id=record.s3.get_object.version_id or None,
        )
        for record in notification.records
        if record.get("eventSource") == "aws:s3" and str(record.get("eventName")).startswith("ObjectCreated:")
    ]


class ObjectAnalyzer:
    """Reads one result object, writes its findings and reports the verdict."""

    def __init__(
        self,
        s3: S3Client,
        *,
        state: HostStatePort | None = None,
        events: ScanEventPort | None = None,
        limits: Limits = DEFAULT_LIMITS,
        metrics: MetricsPort | None = None,
    ) -> None:
        self._s3 = s3
        self._state = state
        self._events = events
        self._limits = limits
        self._metrics = metrics if metrics is not None else NoMetrics()

    def _fetch(self, ref: S3ObjectRef, key: ResultKey) -> bytes | AnalyzedHost | None:
        """The object's bytes; a RESULT_INVALID verdict if it is too big; None if it is gone."""
        cap = self._limits.max_tar_bytes
        try:
            head = self._s3.head_object(Bucket=ref.bucket, Key=ref.key)
            if ref.version_id and head.get("VersionId") != ref.version_id:
                # The key's latest version is not the one created: it was written more than once.
                # Otherwise ``head`` describes that very version, and the GET below names it.
                return rejected(key, "the result was written more than once; only one upload is accepted")
            if head["ContentLength"] > cap:
                return rejected(key, f"the tar is larger than the {cap // (1024 * 1024)} MiB cap")
            if head["ContentLength"] == 0:  # a ranged GET of an empty object is an error (416)
                return rejected(key, "the file is empty, not a tar")
            span = f"bytes=0-{cap}"
            if ref.version_id:
                got = self._s3.get_object(
                    Bucket=ref.bucket, Key=ref.key, Range=span, VersionId=ref.version_id
                )
            else:
                got = self._s3.get_object(Bucket=ref.bucket, Key=ref.key, Range=span)
            body = got["Body"]
            try:
                data = body.read(cap + 1)
            finally:
                body.close()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                log.warning("result %s is gone; nothing to analyze", ref.key)
                return None
            raise AnalyzerError(f"cannot read s3://{ref.bucket}/{ref.key}: {exc}") from exc
        if len(data) > cap:
            return rejected(key, f"the tar is larger than the {cap // (1024 * 1024)} MiB cap")
        return data

    def analyze(self, ref: S3ObjectRef) -> HostAnalysis | None:
        """Analyze one object; None when it is not a result (wrong key) or has disappeared."""
        try:
            key = parse_result_key(ref.key)
        except ObjectKeyError as exc:
            log.warning("ignored: %s", exc)
            return None
        fetched = self._fetch(ref, key)
        if fetched is None:
            return None
        analyzed = (
            fetched if isinstance(fetched, AnalyzedHost) else analyze_tar(fetched, key, limits=self._limits)
        )
        self._write_findings(ref.bucket, key, analyzed)
        analysis = analyzed.analysis
        if analysis.outcome is HostOutcome.RESULT_INVALID:
            log.warning("result %s rejected: %s", ref.key, analysis.reason)
            self._metrics.count(ANALYZER_REJECTIONS)
            news = self._state.record_analysis(analysis) if self._state is not None else None
            if news is not None and self._events is not None:
                self._events.announce(news)
        self._write_summary(ref.bucket, key, analyzed)
        return analysis

    def _write_findings(self, bucket: str, key: ResultKey, analyzed: AnalyzedHost) -> None:
        try:
            if analyzed.findings:
                rows = io.StringIO(newline="")
                write_csv(analyzed.findings, rows, header=False)
                self._s3.put_object(
                    Bucket=bucket,
                    Key=key.findings,
                    Body=ocsf_jsonl(analyzed.findings),
                    ContentType="application/x-ndjson",
                )
                self._s3.put_object(
                    Bucket=bucket, Key=key.csv, Body=rows.getvalue().encode("utf-8"), ContentType="text/csv"
                )
            else:
                self._s3.delete_objects(
                    Bucket=bucket,
                    Delete={"Objects": [{"Key": key.findings}, {"Key": key.csv}], "Quiet": True},
                )
        except ClientError as exc:
            raise AnalyzerError(f"cannot write the findings of {key.result}: {exc}") from exc

    def _write_summary(self, bucket: str, key: ResultKey, analyzed: AnalyzedHost) -> None:
        summary = analyzed.analysis.summary.model_dump_json().encode()
        try:
            self._s3.put_object(Bucket=bucket, Key=key.summary, Body=summary, ContentType="application/json")
        except ClientError as exc:
            raise AnalyzerError(f"cannot write the summary of {key.result}: {exc}") from exc


def process_event(event: dict[str, Any], analyzer: ObjectAnalyzer, context: Any = None) -> dict[str, Any]:
    """Analyze every object of ``event``. Through SQS, failed messages come back as
    ``batchItemFailures`` (the others are done); a direct S3 event raises so Lambda retries it."""
    if any(record.get("eventSource") == "aws:sqs" for record in event.get("Records") or []):
        return dict(
            process_partial_response(
                event=event,
                record_handler=lambda record: _analyze_message(record, analyzer),
                processor=BatchProcessor(event_type=EventType.SQS),
                context=context,
            )
        )
    for ref in result_objects(S3Event(event)):
        _analyze(ref, analyzer)
    return {"batchItemFailures": []}


def _analyze_message(record: SQSRecord, analyzer: ObjectAnalyzer) -> None:
    """One SQS message: the S3 notification in its body."""
    try:
        notification = record.decoded_nested_s3_event
    except ValueError:
        log.warning("SQS message %s is not JSON; ignored", record.message_id)
        return
    for ref in result_objects(notification):
        _analyze(ref, analyzer)


def _analyze(ref: S3ObjectRef, analyzer: ObjectAnalyzer) -> None:
    """One object, logged under its scan's ID."""
    with correlated(logger, _scan_id(ref.key)):
        try:
            analysis = analyzer.analyze(ref)
        except Exception as exc:
            log.error("analysis of s3://%s/%s failed: %s", ref.bucket, ref.key, exc)
            raise
        if analysis is not None:
            logger.info("result analyzed", extra={"key": ref.key, "outcome": analysis.outcome.value})


def _scan_id(key: str) -> str | None:
    try:
        return parse_result_key(key).scan_id
    except ObjectKeyError:
        return None


# -- adapters to the scan state and the scan events ---------------------------------------------


class ScanStoreState:
    """:class:`HostStatePort` over :class:`scanner.state.ScanStore`.

    A rejected result turns the host's outcome into RESULT_INVALID (or marks it so tracking records
    RESULT_INVALID when the command finishes). It is news to announce only when this call moved an
    already recorded SUCCEEDED: otherwise tracking announces the host's outcome itself. An accepted
    result changes no outcome: tracking records SUCCEEDED from the command's status.

    The result's key names the scan, account and instance but not the region: the host item is
    looked for in each region the scan covers the account in (its account items), by key.
    """

    def __init__(self, store: ScanStore) -> None:
        self._store = store

    def record_analysis(self, analysis: HostAnalysis) -> HostAnalysis | None:
        if analysis.outcome is not HostOutcome.RESULT_INVALID:
            return None
        found = next(
            (
                (region, host)
                for region in self._store.account_regions(analysis.scan_id, analysis.account_id)
                if (
                    host := self._store.host(
                        analysis.scan_id, analysis.account_id, region, analysis.instance_id
                    )
                )
                is not None
            ),
            None,
        )
        if found is None:
            log.warning(
                "result for %s/%s is not a host of the scan", analysis.account_id, analysis.instance_id
            )
            return None
        region, host = found
        before = host.outcome
        changed = self._store.mark_result_invalid(
            analysis.scan_id, analysis.account_id, region, analysis.instance_id, analysis.reason or ""
        )
        if changed and before is HostOutcome.SUCCEEDED:
            return analysis.model_copy(update={"region": region})
        return None


class ScanEventsAnnouncer:
    """:class:`ScanEventPort` over :mod:`scanner.events`: a corrected ``scan.host_outcome``."""

    def __init__(self, store: ScanStore, publisher: EventPort, config: Config | None = None) -> None:
        self._store = store
        self._publisher = publisher
        self._config = config

    def announce(self, analysis: HostAnalysis) -> None:
        account = self._config.account_by_id(analysis.account_id) if self._config is not None else None
        event = HostOutcomeEvent(
            scan_id=analysis.scan_id,
            seq=self._store.next_event_seq(analysis.scan_id),
            account=AccountRef(
                account_id=analysis.account_id,
                alias=account.alias if account is not None else analysis.account_id,
                region=analysis.region or "",
            ),
            instance_id=analysis.instance_id,
            name=analysis.summary.hostname,
            outcome=analysis.outcome,
            detail=OutcomeDetail(reason=analysis.reason or ""),
        )
        self._publisher.publish(event)


# -- the Lambda entry -----------------------------------------------------------------------------


@cache
def _runtime() -> Runtime:
    """The runtime (:meth:`Runtime.from_env`, which reads the configuration), built the first time
    an environment refuses a result: only a refusal touches the scan state and the events, so the
    many cold starts that only accept results read no configuration."""
    return Runtime.from_env(metrics=metrics)


class _StateOnFirstUse:
    """:class:`HostStatePort` and :class:`ScanEventPort` over :func:`_runtime`, built on first use."""

    def record_analysis(self, analysis: HostAnalysis) -> HostAnalysis | None:
        return ScanStoreState(_runtime().store).record_analysis(analysis)

    def announce(self, analysis: HostAnalysis) -> None:
        runtime = _runtime()
        ScanEventsAnnouncer(runtime.store, runtime.events, runtime.config).announce(analysis)


@cache
def _analyzer() -> ObjectAnalyzer:
    """Built once per cold start from the environment: the S3 client (its endpoint and region from
    the environment, as :meth:`Runtime.from_env` builds it) and the state on first use."""
    on_first_use = _StateOnFirstUse()
    s3: S3Client = boto3.Session().client("s3")
    return ObjectAnalyzer(s3, state=on_first_use, events=on_first_use, metrics=metrics)


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry ``scanner.entries.analyzer.handler``."""
    return process_event(event, _analyzer(), context)
