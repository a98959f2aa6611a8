"""The local Lambda service speaks the Invoke API to boto3, runs each function in execution
environments of its own (processes, through the Lambda Runtime API) and delivers SQS like a
mapping does."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localworld.lambdas import FunctionSpec, LocalLambda

REGION = "ap-northeast-2"
HANDLERS = "tests.localworld.lambda_handlers"


def _credentials(spec: FunctionSpec) -> Mapping[str, str]:
    return {"AWS_ACCESS_KEY_ID": f"KEY-OF-{spec.name}", "AWS_SECRET_ACCESS_KEY": "secret"}


def _denied_for_crash(headers: Mapping[str, str], resource: str) -> str | None:
    return f"not allowed: {resource}" if ":function:crash" in resource else None


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalLambda]:
    functions = [
        FunctionSpec("echo", f"{HANDLERS}.echo", environment={"MARKER": "echo's own"}),
        FunctionSpec("crash", f"{HANDLERS}.crash"),
        FunctionSpec("half", f"{HANDLERS}.half_fails"),
        FunctionSpec("slow", f"{HANDLERS}.sleep", timeout_s=1.0, max_concurrency=2),
        FunctionSpec("slow-batches", f"{HANDLERS}.sleep_records", timeout_s=2.0, max_concurrency=2),
        FunctionSpec("die", f"{HANDLERS}.die"),
        FunctionSpec("broken", "tests.localworld.lambda_broken.handler"),
    ]
    with LocalLambda(
        functions,
        account_id="111111111111",
        region=REGION,
        credentials=_credentials,
        log_dir=tmp_path,
        async_retry_delays=(0.1, 0.2),
    ) as running:
        yield running


def _client(service: LocalLambda) -> Any:
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


def test_a_function_runs_in_a_process_of_its_own_with_its_environment_and_credentials(
    service: LocalLambda,
) -> None:
    import os

    body = service.invoke("echo", {})
    assert body["pid"] != os.getpid()
    assert body["marker"] == "echo's own"
    assert body["access_key"] == "KEY-OF-echo"


def test_a_warm_environment_serves_the_next_invocation_without_a_cold_start(service: LocalLambda) -> None:
    first = service.invoke("echo", {"n": 1})
    second = service.invoke("echo", {"n": 2})
    assert (second["pid"], second["started_at"]) == (first["pid"], first["started_at"])


def test_invocations_at_once_run_in_environments_side_by_side(service: LocalLambda) -> None:
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(service.invoke("slow", {"seconds": 0.5})))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({result["pid"] for result in results}) == 2


def test_event_invocation_by_arn_with_qualifier_is_accepted_and_runs_later(service: LocalLambda) -> None:
    answer = _client(service).invoke(
        FunctionName=service.arn("echo") + ":live", InvocationType="Event", Payload=json.dumps({"lazy": True})
    )
    assert answer["StatusCode"] == 202
    service.settle(timeout=30)
    assert any(i.kind == "Event" and i.payload == {"lazy": True} for i in service.invocations)


def test_a_failed_event_invocation_is_tried_twice_more_then_given_up(service: LocalLambda) -> None:
    service.invoke_async("crash", {"n": 1})
    service.settle(timeout=30)
    tries = [i for i in service.invocations if i.function == "crash" and i.kind == "Event"]
    assert len(tries) == 3
    assert all(i.error is not None and "boom" in i.error for i in tries)


def test_a_crashing_handler_is_an_unhandled_function_error(service: LocalLambda) -> None:
    answer = _client(service).invoke(FunctionName="crash", Payload=b"{}")
    assert answer["FunctionError"] == "Unhandled"
    assert "boom" in json.loads(answer["Payload"].read())["errorMessage"]


def test_a_handler_past_its_timeout_is_stopped_with_lambdas_message(service: LocalLambda) -> None:
    with pytest.raises(RuntimeError, match=r"Task timed out after 1\.00 seconds"):
        service.invoke("slow", {"seconds": 30})
    assert service.invoke("slow", {"seconds": 0})["slept"] == 0  # a new environment takes over


def test_an_environment_whose_process_dies_fails_its_invocation(service: LocalLambda) -> None:
    with pytest.raises(RuntimeError, match="the runtime exited with status 3"):
        service.invoke("die", {})


def test_a_handler_module_that_cannot_be_imported_fails_the_invocation_with_its_init_error(
    service: LocalLambda,
) -> None:
    with pytest.raises(RuntimeError, match=r"Runtime\.InitError.*cannot be imported"):
        service.invoke("broken", {})


def test_an_injected_crash_after_the_handler_fails_the_invocation_whose_work_was_done(
    service: LocalLambda,
) -> None:
    fired: list[str] = []
    service.on_fire = fired.append
    service.crash_after_next("echo")
    with pytest.raises(RuntimeError, match="died after the handler returned"):
        service.invoke("echo", {"n": 1})
    assert service.invoke("echo", {"n": 2})["echo"] == {"n": 2}
    assert fired == ["crash of echo after its handler returned"]


def test_unknown_function_is_resource_not_found(service: LocalLambda) -> None:
    with pytest.raises(ClientError) as info:
        _client(service).invoke(FunctionName="nope", Payload=b"{}")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_invoke_the_authorizer_refuses_is_access_denied(tmp_path: Path) -> None:
    functions = [FunctionSpec("crash", f"{HANDLERS}.crash")]
    with (
        LocalLambda(
            functions, account_id="111111111111", region=REGION, authorize=_denied_for_crash
        ) as running,
        pytest.raises(ClientError) as info,
    ):
        _client(running).invoke(FunctionName="crash", Payload=b"{}")
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "arn:aws:lambda:ap-northeast-2:111111111111:function:crash" in str(info.value)
    assert not running.invocations


@mock_aws
def test_sqs_mapping_deletes_processed_messages_and_keeps_reported_failures(service: LocalLambda) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 2, "fail": True}))
    service.map_sqs("half", url, sqs, wait_seconds=0)

    def delivered(body: dict[str, Any]) -> int:
        return sum(
            1
            for i in list(service.invocations)
            if i.kind == "SQS"
            for record in i.payload["Records"]
            if json.loads(record["body"]) == body
        )

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and delivered({"n": 2, "fail": True}) < 2:
        time.sleep(0.05)
    # The failed message came back after its visibility timeout; the other was deleted once.
    assert delivered({"n": 1}) == 1
    assert delivered({"n": 2, "fail": True}) >= 2


def _sqs_batches(service: LocalLambda, function: str) -> list[list[int]]:
    return [
        [json.loads(record["body"])["n"] for record in i.payload["Records"]]
        for i in list(service.invocations)
        if i.kind == "SQS" and i.function == function
    ]


def _wait_for(service: LocalLambda, function: str, messages: int, sqs: Any, url: str) -> list[list[int]]:
    """The batches ``function`` got, once ``messages`` were delivered and deleted from the queue
    (the mapping deletes a batch after its invocation: the test must not end before that)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sum(map(len, _sqs_batches(service, function))) < messages:
        time.sleep(0.05)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.monotonic() < deadline and any(
        int(value)
        for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
    ):
        time.sleep(0.05)
    return _sqs_batches(service, function)


