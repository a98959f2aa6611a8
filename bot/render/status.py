"""``/cce-scan status``: a few recent scans, or one, each on a line with its progress, or, for a
scan that never started, with who denied it or when its approval request expired."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.i18n import Locale, t
from bot.render.limits import MESSAGE_BLOCK_TEXT_BUDGET, SECTION_TEXT_MAX
from bot.render.text import code, join_within
from bot.render.thread import decision_field, progress_bar, scan_state
from scanner.models import ScanRecord, ScanStatus

__all__ = ["status_blocks"]

SCANS_SHOWN = 20
TARGETS_SHOWN = 5


def status_blocks(records: list[ScanRecord], locale: Locale) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=t("status_title", locale))]
    if not records:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t("status_none", locale))))
        return blocks
    shown = records[:SCANS_SHOWN]
    budget = min(SECTION_TEXT_MAX, (MESSAGE_BLOCK_TEXT_BUDGET - len(t("status_title", locale))) // len(shown))
    for record in shown:
        head = f"*{code(record.scan_id)}* {t(scan_state(record), locale)} · <@{record.requester}> · "
        detail = "\n" + _detail(record, locale)
        targets = join_within(
            [code(name) for name in record.targets.names[:TARGETS_SHOWN]],
            budget - len(head) - len(detail),
            lambda n: t("and_more", locale, n=str(n)),
            total=len(record.targets.names),
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=head + targets + detail)))
    return blocks


def _detail(record: ScanRecord, locale: Locale) -> str:
    """The second line: the decision that ended a scan before it started, else its progress."""
    if record.status in (ScanStatus.DENIED, ScanStatus.EXPIRED):
        label, value = decision_field(record, locale)
        return f"{label}: {value}"
    return f"`{progress_bar(record.hosts_done, record.hosts_total)}`"
