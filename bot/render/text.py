"""Text that goes into Slack: escaping of untrusted strings and length-safe truncation."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["code", "escape", "slack_time", "truncate"]


def escape(value: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so host-supplied text cannot mention, link or broadcast.

    Slack's control sequences (``<!channel>``, ``<!here>``, ``<@U…>``, ``<http://…|…>``) all start
    with ``<``; escaped, they render as plain text.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: str) -> str:
    """Inline code of an untrusted string (backticks cannot be escaped in mrkdwn, so they go)."""
    return f"`{escape(value).replace('`', 'ˋ')}`"


def truncate(value: str, limit: int, marker: str = "…") -> str:
    """At most ``limit`` characters, ending in ``marker`` when cut."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - len(marker))] + marker


def slack_time(moment: datetime) -> str:
    """A moment as Slack shows it in each reader's own time zone (the fallback text is UTC)."""
    utc = moment.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{utc:%Y-%m-%d %H:%M} UTC>"
