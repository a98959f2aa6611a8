"""Starting a scan from the lazy listener tries again after AWS failures the SDK gave up on."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from bot.starting import start_with_retries


def _failure() -> ClientError:
    return ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "SendMessage")


def test_a_start_that_fails_twice_then_succeeds_is_tried_three_times_with_growing_pauses() -> None:
    calls: list[str] = []
    pauses: list[float] = []

    def start() -> None:
        calls.append("start")
        if len(calls) < 3:
            raise _failure()

    start_with_retries(start, pause=pauses.append)
    assert calls == ["start"] * 3
    assert pauses == [1.0, 2.0]


def test_a_start_that_keeps_failing_raises_after_the_last_attempt() -> None:
    pauses: list[float] = []

    def start() -> None:
        raise _failure()

    with pytest.raises(ClientError):
        start_with_retries(start, attempts=2, pause=pauses.append)
    assert pauses == [1.0]
