"""The worker Lambda: jobs from the SQS jobs queue, each handled by :class:`scanner.handlers.JobHandlers`.

Handler: ``scanner.entries.worker.handler``. Also invoked directly by the bot (``{"action": ...}``,
:class:`MemberRequest`) to resolve host targets and estimate host counts: the member roles trust
only this function's role. Everything comes from the environment, once per cold start
(:meth:`scanner.runtime.Runtime.from_env`); ``AWS_ENDPOINT_URL`` when set (the local world) also
decides how presigned URLs are addressed. A record whose job fails is reported back to
SQS as a partial batch failure and comes again; the handlers are idempotent.

Logs are Powertools JSON (:mod:`scanner.logs`), each job's under its scan ID as the correlation id;
what the invocation counted (:mod:`scanner.metrics`: the events it published, throttles) is
printed as EMF when it returns.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict

from scanner.engine import ScanEngine
from scanner.errors import TargetError
from scanner.handlers import JobHandlers
from scanner.jobs import parse_job
from scanner.logs import correlated, entry_logger
from scanner.metrics import emf_metrics
from scanner.models import ScanTargets
from scanner.runtime import Runtime

__all__ = ["MemberRequest", "handler", "member_request"]

logger = entry_logger()
metrics = emf_metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def _runtime() -> Runtime:
    return Runtime.from_env(metrics=metrics)


@cache
def _handlers() -> JobHandlers:
    return JobHandlers(_runtime())


def record_handler(record: SQSRecord) -> None:
    job = parse_job(record.body)
    with correlated(logger, job.scan_id):
        logger.info("job", extra={"kind": job.kind})
        try:
            _handlers()(job)
        except Exception:
            logger.exception("job failed; SQS delivers it again", extra={"kind": job.kind})
            raise


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
    return ScanEngine(_runtime())


def member_request(event: dict[str, Any]) -> dict[str, Any]:
    """Answer a :class:`MemberRequest`: ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``."""
    request = MemberRequest.model_validate(event)
    engine = _engine()
    try:
        if request.action == "resolve":
            targets = engine.resolve(request.kind, request.names, request.requester)
            return {"ok": True, "targets": targets.model_dump(mode="json")}
        if request.targets is None:
            raise TargetError("estimate needs resolved targets")
        return {"ok": True, "estimate": engine.estimate_hosts(request.targets, request.requester)}
    except TargetError as exc:
        return {"ok": False, "error": str(exc)}


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "action" in event:
        return member_request(event)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
