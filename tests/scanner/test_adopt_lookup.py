"""Adopting a command a dead dispatch sent: only the scan's own document, and a failed lookup raises
(answering "none sent" would send the host a second command)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from scanner.dispatch import comment_for, find_sent_command

HOST = "i-0123456789abcdef0"
ARN = "arn:aws:ssm:ap-northeast-2:111111111111:document/cce-scan-kisa"
COMMENT = comment_for("20261126T000000-abcdef")
SHELL, OTHER_SCAN, OURS, BY_NAME = (f"{n:08x}-0000-4000-8000-000000000000" for n in range(4))


def _ssm() -> tuple[Any, Stubber]:
    ssm: Any = boto3.client(
        "ssm", region_name="ap-northeast-2", aws_access_key_id="k", aws_secret_access_key="s"
    )
    return ssm, Stubber(ssm)


def _listed(*commands: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "Commands": [
            {"CommandId": c, "DocumentName": d, "Comment": m, "InstanceIds": [HOST]} for c, d, m in commands
        ]
    }


def test_only_a_command_of_the_scans_document_is_adopted_by_arn_or_name() -> None:
    ssm, stub = _ssm()
    expected = {"InstanceId": HOST, "MaxResults": 50}
    stub.add_response(
        "list_commands",
        _listed(
            (SHELL, "AWS-RunShellScript", COMMENT),  # same comment, another document: not ours
            (OTHER_SCAN, ARN, "cce-scan 20261126T000000-ffffff"),
            (OURS, ARN, COMMENT),
        ),
        expected,
    )
    stub.add_response("list_commands", _listed((BY_NAME, "cce-scan-kisa", COMMENT)), expected)
    stub.add_response("list_commands", _listed((SHELL, "AWS-RunShellScript", COMMENT)), expected)
    with stub:
        assert find_sent_command(ssm, HOST, COMMENT, ARN) == OURS
        assert find_sent_command(ssm, HOST, COMMENT, ARN) == BY_NAME
        assert find_sent_command(ssm, HOST, COMMENT, ARN) is None


@pytest.mark.parametrize("code", ["AccessDeniedException", "InternalServerError", "InvalidInstanceId"])
def test_a_failed_lookup_raises_instead_of_answering_none_sent(code: str) -> None:
    ssm, stub = _ssm()
    stub.add_client_error("list_commands", service_error_code=code, http_status_code=400)
    with stub, pytest.raises(ClientError):
        find_sent_command(ssm, HOST, COMMENT, ARN)
