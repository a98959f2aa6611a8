"""Invocation → host outcome, on ListCommandInvocations(Details=True) shapes as AWS returns them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from scanner.outcomes import HostOutcome
from scanner.tracking import (
    Pending,
    TrackingDeniedError,
    deadline_seconds,
    invocation_outcome,
    poll,
    stderr_excerpt,
)


def _plugin(
    name: str, status: str, code: int = 0, output: str = "", details: str | None = None
) -> dict[str, Any]:
    return {
        "Name": name,
        "Status": status,
        "StatusDetails": details or status,
        "ResponseCode": code,
        "Output": output,
    }


def _invocation(status: str, details: str, *plugins: dict[str, Any]) -> dict[str, Any]:
    return {
        "CommandId": "0" * 36,
        "InstanceId": "i-0123456789abcdef0",
        "Status": status,
        "StatusDetails": details,
        "CommandPlugins": list(plugins),
    }


OK = _plugin("download", "Success")
RUN_OK = _plugin("run", "Success")
SKIPPED = _plugin("upload", "Success", details="Skipped")


@pytest.mark.parametrize(
    ("invocation", "outcome", "step"),
    [
        (
            _invocation("Success", "Success", OK, RUN_OK, _plugin("upload", "Success")),
            HostOutcome.SUCCEEDED,
            None,
        ),
        (
            _invocation(
                "Failed",
                "Failed",
                _plugin("download", "Failed", 22, "\n----------ERROR-------\ncurl: (22) 403"),
                SKIPPED,
                SKIPPED,
            ),
            HostOutcome.FAILED_DOWNLOAD,
            "download",
        ),
        (
            _invocation("Failed", "Failed", OK, _plugin("run", "Failed", 139, "segfault"), SKIPPED),
            HostOutcome.FAILED_CHECKS,
            "run",
        ),
        (
            _invocation("Failed", "Failed", OK, RUN_OK, _plugin("upload", "Failed", 6)),
            HostOutcome.FAILED_UPLOAD,
            "upload",
        ),
        (
            _invocation("TimedOut", "ExecutionTimedOut", OK, _plugin("run", "TimedOut", 137)),
            HostOutcome.TIMED_OUT,
            "run",
        ),
        (_invocation("TimedOut", "DeliveryTimedOut"), HostOutcome.UNDELIVERABLE, None),
        (_invocation("Failed", "Undeliverable"), HostOutcome.UNDELIVERABLE, None),
        (_invocation("Failed", "InvalidPlatform"), HostOutcome.SKIPPED_PLATFORM, None),
        (_invocation("Cancelled", "Cancelled", OK), HostOutcome.CANCELLED, None),
        (_invocation("Failed", "AccessDenied"), HostOutcome.DISPATCH_REJECTED, None),
    ],
)
def test_invocation_outcome_maps_each_final_status_to_exactly_one_outcome(
    invocation: dict[str, Any], outcome: HostOutcome, step: str | None
) -> None:
    result = invocation_outcome(invocation)
    assert result is not None
    assert result.outcome == outcome
    assert result.detail.step == step


@pytest.mark.parametrize("status", ["Pending", "InProgress", "Delayed", "Cancelling"])
def test_invocation_outcome_is_none_while_the_command_is_not_final(status: str) -> None:
    assert invocation_outcome(_invocation(status, status)) is None


def test_failed_step_carries_its_response_code_and_the_end_of_its_stderr() -> None:
    output = (
        "lots of stdout\n----------ERROR-------\n"
        + "x" * 1000
        + "\ncurl: (22) The requested URL returned error: 403"
    )
    result = invocation_outcome(_invocation("Failed", "Failed", _plugin("download", "Failed", 22, output)))
    assert result is not None
    assert result.detail.response_code == 22
    assert result.detail.stderr_excerpt.endswith("returned error: 403")
    assert len(result.detail.stderr_excerpt) <= 300
    assert "lots of stdout" not in result.detail.stderr_excerpt


def test_stderr_excerpt_without_the_agent_marker_is_the_tail_of_the_output() -> None:
    assert stderr_excerpt("  boom \n") == "boom"


def test_deadline_covers_delivery_and_every_step() -> None:
    assert deadline_seconds(600, 1200) == 600 + 1200 + 60


def _stubbed_ssm() -> tuple[Any, Stubber]:
    ssm: Any = boto3.client(
        "ssm", region_name="ap-northeast-2", aws_access_key_id="k", aws_secret_access_key="s"
    )
    return ssm, Stubber(ssm)


@pytest.mark.parametrize("hosts", [1, 11], ids=["per command", "sweep"])
@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "UnrecognizedClientException"])
def test_a_refused_tracking_call_raises_instead_of_waiting_for_the_deadline(hosts: int, code: str) -> None:
    ssm, stub = _stubbed_ssm()
    stub.add_client_error(
        "list_command_invocations", service_error_code=code, service_message="not authorized"
    )
    pending = [Pending(f"i-0{n:016x}", f"{n:08x}-0000-4000-8000-000000000000", 2e9) for n in range(hosts)]
    with stub, pytest.raises(TrackingDeniedError, match=f"{code} on ListCommandInvocations: not authorized"):
        poll(ssm, pending, now=lambda: 1e9, since=datetime.now(UTC))


def test_a_throttled_tracking_call_leaves_the_host_for_the_next_round() -> None:
    ssm, stub = _stubbed_ssm()
    stub.add_client_error("list_command_invocations", service_error_code="ThrottlingException")
    pending = [Pending("i-00000000000000000", "00000000-0000-4000-8000-000000000000", 2e9)]
    with stub:
        assert poll(ssm, pending, now=lambda: 1e9) == ([], pending)
