"""The world's Security Hub: the IAM gate judges ``BatchImportFindings`` on each product ARN it
names, and the world refuses, as Security Hub does (``AccessDeniedException`` for the whole call), a
finding of another account or under another region's product ARN (localworld/securityhub.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from bench.securityhub import EXTERNAL_ID, IMPORTER_ROLE, OPERATOR_ROLE, fleet_config, install_importers
from localworld.fleet import FleetSpec
from localworld.iam.model import Principal
from localworld.iam.requests import WireRequest, authorizations
from localworld.securityhub import default_product_arn, refusal, refused_product
from localworld.world import World
from scanner.findings import ResultKey, asff_batches
from scanner.findings.analysis import analyze_tar
from tests.findings.tarbuilder import INSTANCE, build_tar, statuses, valid_files

HOME, ELSEWHERE = "ap-northeast-2", "us-east-1"


def asff(account: str, region: str, count: int = 3) -> list[dict[str, Any]]:
    """``count`` ASFF findings of a host in ``account`` and ``region``."""
    key = ResultKey("20261207T000000-t", account, INSTANCE)
    findings = analyze_tar(build_tar(valid_files(statuses(["U-01"]))), key).findings
    (batch, *_) = asff_batches([f._replace(region=region) for f in findings[:count]], default_region=region)
    return batch


def wire(account: str, region: str, findings: list[dict[str, Any]]) -> WireRequest:
    principal = Principal(arn=f"arn:aws:sts::{account}:assumed-role/importer/s", account_id=account)
    return WireRequest(
        service="securityhub",
        region=region,
        principal=principal,
        method="POST",
        path="/findings/import",
        body=json.dumps({"Findings": findings}).encode(),
    )


def test_batch_import_findings_needs_the_action_on_each_product_arn_it_names() -> None:
    own, other = "200000000001", "200000000002"
    request = wire(own, HOME, asff(own, HOME) + asff(other, HOME) + asff(own, ELSEWHERE))
    needed = [(a.action, a.resource) for a in authorizations(request)]
    assert needed == [
        ("securityhub:BatchImportFindings", default_product_arn("aws", HOME, own)),
        ("securityhub:BatchImportFindings", default_product_arn("aws", HOME, other)),
        ("securityhub:BatchImportFindings", default_product_arn("aws", ELSEWHERE, own)),
    ]


def test_get_findings_needs_the_action_on_the_callers_hub() -> None:
    request = WireRequest(
        service="securityhub",
        region=HOME,
        principal=Principal(arn="arn:aws:iam::200000000001:user/u", account_id="200000000001"),
        method="POST",
        path="/findings",
        body=b"{}",
    )
    assert [(a.action, a.resource) for a in authorizations(request)] == [
        ("securityhub:GetFindings", f"arn:aws:securityhub:{HOME}:200000000001:hub/default")
    ]


def test_the_rule_takes_only_the_callers_own_default_product_in_the_endpoints_region() -> None:
    own, other = "200000000001", "200000000002"
    assert refused_product(asff(own, HOME), own, HOME) is None
    assert refused_product(asff(other, HOME), own, HOME) == default_product_arn("aws", HOME, other)
    assert refused_product(asff(own, ELSEWHERE), own, HOME) == default_product_arn("aws", ELSEWHERE, own)
    # AwsAccountId of another account under the caller's own product ARN: refused too.
    forged = [{**f, "AwsAccountId": other} for f in asff(own, HOME)]
    assert refused_product(forged, own, HOME) == default_product_arn("aws", HOME, own)
    partner = [
        {**f, "ProductArn": f"arn:aws:securityhub:{HOME}::product/acme/scanner"} for f in asff(own, HOME)
    ]
    assert refused_product(partner, own, HOME) == f"arn:aws:securityhub:{HOME}::product/acme/scanner"


def test_the_refusal_is_access_denied_for_the_whole_call_naming_the_product() -> None:
    own, other = "200000000001", "200000000002"
    answer = refusal(wire(own, HOME, asff(own, HOME) + asff(other, HOME)))
    assert answer is not None
    assert answer.status == "403 Forbidden"
    assert ("x-amzn-ErrorType", "AccessDeniedException") in answer.headers
    body = json.loads(answer.body)
    assert body["Message"] == (
        f"User: arn:aws:sts::{own}:assumed-role/importer/s is not authorized to perform: "
        f"securityhub:BatchImportFindings on resource: {default_product_arn('aws', HOME, other)}"
    )
    assert refusal(wire(own, HOME, asff(own, HOME))) is None


# --- in the world: the importer roles, the gate and the rule ------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    config = fleet_config(2, (HOME, ELSEWHERE))
    with World.start(config, FleetSpec(), base_dir=tmp_path_factory.mktemp("world")) as running:
        yield running


@pytest.fixture(scope="module")
def operator(world: World) -> dict[str, str]:
    return install_importers(world)


WIDE_ROLE = "wide-importer"


@pytest.fixture(scope="module")
def wide(world: World, operator: dict[str, str]) -> str:
    """A role of the first account whose policy allows ``BatchImportFindings`` on every product, so
    that what refuses a finding is Security Hub's rule, not IAM."""
    account = world.config.accounts[0].id
    iam: Any = world.session_for(account).client("iam", endpoint_url=world.endpoint_url)
    operator_arn = f"arn:aws:iam::{world.config.central.account_id}:role/{OPERATOR_ROLE}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": operator_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
            }
        ],
    }
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "securityhub:BatchImportFindings", "Resource": "*"}],
    }
    iam.create_role(RoleName=WIDE_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=WIDE_ROLE, PolicyName="all", PolicyDocument=json.dumps(everything))
    central: Any = world.session_for(world.config.central.account_id).client(
        "iam", endpoint_url=world.endpoint_url
    )
    assume = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{account}:role/{WIDE_ROLE}",
            }
        ],
    }
    central.put_role_policy(
        RoleName=OPERATOR_ROLE, PolicyName="assume-wide", PolicyDocument=json.dumps(assume)
    )
    return account


