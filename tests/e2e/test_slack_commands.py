"""Slash commands through signed requests to the bot's Lambda entry, with the local Slack server."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from localworld.slack.driver import BotAnswer
from localworld.system import LocalSystem
from scanner.models import ScanStatus
from scanner.state import ScanStore
from tests.e2e.system_support import (
    APPROVER,
    CHANNEL,
    GROUP_MEMBER,
    OTHER_ALLOWED_CHANNEL,
    PUBLIC_CHANNEL,
    REQUESTER,
    STRANGER,
    button_message,
    parents,
    replies,
    wait_for,
)

pytestmark = pytest.mark.e2e


def test_help_is_answered_in_the_ack_naming_account_and_host(system: LocalSystem) -> None:
    answer = system.driver.command(REQUESTER, "help")
    body = json.dumps(answer.json(), ensure_ascii=False)
    assert answer.status == 200
    assert "/cce-scan account" in body
    assert "/cce-scan host" in body
    assert answer.json()["response_type"] == "ephemeral"


def test_usage_error_gives_the_reason_and_an_example(system: LocalSystem) -> None:
    answer = system.driver.command(REQUESTER, "host i-xyz")
    body = json.dumps(answer.json(), ensure_ascii=False)
    assert "i-xyz" in body
    assert "/cce-scan host i-0123456789abcdef0" in body


def test_forged_signature_is_refused_with_401(system: LocalSystem) -> None:
    answer = system.driver.command(REQUESTER, "help", secret="not-the-signing-secret")
    assert answer.status == 401


def test_stale_timestamp_is_refused_with_401(system: LocalSystem) -> None:
    import time

    answer = system.driver.command(REQUESTER, "help", timestamp=int(time.time()) - 6 * 60)
    assert answer.status == 401


def test_unknown_requester_is_refused_politely_after_the_user_group_lookup(system: LocalSystem) -> None:
    # Requesters include a user group: membership needs usergroups.users.list, so the ack only
    # says it is checking, and the refusal comes through the response_url; nothing is posted.
    before = len(system.slack.messages)
    answer = system.driver.command(STRANGER, "account dev-app")
    assert answer.status == 200
    assert "확인한 뒤" in answer.json()["text"]
    refusal = wait_for(
        lambda: [r for r in system.slack.responses if "권한이 없습니다" in r.get("text", "")], what="refusal"
    )
    assert refusal[0]["response_type"] == "ephemeral"
    system.settle()
    assert len(system.slack.messages) == before
    assert system.slack.calls_to("usergroups.users.list")


def test_a_command_from_a_channel_not_allowed_is_refused_ephemerally_and_nothing_is_posted(
    system: LocalSystem,
) -> None:
    before, responses = len(system.slack.messages), len(system.slack.responses)
    answer = system.driver.command(REQUESTER, "account prod", channel=PUBLIC_CHANNEL)
    assert answer.status == 200
    assert answer.json()["response_type"] == "ephemeral"
    assert "이 채널에서는 `/cce-scan`을 쓸 수 없습니다" in answer.json()["text"]
    assert f"<#{CHANNEL}>" in answer.json()["text"]
    system.settle()
    assert len(system.slack.messages) == before
    assert not [c for c in system.slack.calls if PUBLIC_CHANNEL in json.dumps(c.args)]
    assert len(system.slack.responses) == responses


def _links(system: LocalSystem) -> list[dict[str, object]]:
    return [r for r in system.slack.responses if "보고서는 이 스레드에" in str(r.get("text", ""))]


def test_a_command_from_another_allowed_channel_posts_the_thread_in_the_report_channel_and_links_it(
    system: LocalSystem,
) -> None:
    answer = system.driver.command(REQUESTER, "account prod", channel=OTHER_ALLOWED_CHANNEL)
    assert answer.status == 200
    assert "요청을 접수했습니다" in answer.json()["text"]
    link = wait_for(lambda: _links(system), what="the link to the report thread")[-1]
    assert link["response_type"] == "ephemeral"
    scan_id = str(link["text"]).split("|")[1].split(">")[0]
    parent = next(p for p in parents(system) if scan_id in json.dumps(p.blocks, ensure_ascii=False))
    assert parent.channel == CHANNEL
    assert f"/archives/{CHANNEL}/p{parent.ts.replace('.', '')}" in str(link["text"])
    permalink = system.slack.calls_to("chat.getPermalink")[-1]
    assert permalink.ok
    assert permalink.args["message_ts"] == parent.ts
    assert wait_for(lambda: button_message(system, parent), what="approval message").channel == CHANNEL
    system.settle()
    assert not [m for m in system.slack.messages if m.channel == OTHER_ALLOWED_CHANNEL and not m.ephemeral_to]


PROD = {
    "targets_accounts": {
        "accounts": {"type": "multi_static_select", "selected_options": [{"value": "account:prod-web"}]}
    }
}


def test_the_modal_does_not_open_in_a_channel_not_allowed_nor_submit_for_one(system: LocalSystem) -> None:
    opened = len(system.slack.calls_to("views.open"))
    answer = system.driver.command(REQUESTER, "", channel=PUBLIC_CHANNEL)
    assert "이 채널에서는 `/cce-scan`을 쓸 수 없습니다" in answer.json()["text"]
    assert len(system.slack.calls_to("views.open")) == opened
    # A modal opened in an allowed channel whose metadata names another one is refused in the ack.
    system.driver.command(REQUESTER, "", channel=OTHER_ALLOWED_CHANNEL)
    view = system.slack.opened_views()[-1]
    forged = {**view, "private_metadata": json.dumps({"channel_id": PUBLIC_CHANNEL})}
    before = len(system.slack.messages)
    refused = system.driver.submit(REQUESTER, forged, PROD)
    assert refused.json()["response_action"] == "errors"
    assert "쓸 수 없습니다" in refused.json()["errors"]["targets_accounts"]
    system.settle()
    assert len(system.slack.messages) == before


def test_the_modal_from_another_allowed_channel_posts_the_thread_in_the_report_channel_and_links_it(
    system: LocalSystem,
) -> None:
    system.driver.command(REQUESTER, "", channel=OTHER_ALLOWED_CHANNEL)
    view = system.slack.opened_views()[-1]
    assert system.driver.submit(REQUESTER, view, PROD).status == 200
    link = wait_for(
        lambda: [
            m
            for m in system.slack.ephemeral_to(REQUESTER)
            if m.channel == OTHER_ALLOWED_CHANNEL and "보고서는 이 스레드에" in m.text
        ],
        what="the link to the report thread",
    )[-1]
    scan_id = link.text.split("|")[1].split(">")[0]
    parent = next(p for p in parents(system) if scan_id in json.dumps(p.blocks, ensure_ascii=False))
    assert parent.channel == CHANNEL
    assert f"/archives/{CHANNEL}/p{parent.ts.replace('.', '')}" in link.text


def test_bare_command_opens_the_modal_within_the_ack(system: LocalSystem) -> None:
    answer = system.driver.command(REQUESTER, "")
    assert answer.status == 200
    view = system.slack.opened_views()[-1]
    assert view["callback_id"] == "cce_scan_modal"
    assert [c.method for c in system.slack.calls if c.method == "views.open"]


def test_a_modal_slack_cannot_open_is_a_clear_ephemeral_error_and_creates_no_scan(
    system: LocalSystem,
) -> None:
    before = len(parents(system))
    system.slack.fail_next("views.open", status=500, error="internal_error", times=3)
    answer = system.driver.command(REQUESTER, "")
    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "internal_error" in body["text"]
    assert "점검은 만들어지지 않았습니다" in body["text"]
    system.settle()
    assert len(parents(system)) == before


def test_a_thread_slack_will_not_take_is_told_to_the_requester_and_its_scan_is_closed(
    system: LocalSystem,
) -> None:
    before = len(parents(system))
    system.slack.fail_next("chat.postMessage", status=503, error="service_unavailable", times=3)
    system.driver.command(REQUESTER, "account dev-app")
    told = wait_for(
        lambda: [r for r in system.slack.responses if "점검 스레드를 만들지 못했습니다" in r.get("text", "")],
        what="the requester is told",
    )
    scan_id = told[-1]["text"].split("`")[1]
    system.settle()
    assert len(parents(system)) == before
    setup = system.world.session_for(system.config.central.account_id)
    store = ScanStore(
        setup.client("dynamodb", region_name=system.world.region, endpoint_url=system.world.endpoint_url),
        system.names.table,
    )
    assert store.get_scan(scan_id).status is ScanStatus.CANCELLED


def test_a_request_that_fails_in_aws_is_told_to_the_requester_not_dropped(system: LocalSystem) -> None:
    central = system.config.central.account_id
    system.world.faults.fail_next(central, service="dynamodb", action="TransactWriteItems", times=5)
    system.driver.command(REQUESTER, "account dev-app")
    told = wait_for(
        lambda: [r for r in system.slack.responses if "요청을 처리하지 못했습니다" in r.get("text", "")],
        what="the requester is told",
    )
    system.world.faults.clear_one_shots()
    assert told[-1]["response_type"] == "ephemeral"


def test_account_in_a_group_that_needs_approval_posts_the_parent_and_asks_for_approval(
    system: LocalSystem,
) -> None:
    before = len(parents(system))
    answer = system.driver.command(GROUP_MEMBER, "account prod")
    assert answer.status == 200
    parent = wait_for(
        lambda: next((p for p in parents(system)[before:] if "prod" in json.dumps(p.blocks)), None),
        what="parent",
    )
    request = wait_for(lambda: button_message(system, parent), what="approval message")
    assert "<@U07GROUPMEMBER>" in json.dumps(request.blocks)
    assert [r for r in replies(system, parent) if r is request]
    assert APPROVER not in json.dumps(request.blocks)
    assert parent.channel == CHANNEL


def test_host_targets_are_resolved_by_the_worker_not_the_bot(system: LocalSystem) -> None:
    # The member roles trust only the worker: the bot asks it (a direct invocation) to find hosts.
    before = len(parents(system))
    system.driver.command(REQUESTER, "host app-1 10.40.1.12")
    parent = wait_for(
        lambda: parents(system)[before] if len(parents(system)) > before else None, what="parent"
    )
    assert "app-1" in json.dumps(parent.blocks)
    asked = [
        i
        for i in system.lambdas.invocations
        if i.function == "cce-scan-worker"
        and isinstance(i.payload, dict)
        and i.payload.get("action") == "resolve"
    ]
    assert asked
    assert asked[-1].result["ok"] is True
    assert {
        a["instance_ids"] and len(a["instance_ids"]) for a in asked[-1].result["targets"]["accounts"]
    } == {2}


def test_an_unknown_host_is_reported_to_the_requester_and_nothing_is_recorded(system: LocalSystem) -> None:
    before = len(parents(system))
    system.driver.command(REQUESTER, "host no-such-host")
    wait_for(
        lambda: [r for r in system.slack.responses if "no-such-host" in r.get("text", "")], what="the refusal"
    )
    system.settle()
    assert len(parents(system)) == before


def test_api_gateway_rest_events_payload_1_0_are_answered_too(system: LocalSystem) -> None:
    system.driver.payload_version = "1.0"
    try:
        answer = system.driver.command(REQUESTER, "help")
    finally:
        system.driver.payload_version = "2.0"
    assert answer.status == 200
    assert "/cce-scan host" in json.dumps(answer.json(), ensure_ascii=False)


def test_the_ack_path_calls_slack_only_to_open_the_modal_also_right_after_a_cold_start(
    system: LocalSystem,
) -> None:
    import bot.handler

    bot.handler._slack_handler.cache_clear()  # the next request is the first of a cold start
    before = len(system.slack.calls)
    assert system.driver.command(REQUESTER, "help").status == 200
    assert system.driver.command(REQUESTER, "host i-xyz").status == 200
    system.settle()
    assert [c.method for c in system.slack.calls[before:]] == []  # no auth.test, nothing else
    assert system.driver.command(REQUESTER, "").status == 200
    system.settle()
    assert [c.method for c in system.slack.calls[before:]] == ["views.open"]


def _bot_invocations(system: LocalSystem, send: Callable[[], object]) -> int:
    """How many times the bot's function ran for what ``send`` sent: the request's own invocation,
    and the lazy listener's when Bolt starts one (the bot invoking itself, asynchronously)."""
    bot = system.names.function("bot")
    system.settle()
    before = len(system.lambdas.invocations)
    send()
    system.settle()
    return sum(1 for i in system.lambdas.invocations[before:] if i.function == bot)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("help", CHANNEL),
        ("host i-xyz", CHANNEL),  # a usage error
        ("account 999999999999", CHANNEL),  # an account ID outside the config
        ("account prod", PUBLIC_CHANNEL),  # refused: a channel not allowed
        ("", CHANNEL),  # the modal, opened in the ack
    ],
    ids=["help", "usage-error", "unknown-account", "channel-refused", "modal"],
)
def test_a_command_answered_in_the_ack_costs_one_invocation_of_the_bot(
    system: LocalSystem, text: str, channel: str
) -> None:
    answers: list[BotAnswer] = []
    count = _bot_invocations(system, lambda: answers.append(system.driver.command(REQUESTER, text, channel)))
    assert answers[0].status == 200
    assert count == 1


def test_a_modal_submission_refused_in_the_ack_costs_one_invocation_of_the_bot(system: LocalSystem) -> None:
    system.driver.command(REQUESTER, "", channel=OTHER_ALLOWED_CHANNEL)
    view = system.slack.opened_views()[-1]
    nothing: dict[str, dict[str, object]] = {}
    answers: list[BotAnswer] = []
    assert (
        _bot_invocations(system, lambda: answers.append(system.driver.submit(REQUESTER, view, nothing))) == 1
    )
    assert answers[0].json()["response_action"] == "errors"


def test_a_scan_request_still_starts_its_lazy_listener_two_invocations(system: LocalSystem) -> None:
    before = len(parents(system))
    assert _bot_invocations(system, lambda: system.driver.command(REQUESTER, "host app-1")) == 2
    assert len(parents(system)) == before + 1  # the lazy part ran: the scan's thread is posted


def test_status_is_answered_by_the_lazy_listener(system: LocalSystem) -> None:
    responses = len(system.slack.responses)
    assert _bot_invocations(system, lambda: system.driver.command(REQUESTER, "status")) == 2
    assert len(system.slack.responses) > responses
