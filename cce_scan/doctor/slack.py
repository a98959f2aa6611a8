"""The Slack side: the bot token in the Slack secret holds every scope ``bot/manifest.yaml`` asks for
(``auth.test`` names the token's scopes in its ``x-oauth-scopes`` header), and the bot is a member of
the report channel (``conversations.info``, which needs ``channels:read`` or ``groups:read``: scopes
the manifest does not ask for, so with the manifest's token membership cannot be told and is left
unchecked, saying so)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from cce_scan.doctor.access import AWS_ERRORS, AwsAccess, reason
from cce_scan.doctor.model import Check
from scanner.deployment import Deployment

__all__ = ["check_channel", "check_scopes", "check_slack", "granted_scopes", "manifest_scopes"]

SET_SLACK_CREDENTIALS = (
    "put the app's Signing Secret and Bot User OAuth Token in the secret as JSON "
    "(signing_secret, bot_token: docs/deploy.md, step 4)"
)
# Errors of the Slack client that are not Slack's answer (connection, timeouts).
_CLIENT_ERRORS = (SlackClientError, OSError)


def manifest_scopes(path: Path) -> tuple[str, ...]:
    """The bot scopes ``bot/manifest.yaml`` asks for."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(str(scope) for scope in manifest["oauth_config"]["scopes"]["bot"])


def granted_scopes(header: str) -> set[str]:
    """The scopes of an ``x-oauth-scopes`` header (comma-separated)."""
    return {scope.strip() for scope in header.split(",") if scope.strip()}


def _slack_reason(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", exc))
    return str(exc) or type(exc).__name__


def _token(d: Deployment, secrets: Any) -> tuple[str | None, Check]:
    name = f"the Slack secret {d.secret} holds a bot token"
    try:
        text = secrets.get_secret_value(SecretId=d.secret)["SecretString"]
    except AWS_ERRORS as exc:
        return None, Check.failed(name, reason(exc), SET_SLACK_CREDENTIALS)
    try:
        token = json.loads(text).get("bot_token")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        return None, Check.failed(name, "the secret is not JSON with a bot_token", SET_SLACK_CREDENTIALS)
    return token, Check.passed(name)


def check_scopes(slack: WebClient, wanted: Iterable[str]) -> Check:
    name = "the bot token has the scopes bot/manifest.yaml asks for"
    try:
        answer = slack.auth_test()
    except SlackApiError as exc:
        return Check.failed(name, f"auth.test: {_slack_reason(exc)}", SET_SLACK_CREDENTIALS)
    except _CLIENT_ERRORS as exc:
        return Check.failed(name, f"auth.test: {_slack_reason(exc)}")
    header = answer.headers.get("x-oauth-scopes") or answer.headers.get("X-OAuth-Scopes")
    if header is None:
        return Check.skipped(name, "Slack's auth.test answer named no scopes (no x-oauth-scopes header)")
    missing = [scope for scope in wanted if scope not in granted_scopes(str(header))]
    if missing:
        fix = (
            "add them to the app (OAuth & Permissions, or the manifest), reinstall it to the workspace, "
            "and put the new bot token in the Slack secret"
        )
        return Check.failed(name, f"missing {', '.join(missing)}", fix)
    return Check.passed(name, f"bot {answer.get('user_id', '?')} in team {answer.get('team_id', '?')}")


def check_channel(slack: WebClient, channel: str | None) -> Check:
    name = f"the bot is a member of the report channel {channel or ''}".rstrip()
    if channel is None:
        return Check.skipped(
            name, "no slack.report_channel in the configuration (reports go where scans are asked)"
        )
    invite = f"invite the bot in {channel}: /invite @cce-scan"
    try:
        answer = slack.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = _slack_reason(exc)
        if error == "missing_scope":
            return Check.skipped(
                name,
                "conversations.info needs channels:read (public) or groups:read (private), which "
                f"bot/manifest.yaml does not ask for; check by hand that the bot is in {channel}",
            )
        if error == "channel_not_found":
            return Check.failed(
                name, "channel_not_found (no such channel, or private without the bot)", invite
            )
        return Check.failed(name, f"conversations.info: {error}")
    except _CLIENT_ERRORS as exc:
        return Check.failed(name, f"conversations.info: {_slack_reason(exc)}")
    channel_info: dict[str, Any] = answer.get("channel") or {}
    if not channel_info.get("is_member"):
        return Check.failed(name, "the bot is not in the channel", invite)
    return Check.passed(name)


def check_slack(
    d: Deployment, operator: AwsAccess, slack_for: Callable[[str], WebClient], wanted_scopes: Iterable[str]
) -> list[Check]:
    """The token from the Slack secret, its scopes, and the bot's membership of the report channel."""
    token, found = _token(d, operator.client("secretsmanager"))
    if token is None:
        return [found]
    slack = slack_for(token)
    return [found, check_scopes(slack, wanted_scopes), check_channel(slack, d.config.slack.channel)]
