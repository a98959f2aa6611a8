"""Which listener Bolt routes a request to: what the ack answers completely starts no lazy listener
(one Lambda invocation, not two); what needs work still does, in its lazy invocation too."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr
from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_sdk.signature import SignatureVerifier

from bot.app import build_app
from bot.authz import Authorizer
from bot.deps import BotDeps
from bot.i18n import t
from bot.listeners.commands import Answer, triage
from bot.listeners.views import triage_submission
from bot.render.modal import MODAL_CALLBACK_ID
from bot.settings import SlackSecrets
from scanner.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-signing-secret"
REQUESTER, MEMBER, STRANGER = "U01REQUESTER", "U07GROUPMEMBER", "U09STRANGER"
CHANNEL, PUBLIC = "C01CCESCAN", "C09PUBLIC"


class _Lazy(LazyListenerRunner):
    """Records the lazy listeners Bolt would start (a second invocation) or run (in one)."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.ran: list[str] = []

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        self.started.append(function.__name__)

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        self.ran.append(function.__name__)


class _Groups:
    def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        return {"users": [MEMBER]}


def _deps() -> BotDeps:
    config = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")

    def unused() -> Any:
        raise AssertionError("the ack builds nothing")

    return BotDeps(
        config=config,
        secrets=SlackSecrets(
            signing_secret=SecretStr(SECRET), bot_token=SecretStr("xoxb-test"), team_id="T0LOCAL"
        ),
        authorizer=Authorizer(config.slack.requesters, config.slack.approvers),
        slack_api_url="http://127.0.0.1:9/api/",
        build_scans=unused,
        build_approvals=unused,
        build_threads=unused,
    )


@pytest.fixture
def deps() -> BotDeps:
    return _deps()


@pytest.fixture
def app(deps: BotDeps) -> tuple[App, _Lazy]:
    app = build_app(deps)
    lazy = _Lazy()
    app.listener_runner.lazy_listener_runner = lazy
    return app, lazy


def _signed(body: str, lazy_function: str | None = None) -> BoltRequest:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }
    if lazy_function is not None:  # what Bolt's Lambda adapter sends to the lazy invocation
        headers |= {"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": lazy_function}
    return BoltRequest(body=body, headers=headers)


def _command(user: str, text: str, channel: str = CHANNEL) -> dict[str, str]:
    return {
        "team_id": "T0LOCAL",
        "channel_id": channel,
        "user_id": user,
        "command": "/cce-scan",
        "text": text,
        "api_app_id": "A0CCESCAN",
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": "1.2.3",
    }


def _warm_group_cache(deps: BotDeps) -> None:
    deps.authorizer.check(MEMBER, "requester", _Groups())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("user", "text", "channel", "answer"),
    [
        (REQUESTER, "help", CHANNEL, Answer.HELP),
        (REQUESTER, "host i-xyz", CHANNEL, Answer.USAGE),
        (REQUESTER, "account 999999999999", CHANNEL, Answer.UNKNOWN_ACCOUNT),
        (REQUESTER, "account prod", PUBLIC, Answer.CHANNEL_REFUSED),
        (REQUESTER, "", CHANNEL, Answer.MODAL),
        (REQUESTER, "account prod", CHANNEL, Answer.ACCEPTED),
        (REQUESTER, "host app-1", CHANNEL, Answer.ACCEPTED),
        (STRANGER, "account prod", CHANNEL, Answer.CHECKING),  # the user groups are not cached yet
        (REQUESTER, "status", CHANNEL, Answer.LAZY),
        (REQUESTER, "cancel 20261126T203916-3fa9c1", CHANNEL, Answer.LAZY),
    ],
)
def test_triage_decides_from_the_body(
    deps: BotDeps, user: str, text: str, channel: str, answer: Answer
) -> None:
    decided = triage(deps, _command(user, text, channel))
    assert decided.answer is answer
    assert decided.finished_in_ack is (answer not in (Answer.ACCEPTED, Answer.CHECKING, Answer.LAZY))


def test_a_refusal_the_cached_user_groups_decide_is_finished_in_the_ack(deps: BotDeps) -> None:
    _warm_group_cache(deps)
    assert triage(deps, _command(STRANGER, "account prod")).answer is Answer.NOT_REQUESTER
    assert triage(deps, _command(MEMBER, "account prod")).answer is Answer.ACCEPTED


