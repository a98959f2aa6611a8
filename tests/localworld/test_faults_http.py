"""Account faults reach clients through the server, in each service's own error protocol."""

from __future__ import annotations

import http.client
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError, ConnectionClosedError
from moto.moto_api._internal.models import moto_api_backend

from localworld.accounts import create_admin_key
from localworld.faults import Faults
from localworld.server import MotoServer

REGION = "ap-northeast-2"
WEB, DB = "222222222222", "333333333333"
ONE_TRY = BotoConfig(
    retries={"total_max_attempts": 1}, signature_version="s3v4", s3={"addressing_style": "path"}
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def faults(clock: FakeClock) -> Faults:
    return Faults(clock=clock, seed=1)


@pytest.fixture
def server(faults: Faults) -> Iterator[MotoServer]:
    moto_api_backend.reset()
    with MotoServer(faults) as running:
        yield running
    moto_api_backend.reset()


@pytest.fixture
def sessions(server: MotoServer) -> dict[str, boto3.Session]:
    return {account: create_admin_key(account).session(REGION) for account in (WEB, DB)}


class Raw:
    """Keeps the raw status and body of the last response of a client."""

    def __init__(self, client: Any) -> None:
        self.status = 0
        self.body = b""
        client.meta.events.register("after-call", self._record)

    def _record(self, http_response: Any, **_: Any) -> None:
        self.status = http_response.status_code
        self.body = http_response.content


def _client(session: boto3.Session, server: MotoServer, service: str) -> Any:
    return session.client(service, endpoint_url=server.endpoint_url, config=ONE_TRY)  # type: ignore[call-overload]


def _outcomes(call: Any, times: int) -> list[str]:
    results = []
    for _ in range(times):
        try:
            call()
            results.append("ok")
        except ClientError as exc:
            results.append(exc.response["Error"]["Code"])
    return results


def test_ssm_throttling_is_a_json_throttling_exception_at_the_configured_rate(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults, clock: FakeClock
) -> None:
    ssm = _client(sessions[WEB], server, "ssm")
    raw = Raw(ssm)
    faults.set_account(WEB, service="ssm", action="PutParameter", throttle_tps=2)

    def put() -> None:
        ssm.put_parameter(Name="/p", Value="v", Type="String", Overwrite=True)

    assert _outcomes(put, 4) == ["ok", "ok", "ThrottlingException", "ThrottlingException"]
    assert raw.status == 400
    assert json.loads(raw.body) == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert ssm.get_parameter(Name="/p")["Parameter"]["Value"] == "v"  # another action is not throttled
    clock.now += 1.0
    assert _outcomes(put, 3) == ["ok", "ok", "ThrottlingException"]
    other = _client(sessions[DB], server, "ssm")
    assert (
        _outcomes(lambda: other.put_parameter(Name="/p", Value="v", Type="String", Overwrite=True), 3)
        == ["ok"] * 3
    )


def test_sts_throttling_is_a_query_protocol_throttling_error(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    sts = _client(sessions[WEB], server, "sts")
    raw = Raw(sts)
    faults.set_account(WEB, service="sts", throttle_tps=1)
    assert _outcomes(sts.get_caller_identity, 2) == ["ok", "Throttling"]
    root = ET.fromstring(raw.body)  # noqa: S314 - our own server's answer
    codes = [el.text for el in root.iter() if el.tag.endswith("Code")]
    assert raw.status == 400
    assert codes == ["Throttling"]


def test_s3_throttling_is_503_slow_down(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    s3 = _client(sessions[WEB], server, "s3")
    faults.set_account(WEB, service="s3", throttle_tps=1)
    s3.list_buckets()
    with pytest.raises(ClientError) as caught:
        s3.list_buckets()
    assert caught.value.response["Error"]["Code"] == "SlowDown"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_throttle_fraction_throttles_about_that_share_of_calls(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    sts = _client(sessions[WEB], server, "sts")
    faults.set_account(WEB, throttle_fraction=0.5)
    outcomes = _outcomes(sts.get_caller_identity, 60)
    assert 15 <= outcomes.count("Throttling") <= 45
    assert faults.injected(WEB, "throttle") == outcomes.count("Throttling")


def test_http_500_fault_is_an_internal_server_error(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    ssm = _client(sessions[WEB], server, "ssm")
    faults.set_account(WEB, http_500_fraction=1.0)
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name="/p")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert caught.value.response["Error"]["Code"] == "InternalServerError"


def test_latency_fault_delays_every_call_of_the_account(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    web, db = _client(sessions[WEB], server, "sts"), _client(sessions[DB], server, "sts")
    db.get_caller_identity()
    faults.set_account(WEB, latency_ms=300)
    started = time.monotonic()
    web.get_caller_identity()
    slow = time.monotonic() - started
    started = time.monotonic()
    db.get_caller_identity()
    fast = time.monotonic() - started
    assert slow >= 0.3
    assert fast < 0.3


def test_reset_fault_drops_the_connection_without_a_response(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    faults.set_account(WEB, reset_fraction=1.0)
    with pytest.raises(ConnectionClosedError):
        _client(sessions[WEB], server, "sts").get_caller_identity()
    assert _client(sessions[DB], server, "sts").get_caller_identity()["Account"] == DB


def test_reset_fault_is_a_tcp_reset_seen_by_a_raw_client(
    server: MotoServer, sessions: dict[str, boto3.Session], faults: Faults
) -> None:
    faults.set_account(WEB, service="sts", reset_fraction=1.0)
    credentials = sessions[WEB].get_credentials()
    assert credentials is not None
    key = credentials.access_key
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{REGION}/sts/aws4_request, "
        "SignedHeaders=host, Signature=00",
    }
    connection.request("POST", "/", body=body, headers=headers)
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        connection.getresponse()
    connection.close()
