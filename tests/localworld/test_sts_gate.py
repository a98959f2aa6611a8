"""AssumeRole is checked the way IAM checks it: role exists, trust principal, ExternalId, SourceIdentity."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from localworld.accounts import KeyInfo
from localworld.fleet import FleetSpec
from localworld.sts_gate import trust_allows
from localworld.world import World
from scanner.config import load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "cce_scan" / "examples" / "cce-scan.yaml"
CENTRAL, PROD_WEB, DEV_APP = "111111111111", "222222222222", "444444444444"
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with World.start(load_config(EXAMPLE), FleetSpec()) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_faults(world: World) -> Iterator[None]:
    world.faults.clear()
    yield
    world.faults.clear()


class RecordingSts:
    """An STS client that keeps the raw body of the last response."""

    def __init__(self, session: boto3.Session, world: World) -> None:
        self.client: Any = session.client(
            "sts", endpoint_url=world.endpoint_url, config=BotoConfig(retries={"max_attempts": 1})
        )
        self.last_body = b""
        self.last_status = 0
        self.client.meta.events.register("after-call.sts.AssumeRole", self._record)

    def _record(self, http_response: Any, **_: Any) -> None:
        self.last_body = http_response.content
        self.last_status = http_response.status_code


def _role_arn(world: World, account: str = PROD_WEB) -> str:
    return f"arn:aws:iam::{account}:role/{world.config.member_role.name}"


def _denied(call: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return caught.value


def test_worker_with_the_right_external_id_gets_member_credentials(world: World) -> None:
    sts = RecordingSts(world.central_session(), world)
    creds = sts.client.assume_role(
        RoleArn=_role_arn(world), RoleSessionName="scan-1", ExternalId=world.config.member_role.external_id
    )["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert sts.last_status == 200


def test_wrong_external_id_is_access_denied_in_sts_xml(world: World) -> None:
    sts = RecordingSts(world.central_session(), world)
    error = _denied(
        lambda: sts.client.assume_role(RoleArn=_role_arn(world), RoleSessionName="s1", ExternalId="nope")
    )
    assert "is not authorized to perform: sts:AssumeRole on resource: " + _role_arn(world) in str(error)
    root = ET.fromstring(sts.last_body)  # noqa: S314 - our own server's answer
    assert root.tag.removeprefix(STS_NS) == "ErrorResponse"
    fields = {child.tag.removeprefix(STS_NS): child.text for child in root.iter()}
    assert fields["Type"] == "Sender"
    assert fields["Code"] == "AccessDenied"
    assert fields["RequestId"]


def test_missing_external_id_is_access_denied(world: World) -> None:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    _denied(lambda: sts.assume_role(RoleArn=_role_arn(world), RoleSessionName="s1"))


def test_a_role_that_does_not_exist_is_access_denied(world: World) -> None:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    missing = f"arn:aws:iam::{PROD_WEB}:role/NoSuchRole"
    error = _denied(lambda: sts.assume_role(RoleArn=missing, RoleSessionName="s1", ExternalId="x1"))
    assert missing in str(error)


def test_a_principal_the_trust_policy_does_not_name_is_access_denied(world: World) -> None:
    # The dev account's own admin user knows the ExternalId but is not the central worker role.
    sts = world.session_for(DEV_APP).client("sts", endpoint_url=world.endpoint_url)
    error = _denied(
        lambda: sts.assume_role(
            RoleArn=_role_arn(world), RoleSessionName="s1", ExternalId=world.config.member_role.external_id
        )
    )
    assert f"User: arn:aws:iam::{DEV_APP}:user/localworld-admin is not authorized" in str(error)


def test_source_identity_needs_set_source_identity_in_the_trust_policy(world: World) -> None:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    allowed = sts.assume_role(
        RoleArn=_role_arn(world),
        RoleSessionName="s1",
        ExternalId=world.config.member_role.external_id,
        SourceIdentity="U01REQUESTER",
    )
    assert allowed["Credentials"]["AccessKeyId"].startswith("ASIA")
    iam = world.session_for(PROD_WEB).client("iam", endpoint_url=world.endpoint_url)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": world.worker_role_arn}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="NoSourceIdentity", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    error = _denied(
        lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", SourceIdentity="U01REQUESTER")
    )
    assert "sts:SetSourceIdentity" in str(error)


def test_assume_role_denied_fault_refuses_a_valid_request(world: World) -> None:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    world.faults.set_account(PROD_WEB, assume_role_denied=True)
    _denied(
        lambda: sts.assume_role(
            RoleArn=_role_arn(world), RoleSessionName="s1", ExternalId=world.config.member_role.external_id
        )
    )
    world.faults.clear_account(PROD_WEB)
    assert sts.assume_role(
        RoleArn=_role_arn(world), RoleSessionName="s1", ExternalId=world.config.member_role.external_id
    )["Credentials"]


def test_role_chaining_is_limited_to_one_hour(world: World) -> None:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    with pytest.raises(ClientError) as caught:
        sts.assume_role(
            RoleArn=_role_arn(world),
            RoleSessionName="s1",
            ExternalId=world.config.member_role.external_id,
            DurationSeconds=7200,
        )
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "1 hour session limit" in caught.value.response["Error"]["Message"]


CALLER = KeyInfo(
    access_key="ASIAEXAMPLE",
    account_id=CENTRAL,
    secret="s",
    principal_arn=f"arn:aws:sts::{CENTRAL}:assumed-role/Worker/sess",
    role_arn=f"arn:aws:iam::{CENTRAL}:role/Worker",
)


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_trust_allows_account_root_principal_and_string_like() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{CENTRAL}:root"]},
            "Action": "sts:*",
            "Condition": {"StringLike": {"sts:RoleSessionName": "cce-scan-*"}},
        }
    )
    assert trust_allows(policy, CALLER, "sts:AssumeRole", {"sts:RoleSessionName": "cce-scan-42"})
    assert not trust_allows(policy, CALLER, "sts:AssumeRole", {"sts:RoleSessionName": "other"})


def test_trust_deny_wins_over_allow() -> None:
    policy = _policy(
        {"Effect": "Allow", "Principal": {"AWS": CENTRAL}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
    )
    assert not trust_allows(policy, CALLER, "sts:AssumeRole", {})


def test_trust_condition_on_an_unknown_key_fails_closed() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": CALLER.role_arn},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
        }
    )
    assert not trust_allows(policy, CALLER, "sts:AssumeRole", {"sts:ExternalId": "x"})


def test_trust_null_condition_requires_the_key_to_be_present() -> None:
    needs_external_id = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": CALLER.role_arn},
            "Action": "sts:AssumeRole",
            "Condition": {"Null": {"sts:ExternalId": "false"}},
        }
    )
    assert trust_allows(needs_external_id, CALLER, "sts:AssumeRole", {"sts:ExternalId": "anything"})
    assert not trust_allows(needs_external_id, CALLER, "sts:AssumeRole", {"sts:ExternalId": None})


def test_trust_string_not_equals_and_unknown_operator() -> None:
    not_this_account = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}},
        }
    )
    assert trust_allows(not_this_account, CALLER, "sts:AssumeRole", {"aws:PrincipalAccount": CENTRAL})
    odd_operator = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringMatchesRegex": {"aws:PrincipalAccount": ".*"}},
        }
    )
    assert not trust_allows(odd_operator, CALLER, "sts:AssumeRole", {"aws:PrincipalAccount": CENTRAL})
