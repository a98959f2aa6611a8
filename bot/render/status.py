"""``/cce-scan status``: a few recent scans, or one, each on a line with its progress."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.i18n import Locale, t
from bot.render.text import code, truncate
from bot.render.thread import progress_bar, scan_state
from scanner.models import ScanRecord

__all__ = ["status_blocks"]


def status_blocks(records: list[ScanRecord], locale: Locale) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=t("status_title", locale))]
    if not records:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t("status_none", locale))))
        return blocks
    for record in records[:20]:
        targets = ", ".join(code(name) for name in record.targets.names[:5])
        line = (
            f"*`{record.scan_id}`* {t(scan_state(record, None), locale)} · <@{record.requester}> · {targets}\n"
            f"`{progress_bar(record.hosts_done, record.hosts_total)}`"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 3000))))
    return blocks
