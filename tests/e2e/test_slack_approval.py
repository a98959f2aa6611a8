"""Two-person approval through the bot's Lambda entry: who may decide, races, expiry, retries."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from localworld.slack.server import Message
from localworld.system import LocalSystem
from tests.e2e.system_support import (
    APPROVER,
    REQUESTER,
    SECOND_APPROVER,
    STRANGER,
    approval_scan_id,
    button_message,
    parents,
    replies,
    request_approval,
    wait_for,
)

pytestmark = pytest.mark.e2e


def _current(system: LocalSystem, message: Message) -> Message:
    return system.slack.find(message.channel, message.ts)


def _said_to(system: LocalSystem, text: str) -> list[dict[str, Any]]:
    return [r for r in system.slack.responses if text in r.get("text", "")]


def _status_line(system: LocalSystem, scan_id: str) -> str:
    """What ``/cce-scan status <scan>`` answers the requester about the scan."""
    before = len(system.slack.responses)
    system.driver.command(REQUESTER, f"status {scan_id}")
    answer = wait_for(
        lambda: next(
            (r for r in system.slack.responses[before:] if scan_id in json.dumps(r.get("blocks"))), None
        ),
        what="the status answer",
    )
    return json.dumps(answer["blocks"], ensure_ascii=False)


def _shown(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def test_requester_cannot_approve_their_own_scan(system: LocalSystem) -> None:
    _, request = request_approval(system, REQUESTER)
    system.driver.click(REQUESTER, request, "cce_approve")
    wait_for(lambda: _said_to(system, "본인이 요청한 점검은 승인할 수 없습니다"), what="refusal")
    system.settle()
    assert button_message(system, wait_for(lambda: parents(system)[-1], what="parent")) is not None


def test_someone_who_is_not_an_approver_cannot_decide(system: LocalSystem) -> None:
    _, request = request_approval(system, REQUESTER)
    system.driver.click(STRANGER, request, "cce_approve")
    wait_for(lambda: _said_to(system, "승인 권한이 없습니다"), what="refusal")
    system.settle()
    assert any(b.get("type") == "actions" for b in _current(system, request).blocks)


def test_a_scan_awaiting_approval_says_so_in_the_parent_and_in_status(system: LocalSystem) -> None:
    parent, request = request_approval(system, REQUESTER)
    assert "승인 대기" in _shown(_current(system, parent))
    assert "승인 대기" in _status_line(system, approval_scan_id(request))


def test_deny_by_another_approver_replaces_the_buttons_and_shows_in_the_parent_and_status(
    system: LocalSystem,
) -> None:
    parent, request = request_approval(system, REQUESTER)
    scan_id = approval_scan_id(request)
    system.driver.click(APPROVER, request, "cce_deny")
    decided = wait_for(
        lambda: None if button_message(system, parent) else _current(system, request), what="decision"
    )
    assert "<@U02APPROVER> 거절" in _shown(decided)
    shown = wait_for(
        lambda: _shown(_current(system, parent)) if "거절됨" in _shown(_current(system, parent)) else None,
        what="parent update",
    )
    assert "*거절한 사람*\\n<@U02APPROVER> · <!date^" in shown
    status = _status_line(system, scan_id)
    assert "거절됨" in status
    assert "거절한 사람: <@U02APPROVER>" in status
    assert "대기 중" not in status


def test_double_click_by_two_approvers_keeps_one_decision(system: LocalSystem) -> None:
    _, request = request_approval(system, REQUESTER)
    system.driver.click(APPROVER, request, "cce_deny")
    system.driver.click(SECOND_APPROVER, request, "cce_deny")
    system.settle()
    decided = json.dumps(_current(system, request).blocks, ensure_ascii=False)
    assert ("<@U02APPROVER> 거절" in decided) != ("<@U03APPROVER> 거절" in decided)
    assert _said_to(system, "이미")


def test_expired_request_cannot_be_approved_and_the_sweep_replaces_its_buttons(system: LocalSystem) -> None:
    parent, request = request_approval(system, REQUESTER)
    scan_id = approval_scan_id(request)
    stale = copy.deepcopy(request)  # what a client that has not refreshed still shows
    dynamodb = system.world.session_for(system.config.central.account_id).client(
        "dynamodb", region_name=system.world.region, endpoint_url=system.world.endpoint_url
    )
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    dynamodb.update_item(
        TableName=system.central.approvals_table,
        Key={"pk": {"S": f"SCAN#{scan_id}"}, "sk": {"S": "#APPROVAL"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(past)}},
    )
    system.sweep_approvals()
    expired = wait_for(
        lambda: None if button_message(system, parent) else _current(system, request), what="expiry"
    )
    assert "만료" in json.dumps(expired.blocks, ensure_ascii=False)
    wait_for(
        lambda: "승인 요청 만료" in json.dumps(_current(system, parent).blocks, ensure_ascii=False),
        what="parent",
    )
    system.driver.click(APPROVER, stale, "cce_approve")
    wait_for(lambda: _said_to(system, "만료되었습니다"), what="the clicker is told")
    system.settle()
    shown = _shown(_current(system, parent))
    assert "승인 요청 만료" in shown
    assert "*승인 요청 만료 시각*\\n<!date^" in shown
    status = _status_line(system, scan_id)
    assert "승인 요청 만료" in status
    assert "대기 중" not in status
    assert not system.lambdas.failures()


def test_a_click_after_the_scan_was_cancelled_is_told_and_starts_nothing(system: LocalSystem) -> None:
    _, request = request_approval(system, REQUESTER)
    scan_id = approval_scan_id(request)
    system.driver.command(REQUESTER, f"cancel {scan_id}")
    wait_for(lambda: _said_to(system, f"점검 `{scan_id}` 취소를 요청했습니다"), what="the cancel")
    system.driver.click(APPROVER, request, "cce_approve")
    wait_for(
        lambda: _said_to(system, f"점검 `{scan_id}`은(는) 더 이상 승인을 기다리지 않습니다"),
        what="the refusal",
    )
    system.settle()
    assert "취소됨" in _status_line(system, scan_id)
    assert not [
        i
        for i in system.lambdas.invocations
        if i.function == "cce-scan-worker" and scan_id in json.dumps(i.payload, default=str)
    ]
    assert not system.lambdas.failures()


def test_a_lambda_retry_of_the_lazy_listener_does_not_start_a_second_scan(system: LocalSystem) -> None:
    before = len(parents(system))
    system.driver.command(REQUESTER, "account prod-db")
    wait_for(lambda: len(parents(system)) > before, what="parent")
    system.settle()
    lazy = [i for i in system.lambdas.invocations if i.kind == "Event" and i.function == "cce-scan-bot"][-1]
    system.lambdas.invoke_async("cce-scan-bot", lazy.payload)
    system.settle()
    assert len(parents(system)) == before + 1
    parent = parents(system)[-1]
    assert len([r for r in replies(system, parent) if any(b.get("type") == "actions" for b in r.blocks)]) == 1
