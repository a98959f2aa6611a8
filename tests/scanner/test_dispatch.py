"""SendCommand on the local world: throttles are retried by botocore's standard retry mode alone,
every HTTP attempt takes a token from the account's bucket, and a send says how many it made."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import botocore.endpoint
import pytest

from localworld.faults import Faults
from localworld.fleet import synthetic_fleet
from localworld.world import World
from scanner.dispatch import SSM_MAX_ATTEMPTS, Sender, comment_for, pace_client, ssm_client_config
from scanner.ratelimit import TokenBucket
from scanner.sessions import SessionCache
from tests.scanner.world_support import fast_config

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

MEMBER = "222222222222"
DOCUMENT = """\
schemaVersion: "2.2"
description: dispatch tests (synthetic hosts do not run it)
parameters:
  note: {type: String}
mainSteps:
  - {action: aws:runShellScript, name: run, inputs: {runCommand: ["true"]}}
"""


class CountingBucket(TokenBucket):
    """A bucket that counts the tokens taken from it."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate, 1)
        self.taken = 0

    def acquire(self) -> float:
        self.taken += 1
        return super().acquire()


class Member:
    """A member account of the world: its hosts, and senders into it."""

    def __init__(self, world: World, document_hash: str) -> None:
        self.world = world
        self.document_hash = document_hash
        self.hosts = [h.instance_id for h in world.fleet.in_account(MEMBER)]
        self.sessions = SessionCache(
            world.config,
            scan_id="dispatch",
            requester="U1",
            central_session=world.central_session(),
            endpoint_url=world.endpoint_url,
        )

    def sender(self, bucket: TokenBucket) -> Sender:
        ssm = self.sessions.client(MEMBER, "ssm", self.world.region, config=ssm_client_config(1))
        pace_client(ssm, bucket)
        return Sender(
            ssm,
            document_arn=self.world.config.document_arn(),
            document_hash=self.document_hash,
            timeout_seconds=600,
            comment=comment_for("dispatch"),
        )

    def commands_for(self, instance_id: str) -> int:
        ssm: Any = self.world.session_for(MEMBER).client("ssm", endpoint_url=self.world.endpoint_url)
        return len(ssm.list_commands(InstanceId=instance_id)["Commands"])


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Member]:
    config = fast_config()
    fleet = synthetic_fleet([MEMBER], 12, region=config.central.region)
    with World.start(
        config, fleet, faults=Faults(), base_dir=tmp_path_factory.mktemp("dispatch"), synthetic=True
    ) as world:
        bundle = b"not read by these tests"
        deployment = world.deploy(bundle, hashlib.sha256(bundle).hexdigest(), DOCUMENT)
        yield Member(world, deployment.document_hash)


@pytest.fixture
def faults(local: Member) -> Iterator[Faults]:
    yield local.world.faults
    local.world.faults.clear_one_shots()
    local.world.faults.clear_account(MEMBER, service="ssm")


def test_a_throttled_send_is_retried_by_botocore_and_each_attempt_takes_a_token(
    local: Member, faults: Faults
) -> None:
    host = local.hosts[0]
    throttled = faults.injected(MEMBER, "throttle")
    faults.fail_next(MEMBER, service="ssm", action="SendCommand", kind="throttle", times=2)
    bucket = CountingBucket(100)

    result = local.sender(bucket).send(host, {"note": ["retried"]})

    assert result.command_id is not None, result
    assert result.error_code is None
    assert result.attempts == 3
    assert bucket.taken == 3
    assert faults.injected(MEMBER, "throttle") - throttled == 2
    assert local.commands_for(host) == 1  # throttled attempts sent nothing


def test_a_throttle_outlasting_the_retries_refuses_the_host_after_every_attempt(
    local: Member, faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore's waits between the attempts are recorded, not slept (up to 71 s in all).
    waits: list[float] = []

    class Clock:
        def sleep(self, seconds: float) -> None:
            waits.append(seconds)

        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

    monkeypatch.setattr(botocore.endpoint, "time", Clock())
    host = local.hosts[1]
    faults.fail_next(MEMBER, service="ssm", action="SendCommand", kind="throttle", times=SSM_MAX_ATTEMPTS)
    bucket = CountingBucket(100)

    result = local.sender(bucket).send(host, {"note": ["refused"]})

    assert (result.command_id, result.error_code) == (None, "ThrottlingException")
    assert result.attempts == bucket.taken == SSM_MAX_ATTEMPTS
    assert faults.pending_one_shots() == 0
    assert local.commands_for(host) == 0
    # Throttles back off exponentially from a second, with full jitter, at most 20 s each.
    assert len(waits) == SSM_MAX_ATTEMPTS - 1
    assert all(0 <= wait <= min(2**i, 20) for i, wait in enumerate(waits))


def test_sends_faster_than_the_accounts_rate_are_throttled_retried_and_all_get_through(
    local: Member, faults: Faults
) -> None:
    # The world lets 4 SendCommand/s through; the client's bucket allows ten times that.
    faults.set_account(MEMBER, service="ssm", throttle_tps=4, throttle_burst=1)
    throttled = faults.injected(MEMBER, "throttle")
    bucket = CountingBucket(40)
    sender = local.sender(bucket)
    hosts = local.hosts[2:8]

    results = [sender.send(host, {"note": ["paced"]}) for host in hosts]

    assert all(r.command_id is not None for r in results), results
    rejected = faults.injected(MEMBER, "throttle") - throttled
    assert rejected > 0, "the client outran the world's rate"
    assert sum(r.attempts for r in results) == bucket.taken == len(hosts) + rejected
    faults.clear_account(MEMBER, service="ssm")
    assert [local.commands_for(host) for host in hosts] == [1] * len(hosts)


def test_sends_at_the_accounts_rate_are_not_throttled(local: Member, faults: Faults) -> None:
    # Under the world's rate, with room for two calls at once: a request may reach the world a
    # little later than its token was taken, and the next one a little earlier.
    faults.set_account(MEMBER, service="ssm", throttle_tps=10, throttle_burst=2)
    throttled = faults.injected(MEMBER, "throttle")
    bucket = CountingBucket(5)
    sender = local.sender(bucket)
    hosts = local.hosts[8:12]

    results = [sender.send(host, {"note": ["paced"]}) for host in hosts]

    assert [r.attempts for r in results] == [1] * len(hosts)
    assert bucket.taken == len(hosts)
    assert faults.injected(MEMBER, "throttle") == throttled
