"""The final report, posted as a reply broadcast to the channel: always within Slack's limits.

It leads with what changed since the previous scan of the same targets (newly vulnerable and fixed
(host, item) pairs, hosts that appeared in or disappeared from the results), then the summary:
totals by outcome, the running instances SSM does not manage (not covered, so never counted as
scanned), failed hosts grouped by reason (top groups, "and M more"), the hosts whose result was not
analysed in time, pass rate per account, the items that fail on most hosts with Korean and English
titles and severity (the first few with their fix from the item catalog, in the report's language,
per distribution family where the fix differs) and the high-severity failures. Every string that
came from a host or an EC2 tag (names, reasons, stderr) is escaped, and so is the catalog's text.
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
from bot.render.limits import (
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCK_TEXT_BUDGET,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    block_text_length,
)
from bot.render.text import code, code_inner, cut_mrkdwn, escape, join_within, plain, truncate
from scanner.catalog import FAMILIES, FAMILY_NAMES, item
from scanner.events import ScanFinished
from scanner.outcomes import FAILURES, SKIPS, HostOutcome
from scanner.report.models import HostRef, ItemChange, ScanDiff, ScanSummary
from scanner.results import Severity, Status

__all__ = ["FailedHost", "report_blocks", "report_text"]

GROUPS_SHOWN = 6
HOSTS_PER_GROUP = 8
ITEMS_SHOWN = 10
FIXES_SHOWN = 3  # the items failing on most hosts show their fix under them
ACCOUNTS_SHOWN = 10
CHANGES_SHOWN = 8  # newly vulnerable (host, item) pairs listed
FIXED_SHOWN = 5  # fixed pairs listed
COVERAGE_ACCOUNTS_SHOWN = 5  # accounts whose instances not covered are named
# Characters each part of the report may take, so that the whole stays within Slack's total for a
# message's blocks (MESSAGE_BLOCK_TEXT_BUDGET) however long the names and reasons: what does not
# fit is counted ("and N more"); every host is in the CSV attached to the thread. With the header,
# the totals and the headings they add up to less than the budget.
GROUP_BUDGET = 500  # one group of failed hosts (GROUPS_SHOWN of them)
NOT_ANALYSED_BUDGET = 600
ACCOUNTS_BUDGET = 1_300
ITEMS_BUDGET = 2_600  # ten items, the first FIXES_SHOWN with their fix (up to ~600 each)
DIFF_BUDGET = 1_700  # the counts, the hosts that appeared and disappeared, the changed pairs
DIFF_HOSTS_BUDGET = 300  # each of the two lines naming hosts that appeared or disappeared
COVERAGE_BUDGET = 800
NOTE_BUDGET = 1_000
REASON_SHOWN = 200
TITLE_SHOWN = 120
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
        reason_text = f" — {plain(reason, REASON_SHOWN)}" if reason else ""
        head = f"*{outcome.value}* ({len(members)}){reason_text}\n"
        names = join_within(
            [code(h.name or h.instance_id) for h in members[:HOSTS_PER_GROUP]],
            GROUP_BUDGET - len(head),
            lambda n: _more(n, locale),
            total=len(members),
        )
        lines.append(head + names)
    rest = len(ordered) - GROUPS_SHOWN
    if rest > 0:
        hidden = sum(len(members) for _, members in ordered[GROUPS_SHOWN:])
        lines.append(t("more_groups", locale, groups=str(rest), hosts=str(hidden)))
    return lines


def _not_analysed(summary: ScanSummary, locale: Locale) -> str:
    hosts = summary.not_analysed
    heading = t("report_not_analysed", locale, n=str(len(hosts)))
    names = join_within(
        [code(h.hostname or h.instance_id) for h in hosts[:HOSTS_PER_GROUP]],
        NOT_ANALYSED_BUDGET - len(heading) - 1,
        lambda n: _more(n, locale),
        total=len(hosts),
    )
    return f"{heading}\n{names}"


def _accounts(summary: ScanSummary, aliases: dict[str, str], locale: Locale, budget: int) -> str:
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
    return join_within(lines, budget, lambda n: _more(n, locale), "\n", total=len(ranked))


def _fix(code_: str, locale: Locale) -> str:
    """The item's fix from the catalog, one line per family where it differs ("" for no item)."""
    entry = item(code_)
    if entry is None:
        return ""
    if not entry.varies_by_family:
        text = entry.remediation_for(None).of(locale)
        return f"\n      ↳ {t('report_fix', locale)}: {escape(text)}"
    return "".join(
        f"\n      ↳ {FAMILY_NAMES[family]}: {escape(entry.remediation_for(family).of(locale))}"
        for family in FAMILIES
    )


