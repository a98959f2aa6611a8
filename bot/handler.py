"""Lambda entry for Slack (Function URL, payload 2.0; API Gateway 1.0 works too).

Importing this module makes no network call. The first invocation of a cold start builds the app
once: the config (file or SSM parameter), the Slack secret (environment, or Secrets Manager), and
the clients; the bot's identity comes from that secret, so no request ever waits on ``auth.test``.
Bolt's lazy listeners re-invoke this same function asynchronously (``lambda:InvokeFunction``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

__all__ = ["handler"]


@cache
def _slack_handler() -> SlackRequestHandler:
    import boto3

    from bot.app import build_app
    from bot.approvals import ApprovalStore
    from bot.authz import Authorizer
    from bot.deps import BotDeps
    from bot.scans import EngineScans
    from bot.settings import BotSettings, load_slack_secrets
    from scanner.config import load_config_source
    from scanner.engine import ScanEngine
    from scanner.events import SqsEventPublisher
    from scanner.handlers import Runtime
    from scanner.jobs import SqsJobQueue
    from scanner.state import ScanStore

    settings = BotSettings()  # read from the environment
    config = load_config_source(settings.cce_scan_config)
    secrets = load_slack_secrets(settings)
    session = boto3.Session()
    dynamodb = session.client("dynamodb")
    sqs = session.client("sqs")
    if settings.cce_scan_jobs_queue_url is None or settings.cce_scan_events_queue_url is None:
        from bot.errors import SettingsError

        raise SettingsError("the bot needs CCE_SCAN_JOBS_QUEUE_URL and CCE_SCAN_EVENTS_QUEUE_URL")
    runtime = Runtime(
        config=config,
        store=ScanStore(dynamodb, settings.cce_scan_table, ttl_days=config.scan.state_ttl_days),
        events=SqsEventPublisher(sqs, settings.cce_scan_events_queue_url),
        jobs=SqsJobQueue(sqs, settings.cce_scan_jobs_queue_url),
        central_session=session,
        partition=session.get_partition_for_region(session.region_name or config.central.region),
    )
    deps = BotDeps(
        config=config,
        secrets=secrets,
        scans=EngineScans(ScanEngine(runtime)),
        approvals=ApprovalStore(dynamodb, settings.cce_scan_table, ttl_days=config.scan.state_ttl_days),
        authorizer=Authorizer(config.slack.requesters, config.slack.approvers),
        slack_api_url=settings.slack_api_url,
    )
    return SlackRequestHandler(build_app(deps))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Function URL / API Gateway event → Bolt → HTTP response for Slack."""
    response: dict[str, Any] = _slack_handler().handle(event, context)  # type: ignore[no-untyped-call]
    return response
