"""The fan-out benchmark's token bound: the busiest account's attempts at R per second."""

from __future__ import annotations

from bench.fanout import token_bound
from scanner.dispatch import SendResult


def _sent(instance_id: str, attempts: int) -> SendResult:
    return SendResult(instance_id, f"cmd-{instance_id}", attempts)


def test_the_token_bound_is_the_busiest_accounts_attempts_after_the_first_at_r_per_second() -> None:
    by_account = {
        "lucky": [_sent("i-1", 1), _sent("i-2", 1)],
        "throttled": [_sent("i-3", 3), _sent("i-4", 2)],
    }
    assert token_bound(by_account, tps=10.0) == (5 - 1) / 10.0


def test_rejected_sends_count_their_attempts_too() -> None:
    rejected = SendResult("i-5", None, 4, error_code="InvalidInstanceId")
    assert token_bound({"a": [rejected]}, tps=2.0) == 1.5


def test_no_sends_give_no_bound() -> None:
    assert token_bound({}, tps=20.0) == 0.0
