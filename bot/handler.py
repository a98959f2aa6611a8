"""Lambda entry for Slack (Function URL, payload 2.0; API Gateway 1.0 works too).

Importing this module makes no network call. The first invocation of a cold start builds the app
once: the config (file or SSM parameter), the Slack secret (environment, or Secrets Manager), and
the Bolt app; the bot's identity comes from that secret, so no request ever waits on
``auth.test``. What only the lazy listeners need — the scan engine, its AWS clients, the approval
store — is built on first use. Bolt's lazy listeners re-invoke this same function asynchronously
(``lambda:InvokeFunction``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

if TYPE_CHECKING:
    import boto3

    from bot.approvals import ApprovalStore
    from bot.ports import ScanOps
    from bot.settings import BotSettings
    from bot.thread_state import ThreadState
    from scanner.config import Config

__all__ = ["handler"]


@cache
def _session() -> boto3.Session:
    import boto3

    return boto3.Session()


def _scans(settings: BotSettings, config: Config) -> ScanOps:
    from bot.errors import SettingsError
    from bot.scans import EngineScans, WorkerInvoker
    from scanner.engine import ScanEngine
    from scanner.handlers import Runtime

    if (
        settings.cce_scan_jobs_queue_url is None
        or settings.cce_scan_events_queue_url is None
        or settings.cce_scan_worker_function is None
    ):
        raise SettingsError(
            "the bot needs CCE_SCAN_JOBS_QUEUE_URL, CCE_SCAN_EVENTS_QUEUE_URL and CCE_SCAN_WORKER_FUNCTION"
        )
    session = _session()
    runtime = Runtime.on_sqs(
        config,
        session,
        table=settings.cce_scan_table,
        jobs_queue_url=settings.cce_scan_jobs_queue_url,
        events_queue_url=settings.cce_scan_events_queue_url,
        endpoint_url=settings.aws_endpoint_url,
    )
    return EngineScans(
        ScanEngine(runtime), WorkerInvoker(session.client("lambda"), settings.cce_scan_worker_function)
    )


def _threads(settings: BotSettings, config: Config) -> ThreadState:
    from bot.thread_state import ThreadState

    return ThreadState(
        _session().client("dynamodb"), settings.cce_scan_table, ttl_days=config.scan.state_ttl_days
    )


def _approvals(settings: BotSettings, config: Config) -> ApprovalStore:
    from bot.approvals import ApprovalStore

    return ApprovalStore(
        _session().client("dynamodb"), settings.cce_scan_table, ttl_days=config.scan.state_ttl_days
    )


@cache
def _slack_handler() -> SlackRequestHandler:
    from bot.app import build_app
    from bot.authz import Authorizer
    from bot.deps import BotDeps
    from bot.settings import BotSettings, load_slack_secrets
    from scanner.config import load_config_source

    settings = BotSettings()  # read from the environment
    config = load_config_source(settings.cce_scan_config)
    deps = BotDeps(
        config=config,
        secrets=load_slack_secrets(settings),
        authorizer=Authorizer(config.slack.requesters, config.slack.approvers),
        slack_api_url=settings.slack_api_url,
        build_scans=lambda: _scans(settings, config),
        build_approvals=lambda: _approvals(settings, config),
        build_threads=lambda: _threads(settings, config),
    )
    return SlackRequestHandler(build_app(deps))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Function URL / API Gateway event → Bolt → HTTP response for Slack."""
    response: dict[str, Any] = _slack_handler().handle(event, context)  # type: ignore[no-untyped-call]
    return response
