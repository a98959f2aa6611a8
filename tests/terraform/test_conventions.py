"""Module conventions: typed, described and validated variables, pinned providers, no literal ARNs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.terraform.hcl import (
    CENTRAL,
    EXAMPLE,
    MEMBER,
    MODULES,
    ROOT,
    blocks,
    checkov_skips,
    parse_file,
    parse_text,
    tf_files,
)

MODULE_IDS = [str(m.relative_to(ROOT)) for m in MODULES]
# Variables that name an account, an organization, an IAM/S3/SSM name or an ExternalId: validated.
VALIDATED = re.compile(r"(account_id|account_ids|organization_id|_name|name_prefix|external_id|region)$")


@pytest.mark.parametrize("module", MODULES, ids=MODULE_IDS)
def test_module_has_the_standard_files(module: Path) -> None:
    names = {p.name for p in module.glob("*.tf")}

    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= names


@pytest.mark.parametrize("module", MODULES, ids=MODULE_IDS)
def test_every_variable_is_typed_and_described(module: Path) -> None:
    variables = blocks(module, "variable")

    assert variables
    for variable in variables:
        assert variable.body.get("type"), f"{module.name}: variable {variable.name} has no type"
        assert len(str(variable.body.get("description", ""))) >= 10, (
            f"{module.name}: variable {variable.name} has no useful description"
        )


@pytest.mark.parametrize("module", MODULES, ids=MODULE_IDS)
def test_account_id_and_name_variables_are_validated(module: Path) -> None:
    checked = [v for v in blocks(module, "variable") if VALIDATED.search(v.name)]

    assert checked, f"{module.name}: expected account ID or name variables"
    for variable in checked:
        validations = variable.body.get("validation", [])
        assert validations, f"{module.name}: variable {variable.name} has no validation block"
        for validation in validations:
            assert f"var.{variable.name}" in validation["condition"]
            assert validation["error_message"]


def test_account_id_validations_demand_twelve_digits() -> None:
    for module in MODULES:
        for variable in blocks(module, "variable"):
            if variable.name.endswith(("account_id", "account_ids")):
                conditions = " ".join(v["condition"] for v in variable.body["validation"])
                assert "[0-9]{12}" in conditions, f"{module.name}: {variable.name}"


@pytest.mark.parametrize(
    "path", [*tf_files(), EXAMPLE / "terraform.tfvars.example"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_literal_aws_partition_arn(path: Path) -> None:
    assert "arn:aws:" not in path.read_text(encoding="utf-8")


def test_arns_are_built_from_partition_and_caller_identity() -> None:
    for module in (CENTRAL, MEMBER):
        data = {(b.type, b.name) for b in blocks(module, "data")}
        assert ("aws_partition", "current") in data
        assert ("aws_caller_identity", "current") in data
        text = "".join(p.read_text(encoding="utf-8") for p in module.glob("*.tf"))
        built = re.findall(r"arn:\$\{([^}]+)\}:", text)
        assert built, f"{module.name} builds no ARN"
        assert set(built) == {"local.partition"}, (
            f"{module.name}: ARNs must use local.partition: {set(built)}"
        )


@pytest.mark.parametrize("module", MODULES, ids=MODULE_IDS)
def test_terraform_and_provider_versions_are_pinned(module: Path) -> None:
    terraform = parse_file(module / "versions.tf")["terraform"][0]
    aws = terraform["required_providers"][0]["aws"]

    assert re.search(r"<|~>", terraform["required_version"]), "required_version needs an upper bound"
    assert aws["source"] == "hashicorp/aws"
    assert re.fullmatch(r"~> \d+\.\d+", aws["version"]), (
        f"aws provider version must be pinned: {aws['version']}"
    )


def test_every_output_is_described() -> None:
    for module in MODULES:
        for output in blocks(module, "output"):
            assert output.body.get("description"), f"{module.name}: output {output.name}"


def test_central_outputs_what_slack_and_the_members_need() -> None:
    names = {o.name for o in blocks(CENTRAL, "output")}

    assert {"function_url", "slack_request_url", "worker_role_arn", "document_arn"} <= names


def test_tfvars_example_sets_only_declared_variables_and_every_required_one() -> None:
    example = parse_text((EXAMPLE / "terraform.tfvars.example").read_text(encoding="utf-8"))
    variables = {v.name: v for v in blocks(EXAMPLE, "variable")}
    required = {name for name, v in variables.items() if "default" not in v.body}

    assert set(example) <= set(variables), f"undeclared: {set(example) - set(variables)}"
    assert required <= set(example), f"missing: {required - set(example)}"


def test_example_wires_two_members_through_provider_aliases() -> None:
    modules = {m.name: m.body for m in blocks(EXAMPLE, "module")}

    assert modules["central"]["source"] == "../../modules/central"
    for member in ("member_a", "member_b"):
        assert modules[member]["source"] == "../../modules/member_role"
        assert modules[member]["providers"] == {"aws": f"${{aws.{member}}}"}
        assert modules[member]["central_worker_role_arn"] == "${module.central.worker_role_arn}"
        assert modules[member]["document_arn"] == "${module.central.document_arn}"


def test_every_checkov_skip_sits_on_its_resource_with_a_reason() -> None:
    skips = checkov_skips()

    assert skips, "expected the justified skips to be found"
    for path, number, check, reason in skips:
        assert len(reason) >= 30, f"{path.name}:{number} {check}: the reason must say why"
        lines = path.read_text(encoding="utf-8").splitlines()[: number - 1]
        header = next(line for line in reversed(lines) if "checkov:skip" not in line)
        assert re.match(r'^(resource|data) "', header), (
            f"{path.name}:{number}: skip is not at the top of a block"
        )


def test_module_calls_in_the_deploy_guide_set_declared_and_required_variables() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```hcl\n(.*?)```", guide, flags=re.S)
    calls = [
        call for snippet in snippets for entry in parse_text(snippet)["module"] for call in entry.values()
    ]
    modules = {"central": CENTRAL, "member_role": MEMBER}

    assert len(calls) == 2
    for call in calls:
        module = modules[call["source"].rsplit("/", 1)[1]]
        variables = {v.name: v for v in blocks(module, "variable")}
        required = {name for name, v in variables.items() if "default" not in v.body}
        arguments = set(call) - {"source", "providers"}
        assert arguments <= set(variables), f"undeclared: {arguments - set(variables)}"
        assert required <= arguments, f"missing: {required - arguments}"


def test_the_manifest_placeholder_the_guide_names_is_in_the_manifest() -> None:
    manifest = (ROOT / "bot" / "manifest.yaml").read_text(encoding="utf-8")

    assert "https://FUNCTION_URL/" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert manifest.count("https://FUNCTION_URL/") >= 2
