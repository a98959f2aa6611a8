"""The IAM gate in the server: real boto3 clients refused in each service's own protocol, denied calls
that never reach moto, S3's 403 for a missing key, presigned URLs judged as their signer, the log.

Most tests judge with a small evaluator of their own (allow or deny by action and resource
patterns), so they test the gate and not the policy language; the last ones run the world's own
evaluator on policies attached to roles in moto.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import boto3
import botocore.credentials
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.moto_api._internal.models import moto_api_backend

from localworld.accounts import Credentials, create_admin_key
from localworld.iam.gate import CallLog, IamGate
from localworld.iam.model import Authorization, Decision, Effect, PolicyDocument, Principal
from localworld.server import MotoServer

REGION = "ap-northeast-2"
ACCOUNT = "111111111111"
MEMBER = "222222222222"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/localworld-admin"
BUCKET = "cce-scan-results-111111111111"
ONE_TRY = Config(retries={"total_max_attempts": 1})
S3V4 = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"total_max_attempts": 1})
TRUST_ACCOUNT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@dataclass
class FakeIam:
    """An evaluator by patterns: ``deny`` wins, then ``allow`` (or everything while ``open``)."""

    open: bool = True
    allow: set[tuple[str, str]] = field(default_factory=set)
    deny: set[tuple[str, str]] = field(default_factory=set)
    bare: set[str] = field(default_factory=set)  # principals without any identity policy
    resource_policies_asked: list[str] = field(default_factory=list)

    def evaluate(
        self,
        auth: Authorization,
        _principal: Principal,
        _policies: Any,
        _resource_policy: PolicyDocument | None,
    ) -> Decision:
        def matches(rules: set[tuple[str, str]]) -> bool:
            return any(fnmatchcase(auth.action, a) and fnmatchcase(auth.resource, r) for a, r in rules)

        if matches(self.deny):
            return Decision(Effect.EXPLICIT_DENY)
        if self.open or matches(self.allow):
            return Decision(Effect.ALLOW)
        return Decision(Effect.IMPLICIT_DENY)

    def identity_policies(self, principal: Principal) -> list[PolicyDocument]:
        return [] if principal.arn in self.bare else [{"Version": "2012-10-17", "Statement": []}]

    def resource_policy(self, resource_arn: str) -> PolicyDocument | None:
        self.resource_policies_asked.append(resource_arn)
        return None

    def only(self, *rules: tuple[str, str]) -> None:
        self.open = False
        self.allow = set(rules)


@dataclass
class Setup:
    server: MotoServer
    gate: IamGate
    fake: FakeIam
    admin: boto3.Session

    def client(self, service: str, session: boto3.Session | None = None) -> Any:
        config = S3V4 if service == "s3" else ONE_TRY
        chosen: Any = session or self.admin
        return chosen.client(service, endpoint_url=self.server.endpoint_url, config=config)


@pytest.fixture
def setup() -> Iterator[Setup]:
    moto_api_backend.reset()
    fake = FakeIam()
    gate = IamGate(
        evaluate=fake.evaluate, identity_policies=fake.identity_policies, resource_policy=fake.resource_policy
    )
    with MotoServer(iam=gate) as server:
        yield Setup(server, gate, fake, create_admin_key(ACCOUNT).session(REGION))
    gate.calls.close()
    moto_api_backend.reset()


def _refused(call: Any, code: str, status: int) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    response: Any = caught.value.response
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    return dict(response)


def _implicit(action: str, resource: str | None = None, who: str = ADMIN) -> str:
    where = f" on resource: {resource}" if resource else ""
    return f"User: {who} is not authorized to perform: {action}{where} because no identity-based policy allows the {action} action"


def _assume(
    setup: Setup, role_arn: str, session: boto3.Session | None = None, **params: Any
) -> boto3.Session:
    creds = setup.client("sts", session).assume_role(RoleArn=role_arn, RoleSessionName="fn", **params)[
        "Credentials"
    ]
    return Credentials(
        access_key_id=creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
    ).session(REGION)


# --- refusals in each protocol -----------------------------------------------------------------


def test_dynamodb_refusal_is_access_denied_exception_and_the_write_never_reaches_moto(setup: Setup) -> None:
    dynamodb = setup.client("dynamodb")
    dynamodb.create_table(
        TableName="cce-scan-state",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/cce-scan-state"
    setup.fake.only(("dynamodb:GetItem", table))
    response = _refused(
        lambda: dynamodb.put_item(TableName="cce-scan-state", Item={"pk": {"S": "scan#1"}}),
        "AccessDeniedException",
        400,
    )
    assert response["Error"]["Message"] == _implicit("dynamodb:PutItem", table)
    assert "Item" not in dynamodb.get_item(TableName="cce-scan-state", Key={"pk": {"S": "scan#1"}})
    setup.fake.open = True
    assert dynamodb.scan(TableName="cce-scan-state")["Count"] == 0


def test_an_explicit_deny_is_named_as_such(setup: Setup) -> None:
    dynamodb = setup.client("dynamodb")
    setup.fake.deny = {("dynamodb:ListTables", "*")}
    response = _refused(dynamodb.list_tables, "AccessDeniedException", 400)
    assert response["Error"]["Message"] == (
        f"User: {ADMIN} is not authorized to perform: dynamodb:ListTables with an explicit deny in an identity-based policy"
    )


def test_sqs_json_refusal_reads_as_access_denied_and_the_message_is_not_sent(setup: Setup) -> None:
    sqs = setup.client("sqs")
    url = sqs.create_queue(QueueName="cce-scan-events")["QueueUrl"]
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:cce-scan-events"
    setup.fake.only(("sqs:ReceiveMessage", queue))
    response = _refused(
        lambda: sqs.send_message(QueueUrl=url, MessageBody="scan.started"), "AccessDenied", 403
    )
    assert response["Error"]["Message"] == _implicit("sqs:sendmessage", queue)
    assert response["Error"]["Type"] == "Sender"
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
    batch = [{"Id": "1", "MessageBody": "x"}]
    _refused(lambda: sqs.send_message_batch(QueueUrl=url, Entries=batch), "AccessDenied", 403)
    assert queue in setup.fake.resource_policies_asked  # the queue's own policy is read too


def test_sqs_query_protocol_refusal_is_an_error_response(setup: Setup) -> None:
    url = setup.client("sqs").create_queue(QueueName="q1")["QueueUrl"]
    setup.fake.only()
    admin: Any = setup.admin.get_credentials()
    key = admin.get_frozen_credentials()
    request = AWSRequest(
        method="POST",
        url=setup.server.endpoint_url + "/",
        data=f"Action=SendMessage&QueueUrl={url}&MessageBody=x&Version=2012-11-05".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(botocore.credentials.Credentials(key.access_key, key.secret_key), "sqs", REGION).add_auth(
        request
    )
    prepared = request.prepare()
    body = prepared.body
    assert isinstance(body, bytes)
    sent = urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers), method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(sent, timeout=10)
    assert caught.value.code == 403
    root = ET.fromstring(caught.value.read())  # noqa: S314 - our own server's answer
    namespace = "{http://queue.amazonaws.com/doc/2012-11-05/}"
    error = {child.tag.removeprefix(namespace): child.text for child in root.find(f"{namespace}Error") or []}
    assert error == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": _implicit("sqs:sendmessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q1"),
    }


def test_json_services_answer_access_denied_exception(setup: Setup) -> None:
    ssm, secrets = setup.client("ssm"), setup.client("secretsmanager")
    ssm.put_parameter(Name="/cce-scan/config", Value="{}", Type="String")
    arn = secrets.create_secret(Name="cce-scan/slack", SecretString="{}")["ARN"]
    setup.client("organizations").create_organization(FeatureSet="ALL")
    setup.fake.only()
    parameter = _refused(lambda: ssm.get_parameter(Name="/cce-scan/config"), "AccessDeniedException", 400)
    assert parameter["Error"]["Message"] == _implicit(
        "ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/cce-scan/config"
    )
    nodes = _refused(ssm.describe_instance_information, "AccessDeniedException", 400)
    assert nodes["Error"]["Message"] == _implicit(
        "ssm:DescribeInstanceInformation", f"arn:aws:ssm:{REGION}:{ACCOUNT}:*"
    )
    secret = _refused(
        lambda: secrets.get_secret_value(SecretId="cce-scan/slack"), "AccessDeniedException", 400
    )
    assert secret["Error"]["Message"] == _implicit("secretsmanager:GetSecretValue", arn)
    roots = _refused(setup.client("organizations").list_roots, "AccessDeniedException", 400)
    assert roots["Error"]["Message"] == _implicit("organizations:ListRoots")


def test_s3_refusal_is_access_denied_xml_and_the_object_is_not_written(setup: Setup) -> None:
    s3 = setup.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    setup.fake.only(("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"), ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}"))
    response = _refused(
        lambda: s3.put_object(Bucket=BUCKET, Key="results/x.tar", Body=b"x"), "AccessDenied", 403
    )
    assert response["Error"]["Message"] == _implicit("s3:PutObject", f'"arn:aws:s3:::{BUCKET}/results/x.tar"')
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    head = _refused(lambda: s3.head_bucket(Bucket="other-bucket"), "403", 403)
    assert head["Error"]["Message"] == "Forbidden"  # a HEAD answer has no body


def test_sts_ec2_and_iam_refusals(setup: Setup) -> None:
    iam = setup.client("iam")
    role = iam.create_role(RoleName="Trusted", AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]["Arn"]
    setup.fake.only()
    # The trust policy admits the caller; its own identity policies do not allow sts:AssumeRole.
    assume = _refused(lambda: _assume(setup, role), "AccessDenied", 403)
    assert assume["Error"]["Message"] == _implicit("sts:AssumeRole", role)
    instances = _refused(setup.client("ec2").describe_instances, "UnauthorizedOperation", 403)
    assert instances["Error"]["Message"] == (
        "You are not authorized to perform this operation. " + _implicit("ec2:DescribeInstances")
    )
    created = _refused(
        lambda: iam.create_role(RoleName="Other", AssumeRolePolicyDocument=TRUST_ACCOUNT), "AccessDenied", 403
    )
    assert created["Error"]["Message"] == _implicit("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/Other")


def test_get_caller_identity_needs_no_permission_and_is_not_logged(setup: Setup) -> None:
    setup.fake.only()
    assert setup.client("sts").get_caller_identity()["Arn"] == ADMIN
    assert setup.gate.calls.entries() == []


# --- S3: a missing key is 403 without s3:ListBucket --------------------------------------------


def test_a_missing_key_is_403_without_list_bucket_and_404_with_it(setup: Setup) -> None:
    s3 = setup.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="results/here.tar", Body=b"tar")
    setup.fake.only(("s3:GetObject", f"arn:aws:s3:::{BUCKET}/results/*"))
    assert s3.get_object(Bucket=BUCKET, Key="results/here.tar")["Body"].read() == b"tar"
    missing = _refused(lambda: s3.get_object(Bucket=BUCKET, Key="results/gone.tar"), "AccessDenied", 403)
    assert missing["Error"]["Message"] == _implicit("s3:ListBucket", f'"arn:aws:s3:::{BUCKET}"')
    _refused(lambda: s3.head_object(Bucket=BUCKET, Key="results/gone.tar"), "403", 403)
    listed = [e for e in setup.gate.calls.entries() if e.get("because") == "NoSuchKey"]
    assert [(e["action"], e["resource"], e["allowed"]) for e in listed] == [
        ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}", False)
    ] * 2
    setup.fake.allow.add(("s3:ListBucket", f"arn:aws:s3:::{BUCKET}"))
    _refused(lambda: s3.get_object(Bucket=BUCKET, Key="results/gone.tar"), "NoSuchKey", 404)
    _refused(lambda: s3.head_object(Bucket=BUCKET, Key="results/gone.tar"), "404", 404)


# --- presigned URLs ----------------------------------------------------------------------------


def _fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def test_presigned_urls_are_judged_as_their_signer(setup: Setup) -> None:
    s3, iam = setup.client("s3"), setup.client("iam")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="bundles/abc/script.tar", Body=b"bundle")
    worker_role = iam.create_role(RoleName="Worker", AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]["Arn"]
    setup.gate.name_role(worker_role, "cce-scan-worker")
    worker = setup.client("s3", _assume(setup, worker_role))
    setup.fake.only(("s3:GetObject", f"arn:aws:s3:::{BUCKET}/bundles/*"))
    setup.gate.calls.clear()

    get = worker.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}
    )
    assert _fetch(get) == (200, b"bundle")
    put = worker.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "results/s/a/i.tar"})
    status, body = _fetch(put, "PUT", b"result")
    assert status == 403
    root = ET.fromstring(body)  # noqa: S314 - our own server's answer
    assert root.findtext("Code") == "AccessDenied"
    assert "s3:PutObject" in (root.findtext("Message") or "")
    missing = worker.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/none.tar"}
    )
    assert _fetch(missing)[0] == 403
    entries = setup.gate.calls.entries()
    setup.fake.open = True
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="results/").get("KeyCount") == 0
    assert [(e["action"], e["allowed"], e.get("via"), e["function"]) for e in entries] == [
        ("s3:GetObject", True, "presigned", "cce-scan-worker"),
        ("s3:PutObject", False, "presigned", "cce-scan-worker"),
        ("s3:GetObject", True, "presigned", "cce-scan-worker"),
        ("s3:ListBucket", False, "presigned", "cce-scan-worker"),
    ]
    assert {e["role"] for e in entries} == {worker_role}


# --- who calls, and the call log ---------------------------------------------------------------


def test_the_call_log_names_the_function_of_each_call(setup: Setup, tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    setup.gate.calls.open(log)
    iam = setup.client("iam")
    worker_role = iam.create_role(RoleName="Worker", AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]["Arn"]
    signer_role = iam.create_role(RoleName="Signer", AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]["Arn"]
    member_iam = setup.client("iam", create_admin_key(MEMBER).session(REGION))
    member_role = member_iam.create_role(RoleName="Member", AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"][
        "Arn"
    ]
    setup.gate.name_role(worker_role, "cce-scan-worker")
    worker = _assume(setup, worker_role)
    member = _assume(setup, member_role, worker)  # the worker entering a member account
    signer = _assume(setup, signer_role)  # a role no function is named for, entered by setup
    setup.gate.calls.clear()

    setup.client("sqs", worker).list_queues()
    setup.client("sqs", member).list_queues()
    setup.client("sqs", signer).list_queues()
    setup.client("sqs").list_queues()

    entries = setup.gate.calls.entries()
    assert entries == [
        {
            "function": function,
            "role": role,
            "service": "sqs",
            "action": "sqs:ListQueues",
            "resource": "*",
            "allowed": True,
        }
        for function, role in [
            ("cce-scan-worker", worker_role),
            ("cce-scan-worker", member_role),
            ("setup", signer_role),
            ("setup", ADMIN),
        ]
    ]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[-4:] == entries
    assert any(line["action"] == "sts:AssumeRole" and line["role"] == worker_role for line in lines)


def test_one_log_line_per_authorization(setup: Setup) -> None:
    s3 = setup.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    setup.fake.only(("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/findings/*"))
    setup.gate.calls.clear()
    _refused(
        lambda: s3.delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": "findings/a.json"}, {"Key": "reports/b.csv"}]}
        ),
        "AccessDenied",
        403,
    )
    assert [(e["resource"], e["allowed"]) for e in setup.gate.calls.entries()] == [
        (f"arn:aws:s3:::{BUCKET}/findings/a.json", True),
        (f"arn:aws:s3:::{BUCKET}/reports/b.csv", False),
    ]


def test_principals_without_policies_are_denied_unless_the_gate_is_told_otherwise(setup: Setup) -> None:
    setup.fake.bare.add(ADMIN)
    setup.fake.only()
    setup.gate.calls.clear()
    _refused(setup.client("sqs").list_queues, "AccessDenied", 403)
    setup.gate.enforce = False
    setup.client("sqs").list_queues()
    assert [(e["allowed"], e.get("enforced")) for e in setup.gate.calls.entries()] == [
        (False, None),
        (True, False),
    ]


def test_a_call_log_without_memory_still_writes_its_file(tmp_path: Path) -> None:
    calls = CallLog(keep=False)
    calls.open(tmp_path / "a.jsonl")
    calls.record({"function": "f", "allowed": True})
    calls.open(tmp_path / "b.jsonl")
    calls.record({"function": "g", "allowed": False})
    calls.close()
    assert calls.entries() == []
    assert (tmp_path / "a.jsonl").read_text() == '{"function":"f","allowed":true}\n'
    assert (tmp_path / "b.jsonl").read_text() == '{"function":"g","allowed":false}\n'


# --- the world's own evaluator on policies in moto ---------------------------------------------


def _role_with(setup: Setup, name: str, *statements: dict[str, Any]) -> str:
    iam = setup.client("iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]["Arn"])
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    iam.put_role_policy(
        RoleName=name, PolicyName=f"{name}-least-privilege", PolicyDocument=json.dumps(policy)
    )
    return arn


@pytest.fixture
def real() -> Iterator[Setup]:
    """The server with the world's evaluator and principals; the setup user administers its account."""
    moto_api_backend.reset()
    gate = IamGate(enforce=False)
    with MotoServer(iam=gate) as server:
        yield Setup(server, gate, FakeIam(), create_admin_key(ACCOUNT).session(REGION))
    moto_api_backend.reset()


