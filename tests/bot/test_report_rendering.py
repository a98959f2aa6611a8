"""The final report stays within Slack's limits however large the scan, and host text cannot inject."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.i18n import Locale
from bot.render.report import FailedHost, report_blocks
from bot.render.text import escape
from localworld.slack import SlackApiServer, check_message_blocks
from scanner.catalog import FAMILY_NAMES, Item
from scanner.catalog import item as _item
from scanner.events import ScanFinished
from scanner.outcomes import HostOutcome
from scanner.report.models import AccountSummary, ItemChange, ItemFailures, ScanDiff, ScanSummary
from scanner.results import ITEMS, Severity, Status

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _finished(total: int) -> ScanFinished:
    return ScanFinished(
        scan_id="20261126T090000-abcdef",
        seq=99,
        status="FINISHED",
        total=total,
        counts={HostOutcome.SUCCEEDED: total // 2, HostOutcome.FAILED_DOWNLOAD: total - total // 2},
        by_account={},
        finished_at=NOW,
    )


def _huge_summary() -> ScanSummary:
    items = list(ITEMS.values())
    return ScanSummary(
        scan_id="20261126T090000-abcdef",
        hosts=5000,
        outcomes={HostOutcome.SUCCEEDED: 2500},
        counts={Status.GOOD: 100_000, Status.VULNERABLE: 40_000},
        by_severity={Severity.HIGH: {Status.VULNERABLE: 30_000, Status.GOOD: 50_000}},
        accounts=tuple(
            AccountSummary(
                account_id=f"{i:012d}", hosts=100, succeeded=90, good=900, vulnerable=100, pass_rate=0.9
            )
            for i in range(60)
        ),
        top_failing=tuple(
            ItemFailures(
                code=item.code,
                severity=item.severity,
                title_ko=item.title_ko,
                title_en=item.title_en,
                hosts_failing=100 - index,
            )
            for index, item in enumerate(items)
        ),
    )


def _failed(count: int, reasons: int) -> list[FailedHost]:
    return [
        FailedHost(
            instance_id=f"i-{index:017x}",
            name=f"web-{index:04d}",
            account_alias="prod-web",
            outcome=HostOutcome.FAILED_DOWNLOAD,
            reason=f"download: curl: (22) The requested URL returned error: 403 (variant {index % reasons})",
        )
        for index in range(count)
    ]


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer(channels={"C01CCESCAN"}) as server:
        yield server


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_report_of_a_huge_scan_fits_in_one_message(slack: SlackApiServer, locale: Locale) -> None:
    diff = ScanDiff(
        previous_scan_id="20261120T090000-000000",
        scan_id="20261126T090000-abcdef",
        new_failures=tuple(
            ItemChange(
                account_id="222222222222",
                instance_id=f"i-{n:017x}",
                hostname=f"web-{n}",
                code="U-01",
                severity=Severity.HIGH,
                title_ko="root 계정 원격 접속 제한",
                title_en="Restrict remote root login",
                before=Status.GOOD,
                after=Status.VULNERABLE,
            )
            for n in range(300)
        ),
        fixed=(),
        undecided=(),
        unchanged=12_000,
        unchanged_by_code={},
        hosts_compared=2500,
        hosts_new=0,
        hosts_not_rescanned=0,
    )
    blocks = report_blocks(
        _finished(5000),
        _huge_summary(),
        diff,
        _failed(2500, reasons=40),
        {},
        locale,
        files_note="findings/…",
    )
    payload = [block.to_dict() for block in blocks]
    check_message_blocks(payload)
    client = WebClient(token=slack.bot_token, base_url=slack.base_url)
    assert client.chat_postMessage(channel="C01CCESCAN", text="report", blocks=payload)["ok"]
    text = "\n".join(str(block) for block in payload)
    # 40 reasons: 6 groups shown (63 hosts each, 8 named, "55 more"), then the other 34 in one line.
    assert ("외 55" in text) if locale == "ko" else ("and 55 more" in text)
    assert (
        ("그 밖의 사유 34가지 (2122대)" in text)
        if locale == "ko"
        else ("34 more reasons (2122 hosts)" in text)
    )


def test_host_supplied_text_cannot_mention_or_inject(slack: SlackApiServer) -> None:
    hostile = [
        FailedHost(
            instance_id="i-0123456789abcdef0",
            name="<!channel> <script>alert(1)</script>",
            account_alias="prod-web",
            outcome=HostOutcome.FAILED_CHECKS,
            reason="run: <!here> & <@U02APPROVER> `rm -rf`",
        )
    ]
    blocks = [b.to_dict() for b in report_blocks(_finished(2), None, None, hostile, {}, "ko")]
    text = "\n".join(str(block) for block in blocks)
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<@U02APPROVER>" not in text
    assert "<script>" not in text
    assert "&lt;!channel&gt;" in text
    assert "&amp;" in text


def catalog_item(code: str) -> Item:
    entry = _item(code)
    assert entry is not None
    return entry


def _summary_failing(codes: list[str]) -> ScanSummary:
    return ScanSummary(
        scan_id="20261126T090000-abcdef",
        hosts=10,
        outcomes={HostOutcome.SUCCEEDED: 10},
        counts={Status.GOOD: 600, Status.VULNERABLE: 70},
        by_severity={Severity.HIGH: {Status.VULNERABLE: 30, Status.GOOD: 300}},
        accounts=(),
        top_failing=tuple(
            ItemFailures(
                code=code,
                severity=ITEMS[code].severity,
                title_ko=ITEMS[code].title_ko,
                title_en=ITEMS[code].title_en,
                hosts_failing=10 - index,
            )
            for index, code in enumerate(codes)
        ),
    )


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_the_top_items_show_their_fix_in_the_reports_language_per_family_where_it_differs(
    locale: Locale,
) -> None:
    """The first three items carry the catalog's fix (escaped: its ``<account>`` placeholders are no
    Slack syntax); an item whose fix differs by distribution names each family."""
    summary = _summary_failing(["U-02", "U-16", "U-05", "U-01"])
    blocks = [b.to_dict() for b in report_blocks(_finished(10), summary, None, [], {}, locale)]
    check_message_blocks(blocks)
    (section,) = [
        str(b["text"]["text"]) for b in blocks if b["type"] == "section" and "U-16" in str(b["text"]["text"])
    ]
    u02 = catalog_item("U-02")
    assert dict(FAMILY_NAMES) == {"debian": "Debian/Ubuntu", "rhel": "RHEL/Amazon Linux/Rocky"}
    for family, name in FAMILY_NAMES.items():
        fix = u02.remediation_for(family).of(locale)
        assert f"↳ {name}: {escape(fix)}" in section
    label = "조치" if locale == "ko" else "Fix"
    assert f"↳ {label}: {escape(catalog_item('U-16').remediation_for(None).of(locale))}" in section
    assert f"↳ {label}: {escape(catalog_item('U-05').remediation_for(None).of(locale))}" in section
    assert "<계정>" not in section
    assert "<account>" not in section
    assert escape(catalog_item("U-01").remediation_for(None).of(locale)) not in section  # the 4th
    assert section.count("↳") == 4
