"""End to end on the local world: the rendered document and the built bundle run on an emulated
host (download through a presigned URL, run against the host's fixture root, upload through a
presigned URL), and an injection attempt through each parameter is refused at SendCommand."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec
from localworld.world import World
from scanner.config import load_config
from ssm_documents.bundle_tar import build_bundle
from ssm_documents.document import render_document
from tests.bundle.runner import BundleRun, read_result_tar

REPO = Path(__file__).resolve().parents[2]
INSTANCE = "i-0a000000000000001"
SCAN = "20261126T210000-e2e001"

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _s3(session: boto3.Session, endpoint: str) -> Any:
    return session.client(
        "s3",
        endpoint_url=endpoint,
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def put_once(s3: Any, bucket: str, key: str) -> str:
    """A result PUT URL as the scanner signs it (``If-None-Match: *``: the key is written once)."""
    return str(
        s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": key, "IfNoneMatch": "*"}, ExpiresIn=900
        )
    )


def _wait(ssm: Any, command_id: str, deadline: float) -> list[dict[str, Any]]:
    while time.monotonic() < deadline:
        invocations = ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"]
        if invocations and invocations[0]["Status"] not in ("Pending", "InProgress", "Delayed"):
            return list(invocations[0]["CommandPlugins"])
        time.sleep(0.3)
    raise AssertionError("the command did not finish in time")


def test_document_and_bundle_run_end_to_end_and_refuse_injection(tmp_path: Path) -> None:
    config = load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")
    account = config.accounts[0]
    fleet = FleetSpec(
        hosts=(
            HostSpec(
                instance_id=INSTANCE, account_id=account.id, region=account.regions[0], root="ubuntu2204-weak"
            ),
        )
    )
    built = build_bundle(tmp_path / "bundle")
    with World.start(config, fleet, base_dir=tmp_path / "world") as world:
        bucket = world.config.results_bucket
        document = render_document(bucket, world.region, f"{world.endpoint_url}/{bucket}/")
        deployment = world.deploy(built.path.read_bytes(), built.sha256, document)
        s3 = _s3(world.central_session(), world.endpoint_url)
        result_key = f"results/{SCAN}/{account.id}/{INSTANCE}.tar"
        parameters = {
            "scriptUrl": [
                s3.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": deployment.bundle_key}, ExpiresIn=900
                )
            ],
            "uploadUrl": [put_once(s3, bucket, result_key)],
            "workingDirectory": [
                world.config.scan.working_directory.format(scan_id=SCAN, instance_id=INSTANCE)
            ],
            "bundleSha256": [built.sha256],
        }
        ssm = world.session_for(account.id).client("ssm", endpoint_url=world.endpoint_url)

        # Injection through each parameter: refused by the service before any host runs anything.
        marker = tmp_path / "pwned"
        attempts = {
            "scriptUrl": parameters["scriptUrl"][0] + f"';touch {marker};'",
            "uploadUrl": parameters["uploadUrl"][0] + f"$(touch {marker})",
            "workingDirectory": parameters["workingDirectory"][0] + f";touch {marker}",
            "bundleSha256": built.sha256 + f"|touch {marker}",
        }
        for name, value in attempts.items():
            with pytest.raises(ClientError) as refused:
                ssm.send_command(
                    DocumentName=deployment.document_arn,
                    InstanceIds=[INSTANCE],
                    Parameters={**parameters, name: [value]},
                )
            assert refused.value.response["Error"]["Code"] == "InvalidParameters", name
        assert not marker.exists()

        # The real run: download, verify, extract, run, upload.
        command_id = ssm.send_command(
            DocumentName=deployment.document_arn, InstanceIds=[INSTANCE], Parameters=parameters
        )["Command"]["CommandId"]
        plugins = _wait(ssm, command_id, time.monotonic() + 240)
        assert [(p["Name"], p["Status"]) for p in plugins] == [
            ("download", "Success"),
            ("run", "Success"),
            ("upload", "Success"),
            ("cleanup", "Success"),
        ], plugins
        tar_path = tmp_path / "result.tar"
        tar_path.write_bytes(s3.get_object(Bucket=bucket, Key=result_key)["Body"].read())
        # the host is left clean: nothing of the working directory remains
        assert not Path(parameters["workingDirectory"][0]).exists()

        # The host runs again with a fresh write-once URL: S3 refuses the second write (412), the
        # upload step fails, and the stored result is still the first one.
        first = tar_path.read_bytes()
        again = ssm.send_command(
            DocumentName=deployment.document_arn,
            InstanceIds=[INSTANCE],
            Parameters={**parameters, "uploadUrl": [put_once(s3, bucket, result_key)]},
        )["Command"]["CommandId"]
        steps = {p["Name"]: p for p in _wait(ssm, again, time.monotonic() + 240)}
        assert (steps["run"]["Status"], steps["upload"]["Status"]) == ("Success", "Failed"), steps
        assert "412" in steps["upload"]["Output"]
        assert s3.get_object(Bucket=bucket, Key=result_key)["Body"].read() == first

    run = BundleRun(0, "", "", 0.0, tar_path)
    read_result_tar(tar_path, run)
    assert len(run.items) == 67
    assert run.items["U-01"]["status"] == "VULNERABLE"
    assert run.summary["bundle"]["sha256"] == built.sha256
    assert run.meta["host"]["instance_id"] == INSTANCE
    assert run.meta["scanned_root"]["os_release"]["ID"] == "ubuntu"


def test_a_tampered_bundle_is_never_extracted_or_run(tmp_path: Path) -> None:
    config = load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")
    account = config.accounts[0]
    fleet = FleetSpec(
        hosts=(
            HostSpec(
                instance_id=INSTANCE, account_id=account.id, region=account.regions[0], root="al2023-weak"
            ),
        )
    )
    built = build_bundle(tmp_path / "bundle")
    with World.start(config, fleet, base_dir=tmp_path / "world") as world:
        bucket = world.config.results_bucket
        document = render_document(bucket, world.region, f"{world.endpoint_url}/{bucket}/")
        deployment = world.deploy(built.path.read_bytes(), built.sha256, document)
        s3 = _s3(world.central_session(), world.endpoint_url)
        workdir = world.config.scan.working_directory.format(scan_id=SCAN, instance_id=INSTANCE)
        ssm = world.session_for(account.id).client("ssm", endpoint_url=world.endpoint_url)
        command_id = ssm.send_command(
            DocumentName=deployment.document_arn,
            InstanceIds=[INSTANCE],
            Parameters={
                "scriptUrl": [
                    s3.generate_presigned_url(
                        "get_object", Params={"Bucket": bucket, "Key": deployment.bundle_key}, ExpiresIn=900
                    )
                ],
                "uploadUrl": [
                    s3.generate_presigned_url(
                        "put_object",
                        Params={"Bucket": bucket, "Key": f"results/{SCAN}/{account.id}/{INSTANCE}.tar"},
                        ExpiresIn=900,
                    )
                ],
                "workingDirectory": [workdir],
                "bundleSha256": ["0" * 64],
            },
        )["Command"]["CommandId"]
        plugins = _wait(ssm, command_id, time.monotonic() + 120)
        assert plugins[0]["Name"] == "download"
        assert plugins[0]["Status"] == "Failed"
        # onFailure: exit: the later steps are skipped (SSM reports Skipped as a form of success),
        # but the finallyStep still runs and removes the working directory
        assert [p["StatusDetails"] for p in plugins[1:]] == ["Skipped", "Skipped", "Success"], plugins
        assert not Path(workdir).exists()


CRASHING = "i-0a000000000000002"


def test_the_working_directory_is_removed_after_a_failed_run_or_upload_step(tmp_path: Path) -> None:
    config = load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")
    account = config.accounts[0]
    fleet = FleetSpec(
        hosts=tuple(
            HostSpec(
                instance_id=instance,
                account_id=account.id,
                region=account.regions[0],
                root="al2023-weak",
                private_ip=ip,
            )
            for instance, ip in ((INSTANCE, "10.0.0.10"), (CRASHING, "10.0.0.11"))
        )
    )
    faults = Faults()
    faults.set_host(CRASHING, crash_run_step=True)
    built = build_bundle(tmp_path / "bundle")
    with World.start(config, fleet, faults=faults, base_dir=tmp_path / "world") as world:
        bucket = world.config.results_bucket
        document = render_document(bucket, world.region, f"{world.endpoint_url}/{bucket}/")
        deployment = world.deploy(built.path.read_bytes(), built.sha256, document)
        s3 = _s3(world.central_session(), world.endpoint_url)
        ssm = world.session_for(account.id).client("ssm", endpoint_url=world.endpoint_url)
        script_url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": deployment.bundle_key}, ExpiresIn=900
        )

        def send(instance: str, upload_url: str) -> tuple[str, str]:
            workdir = world.config.scan.working_directory.format(scan_id=SCAN, instance_id=instance)
            command_id = ssm.send_command(
                DocumentName=deployment.document_arn,
                InstanceIds=[instance],
                Parameters={
                    "scriptUrl": [script_url],
                    "uploadUrl": [upload_url],
                    "workingDirectory": [workdir],
                    "bundleSha256": [built.sha256],
                },
            )["Command"]["CommandId"]
            return str(command_id), workdir

        def put_url(instance: str) -> str:
            key = f"results/{SCAN}/{account.id}/{instance}.tar"
            return put_once(s3, bucket, key)

        # a run step killed by a signal: upload skipped, cleanup runs
        crashed, crashed_dir = send(CRASHING, put_url(CRASHING))
        # an upload refused by S3 (a signature that does not match): cleanup still runs
        forged = put_url(INSTANCE).replace("X-Amz-Signature=", "X-Amz-Signature=0")
        refused, refused_dir = send(INSTANCE, forged)
        deadline = time.monotonic() + 240
        crashed_steps = {p["Name"]: p for p in _wait(ssm, crashed, deadline)}
        refused_steps = {p["Name"]: p for p in _wait(ssm, refused, deadline)}
        assert [crashed_steps[name]["StatusDetails"] for name in ("run", "upload", "cleanup")] == [
            "Failed",
            "Skipped",
            "Success",
        ], crashed_steps
        assert [refused_steps[name]["StatusDetails"] for name in ("run", "upload", "cleanup")] == [
            "Success",
            "Failed",
            "Success",
        ], refused_steps
        assert not Path(crashed_dir).exists()
        assert not Path(refused_dir).exists()
