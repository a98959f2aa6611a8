"""Building the Bolt app: once per cold start, no network call (no ``auth.test``), listeners by feature."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.deps import BotDeps
from bot.listeners import actions, commands, views
from scanner.metrics import SLACK_API_ERRORS, MetricsPort

__all__ = ["BotDeps", "SlackErrorCounter", "build_app", "count_slack_errors", "slack_client"]

logger = logging.getLogger("cce_scan.bot")


def slack_client(token: str, base_url: str, retries: int = 2) -> WebClient:
    """A Web API client that waits out HTTP 429 (``Retry-After``) and tries again after a 500 or
    503 (with backoff), a couple of times each; what still fails is the caller's to handle."""
    client = WebClient(token=token, base_url=base_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retries))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=retries))
    return client


class SlackErrorCounter(RetryHandler):
    """Counts every error answer of the Web API as ``SlackApiErrors`` by ``error``
    (scanner/metrics.py): ``ok: false`` (Slack's error code), an HTTP error status (its code in the
    body, else ``http_<status>``) or a failed connection (the exception's name). A retry handler
    because the client shows each attempt's answer to its retry handlers, in order, until one
    retries it: first in the list, it sees them all, the ones the client then retries or the caller
    catches included. It never asks for a retry itself."""

    def __init__(self, metrics: MetricsPort) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics

    def __deepcopy__(self, memo: dict[int, Any]) -> SlackErrorCounter:
        # Bolt deep-copies a request, its client included, for a lazy listener: the copy counts
        # into the same metrics (which hold a lock, and cannot be copied).
        return self

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        code = _slack_error(response, error)
        if code is not None:
            self._metrics.count(SLACK_API_ERRORS, error=code)
        return False


def _slack_error(response: HttpResponse | None, error: Exception | None) -> str | None:
    if response is None:
        return type(error).__name__ if error is not None else None
    body = response.body
    if body is None and response.data:
        try:
            body = json.loads(response.data)
        except ValueError:
            body = None
    answer = body if isinstance(body, dict) else {}
    if answer.get("ok") is False:
        return str(answer.get("error") or f"http_{response.status_code}")
    if response.status_code >= 400:
        return f"http_{response.status_code}"
    return None


def count_slack_errors(client: WebClient, metrics: MetricsPort) -> WebClient:
    """Count ``client``'s error answers (:class:`SlackErrorCounter`, ahead of its retry handlers).
    Bolt's per-request clients copy the app client's retry handlers, so counting on the app's
    client counts every listener's calls too. Returns the client."""
    client.retry_handlers.insert(0, SlackErrorCounter(metrics))
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
