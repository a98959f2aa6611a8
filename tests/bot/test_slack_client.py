"""The bot's Slack client against the local Slack Web API: it rides out a passing 429 or 5xx, and
every error answer is counted."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.app import count_slack_errors, slack_client
from localworld.slack import SlackApiServer
from scanner.metrics import MemoryMetrics


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer(channels={"C01CCESCAN"}) as server:
        yield server


def test_a_message_is_posted_once_after_a_passing_server_error(slack: SlackApiServer) -> None:
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable")
    client = slack_client(slack.bot_token, slack.base_url)
    assert client.chat_postMessage(channel="C01CCESCAN", text="report")["ok"]
    assert [call.ok for call in slack.calls_to("chat.postMessage")] == [False, True]
    assert len([m for m in slack.messages if m.text == "report"]) == 1


def test_a_message_is_posted_after_waiting_out_a_rate_limit(slack: SlackApiServer) -> None:
    slack.force_429("chat.update", retry_after=1)
    client = slack_client(slack.bot_token, slack.base_url)
    ts = client.chat_postMessage(channel="C01CCESCAN", text="parent")["ts"]
    assert client.chat_update(channel="C01CCESCAN", ts=ts, text="updated")["ok"]


def test_an_outage_longer_than_the_retries_is_the_callers_to_handle(slack: SlackApiServer) -> None:
    slack.fail_next("chat.postMessage", status=500, times=3)
    client = slack_client(slack.bot_token, slack.base_url)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C01CCESCAN", text="report")


def test_every_error_answer_is_counted_by_its_error_the_ones_waited_out_too(slack: SlackApiServer) -> None:
    metrics = MemoryMetrics()
    client = count_slack_errors(slack_client(slack.bot_token, slack.base_url), metrics)
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable")
    slack.force_429("chat.update", retry_after=1)

    ts = client.chat_postMessage(channel="C01CCESCAN", text="parent")["ts"]
    assert client.chat_update(channel="C01CCESCAN", ts=ts, text="updated")["ok"]
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C09NOWHERE", text="lost")

    assert metrics.counted("SlackApiErrors", error="service_unavailable") == 1
    assert metrics.counted("SlackApiErrors", error="ratelimited") == 1  # the 429, by the error in its body
    assert metrics.counted("SlackApiErrors", error="channel_not_found") == 1
    posts = [call.ok for call in slack.calls_to("chat.postMessage")]
    assert posts == [False, True, False]  # the 503 was retried as before, the unknown channel was not


def test_a_copy_of_the_client_as_bolt_makes_for_a_lazy_listener_counts_into_the_same_metrics(
    slack: SlackApiServer,
) -> None:
    metrics = MemoryMetrics()
    client = count_slack_errors(slack_client(slack.bot_token, slack.base_url), metrics)

    copied = copy.deepcopy(client)
    with pytest.raises(SlackApiError):
        copied.chat_postMessage(channel="C09NOWHERE", text="lost")

    assert metrics.counted("SlackApiErrors", error="channel_not_found") == 1
