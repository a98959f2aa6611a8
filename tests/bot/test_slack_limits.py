"""Every message and modal the app builds stays inside Slack's limits with hostile and huge inputs.

Property-based (hypothesis): 500 hosts, 200 accounts, 500 configured names, 255-character names
full of ``&<>*_~```, ``<!channel>`` and ``<@U123>``. Each builder's output is checked against
slack_sdk's models (``validate_json()``, ``to_dict()``) and against Slack's Block Kit limits as
:mod:`bot.render.limits` states them (see :mod:`tests.bot.slack_rules`); and what hostile input
brings cannot mention, broadcast or link, nor be cut inside an entity or a code span.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.authz import Verdict
from bot.commands import UsageError
from bot.i18n import Locale, t
from bot.listeners.commands import register
from bot.render.help import (
    help_blocks,
    nearest_targets,
    targets_text,
    unknown_target_blocks,
    unknown_target_text,
    usage_blocks,
    usage_text,
)
from bot.render.limits import MESSAGE_BLOCK_TEXT_BUDGET, MESSAGE_BLOCK_TEXT_REFUSED, block_text_length
from bot.render.modal import modal_view
from bot.render.replies import account_unreachable_text, failures_text
from bot.render.report import FailedHost, report_blocks, report_text
from bot.render.status import status_blocks
from bot.render.text import clip, code, cut_mrkdwn, escape, join_within, plain
from bot.render.thread import approval_blocks, parent_blocks, parent_text
from scanner.approvals import Approval, ApprovalStatus
from scanner.config import Account, Config, GroupPolicy, load_config
from scanner.events import ScanFinished
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets
from scanner.outcomes import HostOutcome
from scanner.report.models import (
    AccountCoverage,
    AccountSummary,
    HostRef,
    ItemChange,
    ItemFailures,
    ScanDiff,
    ScanSummary,
)
from scanner.results import Severity, Status
from tests.bot.slack_rules import check_message, check_view, hostile_names, hostile_text

EXAMPLE = load_config(Path(__file__).resolve().parents[2] / "cce_scan" / "examples" / "cce-scan.yaml")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SCAN = "20261126T090000-abcdef"
LOCALES: tuple[Locale, ...] = ("ko", "en")
# Modest example counts: the properties are about sizes, and each example renders hundreds of rows.
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

locales = st.sampled_from(LOCALES)


def _cycle(names: list[str], count: int) -> list[str]:
    """``count`` strings made from ``names``, each different (a number in front), none longer than 255."""
    return [f"{index}{names[index % len(names)]}"[:255] for index in range(count)]


def _config(accounts: int, groups: int, alias_length: int = 12) -> Config:
    """A configuration of ``accounts`` aliases and ``groups`` groups (each account in one group)."""
    group_names = [f"g{index:03d}-{'t' * 60}"[: max(5, alias_length)] for index in range(groups)]
    members = [
        Account(
            id=f"{100_000_000_000 + index:012d}",
            alias=f"a{index:03d}-{'x' * 62}"[: max(5, alias_length)],
            groups=(group_names[index % groups],) if groups else (),
            regions=("ap-northeast-2",),
        )
        for index in range(accounts)
    ]
    return EXAMPLE.model_copy(
        update={"accounts": tuple(members), "groups": dict.fromkeys(group_names, GroupPolicy())}
    )


def _record(names: list[str], accounts: int, status: ScanStatus, hosts: int) -> ScanRecord:
    return ScanRecord(
        scan_id=SCAN,
        requester="U01REQUESTER",
        approver="U02APPROVER" if status is ScanStatus.RUNNING else None,
        decided_by="U02APPROVER" if status is ScanStatus.DENIED else None,
        decided_at=NOW if status in (ScanStatus.DENIED, ScanStatus.EXPIRED) else None,
        targets=ScanTargets(
            kind="host",
            names=tuple(names),
            accounts=tuple(
                AccountTarget(account_id=f"{index:012d}", alias=f"acct-{index}", region="ap-northeast-2")
                for index in range(max(1, accounts))
            ),
        ),
        status=status,
        created_at=NOW,
        started_at=NOW if hosts else None,
        hosts_total=hosts,
        accounts_total=accounts,
        accounts_done=accounts // 2,
        counts={HostOutcome.SUCCEEDED: hosts // 2, HostOutcome.FAILED_CHECKS: hosts - hosts // 2},
    )


# The text helpers: cut raw, then escape


@PROPERTY
@given(value=hostile_text(), limit=st.integers(1, 300))
def test_clip_cuts_the_raw_text_then_escapes_it_so_no_entity_is_ever_half(value: str, limit: int) -> None:
    """Slack's mrkdwn escaping: ``&``, ``<``, ``>`` are whole entities, and the cut fits the limit."""
    clipped = clip(value, limit)
    assert len(clipped) <= max(limit, 1)
    assert not re.search(r"&(?!amp;|lt;|gt;)", clipped)
    assert "<" not in clipped
    assert ">" not in clipped
    if len(escape(value)) <= limit:
        assert clipped == escape(value)


