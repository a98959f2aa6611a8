"""The world answers IAM's policy simulator with its own evaluator: what a role's policies allow,
deny or leave out, which statements decide, which condition keys the simulation lacked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.iam.responses import IamResponse

from localworld.iam.simulate import install_simulation

BUCKET = "arn:aws:s3:::results"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{BUCKET}/reports/*"},
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": BUCKET,
            "Condition": {"StringLike": {"s3:prefix": ["bundles/*"]}},
        },
    ],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
DENY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"{BUCKET}/reports/locked"}],
}


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        undo = install_simulation()
        try:
            client = boto3.client("iam", region_name="us-east-1")
            client.create_role(RoleName="notifier", AssumeRolePolicyDocument=json.dumps(TRUST))
            client.put_role_policy(
                RoleName="notifier", PolicyName="least-privilege", PolicyDocument=json.dumps(POLICY)
            )
            yield client
        finally:
            undo()


def role_arn(iam: Any) -> str:
    return str(iam.get_role(RoleName="notifier")["Role"]["Arn"])


def simulate(iam: Any, actions: list[str], resources: list[str], **context: str) -> list[dict[str, Any]]:
    entries = [
        {"ContextKeyName": key.replace("__", ":"), "ContextKeyValues": [value], "ContextKeyType": "string"}
        for key, value in context.items()
    ]
    answer = iam.simulate_principal_policy(
        PolicySourceArn=role_arn(iam), ActionNames=actions, ResourceArns=resources, ContextEntries=entries
    )
    return list(answer["EvaluationResults"])


def test_an_allowed_action_names_the_policy_that_allows_it(iam: Any) -> None:
    (result,) = simulate(iam, ["s3:GetObject"], [f"{BUCKET}/reports/r1/summary.json"])
    assert result["EvalActionName"] == "s3:GetObject"
    assert result["EvalResourceName"] == f"{BUCKET}/reports/r1/summary.json"
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"] == [{"SourcePolicyId": "least-privilege", "SourcePolicyType": "role"}]
    (specific,) = result["ResourceSpecificResults"]
    assert specific["EvalResourceDecision"] == "allowed"


def test_an_action_no_statement_names_is_implicitly_denied(iam: Any) -> None:
    (result,) = simulate(
        iam, ["dynamodb:UpdateItem"], ["arn:aws:dynamodb:ap-northeast-2:111111111111:table/t"]
    )
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []


def test_each_action_is_judged_on_each_resource(iam: Any) -> None:
    results = simulate(iam, ["s3:GetObject", "s3:PutObject"], [f"{BUCKET}/reports/a", f"{BUCKET}/findings/a"])
    decisions = [
        (r["EvalActionName"], r["EvalResourceName"].rsplit("/", 2)[-2], r["EvalDecision"]) for r in results
    ]
    assert decisions == [
        ("s3:GetObject", "reports", "allowed"),
        ("s3:GetObject", "findings", "implicitDeny"),
        ("s3:PutObject", "reports", "allowed"),
        ("s3:PutObject", "findings", "implicitDeny"),
    ]


def test_an_explicit_deny_wins_and_only_the_denying_policy_is_matched(iam: Any) -> None:
    policy = iam.create_policy(PolicyName="lock-reports", PolicyDocument=json.dumps(DENY))["Policy"]
    iam.attach_role_policy(RoleName="notifier", PolicyArn=policy["Arn"])
    (result,) = simulate(iam, ["s3:PutObject"], [f"{BUCKET}/reports/locked"])
    assert result["EvalDecision"] == "explicitDeny"
    assert result["MatchedStatements"] == [
        {"SourcePolicyId": "lock-reports", "SourcePolicyType": "user-managed"}
    ]


def test_a_condition_key_missing_from_the_context_is_reported_and_denies(iam: Any) -> None:
    (result,) = simulate(iam, ["s3:ListBucket"], [BUCKET])
    assert result["EvalDecision"] == "implicitDeny"
    (specific,) = result["ResourceSpecificResults"]
    assert specific["MissingContextValues"] == ["s3:prefix"]


def test_the_context_given_decides_the_condition(iam: Any) -> None:
    (listed,) = simulate(iam, ["s3:ListBucket"], [BUCKET], s3__prefix="bundles/")
    (other,) = simulate(iam, ["s3:ListBucket"], [BUCKET], s3__prefix="results/")
    assert (listed["EvalDecision"], other["EvalDecision"]) == ("allowed", "implicitDeny")
    assert listed["ResourceSpecificResults"][0]["MissingContextValues"] == []


def test_results_are_paged_with_max_items_and_marker(iam: Any) -> None:
    paginator = iam.get_paginator("simulate_principal_policy")
    pages = list(
        paginator.paginate(
            PolicySourceArn=role_arn(iam),
            ActionNames=["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            ResourceArns=[f"{BUCKET}/reports/a", f"{BUCKET}/reports/b"],
            PaginationConfig={"PageSize": 4},
        )
    )
    assert [len(page["EvaluationResults"]) for page in pages] == [4, 2]
    assert pages[0]["IsTruncated"] is True


def test_a_role_that_does_not_exist_is_no_such_entity(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.simulate_principal_policy(
            PolicySourceArn=role_arn(iam).replace("notifier", "gone"), ActionNames=["s3:GetObject"]
        )
    assert info.value.response["Error"]["Code"] == "NoSuchEntity"


def test_a_resource_policy_is_refused_rather_than_ignored(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.simulate_principal_policy(
            PolicySourceArn=role_arn(iam), ActionNames=["s3:GetObject"], ResourcePolicy=json.dumps(DENY)
        )
    assert info.value.response["Error"]["Code"] == "InvalidInput"


def test_installing_twice_is_refused_and_undo_gives_moto_its_class_back() -> None:
    undo = install_simulation()
    try:
        with pytest.raises(RuntimeError, match="already installed"):
            install_simulation()
    finally:
        undo()
    assert "simulate_principal_policy" not in IamResponse.__dict__
