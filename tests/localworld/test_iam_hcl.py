"""HCL expressions evaluate as Terraform evaluates them, for the forms the modules use; the ARNs of
resources are formed from their names as AWS forms them; anything else fails naming where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from localworld.iam.hcl import TerraformError
from localworld.iam.tfmodule import Module, ModuleFacts

FACTS = ModuleFacts(
    partition="aws",
    account_id="111111111111",
    region="ap-northeast-2",
    variables={"prefix": "cce", "ids": ["222222222222", "333333333333"]},
    resource_arns={"aws_kms_key.this": "arn:aws:kms:ap-northeast-2:111111111111:key/k-1"},
)

DECLARATIONS = """
variable "prefix" {}
variable "ids" {}
variable "with_default" {
  default = "fallback"
}
variable "without_default" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
"""


def module(tmp_path: Path, text: str) -> Module:
    (tmp_path / "variables.tf").write_text(DECLARATIONS, encoding="utf-8")
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return Module(tmp_path, FACTS)


def local(tmp_path: Path, expression: str, **extra: str) -> Any:
    lines = "\n".join(f"  {name} = {value}" for name, value in extra.items())
    return module(tmp_path, f"locals {{\n  it = {expression}\n{lines}\n}}\n").local("it")


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('"${var.ids}"', ["222222222222", "333333333333"]),
        ('"${var.prefix}-jobs"', "cce-jobs"),
        ('"a \\"quoted\\" \\\\ tab\\t"', 'a "quoted" \\ tab\t'),
        ('"literal $${var.prefix} and %%{x}"', "literal ${var.prefix} and %{x}"),
        ('"n=${3} ok=${true}"', "n=3 ok=true"),
        ("[1, 2.5, true, null]", [1, 2.5, True, None]),
        ('{ a = "x", "b-c" = 1 }', {"a": "x", "b-c": 1}),
        ("concat([var.prefix], var.ids)", ["cce", "222222222222", "333333333333"]),
        ("merge({ a = 1, b = 2 }, { b = 3 })", {"a": 1, "b": 3}),
        (
            '[for id in var.ids : "arn:aws:iam::${id}:root"]',
            ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"],
        ),
        ('[for i, id in var.ids : "${i}:${id}"]', ["0:222222222222", "1:333333333333"]),
        ('{ for k, v in { b = 2, a = 1, c = 3 } : "x-${k}" => v if k != "c" }', {"x-a": 1, "x-b": 2}),
        ("var.with_default", "fallback"),
        ("data.aws_partition.current.partition", "aws"),
        (
            '"${data.aws_region.current.region}/${data.aws_caller_identity.current.account_id}"',
            "ap-northeast-2/111111111111",
        ),
        ("var.ids[1]", "333333333333"),
        ('{ a = { b = ["x", "y"] } }.a.b[0]', "x"),
    ],
)
def test_expressions_evaluate_as_terraform_does(tmp_path: Path, expression: str, value: Any) -> None:
    assert local(tmp_path, expression) == value


def test_a_for_expression_iterates_a_map_in_key_order(tmp_path: Path) -> None:
    assert list(local(tmp_path, "{ for k, v in { b = 1, a = 2 } : k => v }")) == ["a", "b"]
    assert local(tmp_path, "[for v in { b = 1, a = 2 } : v]") == [2, 1]


def test_locals_refer_to_other_locals(tmp_path: Path) -> None:
    assert local(tmp_path, 'local.names["bot"]', names='{ bot = "${var.prefix}-bot" }') == "cce-bot"


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("6 * 60", "the operator * is not supported"),
        ('var.prefix == "cce" ? 1 : 2', "conditional is not supported"),
        ("upper(var.prefix)", "the function upper() is not supported"),
        ("var.ids[*]", "is not supported"),
        ("module.central.worker_role_arn", "module references are not supported"),
        ("var.nope", "var.nope is not declared in module"),
        ("var.without_default", "var.without_default has no default and the world binds no value"),
        ("local.missing", "local.missing is not defined"),
        ("each.key", "each is known only inside a block with for_each"),
        ("var.ids[5]", "index 5 is out of range"),
        ('{ a = 1 }["b"]', "there is no key 'b' (keys: a)"),
        (
            "data.aws_region.current.endpoint",
            "data.aws_region.current.endpoint is not known to the local world",
        ),
        ('"x${null}"', "a null value cannot be part of a string"),
        ('{ for v in var.ids : "same" => v }', "the key 'same' is produced twice"),
    ],
)
def test_what_the_reader_does_not_know_fails_naming_file_block_and_expression(
    tmp_path: Path, expression: str, problem: str
) -> None:
    with pytest.raises(TerraformError) as caught:
        local(tmp_path, expression)
    assert str(caught.value).startswith("main.tf: locals it: cannot resolve `")
    assert problem in str(caught.value)


def test_a_local_that_refers_to_itself_fails(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match=r"local\.it refers to itself"):
        local(tmp_path, "local.other", other="local.it")


RESOURCES = """
resource "aws_sqs_queue" "jobs" {
  name = "${var.prefix}-jobs"
}
resource "aws_sqs_queue" "dead_letter" {
  for_each = { jobs = "${var.prefix}-jobs-dlq", events = "${var.prefix}-events-dlq" }
  name     = each.value
}
resource "aws_ssm_parameter" "config" {
  name = "/${var.prefix}/config"
}
resource "aws_iam_role" "nested" {
  name = "worker"
  path = "/service/"
}
resource "aws_dynamodb_table" "state" {
  name = "${var.prefix}-state"
}
resource "aws_s3_bucket" "results" {
  bucket = "results-111111111111"
}
resource "aws_kms_key" "this" {}
resource "aws_secretsmanager_secret" "slack" {
  name = "cce/slack"
}
resource "aws_lambda_function" "bot" {
  function_name = "${var.prefix}-bot"
}
resource "aws_cloudwatch_log_group" "bot" {
  name = "/aws/lambda/${aws_lambda_function.bot.function_name}"
}
locals {
  queues = { for key, queue in aws_sqs_queue.dead_letter : "dlq-${key}" => queue.arn }
}
"""


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("aws_sqs_queue.jobs.arn", "arn:aws:sqs:ap-northeast-2:111111111111:cce-jobs"),
        ("aws_sqs_queue.jobs.id", "https://sqs.ap-northeast-2.amazonaws.com/111111111111/cce-jobs"),
        ('aws_sqs_queue.dead_letter["events"].name', "cce-events-dlq"),
        ("aws_ssm_parameter.config.arn", "arn:aws:ssm:ap-northeast-2:111111111111:parameter/cce/config"),
        ("aws_iam_role.nested.arn", "arn:aws:iam::111111111111:role/service/worker"),
        ("aws_iam_role.nested.id", "worker"),
        ("aws_dynamodb_table.state.arn", "arn:aws:dynamodb:ap-northeast-2:111111111111:table/cce-state"),
        ("aws_s3_bucket.results.arn", "arn:aws:s3:::results-111111111111"),
        ("aws_kms_key.this.arn", "arn:aws:kms:ap-northeast-2:111111111111:key/k-1"),
        ("aws_kms_key.this.key_id", "k-1"),
        ("aws_lambda_function.bot.arn", "arn:aws:lambda:ap-northeast-2:111111111111:function:cce-bot"),
        (
            "aws_cloudwatch_log_group.bot.arn",
            "arn:aws:logs:ap-northeast-2:111111111111:log-group:/aws/lambda/cce-bot",
        ),
        (
            "local.queues",
            {
                "dlq-events": "arn:aws:sqs:ap-northeast-2:111111111111:cce-events-dlq",
                "dlq-jobs": "arn:aws:sqs:ap-northeast-2:111111111111:cce-jobs-dlq",
            },
        ),
    ],
)
def test_resource_attributes_are_formed_from_names_as_aws_forms_them(
    tmp_path: Path, expression: str, value: Any
) -> None:
    found = module(tmp_path, RESOURCES + f"locals {{\n  it = {expression}\n}}\n").local("it")
    assert found == value


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        (
            "aws_secretsmanager_secret.slack.arn",
            "AWS makes the ARN of aws_secretsmanager_secret.slack random",
        ),
        ("aws_sqs_queue.jobs.visibility_timeout_seconds", "is not an attribute the local world computes"),
        ('aws_sqs_queue.dead_letter["other"].arn', "there is no key 'other' (keys: events, jobs)"),
        ("aws_s3_bucket.other.arn", "aws_s3_bucket.other is not in this module"),
    ],
)
def test_resource_attributes_the_world_cannot_know_fail(
    tmp_path: Path, expression: str, problem: str
) -> None:
    with pytest.raises(TerraformError) as caught:
        module(tmp_path, RESOURCES + f"locals {{\n  it = {expression}\n}}\n").local("it")
    assert problem in str(caught.value)


def test_a_policy_document_is_rendered_from_its_blocks(tmp_path: Path) -> None:
    text = (
        RESOURCES
        + """
data "aws_iam_policy_document" "per_queue" {
  for_each = local.queues
  statement {
    sid       = "Deny"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
locals {
  it = data.aws_iam_policy_document.per_queue["dlq-jobs"].minified_json
}
"""
    )
    assert module(tmp_path, text).local("it") == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"Deny","Effect":"Deny","Action":"sqs:*",'
        '"Resource":"arn:aws:sqs:ap-northeast-2:111111111111:cce-jobs-dlq","Principal":"*",'
        '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
    )


def test_a_policy_document_with_an_unknown_block_fails(tmp_path: Path) -> None:
    text = """
data "aws_iam_policy_document" "odd" {
  dynamic "statement" {
    for_each = ["a"]
    content {
      actions = ["s3:*"]
    }
  }
}
locals {
  it = data.aws_iam_policy_document.odd.json
}
"""
    with pytest.raises(TerraformError, match=r"data\.aws_iam_policy_document\.odd has blocks dynamic"):
        module(tmp_path, text).local("it")
