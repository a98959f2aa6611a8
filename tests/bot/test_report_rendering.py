"""The final report stays within Slack's limits however large the scan, and host text cannot inject;
it leads with what changed since the previous scan, and names the running instances it did not
cover."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

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
from scanner.report.models import (
    AccountCoverage,
    AccountSummary,
    HostRef,
    ItemChange,
    ItemFailures,
    ScanDiff,
    ScanSummary,
)
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


PROD_WEB, PROD_DB = "222222222222", "333333333333"
ALIASES = {PROD_WEB: "prod-web", PROD_DB: "prod-db"}


def _change(code: str, host: str, before: Status | None, after: Status) -> ItemChange:
    return ItemChange(
        account_id=PROD_WEB,
        instance_id="i-0a1b2c3d4e5f60002",
        hostname=host,
        code=code,
        severity=ITEMS[code].severity,
        title_ko=ITEMS[code].title_ko,
        title_en=ITEMS[code].title_en,
        before=before,
        after=after,
    )


def _diff(**changes: object) -> ScanDiff:
    fields: dict[str, object] = {
        "previous_scan_id": "20261120T090000-000000",
        "scan_id": "20261126T090000-abcdef",
        "new_failures": (),
        "fixed": (),
        "undecided": (),
        "unchanged": 12,
        "unchanged_by_code": {},
        "hosts_compared": 3,
        "hosts_new": 0,
        "hosts_not_rescanned": 0,
    }
    return ScanDiff.model_validate({**fields, **changes})


def _covered(*coverage: AccountCoverage) -> ScanSummary:
    return _summary_failing(["U-01"]).model_copy(update={"coverage": coverage})


def _texts(slack: SlackApiServer, blocks: list[dict[str, Any]]) -> list[str]:
    """The sections' texts, after slack_sdk and the local Slack took the message."""
    check_message_blocks(blocks)
    client = WebClient(token=slack.bot_token, base_url=slack.base_url)
    assert client.chat_postMessage(channel="C01CCESCAN", text="report", blocks=blocks)["ok"]
    return [str(b["text"]["text"]) for b in blocks if b["type"] in ("header", "section")]


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_the_report_leads_with_what_changed_then_gives_the_summary(
    slack: SlackApiServer, locale: Locale
) -> None:
    diff = _diff(
        new_failures=(_change("U-01", "web-2", Status.GOOD, Status.VULNERABLE),),
        fixed=(_change("U-05", "web-1", Status.VULNERABLE, Status.GOOD),),
        hosts_new=1,
        hosts_not_rescanned=1,
        hosts_appeared=(HostRef(account_id=PROD_WEB, instance_id="i-0a1b2c3d4e5f60004", hostname="web-4"),),
        hosts_disappeared=(HostRef(account_id=PROD_WEB, instance_id="i-0a1b2c3d4e5f60009"),),
    )
    blocks = [
        b.to_dict() for b in report_blocks(_finished(10), _summary_failing(["U-01"]), diff, [], {}, locale)
    ]

    header, changes, totals, *rest = _texts(slack, blocks)

    assert changes.startswith("*지난 점검 대비*" if locale == "ko" else "*Since the last scan*")
    assert totals.startswith("*대상 10대*" if locale == "ko" else "*10 hosts*")
    lines = changes.splitlines()

    def title(code: str) -> str:
        return ITEMS[code].title_ko if locale == "ko" else ITEMS[code].title_en

    assert f"• :new: `U-01` {escape(title('U-01'))} — `web-2`" in lines
    assert f"• :white_check_mark: `U-05` {escape(title('U-05'))} — `web-1`" in lines
    appeared = next(line for line in lines if line.startswith(":heavy_plus_sign:"))
    disappeared = next(line for line in lines if line.startswith(":heavy_minus_sign:"))
    assert appeared.endswith("`web-4`")
    assert disappeared.endswith("`i-0a1b2c3d4e5f60009`")  # no name known: its instance ID
    assert not any("U-01" in text for text in [header, totals])
    assert any(text.startswith("*취약 호스트가" if locale == "ko" else "*Items failing") for text in rest)


