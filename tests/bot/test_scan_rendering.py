"""The thread parent and ``/cce-scan status`` tell a scan's state from the scan record alone, in
Korean and English: awaiting approval, denied (by whom, when), expired (when), and the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.i18n import Locale, t
from bot.render.status import status_blocks
from bot.render.thread import parent_blocks, parent_text, scan_state
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets
from scanner.outcomes import HostOutcome

DECIDED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
SLACK_DATE = f"<!date^{int(DECIDED.timestamp())}^"


def _scan(status: ScanStatus, **fields: object) -> ScanRecord:
    base = ScanRecord(
        scan_id="20261126T090000-0000b1",
        requester="U01REQUESTER",
        targets=ScanTargets(
            kind="account",
            names=("prod-db",),
            accounts=(AccountTarget(account_id="333333333333", alias="prod-db", region="ap-northeast-2"),),
        ),
        status=status,
        created_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        accounts_total=1,
    )
    return base.model_copy(update=fields)


DENIED = _scan(ScanStatus.DENIED, decided_by="U02APPROVER", decided_at=DECIDED)
EXPIRED = _scan(ScanStatus.EXPIRED, decided_at=DECIDED)
RUNNING = _scan(
    ScanStatus.RUNNING,
    approver="U02APPROVER",
    started_at=DECIDED,
    hosts_total=4,
    counts={HostOutcome.SUCCEEDED: 1},
)


def _text(blocks: list[Block]) -> str:
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_status_has_a_state_in_both_languages(locale: Locale) -> None:
    names = {t(scan_state(_scan(status)), locale) for status in ScanStatus}
    assert len(names) == len(ScanStatus)


@pytest.mark.parametrize(
    ("locale", "state", "who"),
    [("ko", "거절됨", "거절한 사람"), ("en", "denied", "Denied by")],
)
def test_the_parent_of_a_denied_scan_names_who_denied_it_and_when(
    locale: Locale, state: str, who: str
) -> None:
    shown = _text(parent_blocks(DENIED, locale))
    assert state in shown
    assert who in shown
    assert "<@U02APPROVER>" in shown
    assert SLACK_DATE in shown
    assert "░" not in shown  # it never ran: no progress
    assert state in parent_text(DENIED, locale)


@pytest.mark.parametrize(
    ("locale", "state", "when"),
    [("ko", "승인 요청 만료", "승인 요청 만료 시각"), ("en", "approval expired", "Approval request expired")],
)
def test_the_parent_of_an_expired_scan_says_when_its_request_expired(
    locale: Locale, state: str, when: str
) -> None:
    shown = _text(parent_blocks(EXPIRED, locale))
    assert state in shown
    assert when in shown
    assert SLACK_DATE in shown
    assert "░" not in shown


def test_the_parent_of_a_scan_awaiting_approval_says_so_with_nobody_approving_yet() -> None:
    shown = _text(parent_blocks(_scan(ScanStatus.AWAITING_APPROVAL), "ko"))
    assert "승인 대기" in shown
    assert "*승인자*\\n—" in shown
    assert "░" not in shown


def test_the_parent_of_an_approved_running_scan_shows_its_approver_and_progress() -> None:
    shown = _text(parent_blocks(RUNNING, "en"))
    assert "running" in shown
    assert "*Approved by*\\n<@U02APPROVER>" in shown
    assert "25% (1/4)" in shown


def test_status_shows_the_decision_of_scans_that_never_ran_and_the_progress_of_the_others() -> None:
    shown = _text(status_blocks([DENIED, EXPIRED, RUNNING, _scan(ScanStatus.AWAITING_APPROVAL)], "ko"))
    lines = [line for line in shown.split('"text": "') if line.startswith("*`")]
    denied, expired, running, awaiting = lines
    assert "거절됨" in denied
    assert "거절한 사람: <@U02APPROVER>" in denied
    assert SLACK_DATE in denied
    assert "승인 요청 만료" in expired
    assert SLACK_DATE in expired
    assert "진행 중" in running
    assert "(1/4)" in running
    assert "승인 대기" in awaiting
    assert "대기 중" not in awaiting  # not "queued": it waits for a person, not for the scanner


def test_status_in_english_names_the_decision_too() -> None:
    shown = _text(status_blocks([DENIED, EXPIRED], "en"))
    assert "denied" in shown
    assert "Denied by: <@U02APPROVER>" in shown
    assert "approval expired" in shown