def test_with_the_world_evaluator_a_role_without_list_bucket_reads_a_missing_key_as_403(real: Setup) -> None:
    s3 = real.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="reports/s/summary.csv", Body=b"csv")
    reports = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/reports/*"}
    listing = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}"}
    notifier = real.client("s3", _assume(real, _role_with(real, "Notifier", reports, listing)))
    analyzer_session = _assume(real, _role_with(real, "Analyzer", reports))
    analyzer = real.client("s3", analyzer_session)

    _refused(lambda: notifier.get_object(Bucket=BUCKET, Key="reports/s/missing.csv"), "NoSuchKey", 404)
    assert analyzer.get_object(Bucket=BUCKET, Key="reports/s/summary.csv")["Body"].read() == b"csv"
    caller = real.client("sts", analyzer_session).get_caller_identity()["Arn"]
    missing = _refused(
        lambda: analyzer.get_object(Bucket=BUCKET, Key="reports/s/missing.csv"), "AccessDenied", 403
    )
    assert missing["Error"]["Message"] == _implicit("s3:ListBucket", f'"arn:aws:s3:::{BUCKET}"', who=caller)
    outside = _refused(lambda: analyzer.get_object(Bucket=BUCKET, Key="results/x.tar"), "AccessDenied", 403)
    assert outside["Error"]["Message"] == _implicit(
        "s3:GetObject", f'"arn:aws:s3:::{BUCKET}/results/x.tar"', who=caller
    )


def test_with_the_world_evaluator_the_setup_user_administers_its_account(real: Setup) -> None:
    real.client("sqs").list_queues()
    last = real.gate.calls.entries()[-1]
    assert last["function"] == "setup"
    assert last["allowed"] is True
    assert "enforced" not in last


def test_with_the_world_evaluator_a_user_without_policies_passes_only_when_not_enforced(
    real: Setup,
) -> None:
    iam = real.client("iam")
    iam.create_user(UserName="bare")
    key = iam.create_access_key(UserName="bare")["AccessKey"]
    bare = boto3.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name=REGION
    )
    real.client("sqs", bare).list_queues()
    assert real.gate.calls.entries()[-1]["enforced"] is False
    real.gate.enforce = True
    _refused(real.client("sqs", bare).list_queues, "AccessDenied", 403)
