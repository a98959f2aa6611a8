"""Entering member accounts (moto STS) and signing the hosts' URLs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError

from scanner import sessions as sessions_module
from scanner.config import Config
from scanner.errors import AccountUnreachableError
from scanner.presign import Presigner, url_lifetime
from scanner.sessions import (
    MEMBER_OPERATIONS,
    AccountSession,
    SessionCache,
    SharedLoader,
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


def _files_parsed_by(loader: SharedLoader) -> list[str]:
    """The path of every model file ``loader`` parses from now on (the list fills as it does)."""
    parsed: list[str] = []
    load_file = loader.file_loader.load_file

    def counting(file_path: str) -> Any:
        parsed.append(file_path)
        return load_file(file_path)

    loader.file_loader.load_file = counting  # type: ignore[method-assign]
    return parsed


@pytest.mark.parametrize(
    ("load", "suffixes"),
    [
        (lambda loader: loader.load_service_model("ec2", "service-2"), ("ec2/2016-11-15/service-2",)),
        # A client's first paginated call (found after listing every service's directory):
        (lambda loader: loader.load_service_model("ssm", "paginators-1"), ("ssm/2014-11-06/paginators-1",)),
        # What a session's endpoint resolver reads:
        (lambda loader: loader.load_data_with_path("endpoints")[0], ("endpoints", "endpoints.json")),
    ],
    ids=["service model", "paginators", "endpoints"],
)
def test_shared_loader_reads_a_file_once_when_accounts_first_use_it_at_once(
    load: Callable[[SharedLoader], Any], suffixes: tuple[str, ...]
) -> None:
    loader = SharedLoader()
    parsed = _files_parsed_by(loader)
    start = threading.Barrier(8)

    def first_use() -> Any:
        start.wait()
        return load(loader)

    with ThreadPoolExecutor(max_workers=8) as pool:
        models = list(pool.map(lambda _: first_use(), range(8)))
    assert all(m is models[0] for m in models)
    assert len([p for p in parsed if p.endswith(suffixes)]) == 1


def test_accounts_building_clients_at_once_each_sign_with_their_own_keys_and_parse_models_once() -> None:
    loader = sessions_module._LOADER
    load_file = loader.file_loader.load_file
    parsed = _files_parsed_by(loader)
    # so the EC2 model is parsed (once) again during this test; botocore-stubs leave out the private cache
    loader._cache.clear()  # type: ignore[attr-defined]
    start = threading.Barrier(8)
    expiry = datetime.now(UTC) + timedelta(hours=1)

    def build(n: int) -> Any:
        account = AccountSession(f"{n:012d}", f"ASIA{n:016d}", "secret", "token", expiry)
        start.wait()
        return account.client("ec2", REGION)

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            clients = list(pool.map(build, range(8)))
    finally:
        loader.file_loader.load_file = load_file  # type: ignore[method-assign]
    assert [c._get_credentials().access_key for c in clients] == [f"ASIA{n:016d}" for n in range(8)]
    assert len([p for p in parsed if p.endswith(("ec2/2016-11-15/service-2", "service-2.json"))]) == 1


def test_member_account_clients_carry_only_the_calls_the_scanner_makes() -> None:
    account = AccountSession(
        "111111111111", "ASIAEXAMPLE", "secret", "token", datetime.now(UTC) + timedelta(hours=1)
    )
    ec2 = account.client("ec2", REGION)
    ssm = account.client("ssm", REGION)
    assert set(ec2.meta.method_to_api_mapping.values()) == MEMBER_OPERATIONS["ec2"]
    assert set(ssm.meta.method_to_api_mapping.values()) == MEMBER_OPERATIONS["ssm"]
    assert not hasattr(ec2, "terminate_instances")
    assert ec2.can_paginate("describe_instances")
    assert ssm.can_paginate("list_command_invocations")
    # The shapes stay whole, so what the kept calls answer still parses (errors included).
    assert "ThrottlingException" in {shape for shape in ssm.meta.service_model.shape_names}


def test_a_services_model_outside_the_member_calls_is_served_whole() -> None:
    loader = SharedLoader({"ec2": frozenset({"DescribeInstances"})})
    assert len(loader.load_service_model("ec2", "service-2")["operations"]) == 1
    assert len(loader.load_service_model("sts", "service-2")["operations"]) > 5
    assert len(loader.load_service_model("ec2", "paginators-1")["pagination"]) > 1


def test_after_warming_an_accounts_first_clients_and_paginators_read_no_model_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loader = SharedLoader(MEMBER_OPERATIONS)
    monkeypatch.setattr(sessions_module, "_LOADER", loader)  # a fresh cache, read by new threads
    parsed = _files_parsed_by(loader)

    def first_account() -> None:
        account = AccountSession(
            "111111111111", "ASIAEXAMPLE", "secret", "token", datetime.now(UTC) + timedelta(hours=1)
        )
        ssm = account.client("ssm", REGION)
        ec2 = account.client("ec2", REGION)
        for operation in ("describe_instance_information", "list_command_invocations", "list_commands"):
            ssm.get_paginator(operation)
        for operation in ("describe_tags", "describe_instances"):
            ec2.get_paginator(operation)

    with ThreadPoolExecutor(max_workers=1) as pool:  # a worker thread, as a scan's are
        pool.submit(sessions_module.warm_member_models, REGION).result()
    assert parsed
    parsed.clear()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(first_account).result()
    assert parsed == []