def importer(
    world: World, operator: dict[str, str], account: str, region: str, role: str = IMPORTER_ROLE
) -> Any:
    """A Security Hub client of ``account``'s importer role (or ``role``) in ``region``."""
    sts: Any = boto3.client(
        "sts",
        region_name=region,
        endpoint_url=world.endpoint_url,
        aws_access_key_id=operator["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=operator["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=operator["AWS_SESSION_TOKEN"],
    )
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="test", ExternalId=EXTERNAL_ID
    )["Credentials"]
    return boto3.client(
        "securityhub",
        region_name=region,
        endpoint_url=world.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def stored(world: World, account: str, region: str) -> list[str]:
    hub: Any = world.session_for(account).client(
        "securityhub", region_name=region, endpoint_url=world.endpoint_url
    )
    return [f["Id"] for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]


def test_an_importer_imports_its_own_accounts_findings_in_each_region(
    world: World, operator: dict[str, str]
) -> None:
    own = world.config.accounts[0].id
    for region in (HOME, ELSEWHERE):
        batch = asff(own, region, 5)
        response = importer(world, operator, own, region).batch_import_findings(Findings=batch)
        assert (response["SuccessCount"], response["FailedCount"], response["FailedFindings"]) == (5, 0, [])
        assert set(stored(world, own, region)) >= {f["Id"] for f in batch}


def test_a_finding_of_another_account_is_refused_for_the_whole_call(
    world: World, operator: dict[str, str], wide: str
) -> None:
    own, other = wide, world.config.accounts[1].id
    before = {account: stored(world, account, HOME) for account in (own, other)}
    mine = [{**f, "Id": f"{f['Id']}-mixed"} for f in asff(own, HOME, 2)]
    with pytest.raises(ClientError) as caught:
        importer(world, operator, own, HOME, WIDE_ROLE).batch_import_findings(
            Findings=mine + asff(other, HOME, 2)
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Message"] == (
        f"User: arn:aws:sts::{own}:assumed-role/{WIDE_ROLE}/test is not authorized to perform: "
        f"securityhub:BatchImportFindings on resource: {default_product_arn('aws', HOME, other)}"
    )
    assert {account: stored(world, account, HOME) for account in (own, other)} == before  # nothing taken
    allowed = [c for c in world.calls.entries() if c["action"] == "securityhub:BatchImportFindings"][-2:]
    assert [c["allowed"] for c in allowed] == [True, True]  # IAM allowed both products: the rule refused


def test_a_finding_under_another_regions_product_is_refused(
    world: World, operator: dict[str, str], wide: str
) -> None:
    before = stored(world, wide, HOME)
    with pytest.raises(ClientError) as caught:
        importer(world, operator, wide, HOME, WIDE_ROLE).batch_import_findings(
            Findings=asff(wide, ELSEWHERE, 2)
        )
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert caught.value.response["Error"]["Message"].endswith(
        f"on resource: {default_product_arn('aws', ELSEWHERE, wide)}"
    )
    assert stored(world, wide, HOME) == before


def test_the_importer_policy_refuses_another_accounts_product_before_the_rule(
    world: World, operator: dict[str, str]
) -> None:
    own, other = world.config.accounts[0].id, world.config.accounts[1].id
    with pytest.raises(ClientError) as caught:
        importer(world, operator, own, HOME).batch_import_findings(Findings=asff(other, HOME, 1))
    message = caught.value.response["Error"]["Message"]
    assert (
        f"on resource: {default_product_arn('aws', HOME, other)} because no identity-based policy" in message
    )


def test_the_gate_refuses_a_product_the_importer_policy_does_not_name(
    world: World, operator: dict[str, str]
) -> None:
    own = world.config.accounts[0].id
    outside = "eu-west-1"  # the account's own product, in a region its importer role does not list
    with pytest.raises(ClientError) as caught:
        importer(world, operator, own, outside).batch_import_findings(Findings=asff(own, outside, 1))
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert (
        "because no identity-based policy allows the securityhub:BatchImportFindings action"
        in error["Message"]
    )
    denied = [c for c in world.calls.entries() if not c["allowed"]]
    assert denied[-1]["resource"] == default_product_arn("aws", outside, own)


def test_the_operator_cannot_import_directly(world: World, operator: dict[str, str]) -> None:
    central = world.config.central.account_id
    hub: Any = boto3.client(
        "securityhub",
        region_name=HOME,
        endpoint_url=world.endpoint_url,
        aws_access_key_id=operator["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=operator["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=operator["AWS_SESSION_TOKEN"],
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        hub.batch_import_findings(Findings=asff(central, HOME, 1))