def _top_items(summary: ScanSummary, locale: Locale, budget: int) -> str:
    lines = []
    for index, failing in enumerate(summary.top_failing[:ITEMS_SHOWN]):
        lines.append(
            f"{code(failing.code, 20)} ({_severity(failing.severity, locale)}) "
            f"{plain(failing.title_ko, TITLE_SHOWN)} / {plain(failing.title_en, TITLE_SHOWN)} — "
            f"{t('hosts_n', locale, n=str(failing.hosts_failing))}"
            + (_fix(failing.code, locale) if index < FIXES_SHOWN else "")
        )
    if not lines:
        return t("report_no_failures", locale)
    return join_within(lines, budget, lambda n: _more(n, locale), "\n", total=len(summary.top_failing))


def _high(summary: ScanSummary, locale: Locale) -> str:
    high = summary.by_severity.get(Severity.HIGH, {})
    return t(
        "report_high",
        locale,
        vulnerable=str(high.get(Status.VULNERABLE, 0)),
        good=str(high.get(Status.GOOD, 0)),
    )


def _names(
    hosts: Sequence[HostRef], total: int, budget: int, locale: Locale, *, with_ids: bool = False
) -> str:
    """Host names (the instance ID where there is none) as code, within ``budget``, "and N more"
    for the rest of ``total``; ``with_ids`` adds the instance ID to a name."""

    def one(host: HostRef) -> str:
        if with_ids and host.hostname:
            return f"{code(host.hostname)} ({code(host.instance_id, 21)})"
        return code(host.hostname or host.instance_id)

    return join_within(
        [one(h) for h in hosts[:HOSTS_PER_GROUP]], budget, lambda n: _more(n, locale), total=total
    )


def _host_line(key: str, hosts: Sequence[HostRef], total: int, locale: Locale) -> str:
    head = t(key, locale, n=str(total))
    return f"{head} {_names(hosts, total, DIFF_HOSTS_BUDGET - len(head) - 1, locale)}"


def _change_lines(diff: ScanDiff, locale: Locale, budget: int) -> list[str]:
    """The newly vulnerable pairs, then the fixed ones, each list within its share of ``budget``."""
    parts = []

    def line(mark: str, change: ItemChange) -> str:
        title = change.title_ko if locale == "ko" else change.title_en
        host = change.hostname or change.instance_id
        return f"• {mark} {code(change.code, 20)} {plain(title, TITLE_SHOWN)} — {code(host)}"

    new = [line(":new:", c) for c in diff.new_failures[:CHANGES_SHOWN]]
    fixed = [line(":white_check_mark:", c) for c in diff.fixed[:FIXED_SHOWN]]
    new_budget = budget * 3 // 5 if fixed else budget
    if new:
        listed = join_within(new, new_budget, lambda n: _more(n, locale), "\n", total=len(diff.new_failures))
        parts.append(listed)
        budget -= len(listed) + 1
    if fixed:
        parts.append(join_within(fixed, budget, lambda n: _more(n, locale), "\n", total=len(diff.fixed)))
    return parts


def _diff(diff: ScanDiff, locale: Locale, budget: int) -> str:
    """What changed: the counts, the hosts that appeared and disappeared, then the changed pairs."""
    if diff.previous_scan_id is None:
        return t("report_no_previous", locale)
    lines = [
        t(
            "report_diff",
            locale,
            previous=code_inner(diff.previous_scan_id),
            new=str(len(diff.new_failures)),
            fixed=str(len(diff.fixed)),
            unchanged=str(diff.unchanged),
        )
    ]
    if diff.hosts_new:
        lines.append(_host_line("report_hosts_appeared", diff.hosts_appeared, diff.hosts_new, locale))
    if diff.hosts_not_rescanned:
        lines.append(
            _host_line("report_hosts_disappeared", diff.hosts_disappeared, diff.hosts_not_rescanned, locale)
        )
    if not (diff.new_failures or diff.fixed or diff.hosts_new or diff.hosts_not_rescanned):
        lines.append(t("report_no_change", locale))
    used = sum(len(line) + 1 for line in lines)
    return "\n".join([*lines, *_change_lines(diff, locale, budget - used)])