@PROPERTY
@given(value=hostile_text(), limit=st.integers(3, 300))
def test_code_spans_of_hostile_text_are_closed_escaped_and_within_the_limit(value: str, limit: int) -> None:
    """Slack's mrkdwn: one code span, never opened by the value, no entity cut."""
    span = code(value, limit)
    assert len(span) <= limit
    assert span.startswith("`")
    assert span.endswith("`")
    assert span.count("`") == 2
    assert "\n" not in span
    assert not re.search(r"&(?!amp;|lt;|gt;)", span)


@PROPERTY
@given(parts=hostile_names(1, 20), limit=st.integers(1, 400))
def test_cut_mrkdwn_never_leaves_an_entity_a_mention_or_a_code_span_open(
    parts: list[str], limit: int
) -> None:
    """Slack's mrkdwn: a cut of finished text keeps entities, ``<…>`` sequences and code spans whole."""
    text = " ".join([code(parts[0]), plain(parts[-1], 300), "<@U01REQUESTER>", code(parts[len(parts) // 2])])
    cut = cut_mrkdwn(text, limit)
    assert len(cut) <= max(limit, 1)
    assert not re.search(r"&(?!amp;|lt;|gt;)", cut)
    assert cut.count("`") % 2 == 0
    assert cut.count("<") == cut.count(">")


@PROPERTY
@given(items=st.lists(st.text(max_size=40), max_size=600), limit=st.integers(20, 3000))
def test_join_within_keeps_whole_items_and_counts_the_rest(items: list[str], limit: int) -> None:
    """Long lists say how many more there are, in the limit, and never cut an item."""
    joined = join_within(items, limit, lambda n: f" and {n} more")
    assert len(joined) <= limit
    shown = joined.split(" and ")[0]
    if shown:
        assert shown in ", ".join(items)
    if len(", ".join(items)) > limit:
        assert re.search(r" and \d+ more$", joined)


# Help and usage errors (answered in the ack)


@pytest.mark.parametrize("locale", LOCALES)
def test_help_within_slack_block_kit_limits_and_slack_sdk_models_with_no_link_syntax(locale: Locale) -> None:
    """Slack's Block Kit limits and slack_sdk's models; and no ``<…>`` that Slack reads as a link."""
    dicts = check_message(help_blocks(locale), t("help_title", locale))
    body = dicts[1]["text"]["text"]
    assert "<" not in body
    assert ">" not in body
    assert ("ACCOUNT|GROUP" in body) if locale == "en" else ("계정|그룹" in body)


@PROPERTY
@given(
    typed=hostile_text(),
    problem=st.sampled_from(
        ["malformed_account", "malformed_instance_id", "malformed_host", "unknown_command"]
    ),
    locale=locales,
)
def test_usage_errors_quoting_hostile_input_within_slack_block_kit_limits(
    typed: str, problem: str, locale: Locale
) -> None:
    """Slack's Block Kit limits and slack_sdk's models for a usage error that quotes what was typed."""
    error = UsageError(problem=problem, subject=typed * 20, example="/cce-scan cancel <scan-id>")
    dicts = check_message(usage_blocks(error, locale), usage_text(error, locale))
    assert "&lt;scan-id&gt;" in dicts[1]["elements"][0]["text"]


# The unknown-account reply


@PROPERTY
@given(
    accounts=st.integers(1, 300),
    groups=st.integers(0, 200),
    alias_length=st.integers(5, 63),
    typed=st.one_of(hostile_text(), st.from_regex(r"\A[0-9]{12}\Z")),
    locale=locales,
)
def test_unknown_account_reply_within_slack_block_kit_limits_for_any_configuration(
    accounts: int, groups: int, alias_length: int, typed: str, locale: Locale
) -> None:
    """Slack's Block Kit limits and slack_sdk's models, whatever the configuration's size and names."""
    config = _config(accounts, groups, alias_length)
    check_message(unknown_target_blocks(typed, config, locale), unknown_target_text(typed, config, locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_unknown_account_reply_with_500_configured_names_suggests_the_nearest_and_counts_the_rest(
    locale: Locale,
) -> None:
    """Slack's Block Kit limits and slack_sdk's models with 300 aliases and 200 groups; the reply
    names the closest configured names first and says how many it does not list."""
    config = _config(300, 200)
    account_id = config.accounts[123].id
    typo = account_id[0] + "9" + account_id[2:]  # one digit off an account ID
    blocks = unknown_target_blocks(typo, config, locale)
    dicts = check_message(blocks, unknown_target_text(typo, config, locale))
    problem = dicts[0]["text"]["text"]
    assert config.accounts[123].alias in problem
    known = dicts[1]["elements"][0]["text"]
    more = re.search(r" 외 (\d+)$" if locale == "ko" else r" and (\d+) more$", known)
    assert more is not None
    assert "500" in known
    assert int(more.group(1)) + known.count("`") // 2 == 500


def test_nearest_targets_finds_a_typo_among_500_names() -> None:
    config = _config(300, 200)
    alias = config.accounts[42].alias
    assert nearest_targets(alias[:-1], config)[0] == alias


@pytest.mark.parametrize("locale", LOCALES)
def test_the_slash_command_answers_an_unknown_account_with_500_configured_names(locale: Locale) -> None:
    """Slack's Block Kit limits and slack_sdk's models on what ``/cce-scan account <unknown id>``
    acks with a 500-name configuration: blocks that serialise (``to_dict()`` does not raise), and a
    fallback text that names the problem."""
    config = _config(300, 200).model_copy(update={"locale": locale})
    acks: dict[str, Callable[..., None]] = {}

    class _App:
        def command(self, name: str, **_: Any) -> Callable[..., None]:
            def take(ack: Callable[..., None], lazy: list[Any] | None = None) -> None:
                acks[name] = ack

            return take

    deps = SimpleNamespace(
        config=config, locale=locale, authorizer=SimpleNamespace(quick=lambda user, role: Verdict.ALLOWED)
    )
    register(cast(Any, _App()), cast(Any, deps))
    answers: list[dict[str, Any]] = []
    acks["/cce-scan"](
        ack=lambda **kwargs: answers.append(kwargs),
        command={
            "text": "account 999999999999",
            "user_id": "U01REQUESTER",
            "channel_id": "C01CCESCAN",
            "trigger_id": "1",
        },
        client=None,
        context={},
    )
    [answer] = answers
    check_message(answer["blocks"], answer["text"])
    assert "999999999999" in answer["text"]
    assert "``" not in answer["text"]


@PROPERTY
@given(names=hostile_names(1, 5), count=st.integers(1, 100), locale=locales)
def test_the_ack_repeating_what_was_asked_stays_short_and_escaped(
    names: list[str], count: int, locale: Locale
) -> None:
    """Slack's message text (its 40,000, and the app's 3,000) with 100 hostile names asked for."""
    check_message(None, t("accepted", locale, targets=targets_text(tuple(_cycle(names, count)), locale)))


# The thread parent and the approval request


@PROPERTY
@given(
    names=hostile_names(1, 5),
    count=st.integers(1, 100),
    accounts=st.integers(1, 200),
    status=st.sampled_from(list(ScanStatus)),
    hosts=st.integers(0, 500),
    locale=locales,
)
def test_thread_parent_within_slack_block_kit_limits_with_hostile_targets(
    names: list[str], count: int, accounts: int, status: ScanStatus, hosts: int, locale: Locale
) -> None:
    """Slack's Block Kit limits and slack_sdk's models for the thread parent and its fallback text."""
    record = _record(_cycle(names, count), accounts, status, hosts)
    check_message(parent_blocks(record, locale), parent_text(record, locale))


@PROPERTY
@given(
    names=hostile_names(1, 5),
    count=st.integers(1, 100),
    accounts=st.integers(0, 200),
    state=st.sampled_from(list(ApprovalStatus)),
    locale=locales,
)
def test_approval_request_within_slack_block_kit_limits_with_200_accounts(
    names: list[str], count: int, accounts: int, state: ApprovalStatus, locale: Locale
) -> None:
    """Slack's Block Kit limits (buttons, confirm dialog, sections) and slack_sdk's models."""
    record = _record(_cycle(names, count), accounts, ScanStatus.AWAITING_APPROVAL, 0)
    approval = Approval(
        scan_id=SCAN,
        requester="U01REQUESTER",
        status=state,
        requested_at=NOW,
        expires_at=NOW + timedelta(hours=1),
        decided_by=None if state is ApprovalStatus.PENDING else "U02APPROVER",
    )
    estimate: dict[str, int | None] = {
        f"a{index:03d}-{'x' * 59}": (None if index % 7 == 0 else index * 3) for index in range(accounts)
    }
    text = t("approval_request", locale, requester="<@U01REQUESTER>", scan=SCAN)
    check_message(approval_blocks(record, approval, estimate, locale, NOW), text)


# Replies while a scan runs


@PROPERTY
@given(
    alias=st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,62}\Z"),
    host=hostile_text(),
    reason=hostile_text(),
    repeat=st.integers(1, 40),
    failed=st.integers(1, 10_000),
    locale=locales,
)
def test_progress_and_failed_host_replies_stay_short_and_escaped(
    alias: str, host: str, reason: str, repeat: int, failed: int, locale: Locale
) -> None:
    """Slack's message text (40,000; the app's 3,000) for the account-unreachable and the failed-host
    replies, with a reason of up to 10,000 hostile characters."""
    long_reason = reason * repeat
    check_message(
        None, account_unreachable_text(alias, "123456789012", "ap-northeast-2", long_reason, locale)
    )
    check_message(None, failures_text(failed, host, "FAILED_CHECKS", long_reason, locale))


# The report


def _report_inputs(
    names: list[str], hosts: int, reasons: int, accounts: int
) -> tuple[ScanFinished, ScanSummary, ScanDiff, list[FailedHost]]:
    outcomes = [o for o in HostOutcome if o is not HostOutcome.SUCCEEDED]
    failed = [
        FailedHost(
            instance_id=f"i-{index:017x}",
            name=name,
            account_alias=f"acct-{index % max(1, accounts)}",
            outcome=outcomes[index % len(outcomes)],
            reason=names[index % len(names)] * 3 + f" #{index % reasons}",
        )
        for index, name in enumerate(_cycle(names, hosts))
    ]
    finished = ScanFinished(
        scan_id=SCAN,
        seq=9,
        status="FINISHED",
        total=hosts * 2,
        counts={HostOutcome.SUCCEEDED: hosts, HostOutcome.FAILED_CHECKS: hosts},
        by_account={},
        finished_at=NOW,
    )
    summary = ScanSummary(
        scan_id=SCAN,
        hosts=hosts * 2,
        outcomes={HostOutcome.SUCCEEDED: hosts},
        counts={Status.GOOD: 10 * hosts, Status.VULNERABLE: 5 * hosts},
        by_severity={Severity.HIGH: {Status.VULNERABLE: hosts, Status.GOOD: hosts}},
        accounts=tuple(
            AccountSummary(
                account_id=f"{index:012d}", hosts=5, succeeded=4, good=40, vulnerable=index % 9, pass_rate=0.5
            )
            for index in range(accounts)
        ),
        top_failing=tuple(
            ItemFailures(
                code=f"U-{index:02d}{names[0][:20]}",
                severity=Severity.HIGH,
                title_ko=names[index % len(names)],
                title_en=names[-1 - index % len(names)],
                hosts_failing=hosts - index,
            )
            for index in range(min(hosts, 72))
        ),
        not_analysed=tuple(
            HostRef(account_id="111111111111", instance_id=f"i-{index:017x}", hostname=name)
            for index, name in enumerate(_cycle(names, hosts // 3))
        ),
        # Every account has instances SSM does not manage (20 named, 255-character hostile Name
        # tags), or could not be asked.
        coverage=tuple(
            AccountCoverage(
                account_id=f"{index:012d}",
                region="ap-northeast-2",
                checked=index % 7 != 3,
                running=hosts + 50,
                not_covered=50 if index % 7 != 3 else 0,
                instances=tuple(
                    HostRef(account_id=f"{index:012d}", instance_id=f"i-{n:017x}", hostname=name)
                    for n, name in enumerate(_cycle(names, 20 if index % 7 != 3 else 0))
                ),
            )
            for index in range(accounts)
        ),
    )
    diff = ScanDiff(
        previous_scan_id="20261120T090000-000000",
        scan_id=SCAN,
        new_failures=tuple(
            ItemChange(
                account_id="222222222222",
                instance_id=f"i-{index:017x}",
                hostname=name,
                code="U-01",
                severity=Severity.HIGH,
                title_ko=names[0],
                title_en=names[-1],
                before=Status.GOOD,
                after=Status.VULNERABLE,
            )
            for index, name in enumerate(_cycle(names, hosts))
        ),
        fixed=tuple(
            ItemChange(
                account_id="222222222222",
                instance_id=f"i-{index:017x}",
                hostname=name,
                code="U-02",
                severity=Severity.HIGH,
                title_ko=names[-1],
                title_en=names[0],
                before=Status.VULNERABLE,
                after=Status.GOOD,
            )
            for index, name in enumerate(_cycle(names, hosts))
        ),
        undecided=(),
        unchanged=hosts * 7,
        unchanged_by_code={},
        hosts_compared=hosts,
        hosts_new=hosts,
        hosts_not_rescanned=hosts,
        hosts_appeared=tuple(
            HostRef(account_id="222222222222", instance_id=f"i-{index:017x}", hostname=name)
            for index, name in enumerate(_cycle(names, min(hosts, 20)))
        ),
        hosts_disappeared=tuple(
            HostRef(account_id="222222222222", instance_id=f"i-{index:017x}", hostname=name)
            for index, name in enumerate(_cycle(names, min(hosts, 20)))
        ),
    )
    return finished, summary, diff, failed


@PROPERTY
@given(
    names=hostile_names(1, 5),
    hosts=st.integers(0, 500),
    reasons=st.integers(1, 60),
    accounts=st.integers(0, 200),
    error=st.one_of(st.none(), hostile_text()),
    locale=locales,
)
def test_report_within_slack_block_kit_limits_with_500_hostile_hosts_and_200_accounts(
    names: list[str], hosts: int, reasons: int, accounts: int, error: str | None, locale: Locale
) -> None:
    """Slack's Block Kit limits (50 blocks, 3,000 per section, the total of ``msg_blocks_too_long``)
    and slack_sdk's models, for the report of 500 hosts with 255-character hostile names."""
    finished, summary, diff, failed = _report_inputs(names, hosts, reasons, accounts)
    aliases = {f"{index:012d}": f"a{index:03d}-{'x' * 59}" for index in range(accounts)}
    note = (
        t("report_files", locale, bucket="cce-results", prefix=f"reports/{SCAN}/")
        if error is None
        else t("report_not_written", locale, reason=plain(error * 10, 500))
    )
    blocks = report_blocks(finished, summary, diff, failed, aliases, locale, note)
    check_message(blocks, report_text(finished, locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_largest_report_is_well_below_where_slack_refuses_a_message(locale: Locale) -> None:
    """Slack's ``msg_blocks_too_long`` (about 13,200 characters of block text): the report of 500
    hosts whose names and reasons are all 255 hostile characters keeps under the app's budget."""
    worst = ("&<>" * 85, "<!channel>`*_~" * 18, "<@U123>&" * 31)
    finished, summary, diff, failed = _report_inputs(list(worst), 500, 60, 200)
    blocks = report_blocks(finished, summary, diff, failed, {}, locale, "x" * 3000)
    check_message(blocks, report_text(finished, locale))
    assert block_text_length(blocks) <= MESSAGE_BLOCK_TEXT_BUDGET < MESSAGE_BLOCK_TEXT_REFUSED


def test_the_reports_last_guard_shortens_sections_safely_when_the_parts_add_up_to_too_much(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slack's ``msg_blocks_too_long``: were the parts' budgets ever to add up to more than a
    message takes, the longest sections are cut (whole entities, closed code spans) to fit."""
    monkeypatch.setattr("bot.render.report.MESSAGE_BLOCK_TEXT_BUDGET", 3_000)
    worst = ("&<>" * 85, "<!channel>`*_~" * 18, "<@U123>&" * 31)
    finished, summary, diff, failed = _report_inputs(list(worst), 500, 60, 200)
    blocks = report_blocks(finished, summary, diff, failed, {}, "en", "note")
    check_message(blocks, report_text(finished, "en"))
    assert block_text_length(blocks) <= 3_000


# The scan modal and status


@PROPERTY
@given(
    accounts=st.integers(1, 250), groups=st.integers(0, 250), alias_length=st.integers(5, 63), locale=locales
)
def test_scan_modal_within_slack_block_kit_limits_with_hundreds_of_accounts_and_groups(
    accounts: int, groups: int, alias_length: int, locale: Locale
) -> None:
    """Slack's Block Kit limits for a modal (option text 75, 100 options per group, 100 groups,
    100 blocks) and slack_sdk's models (``View``), with the longest aliases the config allows."""
    data = check_view(modal_view(_config(accounts, groups, alias_length), "C01CCESCAN", locale))
    element = data["blocks"][1]["element"]
    offered = sum(len(group["options"]) for group in element["option_groups"])
    assert offered == accounts + groups


@PROPERTY
@given(
    names=hostile_names(1, 5),
    scans=st.integers(0, 25),
    count=st.integers(1, 100),
    status=st.sampled_from(list(ScanStatus)),
    locale=locales,
)
def test_status_within_slack_block_kit_limits_with_hostile_targets(
    names: list[str], scans: int, count: int, status: ScanStatus, locale: Locale
) -> None:
    """Slack's Block Kit limits and slack_sdk's models for ``/cce-scan status`` of 20 scans of 100
    hostile targets each."""
    records = [_record(_cycle(names, count), 3, status, 500) for _ in range(scans)]
    check_message(status_blocks(records, locale), t("status_title", locale))
