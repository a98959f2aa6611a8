"""The doctor's pure parts: reading the simulator's answer in either form, judging a member role's
trust policy, turning AWS errors into failed checks, and the report's lines and exit code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from cce_scan.doctor.access import SessionAccess
from cce_scan.doctor.members import trust_problems
from cce_scan.doctor.model import Check, Report
from cce_scan.doctor.resources import check_bucket
from cce_scan.doctor.roles import RoleUnderTest, check_role, read_results
from cce_scan.doctor.run import run_doctor
from cce_scan.doctor.slack import granted_scopes
from scanner.config import load_config
from scanner.deployment import Deployment
from scanner.permissions import Need
from tests.doctor.world_support import ROOT

WORKER = "arn:aws:iam::111111111111:role/cce-scan-worker-ap-northeast-2"
EXTERNAL_ID = "cce-scan-7f3a9c1e2b"
ROLE = RoleUnderTest(
    name="cce-scan-bot-ap-northeast-2",
    arn="arn:aws:iam::111111111111:role/cce-scan-bot-ap-northeast-2",
    owner="the bot",
    policy="the bot's policy in terraform/modules/central/iam.tf",
)
NEED = Need(actions=("sqs:SendMessage",), resources=("arn:q1", "arn:q2"), why="the jobs are queued")


def test_results_are_read_per_resource_when_one_result_covers_several() -> None:
    page = {
        "EvaluationResults": [
            {
                "EvalActionName": "sqs:SendMessage",
                "EvalResourceName": "*",
                "EvalDecision": "implicitDeny",
                "ResourceSpecificResults": [
                    {"EvalResourceName": "arn:q1", "EvalResourceDecision": "allowed"},
                    {
                        "EvalResourceName": "arn:q2",
                        "EvalResourceDecision": "implicitDeny",
                        "MissingContextValues": ["aws:SourceArn"],
                    },
                ],
            }
        ]
    }
    verdicts = read_results([page])
    assert verdicts[("sqs:SendMessage", "arn:q1")].decision == "allowed"
    assert verdicts[("sqs:SendMessage", "arn:q2")].decision == "implicitDeny"
    assert verdicts[("sqs:SendMessage", "arn:q2")].missing_context == ("aws:SourceArn",)


def test_results_without_resource_specific_parts_are_read_from_the_result() -> None:
    page = {
        "EvaluationResults": [
            {
                "EvalActionName": "xray:PutTraceSegments",
                "EvalResourceName": "*",
                "EvalDecision": "explicitDeny",
                "MatchedStatements": [{"SourcePolicyId": "guardrail"}, {"SourcePolicyId": "guardrail"}],
            }
        ]
    }
    (verdict,) = read_results([page]).values()
    assert (verdict.resource, verdict.decision, verdict.matched) == ("*", "explicitDeny", ("guardrail",))


class _Paginator:
    def __init__(self, pages: list[dict[str, Any]] | Exception) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> Iterator[dict[str, Any]]:
        if isinstance(self.pages, Exception):
            raise self.pages
        yield from self.pages


class _Iam:
    """An IAM client that answers the simulator with the pages (or the error) it was given."""

    def __init__(self, pages: list[dict[str, Any]] | Exception) -> None:
        self.pages = pages

    def get_paginator(self, name: str) -> _Paginator:
        assert name == "simulate_principal_policy"
        return _Paginator(self.pages)


def _result(resource: str, decision: str, matched: str | None = None) -> dict[str, Any]:
    return {
        "EvalActionName": "sqs:SendMessage",
        "EvalResourceName": resource,
        "EvalDecision": decision,
        "MatchedStatements": [{"SourcePolicyId": matched}] if matched else [],
    }


def test_a_denied_pair_is_a_failed_check_with_what_to_add_and_where() -> None:
    iam = _Iam([{"EvaluationResults": [_result("arn:q1", "allowed"), _result("arn:q2", "implicitDeny")]}])
    (check,) = check_role(iam, ROLE, [NEED])
    assert check.line() == (
        "✗ the bot: role cce-scan-bot-ap-northeast-2 allows sqs:SendMessage on arn:q2: implicitDeny; needed "
        "because the jobs are queued → add sqs:SendMessage on arn:q2 to the bot's policy in "
        "terraform/modules/central/iam.tf"
    )


def test_an_explicit_deny_names_the_policy_that_denies() -> None:
    iam = _Iam(
        [{"EvaluationResults": [_result("arn:q1", "allowed"), _result("arn:q2", "explicitDeny", "lock")]}]
    )
    (check,) = check_role(iam, ROLE, [NEED])
    assert check.fix == "remove the statement of lock that denies sqs:SendMessage on arn:q2"


def test_a_pair_the_simulator_did_not_answer_is_not_taken_as_allowed() -> None:
    iam = _Iam([{"EvaluationResults": [_result("arn:q1", "allowed")]}])
    (check,) = check_role(iam, ROLE, [NEED])
    assert check.detail.startswith("noAnswer")


def test_an_aws_error_of_the_simulation_is_a_failed_check_not_a_traceback() -> None:
    denied = ClientError(
        {
            "Error": {
                "Code": "AccessDenied",
                "Message": "not authorized to perform: iam:SimulatePrincipalPolicy",
            }
        },
        "SimulatePrincipalPolicy",
    )
    (check,) = check_role(_Iam(denied), ROLE, [NEED])
    assert check.detail == "AccessDenied: not authorized to perform: iam:SimulatePrincipalPolicy"
    assert "iam:SimulatePrincipalPolicy" in check.fix


def test_an_unreachable_endpoint_is_a_failed_check_with_the_reason() -> None:
    class Unreachable:
        def head_bucket(self, **_: Any) -> None:
            raise EndpointConnectionError(endpoint_url="https://s3.ap-northeast-2.amazonaws.com")

    config = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")
    check = check_bucket(Deployment(config=config), Unreachable())
    assert check.line().startswith(
        "✗ the results bucket cce-scan-results-111111111111 exists: Could not connect"
    )


def _trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ASSUME = {
    "Effect": "Allow",
    "Principal": {"AWS": WORKER},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
}
SOURCE_IDENTITY = {"Effect": "Allow", "Principal": {"AWS": WORKER}, "Action": "sts:SetSourceIdentity"}


def test_the_member_module_trust_admits_the_worker() -> None:
    assert trust_problems(_trust(ASSUME, SOURCE_IDENTITY), WORKER, EXTERNAL_ID) == []


@pytest.mark.parametrize(
    ("statements", "problem"),
    [
        (
            [{**ASSUME, "Condition": {"StringEquals": {"sts:ExternalId": "other"}}}, SOURCE_IDENTITY],
            "it requires another sts:ExternalId than member_role.external_id",
        ),
        ([ASSUME], f"no statement allows {WORKER} sts:SetSourceIdentity"),
        ([SOURCE_IDENTITY], f"no statement allows {WORKER} sts:AssumeRole"),
        (
            [ASSUME, SOURCE_IDENTITY, {**SOURCE_IDENTITY, "Effect": "Deny", "Action": "sts:*"}],
            f"a Deny statement refuses sts:AssumeRole to {WORKER}",
        ),
        (
            [{**ASSUME, "Principal": {"AWS": "AROAEXAMPLEID1234567"}}, SOURCE_IDENTITY],
            "it names AROAEXAMPLEID1234567 by unique ID: the worker role it trusted was deleted or recreated",
        ),
    ],
)
def test_a_trust_that_keeps_the_worker_out_says_why(statements: list[dict[str, Any]], problem: str) -> None:
    assert problem in trust_problems(_trust(*statements), WORKER, EXTERNAL_ID)


def test_scopes_are_read_from_the_header_with_or_without_spaces() -> None:
    assert granted_scopes("commands, chat:write,files:write") == {"commands", "chat:write", "files:write"}
    assert granted_scopes("") == set()


def test_the_report_exits_non_zero_on_a_failure_only() -> None:
    passed, skipped = Check.passed("a"), Check.skipped("b", "cannot tell")
    failed = Check.failed("c", "missing", "add it")
    assert Report(checks=(passed, skipped)).exit_code == 0
    report = Report(checks=(passed, skipped, failed))
    assert report.exit_code == 1
    assert report.lines() == [
        "✓ a",
        "– b: cannot tell",
        "✗ c: missing → add it",
        "1 passed, 1 failed, 1 not checked",
    ]


def test_without_credentials_the_doctor_stops_at_one_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    config = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")
    session = boto3.Session(region_name=config.central.region)
    report = run_doctor(
        Deployment(config=config),
        SessionAccess(session, config.central.region),
        lambda token: pytest.fail("no Slack call without AWS credentials"),
        member_access_role=None,
        wanted_scopes=(),
    )
    (check,) = report.checks
    assert check.line() == (
        "✗ the operator's credentials are of the central account: Unable to locate credentials "
        "→ run with AWS credentials of the central account"
    )
    assert report.exit_code == 1
