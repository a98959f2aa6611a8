"""Shared fixtures for the scanner's unit tests (moto in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from localworld.dynamodb_atomic import install_atomic_items
from scanner.config import Config
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets
from scanner.state import ScanStore, create_table
from tests.dynamodb_reads import refuse_scans
from tests.scanner.world_support import fast_config

REGION = "ap-northeast-2"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        undo = install_atomic_items()
        yield
        undo()


@pytest.fixture
def config() -> Config:
    return fast_config()


@pytest.fixture
def dynamodb(aws: None) -> Any:
    import boto3

    client = refuse_scans(boto3.client("dynamodb", region_name=REGION))
    create_table(client, "state")
    return client


@pytest.fixture
def store(dynamodb: Any) -> ScanStore:
    return ScanStore(dynamodb, "state")


def scan_record(scan_id: str = "20261126T000000-abcdef", accounts: int = 1) -> ScanRecord:
    from datetime import UTC, datetime

    targets = tuple(
        AccountTarget(account_id=f"{222222222222 + 111111111111 * i}", alias=f"a{i}", region=REGION)
        for i in range(accounts)
    )
    return ScanRecord(
        scan_id=scan_id,
        requester="U01REQUESTER",
        targets=ScanTargets(kind="account", names=("a0",), accounts=targets),
        status=ScanStatus.CREATED,
        created_at=datetime.now(UTC),
    )
