"""``/cce-scan status``: a few recent scans, or one, each on a line with its progress, or, for a
scan that never started, with who denied it or when its approval request expired."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.i18n import Locale, t
from bot.render.text import code, truncate
from bot.render.thread import decision_field, progress_bar, scan_state
from scanner.models import ScanRecord, ScanStatus

__all__ = ["status_blocks"]


def status_blocks(records: list[ScanRecord], locale: Locale) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=t("status_title", locale))]
    if not records:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t("status_none", locale))))
        return blocks
    for record in records[:20]:
        targets = ", ".join(code(name) for name in record.targets.names[:5])
        line = (
            f"*`{record.scan_id}`* {t(scan_state(record), locale)} · <@{record.requester}> · {targets}\n"
            + _detail(record, locale)
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 3000))))
    return blocks


def _detail(record: ScanRecord, locale: Locale) -> str:
    """The second line: the decision that ended a scan before it started, else its progress."""
    if record.status in (ScanStatus.DENIED, ScanStatus.EXPIRED):
        label, value = decision_field(record, locale)
        return f"{label}: {value}"
    return f"`{progress_bar(record.hosts_done, record.hosts_total)}`"
