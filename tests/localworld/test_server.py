"""The moto server of the local world: 127.0.0.1 only, fast to start, nothing left behind."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from botocore.config import Config as BotoConfig
from moto.moto_api._internal.models import moto_api_backend

from localworld.accounts import create_admin_key
from localworld.errors import ServerError
from localworld.faults import Faults
from localworld.server import MotoServer

REGION = "ap-northeast-2"


@pytest.fixture(autouse=True)
def _fresh_moto() -> Iterator[None]:
    moto_api_backend.reset()
    yield
    moto_api_backend.reset()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _world_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("localworld-")]


def test_server_starts_on_loopback_within_five_seconds_and_answers() -> None:
    started = time.monotonic()
    with MotoServer() as server:
        elapsed = time.monotonic() - started
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        key = create_admin_key("222222222222")
        sts = key.session(REGION).client("sts", endpoint_url=server.endpoint_url)
        assert sts.get_caller_identity()["Account"] == "222222222222"
    assert elapsed < 5.0


def test_server_listens_only_on_127_0_0_1() -> None:
    with MotoServer() as server:
        bound = server._server.socket.getsockname()
        assert bound[0] == "127.0.0.1"


def test_server_refuses_a_non_loopback_address() -> None:
    with pytest.raises(ServerError, match=r"127\.0\.0\.1 only"):
        MotoServer(host="0.0.0.0")  # noqa: S104 - the point of the test


def test_stop_leaves_no_thread_and_no_listening_port() -> None:
    server = MotoServer().start()
    port = server.port
    key = create_admin_key("222222222222")
    s3 = key.session(REGION).client("s3", endpoint_url=server.endpoint_url)
    s3.list_buckets()
    assert _port_open(port)
    server.stop()
    assert not _port_open(port)
    assert _world_threads() == []


def test_stop_happens_when_the_with_block_raises() -> None:
    ports: list[int] = []

    def scan_that_fails() -> None:
        with MotoServer() as server:
            ports.append(server.port)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        scan_that_fails()
    port = ports[0]
    assert not _port_open(port)
    assert _world_threads() == []


def test_stop_closes_a_connection_left_open_by_a_client() -> None:
    server = MotoServer().start()
    idle = socket.create_connection(("127.0.0.1", server.port))
    idle.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    time.sleep(0.1)
    assert _world_threads() != []
    server.stop(timeout=3)
    idle.close()
    assert _world_threads() == []


def test_the_account_comes_from_the_key_not_from_a_moto_header() -> None:
    with MotoServer() as server:
        key = create_admin_key("222222222222")
        sts = key.session(REGION).client("sts", endpoint_url=server.endpoint_url)

        def add_header(request: object, **_: object) -> None:
            request.headers["x-moto-account-id"] = "333333333333"  # type: ignore[attr-defined]

        sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_header)
        assert sts.get_caller_identity()["Account"] == "222222222222"


def test_two_servers_get_different_free_ports() -> None:
    with MotoServer() as one, MotoServer() as two:
        assert one.port != two.port
        assert _port_open(one.port)
        assert _port_open(two.port)


def test_stop_does_not_wait_for_an_injected_latency() -> None:
    faults = Faults()
    server = MotoServer(faults).start()
    key = create_admin_key("222222222222")
    sts = key.session(REGION).client(
        "sts", endpoint_url=server.endpoint_url, config=BotoConfig(retries={"total_max_attempts": 1})
    )
    faults.set_account("222222222222", latency_ms=60_000)
    outcome: list[str] = []

    def call() -> None:
        try:
            sts.get_caller_identity()
            outcome.append("answered")
        except Exception as exc:  # the connection is closed under it
            outcome.append(type(exc).__name__)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    time.sleep(0.3)
    started = time.monotonic()
    server.stop(timeout=5)
    assert time.monotonic() - started < 3.0
    assert _world_threads() == []
    caller.join(5)
    assert outcome
    assert outcome != ["answered"]
