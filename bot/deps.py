"""The bot's dependencies, built once per cold start and handed to every listener."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.approvals import ApprovalStore
from bot.authz import Authorizer
from bot.i18n import Locale
from bot.ports import ScanOps
from bot.settings import SlackSecrets
from scanner.config import Config

__all__ = ["BotDeps"]


@dataclass
class BotDeps:
    """Everything the listeners use, built once per cold start and injected."""

    config: Config
    secrets: SlackSecrets
    scans: ScanOps
    approvals: ApprovalStore
    authorizer: Authorizer
    slack_api_url: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def locale(self) -> Locale:
        return self.config.locale
