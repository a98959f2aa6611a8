"""Fixtures for the SSM emulator tests: a moto server on 127.0.0.1 with the emulator installed,
clients in two accounts, a small fleet, and functions that wait on commands."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec, SyntheticBehaviour
from localworld.ssm import EmulatorSettings, SsmEmulator, install_ssm_emulator
from localworld.ssm.clock import Clock, ScaledClock
from localworld.ssm.synthetic import Putter, http_put

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
REGION = "ap-northeast-2"

HOST_A1 = "i-0a000000000000001"
HOST_A2 = "i-0a000000000000002"
HOST_OFFLINE = "i-0a000000000000003"
HOST_STOPPED = "i-0a000000000000004"
HOST_TERMINATED = "i-0a000000000000005"
HOST_WINDOWS = "i-0a000000000000006"
HOST_B1 = "i-0b000000000000001"


def host(instance_id: str, account: str = ACCOUNT_A, **fields: Any) -> HostSpec:
    return HostSpec(instance_id=instance_id, account_id=account, region=REGION, **fields)


def small_fleet() -> FleetSpec:
    return FleetSpec(
        hosts=(
            host(HOST_A1, name="web-1", tags={"env": "prod", "role": "web"}),
            host(HOST_A2, name="web-2", tags={"env": "dev", "role": "web"}, private_ip="10.0.0.11"),
            host(HOST_OFFLINE, name="gone", ping_status="ConnectionLost", tags={"env": "prod"}),
            host(HOST_STOPPED, name="sleepy", state="stopped", tags={"env": "prod"}),
            host(HOST_TERMINATED, name="dead", state="terminated", tags={"env": "prod"}),
            host(
                HOST_WINDOWS,
                name="win",
                platform_type="Windows",
                platform_name="Microsoft Windows Server 2022 Datacenter",
                platform_version="10.0.20348",
                tags={"env": "prod"},
            ),
            host(HOST_B1, account=ACCOUNT_B, name="b-web", tags={"env": "prod"}),
        )
    )


def synthetic_host(instance_id: str, outcome: str = "success", account: str = ACCOUNT_A) -> HostSpec:
    return host(instance_id, account=account, synthetic=SyntheticBehaviour(outcome=outcome, run_seconds=0.1))


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host_name, port = server.get_host_and_port()
    try:
        yield f"http://{host_name}:{port}"
    finally:
        server.stop()


@pytest.fixture
def sessions(endpoint: str) -> dict[str, boto3.Session]:
    """Temporary credentials inside each test account (moto maps the key to the role's account).

    Made for each test: moto's state is process-wide, and a World started by another module in
    this process resets it, sessions included."""
    base = boto3.Session(
        aws_access_key_id="AKIAEXAMPLEBASE00001", aws_secret_access_key="base", region_name=REGION
    )
    sts = base.client("sts", endpoint_url=endpoint)
    found = {}
    for account in (ACCOUNT_A, ACCOUNT_B):
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/ssm-tests", RoleSessionName="ssm-tests"
        )["Credentials"]
        found[account] = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=REGION,
        )
    return found


Factory = Callable[..., SsmEmulator]


@pytest.fixture
def make_emulator(tmp_path: Path) -> Iterator[Factory]:
    """Build and install an emulator (one per test); it is uninstalled and closed afterwards."""
    undo: list[Callable[[], None]] = []

    def build(
        fleet: FleetSpec | None = None,
        clock: Clock | None = None,
        faults: Faults | None = None,
        put: Putter = http_put,
        **settings: Any,
    ) -> SsmEmulator:
        options = {"consistency_window": 0.0, "delivery_delay": 0.0, **settings}
        emulator = SsmEmulator(
            fleet or small_fleet(),
            faults or Faults(),
            tmp_path / "hosts",
            clock=clock or ScaledClock(1.0),
            settings=EmulatorSettings(**options),
            put=put,
        )
        undo.append(install_ssm_emulator(emulator))
        return emulator

    yield build
    for action in reversed(undo):
        action()


@pytest.fixture
def emulator(make_emulator: Factory) -> SsmEmulator:
    return make_emulator()


@pytest.fixture
def ssm_a(sessions: dict[str, boto3.Session], endpoint: str) -> Any:
    return sessions[ACCOUNT_A].client("ssm", endpoint_url=endpoint)


@pytest.fixture
def ssm_b(sessions: dict[str, boto3.Session], endpoint: str) -> Any:
    return sessions[ACCOUNT_B].client("ssm", endpoint_url=endpoint)


@pytest.fixture
def raw_ssm_a(sessions: dict[str, boto3.Session], endpoint: str) -> Any:
    """A client that skips botocore's own parameter checks, to see what the service answers."""
    return sessions[ACCOUNT_A].client("ssm", endpoint_url=endpoint, config=Config(parameter_validation=False))


def wait_for_command(client: Any, command_id: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll ListCommands until the command is terminal; return it."""
    deadline = time.monotonic() + timeout
    while True:
        command = client.list_commands(CommandId=command_id)["Commands"][0]
        if command["CompletedCount"] == command["TargetCount"] and command["Status"] not in (
            "Pending",
            "InProgress",
        ):
            return dict(command)
        if time.monotonic() > deadline:
            raise AssertionError(f"command {command_id} still {command['Status']} after {timeout} s")
        time.sleep(0.02)


def invocations(client: Any, command_id: str) -> dict[str, dict[str, Any]]:
    """The invocations of a command with their plugins, by instance ID."""
    found = client.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"]
    return {i["InstanceId"]: i for i in found}


def plugins(invocation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["Name"]: p for p in invocation["CommandPlugins"]}
