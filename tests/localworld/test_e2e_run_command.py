"""End to end on the local world: a three-step download/run/upload document runs on three hosts
with real ``curl`` through presigned URLs checked by the S3 gate.

- one host succeeds and its result tar lands in S3 (built from its own fixture root via CCE_ROOT);
- one gets an expired download URL: the download step fails (403) and, with
  ``onFailure: exit``, run and upload do not run;
- one is offline and ends DeliveryTimedOut once TimeoutSeconds has passed (time runs 30x faster).
"""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec
from localworld.ssm import ScaledClock
from localworld.world import World
from scanner.config import Config, load_config

if TYPE_CHECKING:
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_ssm.type_defs import CommandPluginTypeDef

REPO = Path(__file__).resolve().parents[2]
MEMBER = "222222222222"
SCAN = "scan-e2e"
OK_HOST = "i-0e2e0000000000001"
EXPIRED_HOST = "i-0e2e0000000000002"
OFFLINE_HOST = "i-0e2e0000000000003"
S3V4 = BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"})
URL = r"^http://127\.0\.0\.1:[0-9]{1,5}/[A-Za-z0-9._/-]+\?[A-Za-z0-9._~%=&-]+$"

DOCUMENT = f"""\
schemaVersion: '2.2'
description: Download a bundle, run it, upload its result tar.
parameters:
  scriptUrl:
    type: String
    allowedPattern: '{URL}'
  uploadUrl:
    type: String
    allowedPattern: '{URL}'
  workingDirectory:
    type: String
    allowedPattern: '^/(?!.*\\.\\.)[A-Za-z0-9/_.-]+$'
mainSteps:
  - action: aws:runShellScript
    name: download
    inputs:
      onFailure: exit
      timeoutSeconds: 300
      runCommand:
        - mkdir -p '{{{{ workingDirectory }}}}'
        - cd '{{{{ workingDirectory }}}}'
        - curl -fsS --retry 3 -o script.tar '{{{{ scriptUrl }}}}'
  - action: aws:runShellScript
    name: run
    inputs:
      onFailure: exit
      timeoutSeconds: 300
      workingDirectory: '{{{{ workingDirectory }}}}'
      runCommand:
        - tar -xf script.tar
        - sh ./script.sh
  - action: aws:runShellScript
    name: upload
    inputs:
      timeoutSeconds: 300
      workingDirectory: '{{{{ workingDirectory }}}}'
      runCommand:
        - curl -fsS --retry 3 -X PUT -T result.tar '{{{{ uploadUrl }}}}'
"""

SCRIPT = b"""#!/bin/sh
set -eu
mkdir -p out
printf '{"type":"summary","instance":"%s"}\\n' "$AWS_SSM_INSTANCE_ID" > out/results.jsonl
ls "$CCE_ROOT" > out/root.txt
tar -cf result.tar -C out .
"""


def bundle() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("script.sh")
        info.size = len(SCRIPT)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(SCRIPT))
    return buffer.getvalue()


def fleet() -> FleetSpec:
    def host(instance_id: str, **fields: Any) -> HostSpec:
        return HostSpec(instance_id=instance_id, account_id=MEMBER, region="ap-northeast-2", **fields)

    return FleetSpec(
        hosts=(
            host(OK_HOST, name="ok", root="al2023-hardened"),
            host(EXPIRED_HOST, name="late", private_ip="10.0.0.11"),
            host(OFFLINE_HOST, name="gone", private_ip="10.0.0.12", ping_status="ConnectionLost"),
        )
    )


def member_session(world: World) -> boto3.Session:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{MEMBER}:role/{world.config.member_role.name}",
        RoleSessionName="e2e",
        ExternalId=world.config.member_role.external_id,
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=world.region,
    )


def wait_terminal(ssm: Any, command_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        command = ssm.list_commands(CommandId=command_id)["Commands"][0]
        if command["CompletedCount"] == command["TargetCount"]:
            return dict(command)
        assert time.monotonic() < deadline, f"{command_id} still {command['Status']}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")


