"""The final report, posted as a reply broadcast to the channel: always within Slack's limits.

Totals by outcome, failed hosts grouped by reason (top groups, "and M more"), the hosts whose result
was not analysed in time, pass rate per account, the items that fail on most hosts with Korean and
English titles and severity, the high-severity failures, and what changed since the previous scan.
Every string that came from a host (names, reasons, stderr) is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Locale, t
from bot.render.text import code, escape, truncate
from scanner.events import ScanFinished
from scanner.outcomes import FAILURES, SKIPS, HostOutcome
from scanner.report.models import ScanDiff, ScanSummary
from scanner.results import Severity, Status

__all__ = ["FailedHost", "report_blocks", "report_text"]

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
GROUPS_SHOWN = 6
HOSTS_PER_GROUP = 8
ITEMS_SHOWN = 10
ACCOUNTS_SHOWN = 10
CHANGES_SHOWN = 8
SEVERITY_KO = {Severity.HIGH: "상", Severity.MEDIUM: "중", Severity.LOW: "하"}


@dataclass(frozen=True)
class FailedHost:
    """A host that did not succeed (or was skipped), with why.

    The notifier's own row rather than ``scanner.report.HostState``: it names the account by alias
    and words the reason as Slack shows it (the failed step first; an unreachable account by region).
    """

    instance_id: str
    name: str | None
    account_alias: str
    outcome: HostOutcome
    reason: str


def _severity(severity: Severity, locale: Locale) -> str:
    return SEVERITY_KO[severity] if locale == "ko" else severity.value


def _more(count: int, locale: Locale) -> str:
    return t("and_more", locale, n=str(count)) if count > 0 else ""


def report_text(finished: ScanFinished, locale: Locale) -> str:
    failed = sum(finished.counts.get(o, 0) for o in FAILURES)
    return t(
        "report_text",
        locale,
        scan=finished.scan_id,
        total=str(finished.total),
        succeeded=str(finished.counts.get(HostOutcome.SUCCEEDED, 0)),
        failed=str(failed),
    )


def _totals(finished: ScanFinished, locale: Locale) -> str:
    counts = finished.counts
    failed = sum(counts.get(o, 0) for o in FAILURES)
    skipped = sum(counts.get(o, 0) for o in SKIPS)
    lines = [
        t(
            "report_totals",
            locale,
            total=str(finished.total),
            succeeded=str(counts.get(HostOutcome.SUCCEEDED, 0)),
            failed=str(failed),
            skipped=str(skipped),
        )
    ]
    detail = [f"`{outcome.value}` {count}" for outcome, count in sorted(counts.items()) if count]
    if detail:
        lines.append(" · ".join(detail))
    return "\n".join(lines)


def _failed_groups(hosts: Sequence[FailedHost], locale: Locale) -> list[str]:
    groups: dict[tuple[HostOutcome, str], list[FailedHost]] = defaultdict(list)
    for host in hosts:
        groups[(host.outcome, host.reason)].append(host)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0][0].value, item[0][1]))
    lines = []
    for (outcome, reason), members in ordered[:GROUPS_SHOWN]:
        names = ", ".join(code(h.name or h.instance_id) for h in members[:HOSTS_PER_GROUP])
        extra = _more(len(members) - HOSTS_PER_GROUP, locale)
        reason_text = f" — {escape(truncate(reason, 200))}" if reason else ""
        lines.append(f"*{outcome.value}* ({len(members)}){reason_text}\n{names}{extra}")
    rest = len(ordered) - GROUPS_SHOWN
    if rest > 0:
        hidden = sum(len(members) for _, members in ordered[GROUPS_SHOWN:])
        lines.append(t("more_groups", locale, groups=str(rest), hosts=str(hidden)))
    return lines


def _not_analysed(summary: ScanSummary, locale: Locale) -> str:
    hosts = summary.not_analysed
    names = ", ".join(code(h.hostname or h.instance_id) for h in hosts[:HOSTS_PER_GROUP])
    heading = t("report_not_analysed", locale, n=str(len(hosts)))
    return f"{heading}\n{names}{_more(len(hosts) - HOSTS_PER_GROUP, locale)}"


def _accounts(summary: ScanSummary, aliases: dict[str, str], locale: Locale) -> str:
    lines = []
    ranked = sorted(
        summary.accounts, key=lambda a: (a.pass_rate if a.pass_rate is not None else 2.0, a.account_id)
    )
    for account in ranked[:ACCOUNTS_SHOWN]:
        rate = f"{account.pass_rate * 100:.1f}%" if account.pass_rate is not None else "—"
        name = aliases.get(account.account_id, account.account_id)
        lines.append(
            t(
                "report_account",
                locale,
                account=code(name),
                rate=rate,
                vulnerable=str(account.vulnerable),
                hosts=str(account.succeeded),
            )
        )
    return "\n".join(lines) + _more(len(ranked) - ACCOUNTS_SHOWN, locale)


def _top_items(summary: ScanSummary, locale: Locale) -> str:
    lines = []
    for item in summary.top_failing[:ITEMS_SHOWN]:
        lines.append(
            f"`{escape(item.code)}` ({_severity(item.severity, locale)}) {escape(item.title_ko)} / "
            f"{escape(item.title_en)} — {t('hosts_n', locale, n=str(item.hosts_failing))}"
        )
    return "\n".join(lines) if lines else t("report_no_failures", locale)


def _high(summary: ScanSummary, locale: Locale) -> str:
    high = summary.by_severity.get(Severity.HIGH, {})
    return t(
        "report_high",
        locale,
        vulnerable=str(high.get(Status.VULNERABLE, 0)),
        good=str(high.get(Status.GOOD, 0)),
    )


def _diff(diff: ScanDiff, locale: Locale) -> str:
    if diff.previous_scan_id is None:
        return t("report_no_previous", locale)
    lines = [
        t(
            "report_diff",
            locale,
            previous=diff.previous_scan_id,
            new=str(len(diff.new_failures)),
            fixed=str(len(diff.fixed)),
            unchanged=str(diff.unchanged),
        )
    ]
    for change in diff.new_failures[:CHANGES_SHOWN]:
        host = change.hostname or change.instance_id
        lines.append(f"• :new: `{escape(change.code)}` {escape(change.title_ko)} — {code(host)}")
    lines.append(_more(len(diff.new_failures) - CHANGES_SHOWN, locale))
    return "\n".join(line for line in lines if line)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def report_blocks(
    finished: ScanFinished,
    summary: ScanSummary | None,
    diff: ScanDiff | None,
    failed_hosts: Sequence[FailedHost],
    aliases: dict[str, str],
    locale: Locale,
    files_note: str | None = None,
) -> list[Block]:
    """The report's blocks; long lists are cut with a count, and never more than 50 blocks."""
    title = t("report_title_cancelled" if finished.status == "CANCELLED" else "report_title", locale)
    blocks: list[Block] = [
        HeaderBlock(text=truncate(f"{title} — {finished.scan_id}", 150)),
        _section(_totals(finished, locale)),
    ]
    groups = _failed_groups(failed_hosts, locale)
    if groups:
        blocks.append(DividerBlock())
        blocks.append(_section(f"*{t('report_failed_hosts', locale)}*"))
        blocks.extend(_section(line) for line in groups)
    if summary is not None and summary.not_analysed:
        blocks.append(DividerBlock())
        blocks.append(_section(_not_analysed(summary, locale)))
    if summary is not None:
        blocks.append(DividerBlock())
        blocks.append(_section(f"*{t('report_accounts', locale)}*\n{_accounts(summary, aliases, locale)}"))
        blocks.append(_section(f"*{t('report_top_items', locale)}*\n{_top_items(summary, locale)}"))
        blocks.append(_section(_high(summary, locale)))
    if diff is not None:
        blocks.append(_section(f"*{t('report_since_last', locale)}*\n{_diff(diff, locale)}"))
    if files_note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(files_note, 2000))]))
    return blocks[:MAX_BLOCKS]
