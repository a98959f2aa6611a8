"""The bot's dependencies, built once per cold start and handed to every listener."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot.authz import Authorizer
from bot.i18n import Locale
from bot.settings import SlackSecrets
from scanner.config import Config

if TYPE_CHECKING:
    from bot.ports import ScanOps
    from bot.thread_state import ThreadState
    from scanner.approvals import ApprovalStore

__all__ = ["BotDeps"]


@dataclass
class BotDeps:
    """Everything the listeners use, built once per cold start and injected.

    The scan operations and the approval store are built on first use: only lazy listeners use
    them, so a cold start's first ack does not pay for the scanner's imports and AWS clients.
    """

    config: Config
    secrets: SlackSecrets
    authorizer: Authorizer
    slack_api_url: str
    build_scans: Callable[[], ScanOps]
    build_approvals: Callable[[], ApprovalStore]
    build_threads: Callable[[], ThreadState]
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @cached_property
    def scans(self) -> ScanOps:
        return self.build_scans()

    @cached_property
    def approvals(self) -> ApprovalStore:
        return self.build_approvals()

    @cached_property
    def threads(self) -> ThreadState:
        return self.build_threads()

    @property
    def locale(self) -> Locale:
        return self.config.locale