@pytest.mark.e2e
def test_three_step_document_on_three_hosts_through_presigned_urls(config: Config) -> None:
    with World.start(config, fleet(), clock=ScaledClock(30.0)) as world:
        central = world.session_for(config.central.account_id)
        central_ssm = central.client("ssm", endpoint_url=world.endpoint_url)
        central_ssm.create_document(
            Name="e2e-run", Content=DOCUMENT, DocumentType="Command", DocumentFormat="YAML"
        )
        central_ssm.modify_document_permission(
            Name="e2e-run", PermissionType="Share", AccountIdsToAdd=[MEMBER]
        )
        document_arn = f"arn:aws:ssm:{world.region}:{config.central.account_id}:document/e2e-run"
        admin_s3 = central.client("s3", endpoint_url=world.endpoint_url, config=S3V4)
        bucket = config.results_bucket
        location = cast("BucketLocationConstraintType", world.region)
        admin_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": location})
        admin_s3.put_object(Bucket=bucket, Key="bundles/e2e/script.tar", Body=bundle())
        signer = world.central_session().client("s3", endpoint_url=world.endpoint_url, config=S3V4)

        def urls(instance_id: str, download_expires: int = 600) -> dict[str, list[str]]:
            get = signer.generate_presigned_url(
                "get_object",
                Params={"Bucket": bucket, "Key": "bundles/e2e/script.tar"},
                ExpiresIn=download_expires,
            )
            put = signer.generate_presigned_url(
                "put_object",
                Params={"Bucket": bucket, "Key": f"results/{SCAN}/{MEMBER}/{instance_id}.tar"},
                ExpiresIn=600,
            )
            workdir = config_workdir(world, instance_id)
            return {"scriptUrl": [get], "uploadUrl": [put], "workingDirectory": [workdir]}

        expired = urls(EXPIRED_HOST, download_expires=1)
        time.sleep(2.1)  # the gate checks X-Amz-Date + X-Amz-Expires against the wall clock
        ssm = member_session(world).client("ssm", endpoint_url=world.endpoint_url)
        sent = {
            OK_HOST: urls(OK_HOST),
            EXPIRED_HOST: expired,
            OFFLINE_HOST: urls(OFFLINE_HOST),
        }
        command_ids = {
            host: ssm.send_command(
                InstanceIds=[host], DocumentName=document_arn, Parameters=parameters, TimeoutSeconds=30
            )["Command"]["CommandId"]
            for host, parameters in sent.items()
        }
        commands = {host: wait_terminal(ssm, command_id) for host, command_id in command_ids.items()}

        def plugins(host: str) -> dict[str, CommandPluginTypeDef]:
            found = ssm.list_command_invocations(CommandId=command_ids[host], Details=True)[
                "CommandInvocations"
            ]
            return {p["Name"]: p for p in found[0]["CommandPlugins"]}

        # 1. success: every step ran and the tar is in S3, built from the host's own fixture root
        assert (commands[OK_HOST]["Status"], commands[OK_HOST]["StatusDetails"]) == ("Success", "Success")
        assert [(p["Status"], p["ResponseCode"]) for p in plugins(OK_HOST).values()] == [("Success", 0)] * 3
        key = f"results/{SCAN}/{MEMBER}/{OK_HOST}.tar"
        body = admin_s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            results = tar.extractfile("./results.jsonl").read().decode()  # type: ignore[union-attr]
            root_listing = tar.extractfile("./root.txt").read().decode().split()  # type: ignore[union-attr]
        assert OK_HOST in results
        assert "etc" in root_listing

        # 2. expired download URL: the gate says 403, curl -f fails, later steps never run
        steps = plugins(EXPIRED_HOST)
        assert (steps["download"]["Status"], steps["download"]["ResponseCode"]) == ("Failed", 22)
        assert "403" in steps["download"]["Output"]
        assert [steps["run"]["StatusDetails"], steps["upload"]["StatusDetails"]] == ["Skipped", "Skipped"]
        assert commands[EXPIRED_HOST]["StatusDetails"] == "Failed"
        workdir = Path(expired["workingDirectory"][0])
        assert not (workdir / "script.sh").exists()
        listed = admin_s3.list_objects_v2(Bucket=bucket, Prefix=f"results/{SCAN}/{MEMBER}/{EXPIRED_HOST}")
        assert listed.get("KeyCount", 0) == 0

        # 3. offline host: never delivered, DeliveryTimedOut after TimeoutSeconds
        offline = ssm.get_command_invocation(
            CommandId=command_ids[OFFLINE_HOST], InstanceId=OFFLINE_HOST, PluginName="download"
        )
        assert (offline["Status"], offline["StatusDetails"], offline["ResponseCode"]) == (
            "TimedOut",
            "DeliveryTimedOut",
            -1,
        )
        assert commands[OFFLINE_HOST]["DeliveryTimedOutCount"] == 1
        assert commands[OFFLINE_HOST]["ErrorCount"] == 0


def config_workdir(world: World, instance_id: str) -> str:
    """The scan's working directory on the host, from the world's config template."""
    return world.config.scan.working_directory.format(scan_id=SCAN, instance_id=instance_id)