def test_a_report_with_nothing_changed_says_so_in_one_line(slack: SlackApiServer) -> None:
    blocks = [b.to_dict() for b in report_blocks(_finished(10), None, _diff(), [], {}, "ko")]

    _, changes, *_ = _texts(slack, blocks)

    assert (
        changes.splitlines()[-1] == "새로 취약하거나 조치된 항목, 새로 나타나거나 사라진 호스트가 없습니다."
    )


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_running_instances_ssm_does_not_manage_are_named_with_their_ids_after_the_totals(
    slack: SlackApiServer, locale: Locale
) -> None:
    summary = _covered(
        AccountCoverage(
            account_id=PROD_WEB,
            region="ap-northeast-2",
            checked=True,
            running=20,
            not_covered=12,
            instances=tuple(
                HostRef(account_id=PROD_WEB, instance_id=f"i-0a1b2c3d4e5f6{n:04d}", hostname=f"batch-{n}")
                for n in range(12)
            ),
        ),
        AccountCoverage(account_id=PROD_DB, region="ap-northeast-2", checked=True, running=3),
    )
    blocks = [b.to_dict() for b in report_blocks(_finished(10), summary, None, [], ALIASES, locale)]

    _, totals, coverage, *_ = _texts(slack, blocks)

    assert totals.startswith("*대상 10대*" if locale == "ko" else "*10 hosts*")
    heading, account = coverage.splitlines()
    assert (
        "점검하지 못한 실행 중 인스턴스 12대" if locale == "ko" else "12 running instances not covered"
    ) in heading
    assert account.startswith(
        "• `prod-web` 12대 (실행 중 20대 중):" if locale == "ko" else "• `prod-web`: 12 of 20 running:"
    )
    assert "`batch-0` (`i-0a1b2c3d4e5f60000`)" in account
    assert "`batch-7` (`i-0a1b2c3d4e5f60007`)" in account
    assert "batch-8" not in account  # eight named, the rest counted
    assert account.endswith(" 외 4" if locale == "ko" else " and 4 more")
    assert "prod-db" not in coverage  # every running instance there is managed


def test_a_report_says_every_running_instance_is_managed_only_when_every_account_was_checked(
    slack: SlackApiServer,
) -> None:
    checked = AccountCoverage(account_id=PROD_WEB, region="ap-northeast-2", checked=True, running=5)
    unknown = AccountCoverage(account_id=PROD_DB, region="ap-northeast-2", checked=False)

    covered = _texts(
        slack, [b.to_dict() for b in report_blocks(_finished(5), _covered(checked), None, [], ALIASES, "ko")]
    )
    partly = _texts(
        slack,
        [
            b.to_dict()
            for b in report_blocks(_finished(5), _covered(checked, unknown), None, [], ALIASES, "en")
        ],
    )

    assert ":white_check_mark: 실행 중인 EC2 인스턴스 5대 모두 SSM이 관리합니다." in covered
    assert not any("All 5 running" in text for text in partly)
    (warning,) = [text for text in partly if "Coverage unknown" in text]
    assert "`prod-db`" in warning
    assert "`ec2:DescribeInstanceStatus`" in warning


def test_an_instances_hostile_name_tag_cannot_mention_or_open_a_code_span(slack: SlackApiServer) -> None:
    summary = _covered(
        AccountCoverage(
            account_id=PROD_WEB,
            region="ap-northeast-2",
            checked=True,
            running=1,
            not_covered=1,
            instances=(
                HostRef(account_id=PROD_WEB, instance_id="i-0a1b2c3d4e5f60006", hostname="<!channel> `x"),
            ),
        )
    )
    texts = _texts(slack, [b.to_dict() for b in report_blocks(_finished(1), summary, None, [], {}, "ko")])

    (coverage,) = [text for text in texts if "i-0a1b2c3d4e5f60006" in text]
    assert "<!channel>" not in coverage
    assert "`&lt;!channel&gt; ˋx` (`i-0a1b2c3d4e5f60006`)" in coverage
