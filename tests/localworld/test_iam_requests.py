"""A request on the wire → the authorizations IAM needs, for requests botocore really sends.

Each test lets a real botocore client build and sign its request, stops it before it is sent, and
maps the request as the server receives it (a WSGI environ and its body).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.config import Config

from localworld.iam.model import Authorization, Principal
from localworld.iam.requests import Lookups, Organization, WireRequest, authorizations, from_environ

REGION = "ap-northeast-2"
ACCOUNT = "111111111111"
MEMBER = "222222222222"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/cce-scan-worker-{REGION}"
SESSION = Principal(
    f"arn:aws:sts::{ACCOUNT}:assumed-role/cce-scan-worker-{REGION}/fn", ACCOUNT, role_arn=ROLE
)
USER = Principal(f"arn:aws:iam::{ACCOUNT}:user/localworld-admin", ACCOUNT, user_name="localworld-admin")
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
QUEUE_URL = f"http://127.0.0.1:5000/{ACCOUNT}/cce-scan-jobs"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:cce-scan-jobs"
BUCKET = "cce-scan-results"
ORG = Organization("o-abc123def4", ACCOUNT)
LOOKUPS = Lookups(
    organization=lambda account: ORG if account in (ACCOUNT, MEMBER) else None,
    secret_arn=lambda account, region, secret_id: (
        f"arn:aws:secretsmanager:{region}:{account}:secret:cce-scan/slack-AbCdEf"
        if secret_id in ("cce-scan/slack", f"arn:aws:secretsmanager:{region}:{account}:secret:cce-scan/slack")
        else None
    ),
)
_SESSION = botocore.session.get_session()


class _Captured(Exception):
    def __init__(self, request: AWSPreparedRequest) -> None:
        super().__init__("captured")
        self.request = request


def _environ(request: AWSPreparedRequest) -> tuple[dict[str, Any], bytes]:
    """The WSGI environ and body of a prepared request, as werkzeug builds them."""
    url = urlsplit(request.url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": unquote_to_bytes(url.path).decode("latin-1"),
        "QUERY_STRING": url.query,
        "HTTP_HOST": url.netloc,
    }
    for name, value in request.headers.items():
        text = value.decode() if isinstance(value, bytes) else str(value)
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = text
        elif name.lower() == "content-length":
            environ["CONTENT_LENGTH"] = text
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = text
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    return environ, body if isinstance(body, bytes) else b""


def _client(service: str, region: str = REGION, virtual: bool = False) -> Any:
    endpoint = f"https://s3.{region}.amazonaws.com" if virtual else "http://127.0.0.1:5000"
    config = Config(
        s3={"addressing_style": "virtual" if virtual else "path"},
        signature_version="s3v4" if service == "s3" else None,
    )
    client = _SESSION.create_client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        config=config,
    )

    def stop(request: AWSPreparedRequest, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", stop)
    return client


def wire(
    service: str,
    operation: str,
    principal: Principal = SESSION,
    region: str = REGION,
    virtual: bool = False,
    **params: Any,
) -> WireRequest:
    with pytest.raises(_Captured) as captured:
        getattr(_client(service, region, virtual), operation)(**params)
    environ, body = _environ(captured.value.request)
    return from_environ(environ, body, principal)


def needs(request: WireRequest) -> list[tuple[str, str]]:
    return [(auth.action, auth.resource) for auth in authorizations(request, LOOKUPS)]


def only(request: WireRequest) -> Authorization:
    found = authorizations(request, LOOKUPS)
    assert len(found) == 1, found
    return found[0]


# --- every authorization's context -------------------------------------------------------------


def test_every_authorization_carries_the_region_principal_and_transport() -> None:
    auth = only(wire("dynamodb", "get_item", TableName="cce-scan-state", Key={"pk": {"S": "x"}}))
    assert auth.context["aws:RequestedRegion"] == REGION
    assert auth.context["aws:PrincipalArn"] == ROLE  # the role, not the session
    assert auth.context["aws:PrincipalAccount"] == ACCOUNT
    assert auth.context["aws:SecureTransport"] == "true"


def test_a_user_is_its_own_principal_arn_and_a_global_services_requested_region_is_us_east_1() -> None:
    auth = only(wire("iam", "get_role", principal=USER, RoleName="CceScanWorkerRole"))
    assert auth == Authorization(
        "iam:GetRole",
        f"arn:aws:iam::{ACCOUNT}:role/CceScanWorkerRole",
        {
            "aws:RequestedRegion": "us-east-1",
            "aws:PrincipalArn": USER.arn,
            "aws:PrincipalAccount": ACCOUNT,
            "aws:SecureTransport": "true",
        },
    )


# --- DynamoDB ----------------------------------------------------------------------------------


def test_dynamodb_item_and_table_actions_are_on_the_table() -> None:
    assert needs(wire("dynamodb", "scan", TableName="T")) == [("dynamodb:Scan", f"{TABLE}/T")]
    assert needs(
        wire(
            "dynamodb",
            "update_item",
            TableName="T",
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        )
    ) == [("dynamodb:UpdateItem", f"{TABLE}/T")]
    assert needs(
        wire(
            "dynamodb",
            "update_time_to_live",
            TableName="T",
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
        )
    ) == [("dynamodb:UpdateTimeToLive", f"{TABLE}/T")]
    assert needs(
        wire(
            "dynamodb",
            "create_table",
            TableName="T",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    ) == [("dynamodb:CreateTable", f"{TABLE}/T")]
    assert needs(wire("dynamodb", "list_tables")) == [("dynamodb:ListTables", "*")]


def test_dynamodb_query_and_scan_of_an_index_are_on_the_index() -> None:
    query = wire(
        "dynamodb",
        "query",
        TableName="T",
        IndexName="by-status",
        KeyConditionExpression="s = :s",
        ExpressionAttributeValues={":s": {"S": "open"}},
    )
    assert needs(query) == [("dynamodb:Query", f"{TABLE}/T/index/by-status")]
    assert needs(wire("dynamodb", "scan", TableName="T", IndexName="by-status")) == [
        ("dynamodb:Scan", f"{TABLE}/T/index/by-status")
    ]


def test_dynamodb_batches_need_the_batch_action_on_every_table_named() -> None:
    batch_get = wire(
        "dynamodb",
        "batch_get_item",
        RequestItems={"A": {"Keys": [{"pk": {"S": "1"}}]}, "B": {"Keys": [{"pk": {"S": "2"}}]}},
    )
    assert needs(batch_get) == [
        ("dynamodb:BatchGetItem", f"{TABLE}/A"),
        ("dynamodb:BatchGetItem", f"{TABLE}/B"),
    ]
    batch_write = wire(
        "dynamodb",
        "batch_write_item",
        RequestItems={
            "A": [{"PutRequest": {"Item": {"pk": {"S": "1"}}}}],
            "B": [{"DeleteRequest": {"Key": {"pk": {"S": "2"}}}}],
        },
    )
    assert needs(batch_write) == [
        ("dynamodb:BatchWriteItem", f"{TABLE}/A"),
        ("dynamodb:BatchWriteItem", f"{TABLE}/B"),
    ]


def test_dynamodb_transactions_need_each_contained_action_on_its_table() -> None:
    key = {"pk": {"S": "1"}}
    request = wire(
        "dynamodb",
        "transact_write_items",
        TransactItems=[
            {"Put": {"TableName": "A", "Item": key}},
            {
                "Update": {
                    "TableName": "A",
                    "Key": key,
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": "B", "Key": key}},
            {"ConditionCheck": {"TableName": "C", "Key": key, "ConditionExpression": "attribute_exists(pk)"}},
            {"Put": {"TableName": "A", "Item": {"pk": {"S": "2"}}}},
        ],
    )
    assert needs(request) == [
        ("dynamodb:PutItem", f"{TABLE}/A"),
        ("dynamodb:UpdateItem", f"{TABLE}/A"),
        ("dynamodb:DeleteItem", f"{TABLE}/B"),
        ("dynamodb:ConditionCheckItem", f"{TABLE}/C"),
    ]
    assert {auth.context["dynamodb:EnclosingOperation"] for auth in authorizations(request)} == {
        "TransactWriteItems"
    }
    reads = wire(
        "dynamodb",
        "transact_get_items",
        TransactItems=[{"Get": {"TableName": "A", "Key": key}}, {"Get": {"TableName": "B", "Key": key}}],
    )
    assert needs(reads) == [("dynamodb:GetItem", f"{TABLE}/A"), ("dynamodb:GetItem", f"{TABLE}/B")]


# --- SQS ---------------------------------------------------------------------------------------


def test_sqs_json_calls_are_on_the_queue_of_their_url() -> None:
    assert needs(wire("sqs", "receive_message", QueueUrl=QUEUE_URL)) == [("sqs:ReceiveMessage", QUEUE)]
    assert needs(wire("sqs", "get_queue_attributes", QueueUrl=QUEUE_URL, AttributeNames=["All"])) == [
        ("sqs:GetQueueAttributes", QUEUE)
    ]


def test_sqs_batches_need_their_single_message_action() -> None:
    entries = [{"Id": "1", "MessageBody": "x"}]
    assert needs(wire("sqs", "send_message_batch", QueueUrl=QUEUE_URL, Entries=entries)) == [
        ("sqs:SendMessage", QUEUE)
    ]
    handles = [{"Id": "1", "ReceiptHandle": "h"}]
    assert needs(wire("sqs", "delete_message_batch", QueueUrl=QUEUE_URL, Entries=handles)) == [
        ("sqs:DeleteMessage", QUEUE)
    ]
    visibility = [{"Id": "1", "ReceiptHandle": "h", "VisibilityTimeout": 5}]
    assert needs(wire("sqs", "change_message_visibility_batch", QueueUrl=QUEUE_URL, Entries=visibility)) == [
        ("sqs:ChangeMessageVisibility", QUEUE)
    ]


def test_sqs_create_and_get_queue_url_name_the_queue() -> None:
    assert needs(wire("sqs", "create_queue", QueueName="cce-scan-jobs")) == [("sqs:CreateQueue", QUEUE)]
    other = wire("sqs", "get_queue_url", QueueName="q", QueueOwnerAWSAccountId=MEMBER)
    assert needs(other) == [("sqs:GetQueueUrl", f"arn:aws:sqs:{REGION}:{MEMBER}:q")]
    assert needs(wire("sqs", "list_queues")) == [("sqs:ListQueues", "*")]


def test_sqs_query_protocol_is_mapped_from_its_form() -> None:
    body = f"Action=SendMessageBatch&QueueUrl={QUEUE_URL}&Version=2012-11-05".encode()
    request = WireRequest(
        "sqs",
        REGION,
        SESSION,
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=body,
    )
    assert needs(request) == [("sqs:SendMessage", QUEUE)]


# --- S3 ----------------------------------------------------------------------------------------


def _object(key: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{key}"


def test_s3_object_reads_writes_and_deletes() -> None:
    assert needs(wire("s3", "get_object", Bucket=BUCKET, Key="results/s/a/i.tar")) == [
        ("s3:GetObject", _object("results/s/a/i.tar"))
    ]
    assert needs(wire("s3", "head_object", Bucket=BUCKET, Key="k")) == [("s3:GetObject", _object("k"))]
    version = only(wire("s3", "get_object", Bucket=BUCKET, Key="k", VersionId="v1"))
    assert (version.action, version.context["s3:versionid"]) == ("s3:GetObjectVersion", "v1")
    assert needs(wire("s3", "put_object", Bucket=BUCKET, Key="reports/x.csv", Body=b"x")) == [
        ("s3:PutObject", _object("reports/x.csv"))
    ]
    assert needs(wire("s3", "delete_object", Bucket=BUCKET, Key="k")) == [("s3:DeleteObject", _object("k"))]
    assert needs(wire("s3", "delete_object", Bucket=BUCKET, Key="k", VersionId="v")) == [
        ("s3:DeleteObjectVersion", _object("k"))
    ]


def test_s3_multipart_upload_is_put_object_and_its_abort_its_own_action() -> None:
    key = "reports/s/report.xlsx"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("create_multipart_upload", {}),
        ("upload_part", {"UploadId": "u", "PartNumber": 1, "Body": b"x"}),
        (
            "complete_multipart_upload",
            {"UploadId": "u", "MultipartUpload": {"Parts": [{"ETag": "e", "PartNumber": 1}]}},
        ),
    ]
    for operation, params in steps:
        assert needs(wire("s3", operation, Bucket=BUCKET, Key=key, **params)) == [
            ("s3:PutObject", _object(key))
        ]
    assert needs(wire("s3", "abort_multipart_upload", Bucket=BUCKET, Key=key, UploadId="u")) == [
        ("s3:AbortMultipartUpload", _object(key))
    ]
    assert needs(wire("s3", "list_parts", Bucket=BUCKET, Key=key, UploadId="u")) == [
        ("s3:ListMultipartUploadParts", _object(key))
    ]


def test_s3_multi_object_delete_needs_delete_object_per_key() -> None:
    request = wire(
        "s3",
        "delete_objects",
        Bucket=BUCKET,
        Delete={
            "Objects": [
                {"Key": "findings/a b.json"},
                {"Key": "findings/&<x>"},
                {"Key": "old", "VersionId": "v7"},
            ]
        },
    )
    assert needs(request) == [
        ("s3:DeleteObject", _object("findings/a b.json")),
        ("s3:DeleteObject", _object("findings/&<x>")),
        ("s3:DeleteObjectVersion", _object("old")),
    ]


def test_s3_copy_needs_put_on_the_target_and_get_on_the_source() -> None:
    request = wire(
        "s3",
        "copy_object",
        Bucket=BUCKET,
        Key="dst",
        CopySource={"Bucket": "src", "Key": "a é/b", "VersionId": "v2"},
    )
    assert needs(request) == [
        ("s3:PutObject", _object("dst")),
        ("s3:GetObjectVersion", "arn:aws:s3:::src/a é/b"),
    ]


def test_s3_listing_carries_prefix_delimiter_and_max_keys() -> None:
    listing = only(wire("s3", "list_objects_v2", Bucket=BUCKET, Prefix="bundles/", Delimiter="/", MaxKeys=10))
    assert (listing.action, listing.resource) == ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}")
    assert (
        listing.context["s3:prefix"],
        listing.context["s3:delimiter"],
        listing.context["s3:max-keys"],
    ) == (
        "bundles/",
        "/",
        "10",
    )
    bare = only(wire("s3", "list_objects_v2", Bucket=BUCKET))
    assert bare.context["s3:prefix"] == ""
    assert "s3:delimiter" not in bare.context
    assert "s3:max-keys" not in bare.context
    versions = only(wire("s3", "list_object_versions", Bucket=BUCKET, Prefix="results/"))
    assert (versions.action, versions.context["s3:prefix"]) == ("s3:ListBucketVersions", "results/")
    assert needs(wire("s3", "head_bucket", Bucket=BUCKET)) == [("s3:ListBucket", f"arn:aws:s3:::{BUCKET}")]


def test_s3_bucket_sub_resources_need_their_own_actions() -> None:
    bucket = f"arn:aws:s3:::{BUCKET}"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "put_bucket_notification_configuration",
            {"NotificationConfiguration": {}},
            "s3:PutBucketNotification",
        ),
        ("get_bucket_notification_configuration", {}, "s3:GetBucketNotification"),
        ("get_bucket_policy", {}, "s3:GetBucketPolicy"),
        ("put_bucket_policy", {"Policy": "{}"}, "s3:PutBucketPolicy"),
        ("delete_bucket_policy", {}, "s3:DeleteBucketPolicy"),
        (
            "put_bucket_versioning",
            {"VersioningConfiguration": {"Status": "Enabled"}},
            "s3:PutBucketVersioning",
        ),
        ("get_bucket_versioning", {}, "s3:GetBucketVersioning"),
        ("delete_bucket_cors", {}, "s3:PutBucketCORS"),
        ("delete_bucket_encryption", {}, "s3:PutEncryptionConfiguration"),
        ("get_bucket_location", {}, "s3:GetBucketLocation"),
        ("list_multipart_uploads", {}, "s3:ListBucketMultipartUploads"),
        ("create_bucket", {}, "s3:CreateBucket"),
        ("delete_bucket", {}, "s3:DeleteBucket"),
    ]
    for operation, params, action in cases:
        assert needs(wire("s3", operation, Bucket=BUCKET, **params)) == [(action, bucket)], operation
    assert needs(wire("s3", "list_buckets")) == [("s3:ListAllMyBuckets", "*")]


def test_s3_context_says_how_the_request_was_signed() -> None:
    header = only(wire("s3", "get_object", Bucket=BUCKET, Key="k"))
    assert header.context["s3:signatureversion"] == "AWS4-HMAC-SHA256"
    assert header.context["s3:authType"] == "REST-HEADER"
    assert header.context["s3:TlsVersion"] == "1.3"
    assert header.context["aws:SecureTransport"] == "true"
    url = _client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/a/script.tar"}
    )
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": unquote_to_bytes(parts.path).decode("latin-1"),
        "QUERY_STRING": parts.query,
        "HTTP_HOST": parts.netloc,
    }
    presigned = only(from_environ(environ, b"", SESSION))
    assert (presigned.action, presigned.resource) == ("s3:GetObject", _object("bundles/a/script.tar"))
    assert presigned.context["s3:authType"] == "REST-QUERY-STRING"
    assert presigned.context["s3:signatureversion"] == "AWS4-HMAC-SHA256"
    assert presigned.context["aws:RequestedRegion"] == REGION


def test_s3_virtual_hosted_addressing_takes_the_bucket_from_the_host() -> None:
    request = wire("s3", "get_object", virtual=True, Bucket=BUCKET, Key="findings/x.json")
    assert needs(request) == [("s3:GetObject", _object("findings/x.json"))]
    assert needs(wire("s3", "list_objects_v2", virtual=True, Bucket=BUCKET, Prefix="p/")) == [
        ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}")
    ]


# --- SSM ---------------------------------------------------------------------------------------


def test_send_command_needs_the_document_and_every_instance() -> None:
    shared = f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/CceScan-Run"
    request = wire(
        "ssm",
        "send_command",
        principal=SESSION,
        DocumentName=shared,
        InstanceIds=["i-0123456789abcdef0", "mi-0123456789abcdef1"],
        OutputS3BucketName="out",
    )
    assert needs(request) == [
        ("ssm:SendCommand", shared),
        ("ssm:SendCommand", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0"),
        ("ssm:SendCommand", f"arn:aws:ssm:{REGION}:{ACCOUNT}:managed-instance/mi-0123456789abcdef1"),
        ("ssm:SendCommand", "arn:aws:s3:::out"),
    ]
    by_name = wire("ssm", "send_command", DocumentName="Local-Doc", InstanceIds=["i-0123456789abcdef0"])
    assert needs(by_name)[0] == ("ssm:SendCommand", f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/Local-Doc")


def test_parameters_and_documents_are_named_resources() -> None:
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
    assert needs(wire("ssm", "get_parameter", Name="/cce-scan/config", WithDecryption=True)) == [
        ("ssm:GetParameter", f"{parameter}/cce-scan/config")
    ]
    assert needs(wire("ssm", "get_parameter", Name="plain:3")) == [("ssm:GetParameter", f"{parameter}/plain")]
    assert needs(wire("ssm", "get_parameters", Names=["/a/b", "c"])) == [
        ("ssm:GetParameters", f"{parameter}/a/b"),
        ("ssm:GetParameters", f"{parameter}/c"),
    ]
    document = f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/CceScan-Run"
    assert needs(wire("ssm", "describe_document", Name="CceScan-Run")) == [("ssm:DescribeDocument", document)]
    assert needs(wire("ssm", "get_document", Name=document)) == [("ssm:GetDocument", document)]


def test_run_command_reads_take_no_resource() -> None:
    command = "0b5f2c3e-8f1a-4c1e-9d39-6c2f3b9d8e71"
    cases: list[tuple[str, dict[str, Any]]] = [
        ("describe_instance_information", {}),
        ("list_commands", {"CommandId": command}),
        ("list_command_invocations", {"CommandId": command, "Details": True}),
        ("get_command_invocation", {"CommandId": command, "InstanceId": "i-0123456789abcdef0"}),
        ("cancel_command", {"CommandId": command}),
    ]
    for operation, params in cases:
        (auth,) = authorizations(wire("ssm", operation, **params))
        assert auth.resource == "*", operation
        assert auth.action == "ssm:" + "".join(word.title() for word in operation.split("_"))


# --- STS ---------------------------------------------------------------------------------------


def test_assume_role_carries_its_condition_keys_and_the_role_accounts_organization() -> None:
    role = f"arn:aws:iam::{MEMBER}:role/CceScanMemberRole"
    request = wire(
        "sts",
        "assume_role",
        RoleArn=role,
        RoleSessionName="scan-1",
        ExternalId="cce-ext",
        SourceIdentity="U123",
    )
    assume, source = authorizations(request, LOOKUPS)
    assert (assume.action, assume.resource) == ("sts:AssumeRole", role)
    assert (source.action, source.resource) == ("sts:SetSourceIdentity", role)
    for auth in (assume, source):
        assert auth.context["sts:ExternalId"] == "cce-ext"
        assert auth.context["sts:RoleSessionName"] == "scan-1"
        assert auth.context["sts:SourceIdentity"] == "U123"
        assert auth.context["aws:ResourceOrgID"] == ORG.id
        assert auth.context["aws:ResourceAccount"] == MEMBER


def test_assume_role_outside_the_organization_has_no_resource_org_id() -> None:
    request = wire("sts", "assume_role", RoleArn="arn:aws:iam::999999999999:role/R", RoleSessionName="s1")
    (auth,) = authorizations(request, LOOKUPS)
    assert "aws:ResourceOrgID" not in auth.context
    assert "sts:ExternalId" not in auth.context
    assert "sts:SourceIdentity" not in auth.context


def test_session_tags_need_tag_session() -> None:
    role = f"arn:aws:iam::{MEMBER}:role/R"
    request = wire(
        "sts", "assume_role", RoleArn=role, RoleSessionName="s1", Tags=[{"Key": "scan", "Value": "7"}]
    )
    assert [auth.action for auth in authorizations(request)] == ["sts:AssumeRole", "sts:TagSession"]
    tag = authorizations(request)[1]
    assert (tag.context["aws:TagKeys"], tag.context["aws:RequestTag/scan"]) == (["scan"], "7")


def test_get_caller_identity_needs_no_permission() -> None:
    assert authorizations(wire("sts", "get_caller_identity")) == []


# --- Secrets Manager, Organizations, EC2, IAM, Logs, KMS, unknown ------------------------------


def test_a_secret_is_authorized_on_its_full_arn_however_it_is_named() -> None:
    full = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:cce-scan/slack-AbCdEf"
    assert needs(wire("secretsmanager", "get_secret_value", SecretId="cce-scan/slack")) == [
        ("secretsmanager:GetSecretValue", full)
    ]
    partial = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:cce-scan/slack"
    assert needs(wire("secretsmanager", "get_secret_value", SecretId=partial)) == [
        ("secretsmanager:GetSecretValue", full)
    ]
    missing = wire("secretsmanager", "get_secret_value", SecretId="nope")
    assert needs(missing) == [
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:nope")
    ]


def test_organizations_parents_are_root_and_ou_arns_of_the_management_account() -> None:
    assert needs(wire("organizations", "list_roots")) == [("organizations:ListRoots", "*")]
    root = wire("organizations", "list_organizational_units_for_parent", ParentId="r-ab12")
    assert needs(root) == [
        (
            "organizations:ListOrganizationalUnitsForParent",
            f"arn:aws:organizations::{ACCOUNT}:root/{ORG.id}/r-ab12",
        )
    ]
    ou = wire("organizations", "list_accounts_for_parent", ParentId="ou-ab12-cdef3456")
    assert needs(ou) == [
        (
            "organizations:ListAccountsForParent",
            f"arn:aws:organizations::{ACCOUNT}:ou/{ORG.id}/ou-ab12-cdef3456",
        )
    ]
    assert authorizations(ou)[0].context["aws:RequestedRegion"] == "us-east-1"


def test_ec2_reads_take_no_resource() -> None:
    assert needs(wire("ec2", "describe_instances", InstanceIds=["i-0123456789abcdef0"])) == [
        ("ec2:DescribeInstances", "*")
    ]
    assert needs(wire("ec2", "describe_tags")) == [("ec2:DescribeTags", "*")]
    assert needs(wire("ec2", "describe_instance_status")) == [("ec2:DescribeInstanceStatus", "*")]


def test_logs_and_kms_name_their_resources_when_the_request_does() -> None:
    assert needs(wire("logs", "create_log_stream", logGroupName="/aws/lambda/f", logStreamName="s")) == [
        ("logs:CreateLogStream", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/f:log-stream:s")
    ]
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert needs(wire("kms", "describe_key", KeyId=key)) == [
        ("kms:DescribeKey", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}")
    ]
    assert needs(wire("kms", "describe_key", KeyId="alias/cce-scan")) == [("kms:DescribeKey", "*")]


def test_a_request_the_mapper_does_not_know_still_needs_its_action_on_everything() -> None:
    assert needs(wire("dynamodb", "describe_limits")) == [("dynamodb:DescribeLimits", "*")]
    assert needs(wire("ec2", "run_instances", ImageId="ami-12345678", MinCount=1, MaxCount=1)) == [
        ("ec2:RunInstances", "*")
    ]
    (unknown,) = authorizations(wire("sns", "list_topics"))
    assert unknown.resource == "*"
    assert unknown.action.startswith("sns:")
