"""The replies the notifier posts in a scan's thread while it runs: an account that could not be
entered, and failed hosts as their number crosses a threshold. Text only (no blocks): the reason
is host- or AWS-supplied, so it is cut raw, then escaped."""

from __future__ import annotations

from bot.i18n import Locale, t
from bot.render.text import code, plain

__all__ = ["account_unreachable_text", "failures_text"]

REASON_SHOWN = 500
FAILURE_REASON_SHOWN = 300


def account_unreachable_text(alias: str, account_id: str, region: str, reason: str, locale: Locale) -> str:
    return t(
        "reply_account_unreachable",
        locale,
        account=code(alias),
        id=plain(account_id, 20),
        region=plain(region, 40),
        reason=plain(reason, REASON_SHOWN),
    )


def failures_text(failed: int, host: str, outcome: str, reason: str, locale: Locale) -> str:
    return t(
        "reply_failures",
        locale,
        n=str(failed),
        host=code(host),
        outcome=plain(outcome, 40),
        reason=plain(reason, FAILURE_REASON_SHOWN),
    )
