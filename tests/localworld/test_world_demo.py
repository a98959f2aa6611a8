"""The running demo world: sandboxes, fixture roots, the SSM emulator, the central deployment."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config as BotoConfig

from localworld.errors import DeployError
from localworld.fleet import FleetSpec, load_fleet
from localworld.world import World
from scanner.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]
S3V4 = BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"})


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")


@pytest.fixture(scope="module")
def fleet() -> FleetSpec:
    return load_fleet(REPO / "cce_scan" / "examples" / "fleet.yaml")


@pytest.fixture(scope="module")
def world(config: Config, fleet: FleetSpec) -> Iterator[World]:
    with World.start(config, fleet) as running:
        yield running


def _member(world: World, account: str) -> boto3.Session:
    sts = world.central_session().client("sts", endpoint_url=world.endpoint_url)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{world.config.member_role.name}",
        RoleSessionName="world-test",
        ExternalId=world.config.member_role.external_id,
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=world.region,
    )


def test_config_working_directory_points_into_the_host_sandboxes(world: World, config: Config) -> None:
    template = world.config.scan.working_directory
    assert template == f"{world.base_dir}/hosts/{{instance_id}}/work/{{scan_id}}"
    assert world.config.accounts == config.accounts
    web1 = world.host("i-0a1b2c3d4e5f60001")
    assert web1.sandbox == world.base_dir / "hosts" / "i-0a1b2c3d4e5f60001"
    assert web1.cce_root is not None
    assert "amzn" in (web1.cce_root / "etc" / "os-release").read_text()
    db1 = world.host("i-0b1c2d3e4f5a60001")
    assert db1.cce_root is not None
    assert "rocky" in (db1.cce_root / "etc" / "os-release").read_text()
    windows = world.host("i-0a1b2c3d4e5f60005")
    assert windows.cce_root is not None
    assert list(windows.cce_root.iterdir()) == []


def test_fixture_modes_from_the_spec_are_reproduced(world: World) -> None:
    shadow = world.host("i-0a1b2c3d4e5f60001").cce_root
    assert shadow is not None
    mode = (shadow / "etc" / "shadow").stat().st_mode & 0o7777
    assert mode == 0o000  # the spec of al2023-hardened declares /etc/shadow 0000


def test_world_notes_what_it_could_not_reproduce_as_an_ordinary_user(world: World, fleet: FleetSpec) -> None:
    ownership_notes = [n for n in world.notes if "ownership" in n]
    if os.geteuid() == 0:
        assert ownership_notes == []
    else:
        assert len(ownership_notes) == len({h.instance_id for h in fleet.hosts if h.root})


def test_ssm_emulator_answers_at_the_world_endpoint(world: World) -> None:
    ssm = _member(world, "333333333333").client("ssm", endpoint_url=world.endpoint_url)
    listed = ssm.describe_instance_information()["InstanceInformationList"]
    ids = {item["InstanceId"] for item in listed}
    assert "i-0b1c2d3e4f5a60004" not in ids  # stopped
    assert "i-0b1c2d3e4f5a60005" not in ids  # running, but without the agent (ssm_managed: false)
    assert ids == {"i-0b1c2d3e4f5a60001", "i-0b1c2d3e4f5a60002", "i-0b1c2d3e4f5a60003"}


def test_deploy_seeds_bucket_bundle_and_a_shared_document(world: World, config: Config) -> None:
    bundle = b"not really a tar, but bytes with a digest"
    sha = hashlib.sha256(bundle).hexdigest()
    document = (
        "schemaVersion: '2.2'\n"
        "description: test\n"
        "mainSteps:\n"
        "  - action: aws:runShellScript\n"
        "    name: run\n"
        "    inputs:\n"
        "      runCommand: ['true']\n"
    )
    with pytest.raises(DeployError, match="SHA-256"):
        world.deploy(bundle + b"!", sha, document)
    deployment = world.deploy(bundle, sha, document)
    s3 = world.central_session().client("s3", endpoint_url=world.endpoint_url, config=S3V4)
    stored = s3.get_object(Bucket=config.results_bucket, Key=f"bundles/{sha}/script.tar")["Body"].read()
    assert stored == bundle
    ssm = world.central_session().client("ssm", endpoint_url=world.endpoint_url)
    shared = ssm.describe_document_permission(Name=config.document.name, PermissionType="Share")
    assert sorted(shared["AccountIds"]) == sorted(a.id for a in config.accounts)
    assert deployment.document_arn == config.document_arn()
    assert world.deployment == deployment
