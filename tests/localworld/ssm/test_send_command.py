"""SendCommand's validation with the real error codes, checked in AWS's order: the API model's
constraints (ValidationException) first, then the document, its parameters, the size, the nodes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from localworld.ssm.emulator import SsmEmulator, expired_parameters
from tests.localworld.ssm.conftest import HOST_A1, HOST_A2, HOST_B1, HOST_STOPPED, HOST_TERMINATED
from tests.localworld.ssm.documents_fixture import shell_document

URL_PATTERN = r"^https://bucket\.example/[A-Za-z0-9/._-]+\?[A-Za-z0-9=&%._-]+$"


@pytest.fixture
def document(emulator: SsmEmulator, ssm_a: Any) -> str:
    content = shell_document(
        {"name": "fetch", "commands": ["curl -fsS '{{ url }}' -o b.tar"]},
        {"name": "run", "commands": ["echo {{ mode }}"]},
        parameters={
            "url": {"type": "String", "allowedPattern": URL_PATTERN},
            "mode": {"type": "String", "default": "fast", "allowedValues": ["fast", "slow"]},
        },
    )
    ssm_a.create_document(Name="Strict", Content=content, DocumentType="Command")
    return "Strict"


GOOD_URL = "https://bucket.example/bundles/x.tar?X-Amz-Signature=abc&X-Amz-Expires=60"


def error(client: Any, **request: Any) -> tuple[str, str]:
    request.setdefault("InstanceIds", [HOST_A1])
    request.setdefault("DocumentName", "Strict")
    request.setdefault("Parameters", {"url": [GOOD_URL]})
    with pytest.raises(ClientError) as info:
        client.send_command(**request)
    return str(info.value.response["Error"]["Code"]), str(info.value.response["Error"]["Message"])


def test_a_valid_command_starts_pending_with_no_completion(document: str, ssm_a: Any) -> None:
    command = ssm_a.send_command(
        InstanceIds=[HOST_A1, HOST_A2], DocumentName=document, Parameters={"url": [GOOD_URL]}
    )["Command"]
    assert command["Status"] == "Pending"
    assert (command["TargetCount"], command["CompletedCount"], command["ErrorCount"]) == (2, 0, 0)
    assert command["Parameters"] == {"url": [GOOD_URL], "mode": ["fast"]}
    assert len(command["CommandId"]) == 36


def test_unknown_document_is_invalid_document(document: str, ssm_a: Any) -> None:
    assert error(ssm_a, DocumentName="NoSuchDoc")[0] == "InvalidDocument"


@pytest.mark.parametrize(
    ("parameters", "fragment"),
    [
        ({"url": [GOOD_URL], "extra": ["x"]}, "not defined"),
        ({"mode": ["fast"]}, "required"),
        ({"url": [GOOD_URL + "'; rm -rf /; '"]}, "regular expression"),
        ({"url": ["xx" + GOOD_URL]}, "regular expression"),
        ({"url": [GOOD_URL], "mode": ["turbo"]}, "allowed values"),
        ({"url": [GOOD_URL, GOOD_URL]}, "exactly one"),
    ],
)
def test_bad_parameters_are_invalid_parameters(
    document: str, ssm_a: Any, parameters: dict[str, list[str]], fragment: str
) -> None:
    code, message = error(ssm_a, Parameters=parameters)
    assert code == "InvalidParameters"
    assert fragment in message


def test_document_and_parameter_values_over_64_kb_are_max_document_size_exceeded(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    content = shell_document(
        {"name": "a", "commands": ["echo {{ blob }}"]}, parameters={"blob": {"type": "String"}}
    )
    ssm_a.create_document(Name="Sized", Content=content, DocumentType="Command")
    room = 64 * 1024 - len(content.encode())
    ssm_a.send_command(InstanceIds=[HOST_A1], DocumentName="Sized", Parameters={"blob": ["x" * room]})
    code, _ = error(ssm_a, DocumentName="Sized", Parameters={"blob": ["x" * (room + 1)]})
    assert code == "MaxDocumentSizeExceeded"


@pytest.mark.parametrize("instance_id", ["i-0f0000000000000ff", HOST_TERMINATED, HOST_B1])
def test_unknown_terminated_or_foreign_node_is_invalid_instance_id(
    document: str, ssm_a: Any, instance_id: str
) -> None:
    assert error(ssm_a, InstanceIds=[HOST_A1, instance_id])[0] == "InvalidInstanceId"


def test_stopped_node_is_accepted_and_ends_undeliverable(document: str, ssm_a: Any) -> None:
    command = ssm_a.send_command(
        InstanceIds=[HOST_STOPPED], DocumentName=document, Parameters={"url": [GOOD_URL]}
    )
    assert command["Command"]["TargetCount"] == 1


def test_the_document_is_checked_before_the_nodes(document: str, ssm_a: Any) -> None:
    assert error(ssm_a, DocumentName="NoSuchDoc", InstanceIds=[HOST_B1])[0] == "InvalidDocument"
    assert error(ssm_a, Parameters={}, InstanceIds=[HOST_B1])[0] == "InvalidParameters"


def test_more_than_50_instance_ids_is_a_validation_exception(document: str, ssm_a: Any) -> None:
    many = [f"i-0e{n:015x}" for n in range(51)]
    code, message = error(ssm_a, InstanceIds=many, DocumentName="NoSuchDoc")
    assert code == "ValidationException"
    assert "less than or equal to 50" in message


def test_duplicate_instance_ids_are_duplicate_instance_id(document: str, ssm_a: Any) -> None:
    assert error(ssm_a, InstanceIds=[HOST_A1, HOST_A1])[0] == "DuplicateInstanceId"


def test_timeout_seconds_outside_30_to_2592000_is_refused(document: str, ssm_a: Any, raw_ssm_a: Any) -> None:
    with pytest.raises(ParamValidationError):  # botocore refuses < 30 before sending
        ssm_a.send_command(InstanceIds=[HOST_A1], DocumentName=document, TimeoutSeconds=29)
    for value in (29, 2_592_001):  # and the service refuses both bounds
        code, message = error(raw_ssm_a, TimeoutSeconds=value)
        assert code == "ValidationException"
        assert "timeoutSeconds" in message
    for value in (30, 2_592_000):
        command = ssm_a.send_command(
            InstanceIds=[HOST_A1], DocumentName=document, TimeoutSeconds=value, Parameters={"url": [GOOD_URL]}
        )
        assert command["Command"]["TimeoutSeconds"] == value


def test_comment_over_100_characters_is_refused(document: str, raw_ssm_a: Any) -> None:
    code, message = error(raw_ssm_a, Comment="c" * 101)
    assert code == "ValidationException"
    assert "comment" in message


def test_instance_ids_and_targets_together_or_neither_are_refused(document: str, ssm_a: Any) -> None:
    targets = [{"Key": "InstanceIds", "Values": [HOST_A1]}]
    assert error(ssm_a, Targets=targets)[0] == "ValidationException"
    assert error(ssm_a, InstanceIds=[])[0] == "ValidationException"


def test_tag_targets_resolve_to_running_nodes_of_the_caller(document: str, ssm_a: Any) -> None:
    command = ssm_a.send_command(
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
        DocumentName=document,
        Parameters={"url": [GOOD_URL]},
    )["Command"]
    assert command["InstanceIds"] == []
    assert command["Targets"] == [{"Key": "tag:role", "Values": ["web"]}]
    assert command["TargetCount"] == 2


def test_an_expire_urls_host_sees_its_urls_signed_long_ago_and_nothing_else_changes() -> None:
    url = (
        "http://127.0.0.1:1/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261126T101010Z&X-Amz-Expires=60"
    )
    seen = expired_parameters({"scriptUrl": [url], "workingDirectory": ["/w/X-Amz-Date=20261126T101010Z"]})
    assert seen["scriptUrl"] == [url.replace("20261126T101010Z", "20000101T000000Z")]
    assert seen["workingDirectory"] == ["/w/X-Amz-Date=20261126T101010Z"]