class Stage:
    """The document shared from the central account, the bundle in S3, a signer and a member client."""

    def __init__(self, world: World, config: Config) -> None:
        self.world = world
        central = world.session_for(config.central.account_id)
        central_ssm = central.client("ssm", endpoint_url=world.endpoint_url)
        central_ssm.create_document(
            Name="e2e-run", Content=DOCUMENT, DocumentType="Command", DocumentFormat="YAML"
        )
        central_ssm.modify_document_permission(
            Name="e2e-run", PermissionType="Share", AccountIdsToAdd=[MEMBER]
        )
        self.document_arn = f"arn:aws:ssm:{world.region}:{config.central.account_id}:document/e2e-run"
        self.s3 = central.client("s3", endpoint_url=world.endpoint_url, config=S3V4)
        self.bucket = config.results_bucket
        location = cast("BucketLocationConstraintType", world.region)
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": location})
        self.s3.put_object(Bucket=self.bucket, Key="bundles/e2e/script.tar", Body=bundle())
        self.signer = world.central_session().client("s3", endpoint_url=world.endpoint_url, config=S3V4)
        self.ssm = member_session(world).client("ssm", endpoint_url=world.endpoint_url)

    def key(self, instance_id: str) -> str:
        return f"results/{SCAN}/{MEMBER}/{instance_id}.tar"

    def send(self, instance_id: str) -> str:
        get = self.signer.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": "bundles/e2e/script.tar"},
            ExpiresIn=600,
        )
        put = self.signer.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": self.key(instance_id)}, ExpiresIn=600
        )
        parameters = {
            "scriptUrl": [get],
            "uploadUrl": [put],
            "workingDirectory": [config_workdir(self.world, instance_id)],
        }
        command = self.ssm.send_command(
            InstanceIds=[instance_id], DocumentName=self.document_arn, Parameters=parameters
        )
        return str(command["Command"]["CommandId"])

    def plugins(self, command_id: str) -> dict[str, CommandPluginTypeDef]:
        wait_terminal(self.ssm, command_id)
        found = self.ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"]
        return {p["Name"]: p for p in found[0]["CommandPlugins"]}

    def stored(self, instance_id: str) -> bool:
        return bool(
            self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.key(instance_id)).get("KeyCount", 0)
        )


@pytest.mark.e2e
def test_host_faults_expire_urls_and_crash_the_run_step_on_real_hosts(config: Config) -> None:
    faults = Faults()
    faults.set_host(OK_HOST, expire_urls=True)
    faults.set_host(EXPIRED_HOST, crash_run_step=True)
    with World.start(config, fleet(), faults=faults) as world:
        stage = Stage(world, config)
        expired = stage.plugins(stage.send(OK_HOST))
        assert (expired["download"]["ResponseCode"], expired["run"]["StatusDetails"]) == (22, "Skipped")
        assert "403" in expired["download"]["Output"]
        # signed in the same second, this host's download URL is the very same URL: it still works
        crashed = stage.plugins(stage.send(EXPIRED_HOST))
        assert (crashed["download"]["Status"], crashed["run"]["Status"]) == ("Success", "Failed")
        assert crashed["run"]["ResponseCode"] == -1
        assert crashed["upload"]["StatusDetails"] == "Skipped"
        assert not stage.stored(OK_HOST)
        assert not stage.stored(EXPIRED_HOST)
        # SendCommand throttled for the member account at the HTTP layer: ThrottlingException
        faults.set_account(MEMBER, service="ssm", action="SendCommand", throttle_fraction=1.0)
        no_retry = member_session(world).client(
            "ssm", endpoint_url=world.endpoint_url, config=BotoConfig(retries={"max_attempts": 1})
        )
        with pytest.raises(ClientError) as throttled:
            no_retry.send_command(InstanceIds=[OK_HOST], DocumentName=stage.document_arn)
        assert throttled.value.response["Error"]["Code"] == "ThrottlingException"
        assert no_retry.list_commands()["Commands"]  # other actions still answer


@pytest.mark.e2e
def test_synthetic_hosts_upload_through_the_gate_in_a_synthetic_world(config: Config) -> None:
    faults = Faults()
    faults.set_host(EXPIRED_HOST, expire_urls=True)
    with World.start(config, fleet(), faults=faults, synthetic=True) as world:
        stage = Stage(world, config)
        good = stage.plugins(stage.send(OK_HOST))
        assert [p["Status"] for p in good.values()] == ["Success"] * 3
        body = stage.s3.get_object(Bucket=stage.bucket, Key=stage.key(OK_HOST))["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            assert sorted(tar.getnames()) == ["meta.json", "results.jsonl"]
        refused = stage.plugins(stage.send(EXPIRED_HOST))
        assert (refused["download"]["ResponseCode"], refused["upload"]["StatusDetails"]) == (22, "Skipped")
        assert not stage.stored(EXPIRED_HOST)
