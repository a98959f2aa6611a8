"""The local Lambda service speaks the Invoke API to boto3 and delivers SQS like a mapping does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localworld.lambdas import FunctionSpec, LocalLambda
from tests.localworld import lambda_handlers

REGION = "ap-northeast-2"


@pytest.fixture
def service() -> Iterator[LocalLambda]:
    lambda_handlers.SEEN.clear()
    functions = [
        FunctionSpec("echo", "tests.localworld.lambda_handlers.echo"),
        FunctionSpec("crash", "tests.localworld.lambda_handlers.crash"),
        FunctionSpec("half", "tests.localworld.lambda_handlers.half_fails"),
    ]
    with LocalLambda(functions, account_id="111111111111", region=REGION) as running:
        yield running


def _client(service: LocalLambda):  # type: ignore[no-untyped-def]
    return boto3.client(
        "lambda",
        region_name=REGION,
        endpoint_url=service.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_request_response_invocation_returns_the_handlers_result(service: LocalLambda) -> None:
    answer = _client(service).invoke(FunctionName="echo", Payload=json.dumps({"a": 1}))
    body = json.loads(answer["Payload"].read())
    assert answer["StatusCode"] == 200
    assert body["echo"] == {"a": 1}
    assert body["function"] == "echo"
    assert body["remaining_ms"] > 0


def test_event_invocation_by_arn_with_qualifier_is_accepted_and_runs_later(service: LocalLambda) -> None:
    answer = _client(service).invoke(
        FunctionName=service.arn("echo") + ":live", InvocationType="Event", Payload=json.dumps({"lazy": True})
    )
    assert answer["StatusCode"] == 202
    service.settle(timeout=10)
    assert {"lazy": True} in lambda_handlers.SEEN


def test_a_crashing_handler_is_an_unhandled_function_error(service: LocalLambda) -> None:
    answer = _client(service).invoke(FunctionName="crash", Payload=b"{}")
    assert answer["FunctionError"] == "Unhandled"
    assert "boom" in json.loads(answer["Payload"].read())["errorMessage"]


def test_unknown_function_is_resource_not_found(service: LocalLambda) -> None:
    with pytest.raises(ClientError) as info:
        _client(service).invoke(FunctionName="nope", Payload=b"{}")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


@mock_aws
def test_sqs_mapping_deletes_processed_messages_and_keeps_reported_failures(service: LocalLambda) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 2, "fail": True}))
    service.map_sqs("half", url, sqs, wait_seconds=0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and lambda_handlers.SEEN.count({"n": 2, "fail": True}) < 2:
        time.sleep(0.05)
    # The failed message came back after its visibility timeout; the other was deleted once.
    assert lambda_handlers.SEEN.count({"n": 1}) == 1
    assert lambda_handlers.SEEN.count({"n": 2, "fail": True}) >= 2
