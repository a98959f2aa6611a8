"""Synthetic hosts: no shell, the same API and state machine, outcomes from the host's spec, and
a valid result tar PUT through the command's presigned URL; cheap enough for 5,000 hosts."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from localworld.fleet import FleetSpec, SyntheticBehaviour, synthetic_fleet
from localworld.ssm import ManualClock
from localworld.ssm.synthetic import http_put
from scanner.findings.analysis import analyze_tar
from scanner.findings.keys import parse_result_key
from scanner.outcomes import HostOutcome
from tests.localworld.ssm.conftest import (
    ACCOUNT_A,
    REGION,
    Factory,
    invocations,
    plugins,
    synthetic_host,
    wait_for_command,
)
from tests.localworld.ssm.documents_fixture import shell_document

UPLOAD_DOCUMENT = shell_document(
    {
        "name": "download",
        "commands": ["curl -fsS --retry 3 '{{ scriptUrl }}' -o script.tar"],
        "inputs": {"onFailure": "exit"},
    },
    {"name": "run", "commands": ["sh script.sh"], "inputs": {"onFailure": "exit", "timeoutSeconds": 600}},
    {"name": "upload", "commands": ["curl -fsS --retry 3 -X PUT -T result.tar '{{ uploadUrl }}'"]},
    parameters={
        "scriptUrl": {"type": "String", "allowedPattern": r"^http://127\.0\.0\.1:[0-9]+/[^'\s]+$"},
        "uploadUrl": {"type": "String", "allowedPattern": r"^http://127\.0\.0\.1:[0-9]+/[^'\s]+$"},
    },
)


@pytest.fixture
def s3(sessions: dict[str, boto3.Session], endpoint: str) -> Any:
    # The fixture hands the tests a client that also carries its bucket's name.
    client: Any = sessions[ACCOUNT_A].client(
        "s3", endpoint_url=endpoint, config=Config(signature_version="s3v4", s3={"addressing_style": "path"})
    )
    bucket = f"synthetic-results-{time.monotonic_ns()}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.bucket = bucket
    return client


def urls(s3: Any, key: str) -> dict[str, list[str]]:
    get = s3.generate_presigned_url(
        "get_object", Params={"Bucket": s3.bucket, "Key": "bundle.tar"}, ExpiresIn=600
    )
    put = s3.generate_presigned_url("put_object", Params={"Bucket": s3.bucket, "Key": key}, ExpiresIn=600)
    return {"scriptUrl": [get], "uploadUrl": [put]}


def test_a_successful_synthetic_host_uploads_a_valid_result_tar(
    make_emulator: Factory, ssm_a: Any, s3: Any
) -> None:
    host = "i-05000000000000001"
    make_emulator(fleet=FleetSpec(hosts=(synthetic_host(host),)))
    ssm_a.create_document(Name="Upload", Content=UPLOAD_DOCUMENT, DocumentType="Command")
    command_id = ssm_a.send_command(
        InstanceIds=[host], DocumentName="Upload", Parameters=urls(s3, "results/h.tar")
    )["Command"]["CommandId"]
    command = wait_for_command(ssm_a, command_id)
    assert (command["Status"], command["CompletedCount"]) == ("Success", 1)
    steps = plugins(invocations(ssm_a, command_id)[host])
    assert [(p["Name"], p["Status"], p["ResponseCode"]) for p in steps.values()] == [
        ("download", "Success", 0),
        ("run", "Success", 0),
        ("upload", "Success", 0),
    ]
    body = s3.get_object(Bucket=s3.bucket, Key="results/h.tar")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert sorted(tar.getnames()) == ["meta.json", "results.jsonl"]
        lines = [json.loads(line) for line in tar.extractfile("results.jsonl").read().splitlines()]  # type: ignore[union-attr]
    assert [line["type"] for line in lines] == ["item"] * 67 + ["summary"]
    assert sum(lines[-1]["counts"].values()) == 67
    # valid as the analyzer judges a host's tar: the edition's items, severities and titles
    analyzed = analyze_tar(body, parse_result_key(f"results/20261207T000000-abcdef/111111111111/{host}.tar"))
    assert (analyzed.analysis.outcome, analyzed.analysis.reason) == (HostOutcome.SUCCEEDED, None)
    assert len(analyzed.findings) == 67


@pytest.mark.parametrize(
    ("outcome", "expected", "details"),
    [
        ("fail_download", [("Failed", 22), ("Success", 0), ("Success", 0)], "Failed"),
        ("fail_checks", [("Success", 0), ("Failed", 1), ("Success", 0)], "Failed"),
        ("fail_upload", [("Success", 0), ("Success", 0), ("Failed", 22)], "Failed"),
        ("crash", [("Success", 0), ("Failed", -1), ("Success", 0)], "Failed"),
    ],
)
def test_synthetic_outcomes_follow_the_spec_and_on_failure(
    make_emulator: Factory, ssm_a: Any, s3: Any, outcome: str, expected: list[tuple[str, int]], details: str
) -> None:
    host = "i-05000000000000002"
    make_emulator(fleet=FleetSpec(hosts=(synthetic_host(host, outcome),)))
    ssm_a.create_document(Name="Upload", Content=UPLOAD_DOCUMENT, DocumentType="Command")
    key = f"results/{outcome}.tar"
    command_id = ssm_a.send_command(InstanceIds=[host], DocumentName="Upload", Parameters=urls(s3, key))[
        "Command"
    ]["CommandId"]
    wait_for_command(ssm_a, command_id)
    invocation = invocations(ssm_a, command_id)[host]
    assert [(p["Status"], p["ResponseCode"]) for p in invocation["CommandPlugins"]] == expected
    skipped = [p["StatusDetails"] == "Skipped" for p in invocation["CommandPlugins"]]
    assert skipped == [False] * expected.index(next(e for e in expected if e[0] == "Failed")) + [False] + [
        True
    ] * (2 - expected.index(next(e for e in expected if e[0] == "Failed")))
    assert invocation["StatusDetails"] == details
    assert s3.list_objects_v2(Bucket=s3.bucket, Prefix=key).get("KeyCount", 0) == 0


def test_a_refused_upload_fails_the_upload_step(make_emulator: Factory, ssm_a: Any, s3: Any) -> None:
    host = "i-05000000000000003"
    make_emulator(fleet=FleetSpec(hosts=(synthetic_host(host),)))
    ssm_a.create_document(Name="Upload", Content=UPLOAD_DOCUMENT, DocumentType="Command")
    parameters = urls(s3, "x.tar")
    parameters["uploadUrl"] = [parameters["uploadUrl"][0].replace(s3.bucket, "no-such-bucket-anywhere")]
    command_id = ssm_a.send_command(InstanceIds=[host], DocumentName="Upload", Parameters=parameters)[
        "Command"
    ]["CommandId"]
    wait_for_command(ssm_a, command_id)
    upload = plugins(invocations(ssm_a, command_id)[host])["upload"]
    assert (upload["Status"], upload["ResponseCode"]) == ("Failed", 22)
    assert "404" in upload["Output"]


def test_a_hanging_synthetic_host_times_out_at_the_step_timeout(
    make_emulator: Factory, ssm_a: Any, s3: Any
) -> None:
    host = "i-05000000000000004"
    clock = ManualClock()
    make_emulator(fleet=FleetSpec(hosts=(synthetic_host(host, "hang"),)), clock=clock)
    ssm_a.create_document(Name="Upload", Content=UPLOAD_DOCUMENT, DocumentType="Command")
    command_id = ssm_a.send_command(InstanceIds=[host], DocumentName="Upload", Parameters=urls(s3, "h.tar"))[
        "Command"
    ]["CommandId"]
    deadline = time.monotonic() + 5
    while invocations(ssm_a, command_id)[host]["Status"] != "InProgress" and time.monotonic() < deadline:
        clock.advance(0.01)
        time.sleep(0.01)
    clock.advance(599.0)
    assert invocations(ssm_a, command_id)[host]["Status"] == "InProgress"
    clock.advance(2.0)
    invocation = invocations(ssm_a, command_id)[host]
    assert (invocation["Status"], invocation["StatusDetails"]) == ("TimedOut", "ExecutionTimedOut")
    assert plugins(invocation)["run"]["ResponseCode"] == 137


def test_a_synthetic_host_uploads_when_its_upload_step_starts_not_when_it_picks_the_command_up(
    make_emulator: Factory, ssm_a: Any, s3: Any
) -> None:
    host = "i-05000000000000006"
    clock = ManualClock()
    put_at: list[float] = []

    def timed_put(url: str, body: bytes) -> int:
        put_at.append(clock.now())
        return http_put(url, body)

    spec = synthetic_host(host).model_copy(
        update={"synthetic": SyntheticBehaviour(outcome="success", run_seconds=30.0)}
    )
    make_emulator(fleet=FleetSpec(hosts=(spec,)), clock=clock, put=timed_put)
    ssm_a.create_document(Name="Upload", Content=UPLOAD_DOCUMENT, DocumentType="Command")
    sent_at = clock.now()
    command_id = ssm_a.send_command(
        InstanceIds=[host], DocumentName="Upload", Parameters=urls(s3, "results/late.tar")
    )["Command"]["CommandId"]
    deadline = time.monotonic() + 5
    while invocations(ssm_a, command_id)[host]["Status"] != "InProgress" and time.monotonic() < deadline:
        clock.advance(0.01)
        time.sleep(0.01)
    clock.advance(10.0)
    time.sleep(0.2)
    assert put_at == []  # still running its checks: nothing uploaded yet
    assert invocations(ssm_a, command_id)[host]["Status"] == "InProgress"
    while not put_at and time.monotonic() < deadline + 5:
        clock.advance(1.0)
        time.sleep(0.02)
    assert len(put_at) == 1
    assert put_at[0] - sent_at >= 30.0  # after the 30 s run step
    clock.advance(1.0)
    command = wait_for_command(ssm_a, command_id)
    assert command["Status"] == "Success"
    assert s3.get_object(Bucket=s3.bucket, Key="results/late.tar")["ContentLength"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("count", "upload"), [(5000, False), (500, True)], ids=["5000-api-only", "500-uploading"]
)
def test_thousands_of_synthetic_hosts_complete_through_the_api(
    make_emulator: Factory, ssm_a: Any, s3: Any, count: int, upload: bool
) -> None:
    """Uploads go to moto's S3 in this process (its PUT dominates); the API-only run measures the
    emulator itself at 5,000 hosts."""
    fleet = synthetic_fleet(
        [ACCOUNT_A], count, region=REGION, mix={"success": 0.9, "fail_checks": 0.1}, seed=7
    )
    puts = 0
    lock = threading.Lock()

    def counting_put(url: str, body: bytes) -> int:
        nonlocal puts
        with lock:
            puts += 1
        return http_put(url, body) if upload else 200

    make_emulator(fleet=fleet, put=counting_put, workers=16)
    ssm_a.create_document(Name="Upload", Content=UPLOAD_DOCUMENT, DocumentType="Command")
    ids = [h.instance_id for h in fleet.hosts]
    started = time.monotonic()
    command_ids = [
        ssm_a.send_command(
            InstanceIds=ids[i : i + 50], DocumentName="Upload", Parameters=urls(s3, f"results/batch-{i}.tar")
        )["Command"]["CommandId"]
        for i in range(0, len(ids), 50)
    ]
    commands = [wait_for_command(ssm_a, c, timeout=120) for c in command_ids]
    elapsed = time.monotonic() - started
    successes = sum(c["TargetCount"] - c["ErrorCount"] for c in commands)
    failing = sum(1 for h in fleet.hosts if h.synthetic and h.synthetic.outcome == "fail_checks")
    assert sum(c["TargetCount"] for c in commands) == count
    if successes != 5000 - failing:
        odd = [
            (i["InstanceId"], [(p["Name"], p["ResponseCode"], p["Output"]) for p in i["CommandPlugins"]])
            for c in command_ids
            for i in invocations(ssm_a, c).values()
            if i["StatusDetails"] != "Success"
        ]
        print([o for o in odd if o[1][1][1] == 0][:5])
    assert successes == count - failing
    assert puts == successes
    print(f"{count} synthetic hosts ({'with' if upload else 'without'} uploads) in {elapsed:.1f} s")
    assert elapsed < 60
