"""The help text and usage errors, answered inside the ack as an ephemeral message."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.commands import UsageError
from bot.i18n import Locale, t
from bot.render.text import escape

__all__ = ["help_blocks", "usage_blocks"]


def help_blocks(locale: Locale) -> list[Block]:
    return [
        HeaderBlock(text=t("help_title", locale)),
        SectionBlock(text=MarkdownTextObject(text=t("help_body", locale))),
    ]


def usage_blocks(error: UsageError, locale: Locale, **extra: str) -> list[Block]:
    """The problem, then an example of a command that works."""
    problem = t(error.problem, locale, subject=escape(error.subject), **extra)
    return [
        SectionBlock(text=MarkdownTextObject(text=f":warning: {problem}")),
        ContextBlock(elements=[MarkdownTextObject(text=t("example", locale, example=error.example))]),
    ]
