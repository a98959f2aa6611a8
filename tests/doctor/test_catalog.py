"""The catalog of what each function's code asks of AWS (scanner/permissions.py) against what
terraform/modules/central/iam.tf and the member_role module grant: every need is granted, and every
grant is needed by the code or listed below as a least-privilege finding with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localworld.iam.model import Authorization, Principal
from localworld.iam.policy import evaluate
from localworld.iam.terraform import Bindings, RoleSpec, TerraformIam, read_terraform_iam
from scanner.config import load_config
from scanner.deployment import FUNCTIONS, Deployment, Function
from scanner.permissions import Facts, Need, function_needs, member_needs

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")
CENTRAL, REGION = CONFIG.central.account_id, CONFIG.central.region
BINDINGS = Bindings.from_config(
    CONFIG,
    organization_id="o-abcdefghij",
    kms_key_arn=f"arn:aws:kms:{REGION}:{CENTRAL}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    slack_secret_arn=f"arn:aws:secretsmanager:{REGION}:{CENTRAL}:secret:cce-scan/slack-AbCdEf",
)
DEPLOYMENT = Deployment(config=CONFIG)
FACTS = Facts(
    secret_arn=BINDINGS.slack_secret_arn,
    kms_key_arn=BINDINGS.kms_key_arn,
    organization_id=BINDINGS.organization_id,
    management_account_id=CENTRAL,
)
TABLE = DEPLOYMENT.table_arn
BUCKET = DEPLOYMENT.bucket_arn

# Grants of iam.tf no code path needs: (function, action, resource pattern) → why it is unneeded.
UNUSED_GRANTS: dict[tuple[str, str, str], str] = {
    **{
        (function, f"dynamodb:{action}", resource): "no code deletes items or sends a ConditionCheck"
        for function in FUNCTIONS
        for action in ("ConditionCheckItem", "DeleteItem")
        for resource in (TABLE, f"{TABLE}/index/*")
    },
    **{
        (function, f"dynamodb:{action}", f"{TABLE}/index/*"): "item actions do not apply to an index"
        for function in FUNCTIONS
        for action in ("BatchGetItem", "BatchWriteItem", "GetItem", "PutItem", "UpdateItem")
    },
    ("bot", "dynamodb:BatchWriteItem", TABLE): "only the worker batch-writes (hosts, sent commands)",
    ("bot", "lambda:InvokeFunction", f"{DEPLOYMENT.function_arn('bot')}:*"): (
        "the module publishes no version or alias: the bot runs, and invokes itself, unqualified"
    ),
    **{
        ("notifier", f"dynamodb:{action}", TABLE): "the notifier reads by key, queries and updates only"
        for action in ("BatchGetItem", "BatchWriteItem", "PutItem")
    },
    ("notifier", "dynamodb:Query", f"{TABLE}/index/*"): "the notifier queries only the approvals' index",
    ("notifier", "sqs:ChangeMessageVisibility", DEPLOYMENT.queue_arn("cce-scan-events")): (
        "neither the notifier's code nor its SQS trigger changes a message's visibility"
    ),
    **{
        ("worker", f"dynamodb:{action}", TABLE): "the worker neither creates scans nor lists them"
        for action in ("BatchGetItem", "PutItem")
    },
    ("worker", "s3:ListBucket", BUCKET): "only the bot starts scans (finds the current bundle)",
    (
        "worker",
        "ssm:DescribeDocument",
        CONFIG.document_arn(),
    ): "only the bot starts scans (the document hash)",
    ("worker", "sqs:ChangeMessageVisibility", DEPLOYMENT.queue_arn("cce-scan-jobs")): (
        "neither the worker's code nor its SQS trigger changes a message's visibility"
    ),
    **{
        ("analyzer", f"dynamodb:{action}", TABLE): "the analyzer reads and updates single items only"
        for action in ("BatchGetItem", "BatchWriteItem", "PutItem")
    },
    ("analyzer", "dynamodb:Query", f"{TABLE}/index/*"): "the analyzer reads no index",
}


@pytest.fixture(scope="module")
def terraform() -> TerraformIam:
    return read_terraform_iam(ROOT / "terraform" / "modules", BINDINGS)


def principal(role: RoleSpec) -> Principal:
    return Principal(
        arn=f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/doctor",
        account_id=role.account_id,
        role_arn=role.arn,
    )


def context(need: Need) -> dict[str, tuple[str, ...]]:
    return {value.name: value.values for value in need.context}


def denied(role: RoleSpec, needs: Iterable[Need]) -> list[tuple[str, str]]:
    policies = list(role.policy_documents.values())
    return [
        (action, resource)
        for need in needs
        for action in need.actions
        for resource in need.resources
        if not evaluate(Authorization(action, resource, context(need)), principal(role), policies).allowed
    ]


def grants(role: RoleSpec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each (action, resource pattern) an Allow statement of the role grants, with that statement
    narrowed to it."""
    for document in role.policy_documents.values():
        for statement in document["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for action in actions:
                for resource in resources:
                    yield action, resource, {**statement, "Action": action, "Resource": resource}


def unused(role: RoleSpec, needs: tuple[Need, ...]) -> set[tuple[str, str]]:
    found = set()
    for action, resource, statement in grants(role):
        narrowed = [{"Version": "2012-10-17", "Statement": [statement]}]
        used = any(
            evaluate(Authorization(action, wanted, context(need)), principal(role), narrowed).allowed
            for need in needs
            if action in need.actions
            for wanted in need.resources
        )
        if not used:
            found.add((action, resource))
    return found


@pytest.mark.parametrize("function", FUNCTIONS)
def test_iam_tf_grants_every_need_of_the_function(terraform: TerraformIam, function: Function) -> None:
    needs = function_needs(DEPLOYMENT, FACTS, function)
    assert denied(terraform.function_roles[function], needs) == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_grant_of_iam_tf_is_needed_or_a_known_least_privilege_finding(
    terraform: TerraformIam, function: Function
) -> None:
    needs = function_needs(DEPLOYMENT, FACTS, function)
    expected = {(action, resource) for (f, action, resource) in UNUSED_GRANTS if f == function}
    assert unused(terraform.function_roles[function], needs) == expected


def test_the_member_role_grants_what_the_worker_does_in_each_member_account(terraform: TerraformIam) -> None:
    for account in CONFIG.accounts:
        needs = member_needs(DEPLOYMENT, account.id, account.regions)
        role = terraform.member_roles[account.id]
        assert denied(role, needs) == []
        assert unused(role, needs) == set()


def test_a_permission_withheld_from_the_policy_is_a_denied_need(terraform: TerraformIam) -> None:
    role = terraform.function_roles["notifier"]
    withheld = {
        name: text.replace('"dynamodb:UpdateItem",', "") for name, text in role.inline_policies.items()
    }
    weaker = RoleSpec(**{**role.__dict__, "inline_policies": withheld})
    needs = function_needs(DEPLOYMENT, FACTS, "notifier")
    assert denied(weaker, needs) == [
        ("dynamodb:UpdateItem", TABLE),
        ("dynamodb:UpdateItem", DEPLOYMENT.approvals_table_arn),
    ]


def test_member_needs_follow_the_account_regions_and_the_shared_document() -> None:
    needs = member_needs(DEPLOYMENT, "222222222222", ("ap-northeast-2", "us-east-1"))
    send = [need for need in needs if need.actions == ("ssm:SendCommand",)]
    assert [need.resources for need in send] == [
        (CONFIG.document_arn(), "arn:aws:ec2:ap-northeast-2:222222222222:instance/*"),
        (CONFIG.document_arn(), "arn:aws:ec2:us-east-1:222222222222:instance/*"),
    ]
    regions = {value.values for need in send for value in need.context if value.name == "aws:RequestedRegion"}
    assert regions == {("ap-northeast-2",), ("us-east-1",)}
