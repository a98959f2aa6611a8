"""The thread parent (scan ID, targets, who asked and decided, state, progress) and the approval message.

The parent is rendered from the scan record alone: the scan's status says whether it awaits
approval, was denied (by whom, when) or its request expired (when).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Locale, t
from bot.render.text import NAME_SHOWN, code, code_inner, join_within, slack_time
from scanner.approvals import Approval, ApprovalStatus
from scanner.models import ScanRecord, ScanStatus
from scanner.outcomes import FAILURES, SKIPS, HostOutcome

__all__ = [
    "APPROVE_ACTION",
    "DENY_ACTION",
    "approval_blocks",
    "decision_field",
    "parent_blocks",
    "parent_text",
    "progress_bar",
    "scan_state",
]

APPROVE_ACTION = "cce_approve"
DENY_ACTION = "cce_deny"
BAR_CELLS = 20
TARGETS_SHOWN = 10
TARGETS_BUDGET = 1_000  # characters of the list of targets


def progress_bar(done: int, total: int) -> str:
    """``▓▓▓▓░░░░ 50% (10/20)`` — a whole-cell bar that is full only when everything is done."""
    if total <= 0:
        return "░" * BAR_CELLS + " 0%"
    filled = min(BAR_CELLS, done * BAR_CELLS // total)
    return f"{'▓' * filled}{'░' * (BAR_CELLS - filled)} {done * 100 // total}% ({done}/{total})"


def scan_state(record: ScanRecord) -> str:
    """The i18n key of the scan's state, as a reader names it."""
    return {
        ScanStatus.CREATED: "state_queued",
        ScanStatus.AWAITING_APPROVAL: "state_awaiting_approval",
        ScanStatus.RUNNING: "state_running",
        ScanStatus.CANCELLING: "state_cancelling",
        ScanStatus.FINISHED: "state_finished",
        ScanStatus.CANCELLED: "state_cancelled",
        ScanStatus.DENIED: "state_denied",
        ScanStatus.EXPIRED: "state_expired",
    }[record.status]


def decision_field(record: ScanRecord, locale: Locale) -> tuple[str, str]:
    """(label, value): who denied the scan and when, when its request expired, or who approved it."""
    at = slack_time(record.decided_at) if record.decided_at else ""
    if record.status is ScanStatus.DENIED:
        who = f"<@{record.decided_by}>" if record.decided_by else t("none", locale)
        return t("field_denied_by", locale), f"{who} · {at}" if at else who
    if record.status is ScanStatus.EXPIRED:
        return t("field_expired_at", locale), at or t("none", locale)
    return t("field_approver", locale), f"<@{record.approver}>" if record.approver else t("none", locale)


def _more(locale: Locale) -> Callable[[int], str]:
    return lambda n: t("and_more", locale, n=str(n))


def _targets(record: ScanRecord, locale: Locale, budget: int = TARGETS_BUDGET) -> str:
    names = record.targets.names
    shown = [code(name) for name in names[:TARGETS_SHOWN]]
    return join_within(shown, budget, _more(locale), total=len(names))


def parent_text(record: ScanRecord, locale: Locale) -> str:
    """The notification text (also what screen readers and old clients show)."""
    names = record.targets.names
    return t(
        "parent_text",
        locale,
        scan=record.scan_id,
        state=t(scan_state(record), locale),
        targets=join_within(
            [code_inner(name, NAME_SHOWN) for name in names[:TARGETS_SHOWN]],
            TARGETS_BUDGET,
            _more(locale),
            total=len(names),
        ),
    )


def parent_blocks(record: ScanRecord, locale: Locale) -> list[Block]:
    """The thread parent, re-rendered whole on every update."""
    counts = record.counts
    succeeded = counts.get(HostOutcome.SUCCEEDED, 0)
    failed = sum(counts.get(outcome, 0) for outcome in FAILURES)
    skipped = sum(counts.get(outcome, 0) for outcome in SKIPS)
    decided_label, decided = decision_field(record, locale)
    fields = [
        MarkdownTextObject(text=f"*{t('field_scan', locale)}*\n`{record.scan_id}`"),
        MarkdownTextObject(text=f"*{t('field_state', locale)}*\n{t(scan_state(record), locale)}"),
        MarkdownTextObject(text=f"*{t('field_requester', locale)}*\n<@{record.requester}>"),
        MarkdownTextObject(text=f"*{decided_label}*\n{decided}"),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=t("parent_title", locale)),
        SectionBlock(
            text=MarkdownTextObject(text=f"*{t('field_targets', locale)}* {_targets(record, locale)}")
        ),
        SectionBlock(fields=fields),
    ]
    if record.started_at is not None or record.hosts_total:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"`{progress_bar(record.hosts_done, record.hosts_total)}`\n"
                    + t(
                        "progress_counts",
                        locale,
                        succeeded=str(succeeded),
                        failed=str(failed),
                        skipped=str(skipped),
                        accounts_done=str(record.accounts_done),
                        accounts_total=str(record.accounts_total),
                    )
                )
            )
        )
    return blocks


def _estimate_line(estimate: dict[str, int | None], locale: Locale) -> str:
    if not estimate:
        return ""
    parts = []
    for alias, count in list(estimate.items())[:TARGETS_SHOWN]:
        parts.append(f"{code(alias)} {t('hosts_about', locale, n=str(count)) if count is not None else '?'}")
    total = sum(count for count in estimate.values() if count is not None)
    line = join_within(parts, TARGETS_BUDGET, _more(locale), total=len(estimate))
    return f"{line}\n{t('hosts_total', locale, n=str(total))}"


def approval_blocks(
    record: ScanRecord,
    approval: Approval,
    estimate: dict[str, int | None],
    locale: Locale,
    now: datetime | None = None,
) -> list[Block]:
    """The request with Approve / Deny while pending; the decision in their place afterwards."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=t("approval_request", locale, requester=f"<@{approval.requester}>", scan=record.scan_id)
            )
        ),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{t('field_targets', locale)}* {_targets(record, locale)}\n"
                f"{_estimate_line(estimate, locale)}".strip()
            )
        ),
    ]
    if approval.status is ApprovalStatus.PENDING:
        value = f"{record.scan_id}|{approval.requester}"
        blocks.append(
            ActionsBlock(
                block_id="approval",
                elements=[
                    ButtonElement(
                        text=t("approve", locale),
                        action_id=APPROVE_ACTION,
                        value=value,
                        style="primary",
                        confirm=ConfirmObject(
                            title=t("approve_confirm_title", locale),
                            text=t("approve_confirm_text", locale, scan=record.scan_id),
                            confirm=t("approve", locale),
                            deny=t("cancel", locale),
                        ),
                    ),
                    ButtonElement(text=t("deny", locale), action_id=DENY_ACTION, value=value, style="danger"),
                ],
            )
        )
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t(
                            "approval_expires",
                            locale,
                            at=f"<!date^{int(approval.expires_at.timestamp())}^{{time}}|{approval.expires_at:%H:%M} UTC>",
                        )
                    )
                ]
            )
        )
    else:
        key = {
            ApprovalStatus.APPROVED: "approval_approved",
            ApprovalStatus.DENIED: "approval_denied",
            ApprovalStatus.EXPIRED: "approval_expired",
        }[approval.status]
        who = f"<@{approval.decided_by}>" if approval.decided_by else ""
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(key, locale, who=who))]))
    return blocks
