"""Lambda entry for Slack (Function URL, payload 2.0; API Gateway 1.0 works too).

Importing this module makes no network call. The first invocation of a cold start builds the app
once: the config (file or SSM parameter), the Slack secret (environment, or Secrets Manager), and
the Bolt app; the bot's identity comes from that secret, so no request ever waits on
``auth.test``. What only the lazy listeners need — the scan engine, its AWS clients, the approval
store — is built on first use. Bolt's lazy listeners re-invoke this same function asynchronously
(``lambda:InvokeFunction``).

Logs are Powertools JSON (:mod:`scanner.logs`; a Slack request names no scan, so no correlation id);
what the invocation counted (:mod:`scanner.metrics`: scans started, Slack's error answers) is
printed as EMF when it returns.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from scanner.logs import entry_logger
from scanner.metrics import emf_metrics

if TYPE_CHECKING:
    from bot.ports import ScanOps
    from bot.settings import BotSettings
    from bot.thread_state import ThreadState
    from scanner.approvals import ApprovalStore
    from scanner.config import Config
    from scanner.runtime import Runtime

__all__ = ["handler"]

logger = entry_logger()
metrics = emf_metrics()


@cache
def _settings() -> BotSettings:
    from bot.settings import load_bot_settings

    return load_bot_settings()  # read from the environment


@cache
def _config() -> Config:
    from scanner.config import load_config_source

    return load_config_source(_settings().cce_scan_config)


@cache
def _runtime() -> Runtime:
    from scanner.runtime import Runtime

    return Runtime.from_env(config=_config(), metrics=metrics)


def _scans(settings: BotSettings) -> ScanOps:
    from bot.errors import SettingsError
    from bot.scans import WorkerInvoker
    from scanner.engine import ScanEngine

    if settings.cce_scan_worker_function is None:
        raise SettingsError("the bot needs CCE_SCAN_WORKER_FUNCTION")
    runtime = _runtime()
    return ScanEngine(
        runtime, members=WorkerInvoker(runtime.client("lambda"), settings.cce_scan_worker_function)
    )


def _threads() -> ThreadState:
    from bot.thread_state import ThreadState

    runtime = _runtime()
    return ThreadState(runtime.client("dynamodb"), runtime.store.table, ttl_days=runtime.store.ttl_days)


def _approvals() -> ApprovalStore:
    return _runtime().approvals


@cache
def _slack_handler() -> SlackRequestHandler:
    from bot.app import build_app, count_slack_errors
    from bot.authz import Authorizer
    from bot.deps import BotDeps
    from bot.settings import load_slack_secrets

    settings, config = _settings(), _config()
    deps = BotDeps(
        config=config,
        secrets=load_slack_secrets(settings),
        authorizer=Authorizer(config.slack.requesters, config.slack.approvers),
        slack_api_url=settings.slack_api_url,
        build_scans=lambda: _scans(settings),
        build_approvals=_approvals,
        build_threads=_threads,
    )
    app = build_app(deps)
    count_slack_errors(app.client, metrics)  # Bolt's per-request clients copy its retry handlers
    return SlackRequestHandler(app)


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Function URL / API Gateway event → Bolt → HTTP response for Slack."""
    response: dict[str, Any] = _slack_handler().handle(event, context)  # type: ignore[no-untyped-call]
    return response
