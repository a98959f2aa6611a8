"""The IAM of terraform/modules, read from the HCL with the world's values, says what each function and
the member role may do; a reference the reader does not know fails loudly; the roles land in IAM as
written."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localworld.accounts import lookup_key
from localworld.iam.model import Authorization, Effect, Principal
from localworld.iam.policy import evaluate, trust_admits
from localworld.iam.principals import identity_policies, principal_for
from localworld.iam.terraform import (
    Bindings,
    RoleSpec,
    TerraformError,
    TerraformIam,
    apply_roles,
    read_terraform_iam,
)
from scanner.config import load_config

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "terraform" / "modules"
CONFIG = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")
CENTRAL, PROD_WEB, DEV_APP = "111111111111", "222222222222", "444444444444"
REGION = "ap-northeast-2"
KMS_KEY = f"arn:aws:kms:{REGION}:{CENTRAL}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SLACK_SECRET = f"arn:aws:secretsmanager:{REGION}:{CENTRAL}:secret:cce-scan/slack-AbCdEf"
BINDINGS = Bindings.from_config(
    CONFIG, organization_id="o-abcdefghij", kms_key_arn=KMS_KEY, slack_secret_arn=SLACK_SECRET
)
TABLE = f"arn:aws:dynamodb:{REGION}:{CENTRAL}:table/cce-scan-state"
BUCKET = f"arn:aws:s3:::{CONFIG.results_bucket}"
DOCUMENT = f"arn:aws:ssm:{REGION}:{CENTRAL}:document/{CONFIG.document.name}"


def queue(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{CENTRAL}:cce-scan-{name}"


@pytest.fixture(scope="module")
def iam() -> TerraformIam:
    return read_terraform_iam(MODULES, BINDINGS)


def session(role: RoleSpec) -> Principal:
    return Principal(
        arn=f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/s",
        account_id=role.account_id,
        role_arn=role.arn,
    )


def may(role: RoleSpec, action: str, resource: str, **context: str) -> bool:
    request = Authorization(action=action, resource=resource, context=context)
    return evaluate(request, session(role), list(role.policy_documents.values())).allowed


# --- the central functions --------------------------------------------------------------------------


def test_each_function_has_its_role_named_and_limited_as_iam_tf_says(iam: TerraformIam) -> None:
    assert set(iam.function_roles) == {"bot", "notifier", "worker", "analyzer"}
    for key, role in iam.function_roles.items():
        assert role.name == f"cce-scan-{key}-{REGION}"
        assert role.arn == f"arn:aws:iam::{CENTRAL}:role/cce-scan-{key}-{REGION}"
        assert role.max_session_duration == 3600
        assert list(role.inline_policies) == [f"cce-scan-{key}-least-privilege"]


def test_only_the_lambda_service_may_assume_a_function_role(iam: TerraformIam) -> None:
    worker = iam.function_roles["worker"]
    assert worker.trust_document["Statement"] == [
        {
            "Sid": "LambdaServiceAssumes",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]
    admin = Principal(arn=f"arn:aws:iam::{CENTRAL}:user/localworld-admin", account_id=CENTRAL)
    assert not trust_admits(Authorization("sts:AssumeRole", worker.arn), admin, worker.trust_document).allowed


def test_the_notifier_may_read_the_state_table_and_its_indexes_but_not_scan_it(iam: TerraformIam) -> None:
    notifier = iam.function_roles["notifier"]
    assert may(notifier, "dynamodb:GetItem", TABLE)
    assert may(notifier, "dynamodb:Query", f"{TABLE}/index/pending_approvals")
    assert not may(notifier, "dynamodb:Scan", TABLE)
    assert not may(notifier, "dynamodb:GetItem", TABLE.replace("cce-scan-state", "other-table"))


def test_the_worker_may_send_to_the_jobs_and_events_queues_only(iam: TerraformIam) -> None:
    worker = iam.function_roles["worker"]
    assert may(worker, "sqs:SendMessage", queue("jobs"))
    assert may(worker, "sqs:SendMessage", queue("events"))
    assert not may(worker, "sqs:SendMessage", queue("jobs-dlq"))
    assert not may(worker, "sqs:SendMessage", queue("bot-failures"))
    assert may(worker, "sqs:ReceiveMessage", queue("jobs"))
    assert not may(worker, "sqs:ReceiveMessage", queue("events"))


def test_the_bot_and_the_analyzer_send_their_failures_to_their_own_destinations(iam: TerraformIam) -> None:
    assert may(iam.function_roles["bot"], "sqs:SendMessage", queue("bot-failures"))
    assert not may(iam.function_roles["bot"], "sqs:SendMessage", queue("analyzer-failures"))
    assert may(iam.function_roles["analyzer"], "sqs:SendMessage", queue("analyzer-failures"))
    assert not may(iam.function_roles["notifier"], "sqs:SendMessage", queue("analyzer-failures"))


def test_every_function_writes_only_its_own_log_group(iam: TerraformIam) -> None:
    group = f"arn:aws:logs:{REGION}:{CENTRAL}:log-group:/aws/lambda/cce-scan-%s:log-stream:2026/x"
    for key, role in iam.function_roles.items():
        assert may(role, "logs:PutLogEvents", group % key)
        others = {"bot", "notifier", "worker", "analyzer"} - {key}
        assert not any(may(role, "logs:PutLogEvents", group % other) for other in others)


def test_the_bound_kms_key_and_slack_secret_arns_are_the_ones_granted(iam: TerraformIam) -> None:
    bot = iam.function_roles["bot"]
    assert may(bot, "kms:Decrypt", KMS_KEY)
    assert may(bot, "secretsmanager:GetSecretValue", SLACK_SECRET)
    assert not may(iam.function_roles["worker"], "secretsmanager:GetSecretValue", SLACK_SECRET)
    assert may(bot, "ssm:GetParameter", f"arn:aws:ssm:{REGION}:{CENTRAL}:parameter/cce-scan/config")


def test_the_worker_enters_member_accounts_only_in_the_organization(iam: TerraformIam) -> None:
    worker = iam.function_roles["worker"]
    member_role = f"arn:aws:iam::{PROD_WEB}:role/CceScanMemberRole"
    assert may(worker, "sts:AssumeRole", member_role, **{"aws:ResourceOrgID": "o-abcdefghij"})
    assert not may(worker, "sts:AssumeRole", member_role, **{"aws:ResourceOrgID": "o-otherorgxx"})
    assert not may(worker, "sts:AssumeRole", member_role)
    assert not may(worker, "sts:AssumeRole", "arn:aws:iam::999999999999:role/CceScanMemberRole")


def test_listing_the_bucket_is_limited_to_bundles_for_the_worker(iam: TerraformIam) -> None:
    worker = iam.function_roles["worker"]
    assert may(worker, "s3:ListBucket", BUCKET, **{"s3:prefix": "bundles/"})
    assert not may(worker, "s3:ListBucket", BUCKET, **{"s3:prefix": "results/"})
    assert may(worker, "s3:GetObject", f"{BUCKET}/bundles/abc/script.tar")
    assert not may(worker, "s3:GetObject", f"{BUCKET}/results/s/a/i.tar")


def test_no_rendered_policy_keeps_an_interpolation(iam: TerraformIam) -> None:
    roles = [*iam.function_roles.values(), *iam.member_roles.values()]
    texts = [text for role in roles for text in (role.trust_policy, *role.inline_policies.values())]
    texts += [*iam.bucket_policies.values(), *iam.queue_policies.values()]
    assert texts
    assert not [text for text in texts if "${" in text or "&{" in text]


# --- bucket, queues, table ---------------------------------------------------------------------------


def test_the_bucket_policy_denies_requests_without_tls_or_sigv4(iam: TerraformIam) -> None:
    worker = iam.function_roles["worker"]
    bundle = f"{BUCKET}/bundles/abc/script.tar"
    policy = json.loads(iam.bucket_policy)
    good = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3", "s3:signatureversion": "AWS4-HMAC-SHA256"}

    def decide(**context: str) -> Effect:
        request = Authorization("s3:GetObject", bundle, context)
        return evaluate(request, session(worker), list(worker.policy_documents.values()), policy).effect

    assert decide(**good) is Effect.ALLOW
    assert decide(**{**good, "aws:SecureTransport": "false"}) is Effect.EXPLICIT_DENY
    assert decide(**{**good, "s3:TlsVersion": "1.1"}) is Effect.EXPLICIT_DENY
    assert decide(**{**good, "s3:signatureversion": "AWS"}) is Effect.EXPLICIT_DENY
    without_signature_version = {k: v for k, v in good.items() if k != "s3:signatureversion"}
    assert decide(**without_signature_version) is Effect.EXPLICIT_DENY


def test_every_queue_of_sqs_tf_has_its_tls_only_policy(iam: TerraformIam) -> None:
    names = {"jobs", "events", "jobs-dlq", "events-dlq", "bot-failures", "analyzer-failures"}
    assert set(iam.queue_policies) == {f"cce-scan-{name}" for name in names}
    jobs = json.loads(iam.queue_policies["cce-scan-jobs"])
    assert jobs["Statement"] == [
        {
            "Sid": "DenyRequestsWithoutTls",
            "Effect": "Deny",
            "Action": "sqs:*",
            "Resource": queue("jobs"),
            "Principal": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_the_table_and_bucket_names_come_from_the_hcl(iam: TerraformIam) -> None:
    assert iam.state_table_name == "cce-scan-state"
    assert iam.results_bucket_name == CONFIG.results_bucket
    other = BINDINGS.model_copy(update={"name_prefix": "scan-b"})
    renamed = read_terraform_iam(MODULES, other)
    assert renamed.state_table_name == "scan-b-state"
    assert "scan-b-jobs" in renamed.queue_policies
    assert renamed.function_roles["worker"].name == f"scan-b-worker-{REGION}"


# --- the member role ---------------------------------------------------------------------------------


def test_every_member_account_has_its_member_role(iam: TerraformIam) -> None:
    assert set(iam.member_roles) == {account.id for account in CONFIG.accounts}
    role = iam.member_roles[PROD_WEB]
    assert role.arn == f"arn:aws:iam::{PROD_WEB}:role/CceScanMemberRole"
    assert role.max_session_duration == 3600
    assert list(role.inline_policies) == ["CceScanMemberRole-scan"]


def test_the_member_role_trusts_only_the_worker_with_the_external_id(iam: TerraformIam) -> None:
    trust = iam.member_roles[PROD_WEB].trust_document
    worker, bot = session(iam.function_roles["worker"]), session(iam.function_roles["bot"])
    role = iam.member_roles[PROD_WEB].arn
    with_id = Authorization("sts:AssumeRole", role, {"sts:ExternalId": CONFIG.member_role.external_id})
    assert trust_admits(with_id, worker, trust).allowed
    assert not trust_admits(with_id, bot, trust).allowed
    assert not trust_admits(Authorization("sts:AssumeRole", role), worker, trust).allowed
    assert trust_admits(Authorization("sts:SetSourceIdentity", role), worker, trust).allowed


def test_the_member_role_sends_only_the_shared_document_to_its_own_instances(iam: TerraformIam) -> None:
    member = iam.member_roles[PROD_WEB]
    instance = f"arn:aws:ec2:{REGION}:{PROD_WEB}:instance/i-0123456789abcdef0"
    assert may(member, "ssm:SendCommand", DOCUMENT)
    assert may(member, "ssm:SendCommand", instance)
    assert not may(member, "ssm:SendCommand", f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript")
    assert not may(member, "ssm:SendCommand", instance.replace(PROD_WEB, DEV_APP))
    assert not may(member, "ssm:SendCommand", instance.replace(REGION, "us-east-1"))
    assert not may(member, "ssm:SendCommand", f"arn:aws:ec2:{REGION}:{PROD_WEB}:volume/vol-1")


def test_the_member_role_tracks_commands_only_in_the_accounts_regions(iam: TerraformIam) -> None:
    member = iam.member_roles[PROD_WEB]
    assert may(member, "ssm:ListCommandInvocations", "*", **{"aws:RequestedRegion": REGION})
    assert not may(member, "ssm:ListCommandInvocations", "*", **{"aws:RequestedRegion": "us-east-1"})
    assert not may(member, "ssm:ListCommandInvocations", "*")
    two_regions = BINDINGS.model_copy(update={"member_regions": {PROD_WEB: (REGION, "us-east-1")}})
    wider = read_terraform_iam(MODULES, two_regions).member_roles[PROD_WEB]
    assert may(wider, "ssm:ListCommandInvocations", "*", **{"aws:RequestedRegion": "us-east-1"})
    assert may(wider, "ssm:SendCommand", f"arn:aws:ec2:us-east-1:{PROD_WEB}:instance/i-1")


# --- what the reader does not know --------------------------------------------------------------------


@pytest.fixture
def modules(tmp_path: Path) -> Path:
    copy = tmp_path / "modules"
    shutil.copytree(MODULES, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unknown_reference_fails_naming_its_file_block_and_expression(modules: Path) -> None:
    edit(
        modules / "central" / "iam.tf",
        'sid       = "ConsumeScanEvents"\n    effect    = "Allow"',
        'sid       = "ConsumeScanEvents"\n    not_resources = [aws_sns_topic.alerts.arn]\n    effect    = "Allow"',
    )
    with pytest.raises(TerraformError) as caught:
        read_terraform_iam(modules, BINDINGS)
    message = str(caught.value)
    assert message.startswith("iam.tf: data.aws_iam_policy_document.notifier.statement[2] not_resources:")
    assert "`aws_sns_topic.alerts.arn`" in message
    assert "aws_sns_topic is not a resource type of module central" in message
    assert "needed by iam.tf: locals function_policies" in message


def test_an_unsupported_function_fails_naming_it(modules: Path) -> None:
    edit(modules / "central" / "main.tf", 'document_arn = "arn:', 'document_arn = lower("arn:')
    edit(modules / "central" / "main.tf", 'document/${var.document_name}"', 'document/${var.document_name}")')
    with pytest.raises(TerraformError, match=r"main\.tf: locals document_arn: .*lower\(\) is not supported"):
        read_terraform_iam(modules, BINDINGS)


def test_a_variable_the_world_does_not_bind_fails_naming_it(modules: Path) -> None:
    edit(
        modules / "central" / "iam.tf",
        "resources = [aws_secretsmanager_secret.slack.arn]",
        "resources = [var.config_path]",
    )
    with pytest.raises(TerraformError) as caught:
        read_terraform_iam(modules, BINDINGS)
    assert str(caught.value).startswith("iam.tf: data.aws_iam_policy_document.bot.statement[")
    assert "`var.config_path`: var.config_path has no default and the world binds no value" in str(
        caught.value
    )


def test_an_arn_aws_makes_random_must_be_bound(modules: Path) -> None:
    edit(
        modules / "central" / "secrets.tf",
        'resource "aws_secretsmanager_secret" "slack" {',
        'resource "aws_secretsmanager_secret" "webhook" {\n  name = "x"\n}\n\nresource "aws_secretsmanager_secret" "slack" {',
    )
    edit(
        modules / "central" / "iam.tf",
        "resources = [aws_secretsmanager_secret.slack.arn]",
        "resources = [aws_secretsmanager_secret.webhook.arn]",
    )
    with pytest.raises(TerraformError, match=r"the ARN of aws_secretsmanager_secret\.webhook random"):
        read_terraform_iam(modules, BINDINGS)


def test_iam_resources_the_world_does_not_model_fail_loudly(modules: Path) -> None:
    with (modules / "member_role" / "main.tf").open("a", encoding="utf-8") as tf:
        tf.write(
            '\nresource "aws_iam_role_policy_attachment" "read_only" {\n'
            "  role       = aws_iam_role.member.name\n"
            '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
        )
    with pytest.raises(TerraformError, match=r"aws_iam_role_policy_attachment is not modelled"):
        read_terraform_iam(modules, BINDINGS)


def test_a_permissions_boundary_fails_loudly(modules: Path) -> None:
    edit(
        modules / "member_role" / "main.tf",
        "permissions_boundary = var.permissions_boundary_arn",
        'permissions_boundary = "arn:aws:iam::aws:policy/PowerUserAccess"',
    )
    with pytest.raises(TerraformError, match=r"permissions boundaries are not modelled"):
        read_terraform_iam(modules, BINDINGS)


# --- applying the roles --------------------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def test_applied_roles_hold_the_documents_the_terraform_declares(iam: TerraformIam, aws: None) -> None:
    account = "123456789012"  # moto's default account
    specs = [replace(role, account_id=account) for role in iam.function_roles.values()]
    arns = apply_roles(client("iam"), specs)
    assert arns == {spec.name: spec.arn for spec in specs}

    for spec in specs:
        held = client("iam").get_role(RoleName=spec.name)["Role"]
        assert held["MaxSessionDuration"] == 3600
        assert held["AssumeRolePolicyDocument"] == spec.trust_document
        creds = client("sts").assume_role(RoleArn=spec.arn, RoleSessionName="fn")["Credentials"]
        key = lookup_key(creds["AccessKeyId"])
        assert key is not None
        assert identity_policies(principal_for(key)) == list(spec.policy_documents.values())


def test_applying_twice_changes_nothing_and_removes_stray_policies(iam: TerraformIam, aws: None) -> None:
    worker = iam.function_roles["worker"]
    spec = replace(worker, account_id="123456789012")
    apply_roles(client("iam"), [spec])
    client("iam").put_role_policy(
        RoleName=spec.name,
        PolicyName="added-by-hand",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    client("iam").update_role(RoleName=spec.name, MaxSessionDuration=7200)

    assert apply_roles(client("iam"), [spec]) == {spec.name: spec.arn}

    assert client("iam").list_role_policies(RoleName=spec.name)["PolicyNames"] == list(spec.inline_policies)
    assert client("iam").get_role(RoleName=spec.name)["Role"]["MaxSessionDuration"] == 3600
