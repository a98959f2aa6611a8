"""The worker Lambda: jobs from the SQS jobs queue, each handled by :class:`scanner.handlers.JobHandlers`.

Handler: ``scanner.entries.worker.handler``. Also invoked directly by the bot (``{"action": ...}``,
:class:`MemberRequest`) to resolve host targets and estimate host counts: the member roles trust
only this function's role. Settings (environment, read once per cold start):
``CCE_SCAN_CONFIG`` (a file path or ``ssm:<parameter>``), ``CCE_SCAN_TABLE``,
``CCE_SCAN_JOBS_QUEUE_URL``, ``CCE_SCAN_EVENTS_QUEUE_URL``; ``AWS_ENDPOINT_URL`` when set (the local
world) also decides how presigned URLs are addressed. A record whose job fails is reported back to
SQS as a partial batch failure and comes again; the handlers are idempotent.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings, SettingsConfigDict

from scanner.config import load_config_source
from scanner.engine import ScanEngine
from scanner.errors import TargetError
from scanner.handlers import JobHandlers, Runtime
from scanner.jobs import parse_job
from scanner.models import ScanTargets

__all__ = ["MemberRequest", "WorkerSettings", "handler", "member_request"]

logger = Logger(service="cce-scan-worker")
processor = BatchProcessor(event_type=EventType.SQS)


class WorkerSettings(BaseSettings):
    """The worker's environment (docs/design.md, "The Lambda entries")."""

    model_config = SettingsConfigDict(extra="ignore")

    cce_scan_config: str
    cce_scan_table: str
    cce_scan_jobs_queue_url: str
    cce_scan_events_queue_url: str
    aws_endpoint_url: str | None = None


@cache
def _handlers() -> JobHandlers:
    settings = WorkerSettings()
    session: Any = boto3.Session()
    config = load_config_source(settings.cce_scan_config, session.client("ssm"))
    runtime = Runtime.on_sqs(
        config,
        session,
        table=settings.cce_scan_table,
        jobs_queue_url=settings.cce_scan_jobs_queue_url,
        events_queue_url=settings.cce_scan_events_queue_url,
        endpoint_url=settings.aws_endpoint_url,
    )
    return JobHandlers(runtime)


def record_handler(record: SQSRecord) -> None:
    job = parse_job(record.body)
    logger.info("job", extra={"kind": job.kind, "scan_id": job.scan_id})
    _handlers()(job)


class MemberRequest(BaseModel):
    """A direct invocation by the bot for what needs the member accounts (only the worker may enter
    them): ``resolve`` host (or account) names, or ``estimate`` the hosts of resolved targets."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["resolve", "estimate"]
    requester: str
    kind: Literal["account", "host"] = "host"
    names: tuple[str, ...] = ()
    targets: ScanTargets | None = None


@cache
def _engine() -> ScanEngine:
    return ScanEngine(_handlers().rt)


def member_request(event: dict[str, Any]) -> dict[str, Any]:
    """Answer a :class:`MemberRequest`: ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``."""
    request = MemberRequest.model_validate(event)
    engine = _engine()
    try:
        if request.action == "resolve":
            targets = engine.resolve(request.kind, request.names, requester=request.requester)
            return {"ok": True, "targets": targets.model_dump(mode="json")}
        if request.targets is None:
            raise TargetError("estimate needs resolved targets")
        return {"ok": True, "estimate": engine.estimate_hosts(request.targets, requester=request.requester)}
    except TargetError as exc:
        return {"ok": False, "error": str(exc)}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "action" in event:
        return member_request(event)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
