"""No secret is ever logged: a malformed Slack secret (or environment) through each bot Lambda entry.

The secret is read by the entries' real handlers from a moto Secrets Manager. Whatever goes wrong,
the error names the bad key and never a value: not in a log line (Powertools writes to stdout), not
in the exception or its chain (the Lambda runtime prints the chain), not in the response.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.errors import SettingsError
from tests.lambda_output import LambdaContext
from tests.scanner.world_support import EXAMPLE_CONFIG

REGION = "ap-northeast-2"
TOKEN = "xoxb-0000-never-in-a-log"
SIGNING = "5f3c0ffee-signing-never-in-a-log"

MALFORMED = {
    "misspelt key": json.dumps({"signing_secert": SIGNING, "bot_token": TOKEN}),
    "misspelt token key": json.dumps({"signing_secret": SIGNING, "bot_tokn": TOKEN}),
    "not JSON": f"signing_secret={SIGNING} bot_token={TOKEN}",
    "truncated JSON": json.dumps({"signing_secret": SIGNING, "bot_token": TOKEN})[:-2],
    "wrong types": json.dumps({"signing_secret": [SIGNING], "bot_token": {"value": TOKEN}}),
    "a list": json.dumps([SIGNING, TOKEN]),
}


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "CCE_SCAN_CONFIG": str(EXAMPLE_CONFIG),
        "CCE_SCAN_TABLE": "cce-scan",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_ENDPOINT_URL", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        client: Any = boto3.client("secretsmanager", region_name=REGION)

        def put(text: str) -> None:
            arn = client.create_secret(Name=f"slack-{abs(hash(text))}", SecretString=text)["ARN"]
            monkeypatch.setenv("SLACK_SECRET_ARN", arn)

        yield put


def _clear(entry: ModuleType) -> None:
    for name in ("_settings", "_config", "_runtime", "_slack_handler", "_notifier"):
        cached = getattr(entry, name, None)
        if cached is not None:
            cached.cache_clear()


@pytest.fixture
def entries() -> Iterator[tuple[ModuleType, ModuleType]]:
    from bot import handler, notifier

    for entry in (handler, notifier):
        _clear(entry)
    yield handler, notifier
    for entry in (handler, notifier):
        _clear(entry)


def _slack_event() -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/slack/events",
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"type": "url_verification", "challenge": "c"}),
        "requestContext": {"http": {"method": "POST"}},
        "isBase64Encoded": False,
    }


def _sqs_event() -> dict[str, Any]:
    body = json.dumps({"schema": "cce-scan.event/1", "type": "scan.finished", "scan_id": "s", "seq": 1})
    return {
        "Records": [
            {
                "messageId": "m0",
                "receiptHandle": "r0",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:111111111111:events",
                "awsRegion": REGION,
            }
        ]
    }


def _run(entry: ModuleType, event: dict[str, Any], capfd: pytest.CaptureFixture[str]) -> str:
    """Everything the invocation left behind: its output, its response, its error with the chain."""
    capfd.readouterr()
    seen: list[str] = []
    try:
        seen.append(repr(entry.handler(event, LambdaContext())))
    except Exception as exc:  # the Lambda runtime logs what escapes, chain and all
        seen.append("".join(traceback.format_exception(exc)))
    captured = capfd.readouterr()
    return "\n".join([*seen, captured.out, captured.err])


def _assert_clean(text: str) -> None:
    assert TOKEN not in text
    assert SIGNING not in text
    # nor a recognisable piece of either (pydantic truncates long inputs in its message)
    assert "never-in-a-log" not in text


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_the_slack_entry_never_shows_a_malformed_secret(
    case: str, secret_env: Any, entries: tuple[ModuleType, ModuleType], capfd: pytest.CaptureFixture[str]
) -> None:
    handler, _ = entries
    secret_env(MALFORMED[case])
    output = _run(handler, _slack_event(), capfd)
    _assert_clean(output)
    assert "SettingsError" in output


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_the_notifier_entry_never_shows_a_malformed_secret(
    case: str, secret_env: Any, entries: tuple[ModuleType, ModuleType], capfd: pytest.CaptureFixture[str]
) -> None:
    _, notifier = entries
    secret_env(MALFORMED[case])
    for event in (_sqs_event(), {"source": "aws.events"}):
        _clear(notifier)
        output = _run(notifier, event, capfd)
        _assert_clean(output)
        assert "Slack secret" in output


def test_a_misspelt_key_is_named_by_the_error(secret_env: Any) -> None:
    from bot.settings import load_bot_settings, load_slack_secrets

    secret_env(MALFORMED["misspelt key"])
    with pytest.raises(SettingsError) as caught:
        load_slack_secrets(load_bot_settings(), boto3.client("secretsmanager", region_name=REGION))
    assert "signing_secret: missing" in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_an_invalid_environment_holding_the_secrets_never_shows_them(
    secret_env: Any,
    entries: tuple[ModuleType, ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Slack's values in the environment, CCE_SCAN_CONFIG missing: pydantic's message would list them."""
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("CCE_SCAN_CONFIG")
    handler, notifier = entries
    for entry, event in ((handler, _slack_event()), (notifier, _sqs_event())):
        output = _run(entry, event, capfd)
        _assert_clean(output)
        assert "cce_scan_config: missing" in output
