"""World: the one object the rest of the project starts and stops."""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig

from localworld.errors import WorldError
from localworld.fleet import FleetSpec, HostSpec, load_fleet
from localworld.world import World
from scanner.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO / "cce_scan" / "examples" / "cce-scan.yaml"
EXAMPLE_FLEET = REPO / "cce_scan" / "examples" / "fleet.yaml"
FIXTURE_ROOTS = REPO / "localworld" / "fixture_roots"
S3V4 = BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"})


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="module")
def fleet() -> FleetSpec:
    return load_fleet(EXAMPLE_FLEET)


def _world_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("localworld-", "ssm-host"))]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


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


def test_demo_fleet_spans_the_example_accounts_with_the_promised_mix(
    config: Config, fleet: FleetSpec
) -> None:
    assert 10 <= len(fleet.hosts) <= 14
    assert set(fleet.account_ids) == {a.id for a in config.accounts}
    assert [h.ping_status for h in fleet.hosts].count("ConnectionLost") == 1
    assert [h.platform_type for h in fleet.hosts].count("Windows") == 1
    assert [h.state for h in fleet.hosts].count("stopped") == 1
    unmanaged = [h for h in fleet.hosts if not h.ssm_managed]
    assert {h.account_id for h in unmanaged} == {"222222222222", "333333333333"}  # both prod accounts
    assert all(h.state == "running" and h.root is None for h in unmanaged)
    roots = {h.root for h in fleet.hosts if h.root}
    assert all(re.fullmatch(r"(al2023|rocky9|ubuntu2204)-(hardened|weak|tricky)", r) for r in roots)
    assert {r.split("-")[0] for r in roots} == {"al2023", "rocky9", "ubuntu2204"}
    assert {r.split("-")[1] for r in roots} == {"hardened", "weak", "tricky"}
    assert all((FIXTURE_ROOTS / r / "spec.yaml").is_file() for r in roots)


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def test_world_starts_the_demo_fleet_within_five_seconds_and_stops_clean(
    config: Config, fleet: FleetSpec
) -> None:
    # CPU seconds (this process and its children) do not depend on how busy the machine is;
    # wall time does, so it only gets a generous bound here (docs/local-world.md gives figures).
    started, cpu = time.monotonic(), _cpu_seconds()
    with World.start(config, fleet) as world:
        elapsed, used = time.monotonic() - started, _cpu_seconds() - cpu
        port = int(world.endpoint_url.rsplit(":", 1)[1])
        base = world.base_dir
        assert world.endpoint_url == f"http://127.0.0.1:{port}"
        assert _port_open(port)
        assert base.is_dir()
    assert used < 5.0
    assert elapsed < 30.0
    assert not _port_open(port)
    assert not base.exists()
    assert _world_threads() == []


def test_world_stops_clean_when_the_block_raises(config: Config, fleet: FleetSpec) -> None:
    seen: dict[str, Any] = {}

    def failing_test() -> None:
        with World.start(config, fleet) as world:
            seen["port"] = int(world.endpoint_url.rsplit(":", 1)[1])
            seen["base"] = world.base_dir
            raise AssertionError("a failing test")

    with pytest.raises(AssertionError, match="a failing test"):
        failing_test()
    assert not _port_open(seen["port"])
    assert not seen["base"].exists()
    assert _world_threads() == []
    with World.start(config, FleetSpec()) as again:  # the next world starts normally
        assert again.endpoint_url


def test_only_one_world_runs_at_a_time(config: Config) -> None:
    with World.start(config, FleetSpec()):
        second = World.start(config, FleetSpec())
        with pytest.raises(WorldError, match="already running"):
            second.__enter__()


def test_a_fleet_host_in_an_account_the_config_does_not_know_is_refused(config: Config) -> None:
    stranger = FleetSpec(hosts=[HostSpec(instance_id="i-0000000000000000f", account_id="999999999999")])
    with pytest.raises(WorldError, match="999999999999"), World.start(config, stranger):
        pass


def test_an_unknown_fixture_root_is_refused(config: Config) -> None:
    odd = FleetSpec(
        hosts=[HostSpec(instance_id="i-0000000000000000f", account_id="222222222222", root="nope")]
    )
    with pytest.raises(WorldError, match="'nope' does not exist"), World.start(config, odd):
        pass


def test_synthetic_world_has_no_sandboxes(config: Config, fleet: FleetSpec) -> None:
    with World.start(config, fleet, synthetic=True) as world:
        assert all(h.sandbox is None for h in world.hosts)
        assert all(h.spec.synthetic is not None for h in world.hosts)
        assert not any((world.base_dir / "hosts").iterdir())


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _nobody_cannot_import() -> str | None:
    """Why the ordinary user cannot run this checkout's Python and read its examples and fixture
    roots, or None when it can: a clone in a private directory (``mktemp -d``, ``/root``) keeps
    its venv, code and files from other users, and then the test cannot be made."""
    probe = subprocess.run(
        [
            *NOBODY,
            sys.executable,
            "-c",
            "import os, localworld.world, moto; "
            f"open({str(EXAMPLE_CONFIG)!r}).read(); open({str(EXAMPLE_FLEET)!r}).read(); "
            f"os.listdir({str(FIXTURE_ROOTS)!r})",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "HOME": "/"},
        check=False,
    )
    if probe.returncode == 0:
        return None
    last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
    return f"the ordinary user cannot run {sys.executable} with {REPO} ({last})"


@pytest.mark.slow
@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to drop to nobody"
)
def test_world_runs_as_an_ordinary_user(tmp_path: Path) -> None:
    unreadable = _nobody_cannot_import()
    if unreadable is not None:
        pytest.skip(unreadable)
    script = (
        "from localworld.fleet import load_fleet\n"
        "from localworld.world import World\n"
        "from scanner.config import load_config\n"
        f"config = load_config({str(EXAMPLE_CONFIG)!r})\n"
        f"with World.start(config, load_fleet({str(EXAMPLE_FLEET)!r})) as world:\n"
        "    sts = world.central_session().client('sts', endpoint_url=world.endpoint_url)\n"
        "    print(sts.get_caller_identity()['Account'])\n"
        "    print(sum('ownership' in n for n in world.notes))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TMPDIR": "/tmp",
        "PYTHONPATH": str(REPO),
    }
    tmp_path.chmod(0o777)
    done = subprocess.run(
        [*NOBODY, sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    account, notes = done.stdout.split()
    assert account == "111111111111"
    assert int(notes) > 0
