"""The security properties of docs/design.md, "Least privilege", read from the HCL itself: no wildcard
action or principal, each role only what its code does, the member role, the bucket, queues, key and
table."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scanner.sessions import MEMBER_OPERATIONS
from scanner.table import create_approvals_table, create_table
from tests.terraform.hcl import (
    CENTRAL,
    MEMBER,
    Statement,
    all_statements,
    block,
    blocks,
    locals_of,
    statements,
    sub,
)

ALLOWS = [s for s in all_statements() if s.effect == "Allow"]

# Actions that take no resource-level permission, so "*" is the only resource IAM accepts.
RESOURCE_STAR_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstances",
    "ec2:DescribeTags",
    "ssm:CancelCommand",
    "ssm:DescribeInstanceInformation",
    "ssm:GetCommandInvocation",
    "ssm:ListCommandInvocations",
    "ssm:ListCommands",
    "organizations:ListRoots",
}


def by_document(module: Path, document: str) -> list[Statement]:
    found = [s for s in statements(module) if s.document == document]
    assert found, f"no statements in data.aws_iam_policy_document.{document}"
    return found


def granting(document: list[Statement], action: str) -> list[Statement]:
    return [s for s in document if s.effect == "Allow" and action in s.actions]


def test_policy_documents_are_found() -> None:
    documents = {s.document for s in all_statements()}

    assert {"kms", "results_bucket", "lambda_trust", "bot", "worker", "trust", "permissions"} <= documents


@pytest.mark.parametrize("statement", ALLOWS, ids=lambda s: f"{s.document}.{s.sid}")
def test_no_allow_grants_a_wildcard_action(statement: Statement) -> None:
    for action in statement.actions:
        assert action != "*"
        assert not action.endswith(":*"), f"{action} grants a whole service"


@pytest.mark.parametrize("statement", ALLOWS, ids=lambda s: f"{s.document}.{s.sid}")
def test_no_allow_trusts_a_wildcard_principal(statement: Statement) -> None:
    for kind, identifiers in statement.principals:
        assert kind != "*"
        assert "*" not in identifiers


@pytest.mark.parametrize(
    "statement",
    [s for s in ALLOWS if "*" in s.resources and s.document != "kms"],
    ids=lambda s: f"{s.document}.{s.sid}",
)
def test_resource_star_only_for_actions_without_resource_level_permissions(statement: Statement) -> None:
    assert set(statement.actions) <= RESOURCE_STAR_ACTIONS


def test_kms_key_policy_trusts_only_this_account_and_its_own_log_groups() -> None:
    kms = by_document(CENTRAL, "kms")

    principals = [p for s in kms for p in s.principals]
    assert ("AWS", ["arn:${local.partition}:iam::${local.account_id}:root"]) in principals
    logs = next(s for s in kms if ("Service", ["logs.${local.region}.amazonaws.com"]) in s.principals)
    assert logs.conditions == [
        (
            "ArnLike",
            "kms:EncryptionContext:aws:logs:arn",
            [
                "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-*"
            ],
        )
    ]


# Member role (docs/design.md, "Least privilege").


def test_member_role_is_assumed_only_by_the_worker_with_the_external_id() -> None:
    trust = by_document(MEMBER, "trust")
    assume = granting(trust, "sts:AssumeRole")

    assert len(assume) == 1
    assert assume[0].principals == [("AWS", ["${var.central_worker_role_arn}"])]
    assert ("StringEquals", "sts:ExternalId", ["${var.external_id}"]) in assume[0].conditions
    for statement in trust:
        assert statement.principals == [("AWS", ["${var.central_worker_role_arn}"])]
        assert set(statement.actions) <= {"sts:AssumeRole", "sts:SetSourceIdentity"}
    assert granting(trust, "sts:SetSourceIdentity")


def test_member_role_uses_the_trust_document() -> None:
    role = block(MEMBER, "resource", "aws_iam_role", "member")

    assert role.body["assume_role_policy"] == "${data.aws_iam_policy_document.trust.json}"
    assert role.body["max_session_duration"] == 3600


def test_send_command_is_limited_to_the_shared_document_and_instances() -> None:
    send = granting(by_document(MEMBER, "permissions"), "ssm:SendCommand")
    instance_arns = locals_of(MEMBER)["instance_arns"]

    assert len(send) == 1
    assert send[0].actions == ["ssm:SendCommand"]
    assert send[0].resources == ["${concat([var.document_arn], local.instance_arns)}"]
    assert instance_arns == (
        '${[for region in var.regions : "arn:${local.partition}:ec2:${region}:${local.account_id}:instance/*"]}'
    )


def test_member_role_allows_exactly_the_tracking_calls_in_its_regions() -> None:
    permissions = by_document(MEMBER, "permissions")
    actions = {a for s in permissions for a in s.actions}

    assert actions == {
        "ssm:SendCommand",
        "ssm:ListCommandInvocations",
        "ssm:GetCommandInvocation",
        "ssm:ListCommands",
        "ssm:CancelCommand",
        "ssm:DescribeInstanceInformation",
        "ec2:DescribeInstanceStatus",
        "ec2:DescribeInstances",
        "ec2:DescribeTags",
    }
    reads = next(s for s in permissions if "ssm:ListCommands" in s.actions)
    assert ("StringEquals", "aws:RequestedRegion", ["${var.regions}"]) in reads.conditions


# Central roles.


def test_worker_assumes_only_the_member_role_in_organization_accounts() -> None:
    worker = by_document(CENTRAL, "worker")
    assume = granting(worker, "sts:AssumeRole")

    assert len(assume) == 1
    assert assume[0].resources == ["${local.member_role_arns}"]
    assert ("StringEquals", "aws:ResourceOrgID", ["${var.organization_id}"]) in assume[0].conditions
    assert locals_of(CENTRAL)["member_role_arns"] == (
        '${[for id in var.member_account_ids : "arn:${local.partition}:iam::${id}:role/${var.member_role_name}"]}'
    )
    assert not [
        s
        for s in all_statements()
        if "sts:AssumeRole" in s.actions and s.document not in {"worker", "lambda_trust", "trust"}
    ]


def test_worker_signs_bundle_gets_and_result_puts_and_writes_only_reports() -> None:
    worker = (
        by_document(CENTRAL, "worker") + by_document(CENTRAL, "common") + by_document(CENTRAL, "start_scans")
    )
    object_grants = {(a, r) for s in worker for a in s.actions if a.startswith("s3:") for r in s.resources}
    results = "${aws_s3_bucket.results.arn}"

    assert object_grants == {
        ("s3:GetObject", f"{results}/bundles/*"),
        ("s3:PutObject", f"{results}/results/*"),
        ("s3:ListBucket", results),
        ("s3:GetObject", f"{results}/findings/*"),
        ("s3:PutObject", f"{results}/reports/*"),
        ("s3:AbortMultipartUpload", f"{results}/reports/*"),
    }
    listings = sorted(s.conditions for s in granting(worker, "s3:ListBucket"))
    assert listings == [
        [("StringLike", "s3:prefix", ["bundles/", "bundles/*"])],
        [("StringLike", "s3:prefix", ["findings/*"])],
    ]


def test_bot_invokes_itself_and_the_worker_sends_only_to_its_queues_and_uses_its_table() -> None:
    bot = by_document(CENTRAL, "bot") + by_document(CENTRAL, "common") + by_document(CENTRAL, "start_scans")

    invoke = granting(bot, "lambda:InvokeFunction")
    # itself (lazy listeners), and the worker for what needs the member accounts
    assert sorted(s.resources for s in invoke) == [
        ["${local.function_arns.bot}", "${local.function_arns.bot}:*"],
        ["${local.function_arns.worker}"],
    ]
    sends = {r for s in granting(bot, "sqs:SendMessage") for r in s.resources}
    # Jobs, the scan.started event, and its failed lazy invocations.
    assert sends == {
        "${aws_sqs_queue.jobs.arn}",
        "${aws_sqs_queue.events.arn}",
        '${aws_sqs_queue.dead_letter["bot"].arn}',
    }
    table = {r for s in bot for a in s.actions if a.startswith("dynamodb:") for r in s.resources}
    # The tables, and the state table's indexes: a Query of an index is authorized against the
    # index's ARN.
    assert table == {
        "${aws_dynamodb_table.state.arn}",
        "${aws_dynamodb_table.state.arn}/index/*",
        "${aws_dynamodb_table.approvals.arn}",
    }
    assert locals_of(CENTRAL)["function_arns"] == (
        "${{for key, name in local.function_names : "
        'key => "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${name}"}}'
    )


def test_every_function_role_gets_its_own_policy_and_no_managed_policy() -> None:
    policy = block(CENTRAL, "resource", "aws_iam_role_policy", "function")
    roles = block(CENTRAL, "resource", "aws_iam_role", "function")

    assert policy.body["policy"] == "${local.function_policies[each.key]}"
    assert "managed_policy_arns" not in roles.body
    assert not [b for b in blocks(CENTRAL, "resource") if b.type == "aws_iam_role_policy_attachment"]


# The results bucket.


def test_results_bucket_policy_denies_every_request_without_tls() -> None:
    policy = by_document(CENTRAL, "results_bucket")
    bucket_policy = block(CENTRAL, "resource", "aws_s3_bucket_policy", "results")

    assert bucket_policy.body["policy"] == "${data.aws_iam_policy_document.results_bucket.json}"
    deny = [
        s for s in policy if s.effect == "Deny" and ("Bool", "aws:SecureTransport", ["false"]) in s.conditions
    ]
    assert len(deny) == 1
    assert deny[0].actions == ["s3:*"]
    assert deny[0].principals == [("*", ["*"])]
    assert deny[0].resources == ["${aws_s3_bucket.results.arn}", "${aws_s3_bucket.results.arn}/*"]
    assert all(s.effect == "Deny" for s in policy), "the bucket policy only denies; access comes from IAM"


def test_results_bucket_blocks_public_access_versions_and_encrypts() -> None:
    public = block(CENTRAL, "resource", "aws_s3_bucket_public_access_block", "results").body
    versioning = block(CENTRAL, "resource", "aws_s3_bucket_versioning", "results").body
    encryption = block(
        CENTRAL, "resource", "aws_s3_bucket_server_side_encryption_configuration", "results"
    ).body
    ownership = block(CENTRAL, "resource", "aws_s3_bucket_ownership_controls", "results").body

    assert all(
        public[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert sub(versioning, "versioning_configuration")[0]["status"] == "Enabled"
    default = sub(sub(encryption, "rule")[0], "apply_server_side_encryption_by_default")[0]
    assert default == {"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.this.arn}"}
    assert sub(ownership, "rule")[0]["object_ownership"] == "BucketOwnerEnforced"


def test_results_bucket_lifecycle_follows_the_retention_variables() -> None:
    lifecycle = block(CENTRAL, "resource", "aws_s3_bucket_lifecycle_configuration", "results").body
    rules = {rule["id"]: rule for rule in sub(lifecycle, "rule")}

    expected = {
        "results": "${var.results_retention_days}",
        "findings": "${var.findings_retention_days}",
        "reports": "${var.findings_retention_days}",
    }
    for prefix, days in expected.items():
        rule = rules[prefix]
        assert rule["status"] == "Enabled"
        assert sub(rule, "filter")[0]["prefix"] == f"{prefix}/"
        assert sub(rule, "expiration")[0]["days"] == days
    for rule in rules.values():
        assert sub(rule, "noncurrent_version_expiration")[0]["noncurrent_days"] == (
            "${var.noncurrent_version_retention_days}"
        )
        assert sub(rule, "abort_incomplete_multipart_upload")[0]["days_after_initiation"] == 1


def test_results_uploads_notify_the_analyzer() -> None:
    notification = block(CENTRAL, "resource", "aws_s3_bucket_notification", "results").body
    permission = block(CENTRAL, "resource", "aws_lambda_permission", "analyzer_from_s3").body

    [target] = sub(notification, "lambda_function")
    assert target["lambda_function_arn"] == "${aws_lambda_function.analyzer.arn}"
    assert target["events"] == ["s3:ObjectCreated:*"]
    assert target["filter_prefix"] == "results/"
    assert permission["principal"] == "s3.amazonaws.com"
    assert permission["source_arn"] == "${aws_s3_bucket.results.arn}"
    assert permission["source_account"] == "${local.account_id}"


# Lambda, queues, table.


def test_only_the_function_url_is_public_and_only_for_function_url_calls() -> None:
    public = [
        b
        for b in blocks(CENTRAL, "resource")
        if b.type == "aws_lambda_permission" and b.body["principal"] == "*"
    ]

    assert [b.name for b in public] == ["bot_function_url"]
    assert public[0].body["action"] == "lambda:InvokeFunctionUrl"
    assert public[0].body["function_url_auth_type"] == "NONE"


def test_bot_async_invocations_are_never_retried() -> None:
    config = block(CENTRAL, "resource", "aws_lambda_function_event_invoke_config", "bot").body

    assert config["function_name"] == "${aws_lambda_function.bot.function_name}"
    assert config["maximum_retry_attempts"] == 0
    assert config["maximum_event_age_in_seconds"] <= 300, "Slack signatures expire after 5 minutes"


@pytest.mark.parametrize("function", ["bot", "notifier", "worker", "analyzer"])
def test_function_logs_to_its_own_group_and_is_concurrency_bounded(function: str) -> None:
    body = block(CENTRAL, "resource", "aws_lambda_function", function).body
    groups = block(CENTRAL, "resource", "aws_cloudwatch_log_group", "function").body

    assert (
        sub(body, "logging_config")[0]["log_group"]
        == f'${{aws_cloudwatch_log_group.function["{function}"].name}}'
    )
    assert groups["retention_in_days"] == "${var.log_retention_days}"
    assert groups["for_each"] == "${local.function_names}"
    assert body["reserved_concurrent_executions"] == f"${{local.functions.{function}.concurrency}}"
    assert body["role"] == f'${{aws_iam_role.function["{function}"].arn}}'


def test_queue_consumers_are_capped_at_their_reserved_concurrency() -> None:
    for mapping, variable in (("worker_jobs", "worker"), ("notifier_events", "notifier")):
        body = block(CENTRAL, "resource", "aws_lambda_event_source_mapping", mapping).body
        assert (
            sub(body, "scaling_config")[0]["maximum_concurrency"]
            == f"${{var.{variable}_reserved_concurrency}}"
        )
        assert body["function_response_types"] == ["ReportBatchItemFailures"]


def test_working_queues_have_dead_letter_queues_and_every_dead_letter_queue_an_alarm() -> None:
    for name in ("jobs", "events"):
        queue = block(CENTRAL, "resource", "aws_sqs_queue", name).body
        assert f'aws_sqs_queue.dead_letter["{name}"].arn' in queue["redrive_policy"]
        assert queue["kms_master_key_id"] == "${aws_kms_key.this.arn}"
    alarm = block(CENTRAL, "resource", "aws_cloudwatch_metric_alarm", "dead_letter_not_empty").body
    assert alarm["for_each"] == "${aws_sqs_queue.dead_letter}"
    assert alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 0
    assert set(locals_of(CENTRAL)["dead_letter_queues"]) == {"jobs", "events", "bot", "analyzer"}


APPROVALS_TABLE = "${aws_dynamodb_table.approvals.arn}"


@pytest.mark.parametrize("function", ["bot", "notifier", "worker", "analyzer"])
def test_only_the_bot_and_the_notifier_may_write_approvals_and_the_analyzer_cannot_reach_them(
    function: str,
) -> None:
    policy = by_document(CENTRAL, function) + by_document(CENTRAL, "common")
    on_approvals = {
        a
        for s in policy
        if s.effect == "Allow"
        for r in s.resources
        if r.startswith(APPROVALS_TABLE)
        for a in s.actions
    }
    expected = {
        "bot": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
        "notifier": {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"},
        "worker": {"dynamodb:GetItem"},
        "analyzer": set(),
    }
    assert on_approvals == expected[function]


def test_approvals_table_has_recovery_expiry_and_encryption_and_the_codes_index() -> None:
    table = block(CENTRAL, "resource", "aws_dynamodb_table", "approvals").body
    assert sub(table, "point_in_time_recovery")[0]["enabled"] is True
    assert sub(table, "ttl")[0] == {"attribute_name": "${var.table_ttl_attribute}", "enabled": True}
    assert sub(table, "server_side_encryption")[0]["kms_key_arn"] == "${aws_kms_key.this.arn}"
    assert table["deletion_protection_enabled"] is True
    created = _created_by(create_approvals_table)
    declared = {
        index["name"]: (index["hash_key"], index["range_key"], index["projection_type"])
        for index in sub(table, "global_secondary_index")
    }
    assert declared == {
        index["IndexName"]: (
            *(key["AttributeName"] for key in index["KeySchema"]),
            index["Projection"]["ProjectionType"],
        )
        for index in created["GlobalSecondaryIndexes"]
    }
    attributes = {a["name"]: a["type"] for a in sub(table, "attribute")}
    assert attributes == {a["AttributeName"]: a["AttributeType"] for a in created["AttributeDefinitions"]}


def test_state_table_has_recovery_expiry_and_encryption() -> None:
    table = block(CENTRAL, "resource", "aws_dynamodb_table", "state").body
    ttl_default = block(CENTRAL, "variable", "variable", "table_ttl_attribute").body["default"]

    assert sub(table, "point_in_time_recovery")[0]["enabled"] is True
    assert sub(table, "ttl")[0] == {"attribute_name": "${var.table_ttl_attribute}", "enabled": True}
    assert sub(table, "server_side_encryption")[0] == {
        "enabled": True,
        "kms_key_arn": "${aws_kms_key.this.arn}",
    }
    assert (table["hash_key"], table["range_key"], ttl_default) == ("pk", "sk", "ttl"), "as scanner/table.py"


def test_no_role_may_scan_the_state_table() -> None:
    # Every read Queries a key range; a Scan would grow with the table.
    assert not [s.sid for s in ALLOWS if "dynamodb:Scan" in s.actions]
    assert [s for s in ALLOWS if "dynamodb:Query" in s.actions]


def test_state_table_has_the_indexes_the_code_creates_it_with() -> None:
    table = block(CENTRAL, "resource", "aws_dynamodb_table", "state").body
    declared = {
        index["name"]: (
            index["hash_key"],
            index["range_key"],
            index["projection_type"],
            sorted(index.get("non_key_attributes", [])),
        )
        for index in sub(table, "global_secondary_index")
    }
    attributes = {a["name"]: a["type"] for a in sub(table, "attribute")}
    created = _created_by_scanner_state()
    assert declared == {
        index["IndexName"]: (
            *(key["AttributeName"] for key in index["KeySchema"]),
            index["Projection"]["ProjectionType"],
            sorted(index["Projection"].get("NonKeyAttributes", [])),
        )
        for index in created["GlobalSecondaryIndexes"]
    }
    assert attributes == {a["AttributeName"]: a["AttributeType"] for a in created["AttributeDefinitions"]}
    # Terraform refuses an attribute that is no key of the table or of an index.
    keys = {table["hash_key"], table["range_key"]} | {k for v in declared.values() for k in v[:2]}
    assert set(attributes) == keys


def _created_by_scanner_state() -> dict[str, Any]:
    """The table as ``scanner.table.create_table`` creates it (in moto), as DescribeTable tells."""
    return _created_by(create_table)


def _created_by(create: Callable[[Any, str], None]) -> dict[str, Any]:
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name="ap-northeast-2", aws_access_key_id="t", aws_secret_access_key="t"
        )
        create(client, "table")
        return dict(client.describe_table(TableName="table")["Table"])


def test_slack_credentials_live_in_an_encrypted_secret() -> None:
    secret = block(CENTRAL, "resource", "aws_secretsmanager_secret", "slack").body

    assert secret["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert "secret_string" not in secret


def test_document_is_the_rendered_file_shared_only_with_the_member_accounts() -> None:
    document = block(CENTRAL, "resource", "aws_ssm_document", "scan").body

    assert document["content"] == "${file(var.document_path)}"
    assert document["document_type"] == "Command"
    assert document["permissions"] == {"type": "Share", "account_ids": "${local.document_share_ids}"}
    assert locals_of(CENTRAL)["document_share_ids"] == '${join(",", sort(var.member_account_ids))}'
    assert not re.search(r"\bAll\b", str(document["permissions"]))


def test_analyzer_reads_results_and_writes_only_findings() -> None:
    analyzer = by_document(CENTRAL, "analyzer") + by_document(CENTRAL, "common")
    grants = {(a, r) for s in analyzer for a in s.actions if a.startswith("s3:") for r in s.resources}
    results = "${aws_s3_bucket.results.arn}"

    writes = {r for a, r in grants if a in ("s3:PutObject", "s3:DeleteObject")}
    assert writes == {f"{results}/findings/*"}
    assert ("s3:GetObject", f"{results}/results/*") in grants
    # the version the S3 event names (results are write-once; scanner/entries/analyzer.py)
    assert ("s3:GetObjectVersion", f"{results}/results/*") in grants
    reads = ("s3:GetObject", "s3:GetObjectVersion")
    assert not [r for a, r in grants if r.endswith(("/bundles/*", "/results/*")) and a not in reads]


def test_only_the_worker_writes_reports_and_the_notifier_only_reads_them() -> None:
    results = "${aws_s3_bucket.results.arn}"
    writers = {
        s.document
        for s in ALLOWS
        if f"{results}/reports/*" in s.resources and {"s3:PutObject", "s3:DeleteObject"} & set(s.actions)
    }
    notifier = by_document(CENTRAL, "notifier")
    notifier_objects = {
        (a, r) for s in notifier for a in s.actions if a.startswith("s3:") for r in s.resources
    }

    assert writers == {"worker"}
    assert notifier_objects == {("s3:GetObject", f"{results}/reports/*"), ("s3:ListBucket", results)}


def test_bot_and_worker_include_exactly_their_documents() -> None:
    sources = {
        name: block(CENTRAL, "data", "aws_iam_policy_document", name).body["source_policy_documents"]
        for name in ("bot", "notifier", "worker", "analyzer")
    }

    assert sources["bot"] == [
        '${data.aws_iam_policy_document.common["bot"].json}',
        "${data.aws_iam_policy_document.start_scans.json}",
    ]
    assert sources["worker"] == [
        '${data.aws_iam_policy_document.common["worker"].json}',
        "${data.aws_iam_policy_document.start_scans.json}",
    ]
    assert sources["notifier"] == ['${data.aws_iam_policy_document.common["notifier"].json}']
    assert sources["analyzer"] == ['${data.aws_iam_policy_document.common["analyzer"].json}']


def test_only_the_worker_may_enter_member_accounts() -> None:
    assumers = {s.document for s in ALLOWS if {"sts:AssumeRole", "sts:SetSourceIdentity"} & set(s.actions)}

    assert assumers == {"worker", "lambda_trust", "trust"}


@pytest.mark.parametrize("function", ["bot", "analyzer"])
def test_async_failures_go_to_one_destination(function: str) -> None:
    config = block(CENTRAL, "resource", "aws_lambda_function_event_invoke_config", function).body
    body = block(CENTRAL, "resource", "aws_lambda_function", function).body

    on_failure = sub(sub(config, "destination_config")[0], "on_failure")[0]
    assert on_failure["destination"] == f'${{aws_sqs_queue.dead_letter["{function}"].arn}}'
    assert "dead_letter_config" not in body, "a DLQ as well would deliver every failure twice"


def test_member_clients_are_built_for_exactly_the_calls_the_member_role_allows() -> None:
    permissions = by_document(MEMBER, "permissions")
    allowed = {
        action for statement in permissions if statement.effect == "Allow" for action in statement.actions
    }
    built = {f"{service}:{operation}" for service, ops in MEMBER_OPERATIONS.items() for operation in ops}
    assert built == allowed
