"""The local Slack Web API answers slack_sdk's WebClient the way Slack does, limits included."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from localworld.slack import SlackApiServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack(clock: FakeClock) -> Iterator[SlackApiServer]:
    with SlackApiServer(
        channels={"C01CCESCAN"}, usergroups={"S01SECOPS": ["U01", "U02"]}, clock=clock
    ) as server:
        yield server


@pytest.fixture
def client(slack: SlackApiServer) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.base_url)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_server_binds_loopback_only(slack: SlackApiServer) -> None:
    assert slack.base_url.startswith("http://127.0.0.1:")


def test_wrong_token_is_invalid_auth(slack: SlackApiServer) -> None:
    with pytest.raises(SlackApiError) as info:
        WebClient(token="xoxb-wrong", base_url=slack.base_url).auth_test()
    assert info.value.response["error"] == "invalid_auth"


def test_thread_parent_update_and_broadcast_reply_are_kept_in_order(
    slack: SlackApiServer, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C01CCESCAN", text="scan started", blocks=[_section("0/3")])
    client.chat_update(channel="C01CCESCAN", ts=parent["ts"], text="scan running", blocks=[_section("2/3")])
    client.chat_postMessage(channel="C01CCESCAN", thread_ts=parent["ts"], text="done", reply_broadcast=True)

    thread = slack.thread("C01CCESCAN", parent["ts"])
    assert [m.text for m in thread] == ["scan running", "done"]
    assert thread[0].edits == 1
    assert thread[0].blocks[0]["text"]["text"] == "2/3"
    assert thread[1].reply_broadcast


def test_reply_to_unknown_thread_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C01CCESCAN", thread_ts="1.000001", text="orphan")
    assert info.value.response["error"] == "thread_not_found"


def test_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0NOWHERE", text="hi")
    assert info.value.response["error"] == "channel_not_found"


def test_fifty_one_blocks_are_invalid_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C01CCESCAN", text="x", blocks=[_section("row")] * 51)
    assert info.value.response["error"] == "invalid_blocks"
    assert "no more than 50 items" in info.value.response["errors"][0]


def test_section_text_over_3000_characters_names_its_pointer(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C01CCESCAN", text="x", blocks=[_section("가" * 3001)])
    assert "[json-pointer:/blocks/0/text/text]" in info.value.response["errors"][0]


def test_message_with_neither_text_nor_blocks_is_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", json={"channel": "C01CCESCAN"})
    assert info.value.response["error"] == "no_text"


def test_chat_update_beyond_tier_3_gets_429_with_retry_after(
    slack: SlackApiServer, client: WebClient, clock: FakeClock
) -> None:
    parent = client.chat_postMessage(channel="C01CCESCAN", text="p")
    for _ in range(50):
        client.chat_update(channel="C01CCESCAN", ts=parent["ts"], text="tick")
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C01CCESCAN", ts=parent["ts"], text="one too many")
    assert info.value.response.status_code == 429
    assert int(info.value.response.headers["Retry-After"][0]) >= 1
    clock.now += 2.0
    assert client.chat_update(channel="C01CCESCAN", ts=parent["ts"], text="after waiting")["ok"]


def test_post_message_is_paced_per_channel(client: WebClient, clock: FakeClock) -> None:
    for _ in range(3):
        client.chat_postMessage(channel="C01CCESCAN", text="burst")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C01CCESCAN", text="fourth in the same second")
    assert info.value.response["error"] == "ratelimited"
    clock.now += 1.0
    assert client.chat_postMessage(channel="C01CCESCAN", text="a second later")["ok"]


def test_forced_429_is_retried_by_the_sdk_retry_handler(slack: SlackApiServer) -> None:
    client = WebClient(token=slack.bot_token, base_url=slack.base_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    parent = client.chat_postMessage(channel="C01CCESCAN", text="p")
    slack.force_429("chat.update", retry_after=0)
    assert client.chat_update(channel="C01CCESCAN", ts=parent["ts"], text="retried")["ok"]
    assert [c.status for c in slack.calls_to("chat.update")] == [429, 200]


def test_views_open_needs_a_fresh_trigger_id(
    slack: SlackApiServer, client: WebClient, clock: FakeClock
) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "CCE 점검"}, "blocks": []}
    fresh = slack.issue_trigger_id()
    assert client.views_open(trigger_id=fresh, view=view)["view"]["id"].startswith("V")
    stale = slack.issue_trigger_id()
    clock.now += 3.5
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=stale, view=view)
    assert info.value.response["error"] == "expired_trigger_id"
    with pytest.raises(SlackApiError) as again:
        client.views_open(trigger_id=fresh, view=view)
    assert again.value.response["error"] == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as unknown:
        client.views_open(trigger_id="123.never-issued", view=view)
    assert unknown.value.response["error"] == "invalid_trigger_id"


def test_usergroup_members_are_listed_and_unknown_groups_refused(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S01SECOPS")["users"] == ["U01", "U02"]
    with pytest.raises(SlackApiError) as info:
        client.usergroups_users_list(usergroup="S0NONE")
    assert info.value.response["error"] == "no_such_subteam"


def test_files_upload_v2_lands_the_bytes_in_the_thread(slack: SlackApiServer, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C01CCESCAN", text="report")
    client.files_upload_v2(
        channel="C01CCESCAN",
        thread_ts=parent["ts"],
        content="code,status\nU-01,GOOD\n",
        filename="findings.csv",
    )
    (uploaded,) = slack.files.values()
    assert uploaded.content == b"code,status\nU-01,GOOD\n"
    assert uploaded.shared
    assert slack.find("C01CCESCAN", parent["ts"]).files == [uploaded.id]


def test_an_injected_failure_answers_the_next_call_of_its_method_and_is_told(
    slack: SlackApiServer, client: WebClient
) -> None:
    fired: list[str] = []
    slack.on_fire = fired.append
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C01CCESCAN", text="first")
    assert info.value.response.status_code == 503
    assert info.value.response["error"] == "service_unavailable"
    assert client.chat_postMessage(channel="C01CCESCAN", text="second")["ok"]
    assert fired == ["Slack chat.postMessage answered HTTP 503 service_unavailable"]
    assert [c.ok for c in slack.calls_to("chat.postMessage")] == [False, True]


def test_a_method_failing_for_good_answers_again_when_told(slack: SlackApiServer, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable", times=1000)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C01CCESCAN", text="lost")
    slack.answer_again("chat.postMessage")
    assert client.chat_postMessage(channel="C01CCESCAN", text="answered")["ok"]
    assert [m.text for m in slack.messages] == ["answered"]


def test_an_injected_failure_of_the_upload_step_fails_files_upload_v2(
    slack: SlackApiServer, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C01CCESCAN", text="report")
    slack.fail_next("upload", status=500)
    with pytest.raises(Exception, match="500"):
        client.files_upload_v2(
            channel="C01CCESCAN", thread_ts=parent["ts"], content="x", filename="findings.csv"
        )
    assert not any(f.shared for f in slack.files.values())


def test_response_url_allows_five_uses(slack: SlackApiServer) -> None:
    url = slack.issue_response_url()

    def post() -> int:
        request = urllib.request.Request(
            url, data=json.dumps({"text": "hi"}).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert [post() for _ in range(6)] == [200, 200, 200, 200, 200, 404]
    assert len(slack.responses) == 5


def test_auth_test_names_the_manifest_scopes_in_its_header(client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "U0CCEBOT"
    assert answer.headers["x-oauth-scopes"] == "commands,chat:write,files:write,usergroups:read"


def test_auth_test_names_the_scopes_the_server_was_given() -> None:
    with SlackApiServer(scopes=("chat:write",)) as server:
        answer = WebClient(token=server.bot_token, base_url=server.base_url).auth_test()
    assert answer.headers["x-oauth-scopes"] == "chat:write"


def test_conversations_info_needs_channels_read() -> None:
    with SlackApiServer(channels={"C01CCESCAN"}) as server:
        client = WebClient(token=server.bot_token, base_url=server.base_url)
        with pytest.raises(SlackApiError) as info:
            client.conversations_info(channel="C01CCESCAN")
    assert info.value.response["error"] == "missing_scope"
    assert info.value.response["needed"] == "channels:read"


def test_conversations_info_tells_whether_the_bot_is_a_member() -> None:
    scopes = ("chat:write", "channels:read")
    with SlackApiServer(channels={"C01", "C02"}, bot_channels={"C01"}, scopes=scopes) as server:
        client = WebClient(token=server.bot_token, base_url=server.base_url)
        assert client.conversations_info(channel="C01")["channel"]["is_member"] is True
        assert client.conversations_info(channel="C02")["channel"]["is_member"] is False
        with pytest.raises(SlackApiError) as info:
            client.conversations_info(channel="C03")
    assert info.value.response["error"] == "channel_not_found"


def test_chat_get_permalink_answers_like_slack_and_names_a_replys_thread(
    slack: SlackApiServer, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C01CCESCAN", text="parent")
    reply = client.chat_postMessage(channel="C01CCESCAN", text="reply", thread_ts=parent["ts"])
    link = client.chat_getPermalink(channel="C01CCESCAN", message_ts=parent["ts"])
    assert set(link.data) == {"ok", "channel", "permalink"}
    assert link["channel"] == "C01CCESCAN"
    assert link["permalink"].endswith(f"/archives/C01CCESCAN/p{parent['ts'].replace('.', '')}")
    in_thread = client.chat_getPermalink(channel="C01CCESCAN", message_ts=reply["ts"])["permalink"]
    assert in_thread.endswith(f"?thread_ts={parent['ts']}&cid=C01CCESCAN")
    for channel, ts, error in (
        ("C09UNKNOWN", parent["ts"], "channel_not_found"),
        ("C01CCESCAN", "1.000001", "message_not_found"),
    ):
        with pytest.raises(SlackApiError) as info:
            client.chat_getPermalink(channel=channel, message_ts=ts)
        assert info.value.response["error"] == error
