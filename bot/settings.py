"""The bot's Lambda settings, read once per cold start by the entry modules (``bot.handler``, ``bot.notifier``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["BotSettings", "SlackSecrets", "load_bot_settings", "load_slack_secrets", "problems"]

SLACK_API_URL = "https://slack.com/api/"


class BotSettings(BaseSettings):
    """Environment variables of the bot functions (see docs/deploy.md)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    cce_scan_config: str  # read before the runtime (scanner.runtime), which reads the rest of CCE_SCAN_*
    cce_scan_worker_function: str | None = None
    slack_secret_arn: str | None = None
    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_bot_user_id: str | None = None
    slack_team_id: str | None = None
    slack_api_url: str = SLACK_API_URL


def problems(error: ValidationError) -> str:
    """What is wrong, by key and kind only (``signing_secret: missing``): pydantic's own message
    repeats the input (``input_value``), which here holds the secrets themselves."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '(top level)'}: {item['type']}"
        for item in error.errors()
    )


def load_bot_settings() -> BotSettings:
    """The bot's settings from the environment; an error names the variables, never their values
    (the environment may hold SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN)."""
    try:
        return BotSettings()
    except ValidationError as exc:
        raise SettingsError(f"the bot's environment is invalid: {problems(exc)}") from None


class SlackSecrets(BaseModel):
    """The Slack credentials: from Secrets Manager on AWS, from the environment locally."""

    signing_secret: SecretStr
    bot_token: SecretStr
    bot_user_id: str | None = None
    team_id: str | None = None


def load_slack_secrets(settings: BotSettings, client: SecretsManagerClient | None = None) -> SlackSecrets:
    """Read the Slack secret once (cold start); the environment wins when it holds both values."""
    if settings.slack_signing_secret is not None and settings.slack_bot_token is not None:
        return SlackSecrets(
            signing_secret=settings.slack_signing_secret,
            bot_token=settings.slack_bot_token,
            bot_user_id=settings.slack_bot_user_id,
            team_id=settings.slack_team_id,
        )
    if settings.slack_secret_arn is None:
        raise SettingsError("set SLACK_SECRET_ARN, or both SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN")
    if client is None:
        import boto3

        client = boto3.client("secretsmanager")
    text = client.get_secret_value(SecretId=settings.slack_secret_arn)["SecretString"]
    # Neither error is chained (``from None``): a JSONDecodeError keeps the text (``doc``) and a
    # ValidationError's message repeats the input; the Lambda runtime would log either in clear.
    expected = "JSON with signing_secret and bot_token (and optionally bot_user_id, team_id)"
    try:
        raw = json.loads(text)
    except ValueError:
        raise SettingsError(f"the Slack secret is not JSON; it must be {expected}") from None
    try:
        secrets = SlackSecrets.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(f"the Slack secret must be {expected}: {problems(exc)}") from None
    return secrets.model_copy(
        update={
            "bot_user_id": secrets.bot_user_id or settings.slack_bot_user_id,
            "team_id": secrets.team_id or settings.slack_team_id,
        }
    )