def _coverage(summary: ScanSummary, aliases: dict[str, str], locale: Locale, budget: int) -> str:
    """The running instances SSM does not manage, per account (a few named), and the accounts whose
    running instances could not be listed; "" when nothing of the scan was looked at."""
    if not summary.coverage:
        return ""
    missing = [a for a in summary.coverage if a.checked and a.not_covered]
    unchecked = [a for a in summary.coverage if not a.checked]
    lines = []
    if missing:
        lines.append(t("report_not_covered", locale, n=str(summary.not_covered)))
        for account in missing[:COVERAGE_ACCOUNTS_SHOWN]:
            head = t(
                "report_not_covered_account",
                locale,
                account=code(aliases.get(account.account_id, account.account_id)),
                n=str(account.not_covered),
                running=str(account.running),
            )
            share = (budget - 200) // min(len(missing), COVERAGE_ACCOUNTS_SHOWN) - len(head) - 4
            # Named with their IDs: these instances are in no attached file.
            names = _names(account.instances, account.not_covered, share, locale, with_ids=True)
            lines.append(f"• {head} {names}")
        if len(missing) > COVERAGE_ACCOUNTS_SHOWN:
            rest = missing[COVERAGE_ACCOUNTS_SHOWN:]
            lines.append(
                t(
                    "report_not_covered_more",
                    locale,
                    accounts=str(len(rest)),
                    n=str(sum(a.not_covered for a in rest)),
                )
            )
    elif not unchecked:
        running = sum(a.running for a in summary.coverage)
        lines.append(t("report_all_covered", locale, running=str(running)))
    if unchecked:
        names = join_within(
            [code(aliases.get(a.account_id, a.account_id)) for a in unchecked[:ACCOUNTS_SHOWN]],
            150,
            lambda n: _more(n, locale),
            total=len(unchecked),
        )
        lines.append(t("report_coverage_unchecked", locale, accounts=names))
    return cut_mrkdwn("\n".join(lines), budget)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=cut_mrkdwn(text, SECTION_TEXT_MAX)))


def _within_budget(blocks: list[Block]) -> list[Block]:
    """The last guard of the total: while the blocks carry more text than a message may, the
    longest section is shortened (at a safe place) by what is over."""
    over = block_text_length(blocks) - MESSAGE_BLOCK_TEXT_BUDGET
    while over > 0:
        sections = [b for b in blocks if isinstance(b, SectionBlock) and b.text is not None]
        if not sections:
            break
        longest = max(sections, key=lambda b: len(b.text.text if b.text else ""))
        assert longest.text is not None
        text = longest.text.text
        shorter = cut_mrkdwn(text, max(1, len(text) - over))
        if len(shorter) >= len(text):
            break
        longest.text = MarkdownTextObject(text=shorter)
        over = block_text_length(blocks) - MESSAGE_BLOCK_TEXT_BUDGET
    return blocks


def report_blocks(
    finished: ScanFinished,
    summary: ScanSummary | None,
    diff: ScanDiff | None,
    failed_hosts: Sequence[FailedHost],
    aliases: dict[str, str],
    locale: Locale,
    files_note: str | None = None,
) -> list[Block]:
    """The report's blocks, what changed first (when there is a diff), then the summary: long
    lists are cut with a count, at most 50 blocks, and no more text in all than Slack takes in one
    message (the full lists are in the attached CSV)."""
    title = t("report_title_cancelled" if finished.status == "CANCELLED" else "report_title", locale)
    blocks: list[Block] = [HeaderBlock(text=truncate(f"{title} — {finished.scan_id}", HEADER_TEXT_MAX))]
    if diff is not None:  # the report leads with what changed, then the summary
        heading = f"*{t('report_since_last', locale)}*\n"
        blocks.append(_section(heading + _diff(diff, locale, DIFF_BUDGET - len(heading))))
        blocks.append(DividerBlock())
    blocks.append(_section(_totals(finished, locale)))
    coverage = _coverage(summary, aliases, locale, COVERAGE_BUDGET) if summary is not None else ""
    if coverage:
        blocks.append(_section(coverage))
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
        heading = f"*{t('report_accounts', locale)}*\n"
        blocks.append(_section(heading + _accounts(summary, aliases, locale, ACCOUNTS_BUDGET - len(heading))))
        heading = f"*{t('report_top_items', locale)}*\n"
        blocks.append(_section(heading + _top_items(summary, locale, ITEMS_BUDGET - len(heading))))
        blocks.append(_section(_high(summary, locale)))
    if files_note:
        note = cut_mrkdwn(files_note, min(NOTE_BUDGET, CONTEXT_TEXT_MAX))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return _within_budget(blocks[:MESSAGE_BLOCKS_MAX])