@mock_aws
@pytest.mark.parametrize(("window", "first"), [(0.0, [1]), (2.0, [1, 2, 3])])
def test_an_sqs_mapping_gathers_messages_for_its_batching_window(
    service: LocalLambda, window: float, first: list[int]
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    service.map_sqs("echo", url, sqs, batch_size=10, window_seconds=window, wait_seconds=1)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    time.sleep(0.5)  # the first message is received alone; the others come while the window is open
    for n in (2, 3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))

    batches = _wait_for(service, "echo", 3, sqs, url)
    assert batches[0] == first  # without a window, the first message went alone
    assert sorted(n for batch in batches for n in batch) == [1, 2, 3]


@mock_aws
def test_an_sqs_mapping_of_batch_size_one_invokes_once_a_message_and_its_pollers_run_at_once(
    service: LocalLambda,
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    for n in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n, "seconds": 0.5}))
    service.map_sqs("slow-batches", url, sqs, batch_size=1, concurrency=2, wait_seconds=0)

    batches = _wait_for(service, "slow-batches", 4, sqs, url)
    assert sorted(batches) == [[0], [1], [2], [3]]
    runs = sorted((i.started, i.ended) for i in service.invocations if i.function == "slow-batches")
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(runs))  # two at a time


def test_an_sqs_mapping_refuses_what_lambda_refuses(service: LocalLambda) -> None:
    with pytest.raises(ValueError, match="needs a MaximumBatchingWindowInSeconds"):
        service.map_sqs("echo", "https://queue", None, batch_size=20, window_seconds=0)


def test_what_a_functions_environments_used_is_read_from_the_process(service: LocalLambda) -> None:
    service.invoke("echo", {"n": 1})

    usage = service.usage()

    assert usage["echo"].environments == 1
    assert 10 < usage["echo"].peak_rss_mb < 1024  # a Python process with boto3 loaded
    assert usage["echo"].cpu_seconds > 0  # its start at least
    assert "crash" not in usage  # never invoked, never started
