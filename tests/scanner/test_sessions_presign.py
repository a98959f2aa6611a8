"""Entering member accounts (moto STS) and signing the hosts' URLs."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from scanner.config import Config
from scanner.errors import AccountUnreachableError
from scanner.presign import Presigner, url_lifetime
from scanner.sessions import (
    MEMBER_OPERATIONS,
    AccountSession,
    MemberOperationError,
    SessionCache,
    role_session_name,
    source_identity,
)
from tests.scanner.conftest import REGION


def test_role_session_name_follows_sts_rules() -> None:
    name = role_session_name("20261126T000000-abcdef", "kim seoyeon <kim@example.com>!" * 3)
    assert name.startswith("cce-20261126T000000-abcdef-kim-seoyeon")
    assert 2 <= len(name) <= 64
    assert all(c.isalnum() or c in "_+=,.@-" for c in name)


def test_source_identity_never_starts_with_aws() -> None:
    assert source_identity("aws-admin") == "u-aws-admin"
    assert source_identity("U01REQUESTER") == "U01REQUESTER"
    assert len(source_identity("x")) == 2


def test_session_cache_assumes_once_and_again_shortly_before_expiry(aws: None, config: Config) -> None:
    calls: list[dict[str, Any]] = []
    sts = boto3.client("sts", region_name=REGION)
    sts.meta.events.register("provide-client-params.sts.AssumeRole", lambda params, **_: calls.append(params))
    now = [datetime.now(UTC)]
    cache = SessionCache(
        config,
        scan_id="20261126T000000-abcdef",
        requester="U01REQUESTER",
        central_session=boto3.Session(),
        sts=sts,
        now=lambda: now[0],
    )
    first = cache.get("222222222222")
    assert cache.get("222222222222") is first
    assert len(calls) == 1
    assert calls[0]["ExternalId"] == config.member_role.external_id
    assert calls[0]["SourceIdentity"] == "U01REQUESTER"
    assert calls[0]["RoleSessionName"] == "cce-20261126T000000-abcdef-U01REQUESTER"
    assert calls[0]["RoleArn"] == f"arn:aws:iam::222222222222:role/{config.member_role.name}"
    now[0] = first.expires_at - timedelta(minutes=4)
    assert cache.get("222222222222") is not first
    assert len(calls) == 2


def test_accounts_entered_at_once_share_one_sts_client(aws: None, config: Config) -> None:
    central = boto3.Session(region_name=REGION)
    built: list[Any] = []
    build = central.client

    def slow_client(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.2)  # long enough for every thread to be asking meanwhile
        client = build(*args, **kwargs)
        built.append(client)
        return client

    central.client = slow_client  # type: ignore[method-assign]
    cache = SessionCache(config, scan_id="s", requester="U1", central_session=central)
    accounts = ["222222222222", "333333333333", "444444444444", "555555555555"]
    with ThreadPoolExecutor(max_workers=len(accounts)) as pool:
        entered = list(pool.map(cache.get, accounts))

    assert [e.account_id for e in entered] == accounts
    assert len(built) == 1


def test_a_refused_assume_role_is_account_unreachable_with_the_reason(aws: None, config: Config) -> None:
    sts = boto3.client("sts", region_name=REGION)

    def deny(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not trusted"}}, "AssumeRole")

    sts.meta.events.register("before-call.sts.AssumeRole", deny)
    cache = SessionCache(config, scan_id="s", requester="U1", central_session=boto3.Session(), sts=sts)
    with pytest.raises(AccountUnreachableError, match="AccessDenied: not trusted") as info:
        cache.get("333333333333")
    assert info.value.account_id == "333333333333"


@pytest.mark.parametrize(
    ("command", "expires_in", "expected"),
    [
        (900, None, 900),  # the command's own limit
        (900, 300, 240),  # the signer's credentials die first (minus a minute of margin)
        (10_000_000, None, 604_800),  # SigV4's seven days
    ],
)
def test_url_lifetime_is_the_shortest_of_command_credentials_and_sigv4(
    command: int, expires_in: int | None, expected: int
) -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    expires_at = now + timedelta(seconds=expires_in) if expires_in is not None else None
    assert url_lifetime(command, expires_at, now) == expected


def test_presigned_urls_are_sigv4_per_host_and_live_no_longer_than_the_command(
    aws: None, config: Config
) -> None:
    expires_at = datetime.now(UTC) + timedelta(hours=1)
    presigner = Presigner(config, boto3.Session(), credentials_expire_at=expires_at)
    get_a = presigner.bundle_get("a" * 64, "i-0aaaaaaaaaaaaaaaa")
    get_b = presigner.bundle_get("a" * 64, "i-0bbbbbbbbbbbbbbbb")
    put = presigner.result_put("20261126T000000-abcdef", "222222222222", "i-0aaaaaaaaaaaaaaaa")
    for url in (get_a, get_b, put):
        query = parse_qs(urlsplit(url).query)
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert "Signature" not in query
        limit = config.scan.delivery_timeout_seconds + config.scan.execution_timeout_seconds
        assert int(query["X-Amz-Expires"][0]) <= min(limit, 3600)
    assert urlsplit(get_a).path.endswith(f"/bundles/{'a' * 64}/script.tar")
    assert get_a != get_b
    assert urlsplit(put).path.endswith("/results/20261126T000000-abcdef/222222222222/i-0aaaaaaaaaaaaaaaa.tar")
    assert urlsplit(put).netloc == f"{config.results_bucket}.s3.{config.central.region}.amazonaws.com"


def _entered(account_id: str = "111111111111", key: str = "ASIAEXAMPLE") -> AccountSession:
    return AccountSession(account_id, key, "secret", "token", datetime.now(UTC) + timedelta(hours=1))


class _Sent(Exception):
    """Raised in place of sending: the request was built and signed, and was about to go out."""


def _stop_at_send(client: Any) -> None:
    """Make ``client`` raise :class:`_Sent` naming the operation instead of sending a request."""

    def stop(event_name: str, **_: Any) -> None:
        raise _Sent(event_name.rsplit(".", 1)[-1])

    client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", stop)


@pytest.mark.parametrize(
    ("service", "call", "params"),
    [
        ("ec2", "terminate_instances", {"InstanceIds": ["i-0123456789abcdef0"]}),
        ("ec2", "describe_images", {}),
        ("ssm", "delete_document", {"Name": "cce-scan"}),
        ("ssm", "get_parameter", {"Name": "/secret"}),
        ("s3", "list_buckets", {}),  # a service the member role grants nothing of
    ],
)
def test_a_member_client_refuses_an_operation_outside_member_operations_before_sending_it(
    service: str, call: str, params: dict[str, Any]
) -> None:
    client = _entered().client(service, REGION, endpoint_url="http://127.0.0.1:9")
    _stop_at_send(client)
    with pytest.raises(MemberOperationError, match=f"^{service}:") as info:
        getattr(client, call)(**params)
    assert info.value.service == service
    assert info.value.operation not in MEMBER_OPERATIONS.get(service, frozenset())
    assert "MEMBER_OPERATIONS" in str(info.value)


# The least each member operation needs to pass botocore's validation.
_REQUIRED: dict[str, dict[str, Any]] = {
    "SendCommand": {"DocumentName": "AWS-RunShellScript", "InstanceIds": ["i-0123456789abcdef0"]},
    "GetCommandInvocation": {
        "CommandId": "00000000-0000-0000-0000-000000000000",
        "InstanceId": "i-0123456789abcdef0",
    },
    "CancelCommand": {"CommandId": "00000000-0000-0000-0000-000000000000"},
}


@pytest.mark.parametrize(
    ("service", "operation"),
    sorted((service, operation) for service, ops in MEMBER_OPERATIONS.items() for operation in ops),
)
def test_a_member_client_sends_every_member_operation(service: str, operation: str) -> None:
    client = _entered().client(service, REGION, endpoint_url="http://127.0.0.1:9")
    _stop_at_send(client)
    with pytest.raises(_Sent, match=f"^{operation}$"):
        getattr(client, xform_name(operation))(**_REQUIRED.get(operation, {}))


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("ssm", "describe_instance_information"),
        ("ssm", "list_command_invocations"),
        ("ssm", "list_commands"),
        ("ec2", "describe_instances"),
        ("ec2", "describe_instance_status"),
        ("ec2", "describe_tags"),
    ],
)
def test_a_member_clients_paginators_send_member_operations(service: str, call: str) -> None:
    client = _entered().client(service, REGION, endpoint_url="http://127.0.0.1:9")
    _stop_at_send(client)
    with pytest.raises(_Sent):
        next(iter(client.get_paginator(call).paginate()))


def test_accounts_building_clients_at_once_each_sign_with_their_own_keys() -> None:
    start = threading.Barrier(8)

    def build(n: int) -> Any:
        account = _entered(f"{n:012d}", f"ASIA{n:016d}")
        start.wait()
        return account.client("ec2", REGION)

    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = list(pool.map(build, range(8)))
    assert [c._get_credentials().access_key for c in clients] == [f"ASIA{n:016d}" for n in range(8)]


def test_one_accounts_clients_built_from_many_threads_at_once_all_sign_with_its_keys() -> None:
    entered = _entered(key="ASIAONEACCOUNT")
    start = threading.Barrier(8)

    def build(n: int) -> Any:
        start.wait()
        return entered.client("ssm" if n % 2 else "ec2", REGION)

    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = list(pool.map(build, range(8)))
    assert {c._get_credentials().access_key for c in clients} == {"ASIAONEACCOUNT"}
    assert [c.meta.service_model.service_name for c in clients] == ["ec2", "ssm"] * 4


def test_clients_of_a_refreshed_session_sign_with_the_fresh_credentials(aws: None, config: Config) -> None:
    now = [datetime.now(UTC)]
    cache = SessionCache(
        config,
        scan_id="s",
        requester="U1",
        central_session=boto3.Session(),
        sts=boto3.client("sts", region_name=REGION),
        now=lambda: now[0],
    )
    first = cache.get("222222222222")
    before = cache.client("222222222222", "ssm", REGION)
    assert cache.get("222222222222") is first  # reused, not assumed again
    now[0] = first.expires_at - timedelta(minutes=4)
    after = cache.client("222222222222", "ssm", REGION)
    now[0] = datetime.now(UTC)  # the fresh credentials are young again
    fresh = cache.get("222222222222")
    assert fresh is not first
    assert before._get_credentials().access_key == first.access_key_id
    assert after._get_credentials().access_key == fresh.access_key_id != first.access_key_id
