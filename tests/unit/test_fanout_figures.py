"""The fan-out benchmark's figures: the token bound of a run, and the medians of several runs."""

from __future__ import annotations

from typing import Any

from bench.fanout import summary, token_bound
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


def _report(seed: int, efficiency: float, *, duplicates: int = 0, lost: int = 0) -> dict[str, Any]:
    return {
        "seed": seed,
        "ideal_s": 3.125,
        "efficiency": efficiency,
        "pacing_efficiency": efficiency + 0.05,
        "makespan_s": round(3.125 / efficiency, 3),
        "start_skew_s": 0.2,
        "token_bound_s": 3.3,
        "duplicates": duplicates,
        "lost": lost,
        "outcomes": {"SUCCEEDED": 49, "SKIPPED_OFFLINE": 1},
    }


def test_several_runs_report_every_efficiency_and_their_median() -> None:
    result = summary([_report(7, 0.86), _report(7, 0.91), _report(1, 0.89)])
    assert result["runs"] == 3
    assert result["seeds"] == [1, 7]
    assert result["efficiency"] == [0.86, 0.91, 0.89]
    assert result["efficiency_median"] == 0.89
    assert result["pacing_efficiency_median"] == 0.94
    assert result["outcomes"] == [{"SUCCEEDED": 49, "SKIPPED_OFFLINE": 1}] * 3


def test_a_duplicate_or_a_lost_host_in_any_run_shows_in_the_summary() -> None:
    result = summary([_report(7, 0.9), _report(7, 0.9, duplicates=1), _report(7, 0.9, lost=2)])
    assert (result["duplicates"], result["lost"]) == (1, 2)
