"""The bot's Slack client against the local Slack Web API: it rides out a passing 429 or 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.app import slack_client
from localworld.slack import SlackApiServer


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
