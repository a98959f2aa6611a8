"""Documents as SSM checks them: CreateDocument's rules, Describe/GetDocument, sharing by ARN,
DocumentHash, and the agent's ``{{ }}`` substitution."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localworld.ssm.documents import parse_document, resolve_parameters, substitute
from localworld.ssm.emulator import SsmEmulator
from localworld.ssm.errors import InvalidParameters
from ssm_documents.document import render_document
from tests.localworld.ssm.conftest import ACCOUNT_A, ACCOUNT_B, HOST_A1, HOST_B1, REGION
from tests.localworld.ssm.documents_fixture import one_step, shell_document


def code_of(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_create_document_reports_the_sha256_hash_and_platforms(emulator: SsmEmulator, ssm_a: Any) -> None:
    content = one_step("echo hi")
    created = ssm_a.create_document(Name="Hello", Content=content, DocumentType="Command")[
        "DocumentDescription"
    ]
    described = ssm_a.describe_document(Name="Hello")["Document"]
    assert created["Hash"] == described["Hash"] == hashlib.sha256(content.encode()).hexdigest()
    assert described["HashType"] == "Sha256"
    assert described["PlatformTypes"] == ["Linux", "MacOS"]
    assert described["Owner"] == ACCOUNT_A
    assert described["SchemaVersion"] == "2.2"
    assert ssm_a.get_document(Name="Hello")["Content"] == content


def test_create_document_over_64_kb_is_max_document_size_exceeded(emulator: SsmEmulator, ssm_a: Any) -> None:
    content = one_step("echo " + "x" * (64 * 1024))
    with pytest.raises(ClientError) as info:
        ssm_a.create_document(Name="Big", Content=content, DocumentType="Command")
    assert code_of(info) == "MaxDocumentSizeExceeded"


@pytest.mark.parametrize("name", ["AWS-Mine", "amazonThing", "amzn-x", "aws.lower"])
def test_create_document_with_a_reserved_prefix_is_refused(
    emulator: SsmEmulator, ssm_a: Any, name: str
) -> None:
    with pytest.raises(ClientError) as info:
        ssm_a.create_document(Name=name, Content=one_step("true"), DocumentType="Command")
    assert code_of(info) == "ValidationException"


def test_create_document_with_a_name_outside_the_pattern_is_refused(
    emulator: SsmEmulator, raw_ssm_a: Any
) -> None:
    for name in ("has space", "x", "slash/name"):
        with pytest.raises(ClientError) as info:
            raw_ssm_a.create_document(Name=name, Content=one_step("true"), DocumentType="Command")
        assert code_of(info) == "ValidationException"


def test_create_document_twice_is_document_already_exists(emulator: SsmEmulator, ssm_a: Any) -> None:
    ssm_a.create_document(Name="Twice", Content=one_step("true"), DocumentType="Command")
    with pytest.raises(ClientError) as info:
        ssm_a.create_document(Name="Twice", Content=one_step("true"), DocumentType="Command")
    assert code_of(info) == "DocumentAlreadyExists"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{not json", "InvalidDocumentContent"),
        (one_step("echo {{ Undeclared }}"), "InvalidDocumentContent"),
        (
            json.dumps(
                {"schemaVersion": "2.2", "mainSteps": [{"action": "aws:nope", "name": "a", "inputs": {}}]}
            ),
            "InvalidDocumentContent",
        ),
        (json.dumps({"schemaVersion": "2.0", "mainSteps": []}), "InvalidDocumentSchemaVersion"),
        (json.dumps({"schemaVersion": "2.2", "mainSteps": []}), "InvalidDocumentContent"),
    ],
)
def test_create_document_refuses_invalid_content(
    emulator: SsmEmulator, ssm_a: Any, content: str, code: str
) -> None:
    with pytest.raises(ClientError) as info:
        ssm_a.create_document(Name="Broken", Content=content, DocumentType="Command")
    assert code_of(info) == code


def test_yaml_document_is_parsed_and_served_in_either_format(emulator: SsmEmulator, ssm_a: Any) -> None:
    content = "schemaVersion: '2.2'\ndescription: y\nmainSteps:\n- action: aws:runShellScript\n  name: a\n  inputs:\n    runCommand: [echo hi]\n"
    ssm_a.create_document(Name="Yaml", Content=content, DocumentType="Command", DocumentFormat="YAML")
    as_json = json.loads(ssm_a.get_document(Name="Yaml", DocumentFormat="JSON")["Content"])
    assert as_json["mainSteps"][0]["inputs"]["runCommand"] == ["echo hi"]


def test_unknown_document_is_invalid_document(emulator: SsmEmulator, ssm_a: Any) -> None:
    with pytest.raises(ClientError) as info:
        ssm_a.describe_document(Name="Nope")
    assert code_of(info) == "InvalidDocument"


def share(ssm: Any, name: str, *accounts: str) -> None:
    ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToAdd=list(accounts))


def arn(name: str, account: str = ACCOUNT_A, region: str = REGION) -> str:
    return f"arn:aws:ssm:{region}:{account}:document/{name}"


def test_shared_document_runs_by_arn_from_the_shared_account_only(
    emulator: SsmEmulator, ssm_a: Any, ssm_b: Any
) -> None:
    ssm_a.create_document(Name="Shared", Content=one_step("echo shared"), DocumentType="Command")
    with pytest.raises(ClientError) as before:
        ssm_b.send_command(InstanceIds=[HOST_B1], DocumentName=arn("Shared"))
    assert code_of(before) == "InvalidDocument"
    share(ssm_a, "Shared", ACCOUNT_B)
    assert ssm_a.describe_document_permission(Name="Shared", PermissionType="Share")["AccountIds"] == [
        ACCOUNT_B
    ]
    assert ssm_b.describe_document(Name=arn("Shared"))["Document"]["Owner"] == ACCOUNT_A
    command = ssm_b.send_command(InstanceIds=[HOST_B1], DocumentName=arn("Shared"))["Command"]
    assert command["Status"] == "Pending"
    with pytest.raises(ClientError) as by_name:
        ssm_b.send_command(InstanceIds=[HOST_B1], DocumentName="Shared")
    assert code_of(by_name) == "InvalidDocument"


def test_shared_document_is_listed_as_private_for_the_shared_account(
    emulator: SsmEmulator, ssm_a: Any, ssm_b: Any
) -> None:
    ssm_a.create_document(Name="Listed", Content=one_step("true"), DocumentType="Command")
    share(ssm_a, "Listed", ACCOUNT_B)
    private = ssm_b.list_documents(Filters=[{"Key": "Owner", "Values": ["Private"]}])["DocumentIdentifiers"]
    assert [d["Name"] for d in private] == [arn("Listed")]
    assert ssm_b.list_documents()["DocumentIdentifiers"] == []


def test_shared_document_in_another_region_is_invalid_document(
    emulator: SsmEmulator, ssm_a: Any, ssm_b: Any
) -> None:
    ssm_a.create_document(Name="Regional", Content=one_step("true"), DocumentType="Command")
    share(ssm_a, "Regional", ACCOUNT_B)
    with pytest.raises(ClientError) as info:
        ssm_b.send_command(InstanceIds=[HOST_B1], DocumentName=arn("Regional", region="us-east-1"))
    assert code_of(info) == "InvalidDocument"


def test_sharing_more_than_20_accounts_in_one_call_is_document_permission_limit(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    ssm_a.create_document(Name="Wide", Content=one_step("true"), DocumentType="Command")
    accounts = [f"{100000000000 + n}" for n in range(21)]
    with pytest.raises(ClientError) as info:
        share(ssm_a, "Wide", *accounts)
    assert code_of(info) == "DocumentPermissionLimit"
    share(ssm_a, "Wide", *accounts[:20])
    assert len(ssm_a.describe_document_permission(Name="Wide", PermissionType="Share")["AccountIds"]) == 20


def test_only_the_owner_can_share_and_a_shared_document_cannot_be_deleted(
    emulator: SsmEmulator, ssm_a: Any, ssm_b: Any
) -> None:
    ssm_a.create_document(Name="Owned", Content=one_step("true"), DocumentType="Command")
    share(ssm_a, "Owned", ACCOUNT_B)
    with pytest.raises(ClientError) as foreign:
        share(ssm_b, arn("Owned"), "333333333333")
    assert code_of(foreign) == "InvalidDocument"
    with pytest.raises(ClientError) as delete:
        ssm_a.delete_document(Name="Owned")
    assert code_of(delete) == "InvalidDocumentOperation"
    ssm_a.modify_document_permission(Name="Owned", PermissionType="Share", AccountIdsToRemove=[ACCOUNT_B])
    ssm_a.delete_document(Name="Owned")
    with pytest.raises(ClientError) as gone:
        ssm_a.describe_document(Name="Owned")
    assert code_of(gone) == "InvalidDocument"


def test_document_hash_mismatch_is_invalid_document(emulator: SsmEmulator, ssm_a: Any, ssm_b: Any) -> None:
    content = one_step("true")
    ssm_a.create_document(Name="Hashed", Content=content, DocumentType="Command")
    share(ssm_a, "Hashed", ACCOUNT_B)
    good = hashlib.sha256(content.encode()).hexdigest()
    ssm_b.send_command(
        InstanceIds=[HOST_B1], DocumentName=arn("Hashed"), DocumentHash=good, DocumentHashType="Sha256"
    )
    with pytest.raises(ClientError) as info:
        ssm_b.send_command(InstanceIds=[HOST_B1], DocumentName=arn("Hashed"), DocumentHash="0" * 64)
    assert code_of(info) == "InvalidDocument"


def test_substitution_is_raw_text_with_whitespace_and_double_dollar() -> None:
    types = {"url": "String", "list": "StringList"}
    params = {"url": ["http://h/x?a=1&b=$$2"], "list": ["a", "b"]}
    assert (
        substitute("curl '{{url}}' {{  url  }}", params, types)
        == "curl 'http://h/x?a=1&b=$2' http://h/x?a=1&b=$2"
    )
    assert substitute("echo {{ list }}", params, types) == 'echo ["a", "b"]'
    assert substitute("echo {{ other }} {{ssm:/x}}", params, types) == "echo {{ other }} {{ssm:/x}}"


def test_parameters_take_defaults_and_are_checked_by_full_match() -> None:
    spec = parse_document(
        shell_document(
            {"name": "a", "commands": ["echo {{ url }} {{ mode }}"]},
            parameters={
                "url": {"type": "String", "allowedPattern": "https://[a-z.]+/"},
                "mode": {"type": "String", "default": "fast", "allowedValues": ["fast", "slow"]},
            },
        )
    )
    assert resolve_parameters(spec, {"url": ["https://example.com/"]}) == {
        "url": ["https://example.com/"],
        "mode": ["fast"],
    }
    with pytest.raises(InvalidParameters):  # an unanchored search would accept the prefix
        resolve_parameters(spec, {"url": ["https://example.com/x'; rm -rf /"]})


def test_the_projects_command_document_is_accepted_and_its_patterns_hold(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    endpoint = "http://127.0.0.1:5555/cce-results/"
    content = render_document("cce-results", REGION, endpoint=endpoint)
    described = ssm_a.create_document(
        Name="cce-scan-kisa", Content=content, DocumentType="Command", DocumentFormat="YAML"
    )["DocumentDescription"]
    assert [p["Name"] for p in described["Parameters"]] == [
        "scriptUrl",
        "uploadUrl",
        "workingDirectory",
        "bundleSha256",
    ]
    assert described["PlatformTypes"] == ["Linux", "MacOS"]
    sha = "a" * 64
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0f"
    good = {
        "scriptUrl": [f"{endpoint}bundles/{sha}/script.tar?{query}"],
        "uploadUrl": [f"{endpoint}results/scan-1/{ACCOUNT_A}/{HOST_A1}.tar?{query}"],
        "workingDirectory": ["/var/lib/cce-scan/scan-1"],
        "bundleSha256": [sha],
    }
    assert ssm_a.send_command(InstanceIds=[HOST_A1], DocumentName="cce-scan-kisa", Parameters=good)["Command"]
    for name, bad in (
        ("scriptUrl", f"http://127.0.0.1:5555/other-bucket/bundles/{sha}/script.tar?{query}"),
        ("uploadUrl", good["uploadUrl"][0] + "'; reboot; '"),
        ("workingDirectory", "/var/lib/../../etc"),
        ("bundleSha256", "A" * 64),
    ):
        with pytest.raises(ClientError) as info:
            ssm_a.send_command(
                InstanceIds=[HOST_A1], DocumentName="cce-scan-kisa", Parameters={**good, name: [bad]}
            )
        assert code_of(info) == "InvalidParameters", name
