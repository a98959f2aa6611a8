"""Building the Bolt app: once per cold start, no network call (no ``auth.test``), listeners by feature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.deps import BotDeps
from bot.listeners import actions, commands, views

__all__ = ["BotDeps", "build_app", "slack_client"]

logger = logging.getLogger("cce_scan.bot")


def slack_client(token: str, base_url: str, retries: int = 2) -> WebClient:
    """A Web API client that waits out HTTP 429 (``Retry-After``) and tries again after a 500 or
    503 (with backoff), a couple of times each; what still fails is the caller's to handle."""
    client = WebClient(token=token, base_url=base_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retries))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=retries))
    return client


def build_app(deps: BotDeps) -> App:
    """The Bolt app for a Function URL: ``process_before_response`` and an authorize with no I/O."""
    secrets = deps.secrets
    identity = AuthorizeResult(
        enterprise_id=None,
        team_id=secrets.team_id,
        bot_token=secrets.bot_token.get_secret_value(),
        bot_user_id=secrets.bot_user_id,
        bot_id=None,
    )

    def authorize(**_: Any) -> AuthorizeResult:
        return identity

    app = App(
        signing_secret=secrets.signing_secret.get_secret_value(),
        authorize=authorize,
        client=slack_client(secrets.bot_token.get_secret_value(), deps.slack_api_url),
        process_before_response=True,
        logger=logger,
    )

    @app.middleware
    def drop_slack_retries(request: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Commands and interactions are not retried by Slack; anything that is would repeat work.
        if request.headers.get("x-slack-retry-num"):
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def log_errors(error: Exception, body: dict[str, Any]) -> None:
        logger.error("listener failed: %s (type=%s)", error, body.get("type"), exc_info=error)

    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    return app