@pytest.mark.parametrize(
    ("text", "channel", "expected"),
    [
        ("help", CHANNEL, "/cce-scan account"),
        ("host i-xyz", CHANNEL, "i-xyz"),
        ("account 999999999999", CHANNEL, "999999999999"),
        ("account prod", PUBLIC, f"<#{CHANNEL}>"),
    ],
)
def test_a_command_answered_in_the_ack_starts_no_lazy_listener(
    app: tuple[App, _Lazy], text: str, channel: str, expected: str
) -> None:
    bolt, lazy = app
    response = bolt.dispatch(_signed(urlencode(_command(REQUESTER, text, channel))))
    assert response.status == 200
    assert expected in response.body
    assert lazy.started == []


def test_a_requester_refused_in_the_ack_starts_no_lazy_listener(
    deps: BotDeps, app: tuple[App, _Lazy]
) -> None:
    bolt, lazy = app
    _warm_group_cache(deps)
    response = bolt.dispatch(_signed(urlencode(_command(STRANGER, "account prod"))))
    assert json.loads(response.body)["text"] == t("not_allowed_requester", deps.locale)
    assert lazy.started == []


@pytest.mark.parametrize("text", ["account prod", "host app-1", "status", "cancel 20261126T203916-3fa9c1"])
def test_work_still_starts_the_lazy_listener(app: tuple[App, _Lazy], text: str) -> None:
    bolt, lazy = app
    assert bolt.dispatch(_signed(urlencode(_command(REQUESTER, text)))).status == 200
    assert lazy.started == ["run_command"]


def test_the_lazy_invocation_finds_its_listener_even_when_its_cache_would_answer_in_the_ack(
    deps: BotDeps, app: tuple[App, _Lazy]
) -> None:
    # The first invocation could not tell (no cached user groups) and started the lazy listener;
    # the lazy invocation runs where the cache says "not a requester": it still runs the lazy part,
    # which refuses through the response URL.
    bolt, lazy = app
    body = urlencode(_command(STRANGER, "account prod"))
    bolt.dispatch(_signed(body))
    assert lazy.started == ["run_command"]
    _warm_group_cache(deps)
    assert bolt.dispatch(_signed(body, lazy_function="run_command")).status == 200
    assert lazy.ran == ["run_command"]


def _submission(user: str, values: dict[str, Any], channel: str = CHANNEL) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0LOCAL"},
        "user": {"id": user},
        "api_app_id": "A0CCESCAN",
        "view": {
            "id": "V0MODAL",
            "type": "modal",
            "callback_id": MODAL_CALLBACK_ID,
            "private_metadata": json.dumps({"channel_id": channel}),
            "state": {"values": values},
        },
    }


PROD = {
    "targets_accounts": {
        "accounts": {"type": "multi_static_select", "selected_options": [{"value": "account:prod-web"}]}
    }
}


@pytest.mark.parametrize(
    ("user", "values", "channel"),
    [
        (REQUESTER, {}, CHANNEL),  # nothing chosen
        (REQUESTER, PROD, PUBLIC),  # a channel not allowed
    ],
)
def test_a_submission_refused_in_the_ack_starts_no_lazy_listener(
    app: tuple[App, _Lazy], deps: BotDeps, user: str, values: dict[str, Any], channel: str
) -> None:
    bolt, lazy = app
    payload = _submission(user, values, channel)
    assert triage_submission(deps, payload).finished_in_ack
    response = bolt.dispatch(_signed(urlencode({"payload": json.dumps(payload)})))
    assert json.loads(response.body)["response_action"] == "errors"
    assert lazy.started == []


def test_a_valid_submission_starts_the_lazy_listener(app: tuple[App, _Lazy], deps: BotDeps) -> None:
    bolt, lazy = app
    payload = _submission(REQUESTER, PROD)
    assert not triage_submission(deps, payload).finished_in_ack
    assert bolt.dispatch(_signed(urlencode({"payload": json.dumps(payload)}))).status == 200
    assert lazy.started == ["run_submission"]
