"""The approval sweep: an EventBridge rule invokes the notifier often enough that an expired request
(and its scan) is closed within minutes of its time."""

from __future__ import annotations

import re

from tests.terraform.hcl import CENTRAL, block

MOST_MINUTES_LATE = 5


def _minutes(expression: str) -> int:
    """``rate(N minute[s])`` or ``rate(1 hour)`` in minutes."""
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", expression)
    assert match, f"the sweep's schedule is not a rate: {expression}"
    return int(match[1]) * (60 if match[2].startswith("hour") else 1)


def test_the_sweep_runs_at_least_every_five_minutes() -> None:
    rule = block(CENTRAL, "resource", "aws_cloudwatch_event_rule", "approval_sweep")
    assert _minutes(rule.body["schedule_expression"]) <= MOST_MINUTES_LATE


def test_the_sweep_invokes_the_notifier_and_may() -> None:
    target = block(CENTRAL, "resource", "aws_cloudwatch_event_target", "approval_sweep")
    permission = block(CENTRAL, "resource", "aws_lambda_permission", "approval_sweep")
    assert target.body["arn"] == "${aws_lambda_function.notifier.arn}"
    assert permission.body["function_name"] == "${aws_lambda_function.notifier.function_name}"
    assert permission.body["principal"] == "events.amazonaws.com"
    assert permission.body["source_arn"] == "${aws_cloudwatch_event_rule.approval_sweep.arn}"


def test_a_rate_in_hours_counts_as_sixty_minutes_each() -> None:
    assert _minutes("rate(1 hour)") == 60
    assert _minutes("rate(5 minutes)") == 5
