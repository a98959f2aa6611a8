"""The world's own response bodies read back through botocore's parsers as the result they came from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.parsers import create_parser

from localworld.wire import ec2_xml_body, json_body

_SESSION = botocore.session.get_session()


def _parse(service: str, operation: str, body: str) -> dict[str, Any]:
    model = _SESSION.get_service_model(service)
    shape = model.operation_model(operation).output_shape
    parser = create_parser(model.metadata["protocol"])
    # botocore parses with an operation's output shape even when it is None; the stubs want a Shape.
    parsed: dict[str, Any] = parser.parse(
        {"body": body.encode(), "headers": {}, "status_code": 200},
        shape,  # type: ignore[arg-type]
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


def _operation(service: str, name: str) -> Any:
    return _SESSION.get_service_model(service).operation_model(name)


def test_an_ssm_answer_reads_back_with_its_timestamps_and_numbers() -> None:
    seen = datetime(2026, 11, 27, 1, 2, 3, 456000, tzinfo=UTC)
    result = {
        "InstanceInformationList": [
            {
                "InstanceId": "i-0123456789abcdef0",
                "PingStatus": "Online",
                "LastPingDateTime": seen,
                "IsLatestVersion": True,
                "PlatformType": "Linux",
            }
        ],
        "NextToken": "abc",
    }
    assert _parse("ssm", "DescribeInstanceInformation", json_body(result)) == result


def test_an_ec2_answer_reads_back_with_nested_lists_tags_and_typed_members() -> None:
    launched = datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
    result = {
        "Reservations": [
            {
                "ReservationId": "r-0123456789abcdef0",
                "OwnerId": "111111111111",
                "Groups": [],
                "Instances": [
                    {
                        "InstanceId": "i-0123456789abcdef0",
                        "LaunchTime": launched,
                        "EbsOptimized": False,
                        "State": {"Code": 16, "Name": "running"},
                        "PrivateIpAddress": "10.0.0.5",
                        "Tags": [{"Key": "Name", "Value": "web-01 <prod> & co"}],
                    }
                ],
            }
        ],
        "NextToken": "b2Zmc2V0OjE=",
    }
    parsed = _parse("ec2", "DescribeInstances", ec2_xml_body(_operation("ec2", "DescribeInstances"), result))
    assert parsed == result


def test_members_the_shape_does_not_know_are_dropped_as_moto_drops_them() -> None:
    result = {"Reservations": [], "NotAMember": "x"}
    body = ec2_xml_body(_operation("ec2", "DescribeInstances"), result)
    assert "NotAMember" not in body
    assert _parse("ec2", "DescribeInstances", body) == {"Reservations": []}
