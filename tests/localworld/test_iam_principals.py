"""The policies that apply to a call are read from moto as it holds them: a role session's role
policies, a user's own and its groups' policies, and the resource policies of buckets, queues and
secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localworld.accounts import KeyInfo, lookup_key
from localworld.iam.model import Principal
from localworld.iam.principals import identity_policies, principal_for, resource_policy

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"  # moto's default account


def document(sid: str, action: str, resource: str = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}],
    }


LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def session_key(role_arn: str) -> KeyInfo:
    creds = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="worker")["Credentials"]
    key = lookup_key(creds["AccessKeyId"])
    assert key is not None
    return key


def test_a_role_session_has_its_roles_inline_and_attached_policies(aws: None) -> None:
    iam = client("iam")
    role = iam.create_role(RoleName="cce-scan-worker", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))[
        "Role"
    ]
    iam.put_role_policy(
        RoleName="cce-scan-worker",
        PolicyName="inline",
        PolicyDocument=json.dumps(document("Inline", "sqs:*")),
    )
    managed = iam.create_policy(
        PolicyName="managed", PolicyDocument=json.dumps(document("V1", "s3:GetObject"))
    )
    iam.create_policy_version(
        PolicyArn=managed["Policy"]["Arn"],
        PolicyDocument=json.dumps(document("V2", "s3:PutObject")),
        SetAsDefault=True,
    )
    iam.attach_role_policy(RoleName="cce-scan-worker", PolicyArn=managed["Policy"]["Arn"])

    principal = principal_for(session_key(role["Arn"]))

    assert principal.role_arn == role["Arn"]
    assert principal.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/cce-scan-worker/worker"
    assert principal.user_name is None
    assert identity_policies(principal) == [document("Inline", "sqs:*"), document("V2", "s3:PutObject")]


def test_a_user_has_its_own_and_its_groups_policies(aws: None) -> None:
    iam = client("iam")
    user = iam.create_user(UserName="operator")["User"]
    iam.put_user_policy(
        UserName="operator", PolicyName="own", PolicyDocument=json.dumps(document("Own", "ssm:*"))
    )
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="operator")
    iam.put_group_policy(
        GroupName="readers", PolicyName="read", PolicyDocument=json.dumps(document("Group", "s3:Get*"))
    )
    iam.create_group(GroupName="others")
    iam.put_group_policy(
        GroupName="others", PolicyName="x", PolicyDocument=json.dumps(document("Not", "iam:*"))
    )
    key = iam.create_access_key(UserName="operator")["AccessKey"]

    found = lookup_key(key["AccessKeyId"])
    assert found is not None
    principal = principal_for(found)

    assert principal == Principal(arn=user["Arn"], account_id=ACCOUNT, user_name="operator")
    assert identity_policies(principal) == [document("Own", "ssm:*"), document("Group", "s3:Get*")]


def test_a_principal_moto_does_not_know_has_no_policies(aws: None) -> None:
    gone = Principal(
        arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/Gone/s",
        account_id=ACCOUNT,
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/Gone",
    )
    assert identity_policies(gone) == []
    assert (
        identity_policies(Principal(arn="arn:aws:iam::999999999999:user/x", account_id="999999999999")) == []
    )


def test_a_bucket_policy_applies_to_the_bucket_and_its_objects(aws: None) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": REGION})
    assert resource_policy("arn:aws:s3:::results") is None
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyRequestsWithoutTls",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::results", "arn:aws:s3:::results/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket="results", Policy=json.dumps(bucket_policy))

    assert resource_policy("arn:aws:s3:::results") == bucket_policy
    assert resource_policy("arn:aws:s3:::results/bundles/abc/script.tar") == bucket_policy
    assert resource_policy("arn:aws:s3:::no-such-bucket/key") is None


def test_a_queue_policy_is_its_policy_attribute(aws: None) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="cce-scan-jobs")["QueueUrl"]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:cce-scan-jobs"
    assert resource_policy(arn) is None
    queue_policy = document("Q", "sqs:SendMessage", arn)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(queue_policy)})

    assert resource_policy(arn) == queue_policy
    assert resource_policy(f"arn:aws:sqs:{REGION}:{ACCOUNT}:cce-scan-events") is None
    assert resource_policy(f"arn:aws:sqs:us-east-1:{ACCOUNT}:cce-scan-jobs") is None


def test_a_secret_has_its_resource_policy_once_one_is_put(aws: None) -> None:
    secrets = client("secretsmanager")
    arn = secrets.create_secret(Name="cce-scan/slack", SecretString="{}")["ARN"]
    assert resource_policy(arn) is None
    secret_policy = document("S", "secretsmanager:GetSecretValue")
    secrets.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(secret_policy))

    assert resource_policy(arn) == secret_policy


def test_other_resources_have_no_resource_policy_here(aws: None) -> None:
    assert resource_policy(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/cce-scan-state") is None
    assert resource_policy("*") is None
    assert resource_policy("not an arn") is None
