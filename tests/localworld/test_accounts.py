"""Accounts of the local world: AssumeRole lands in the target account, and accounts are isolated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from localworld.fleet import FleetSpec
from localworld.world import World
from scanner.config import Config, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "cce_scan" / "examples" / "cce-scan.yaml"
CENTRAL, PROD_WEB, PROD_DB, DEV_APP = "111111111111", "222222222222", "333333333333", "444444444444"
ONE_TRY = BotoConfig(retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE)


@pytest.fixture(scope="module")
def world(config: Config) -> Iterator[World]:
    with World.start(config, FleetSpec()) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_faults(world: World) -> Iterator[None]:
    world.faults.clear()
    yield
    world.faults.clear()


def _client(session: boto3.Session, world: World, service: str) -> Any:
    return session.client(service, endpoint_url=world.endpoint_url, config=ONE_TRY)  # type: ignore[call-overload]


def _member_session(
    world: World, account: str, external_id: str | None = None, **extra: Any
) -> boto3.Session:
    sts = _client(world.central_session(), world, "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{world.config.member_role.name}",
        RoleSessionName="cce-scan-test",
        ExternalId=external_id or world.config.member_role.external_id,
        **extra,
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=world.region,
    )


def test_central_session_is_the_worker_role_with_temporary_credentials(world: World) -> None:
    session = world.central_session()
    identity = _client(session, world, "sts").get_caller_identity()
    assert identity["Account"] == CENTRAL
    assert identity["Arn"].startswith(f"arn:aws:sts::{CENTRAL}:assumed-role/cce-scan-worker-ap-northeast-2/")
    credentials = session.get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    assert frozen.token
    creds = world.worker_credentials()
    assert creds.expiration is not None
    remaining = (creds.expiration - datetime.now(UTC)).total_seconds()
    assert 3000 < remaining <= 3600


def test_assume_role_credentials_land_in_the_target_account(world: World) -> None:
    for account in (PROD_WEB, PROD_DB, DEV_APP):
        identity = _client(_member_session(world, account), world, "sts").get_caller_identity()
        assert identity["Account"] == account
        assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/CceScanMemberRole/cce-scan-test"


def test_an_account_never_sees_another_accounts_buckets(world: World) -> None:
    web = _client(_member_session(world, PROD_WEB), world, "s3")
    web.create_bucket(
        Bucket="only-in-prod-web", CreateBucketConfiguration={"LocationConstraint": world.region}
    )
    db = _client(_member_session(world, PROD_DB), world, "s3")
    assert "only-in-prod-web" in [b["Name"] for b in web.list_buckets()["Buckets"]]
    assert "only-in-prod-web" not in [b["Name"] for b in db.list_buckets()["Buckets"]]


def test_an_account_never_sees_another_accounts_parameters_or_tables(world: World) -> None:
    web = _member_session(world, PROD_WEB)
    dev = _member_session(world, DEV_APP)
    _client(web, world, "ssm").put_parameter(Name="/cce/secret", Value="web", Type="String")
    with pytest.raises(ClientError) as missing:
        _client(dev, world, "ssm").get_parameter(Name="/cce/secret")
    assert missing.value.response["Error"]["Code"] == "ParameterNotFound"
    _client(web, world, "dynamodb").create_table(
        TableName="scans",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert _client(web, world, "dynamodb").list_tables()["TableNames"] == ["scans"]
    assert _client(dev, world, "dynamodb").list_tables()["TableNames"] == []


def test_an_account_never_sees_another_accounts_queues(world: World) -> None:
    web = _client(_member_session(world, PROD_WEB), world, "sqs")
    dev = _client(_member_session(world, DEV_APP), world, "sqs")
    web.create_queue(QueueName="jobs")
    assert len(web.list_queues().get("QueueUrls", [])) == 1
    assert dev.list_queues().get("QueueUrls", []) == []


def test_organization_has_an_ou_per_group_holding_its_accounts(world: World) -> None:
    org = _client(world.session_for(CENTRAL), world, "organizations")
    accounts = {a["Id"]: a["Name"] for a in org.list_accounts()["Accounts"]}
    assert accounts == {CENTRAL: "master", PROD_WEB: "prod-web", PROD_DB: "prod-db", DEV_APP: "dev-app"}
    root = org.list_roots()["Roots"][0]["Id"]
    members = {
        ou["Name"]: sorted(a["Id"] for a in org.list_accounts_for_parent(ParentId=ou["Id"])["Accounts"])
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    }
    assert members == {"prod": [PROD_WEB, PROD_DB], "dev": [DEV_APP]}


def test_member_role_trusts_only_the_worker_role_with_the_external_id(world: World) -> None:
    iam = _client(world.session_for(PROD_WEB), world, "iam")
    trust = iam.get_role(RoleName="CceScanMemberRole")["Role"]["AssumeRolePolicyDocument"]
    document = trust if isinstance(trust, dict) else json.loads(trust)
    statement = document["Statement"][0]
    assert statement["Principal"] == {"AWS": world.worker_role_arn}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": world.config.member_role.external_id}
    }


def test_session_for_an_unknown_account_is_an_error(world: World) -> None:
    with pytest.raises(Exception, match="not part of this world"):
        world.session_for("999999999999")
