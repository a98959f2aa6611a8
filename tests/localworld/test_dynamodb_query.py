"""The world's key-range Query answers every query of a key exactly as moto's full scan of the table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localworld.dynamodb import install_key_range_query
from scanner.state import create_table

TABLE = "state"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-northeast-2")
        create_table(client, TABLE)  # the scanner's own key schema
        for scan in ("SCAN#a", "SCAN#b"):
            for prefix in ("ACCOUNT#", "HOST#", "SENT#"):
                for n in range(12):
                    item = {"pk": {"S": scan}, "sk": {"S": f"{prefix}{n:03d}"}, "n": {"N": str(n)}}
                    client.put_item(TableName=TABLE, Item=item)
        yield client


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "SCAN#a"}}},
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": "SCAN#a"}, ":s": {"S": "HOST#"}},
    },
    {
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":p": {"S": "SCAN#b"},
            ":lo": {"S": "HOST#005"},
            ":hi": {"S": "SENT#002"},
        },
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "pk = :p AND sk > :s",
        "FilterExpression": "n > :n",
        "ExpressionAttributeValues": {":p": {"S": "SCAN#a"}, ":s": {"S": "HOST#010"}, ":n": {"N": "4"}},
        "ProjectionExpression": "sk, n",
    },
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": "SCAN#c"}, ":s": {"S": "HOST#"}},
    },
]


def _pages(client: Any, query: dict[str, Any], page_size: int | None) -> list[list[dict[str, Any]]]:
    config = {"PageSize": page_size} if page_size else {}
    paginator = client.get_paginator("query")
    return [page["Items"] for page in paginator.paginate(TableName=TABLE, PaginationConfig=config, **query)]


@pytest.mark.parametrize("query", QUERIES, ids=["partition", "prefix", "between-desc", "filtered", "empty"])
@pytest.mark.parametrize("page_size", [None, 5])
def test_a_key_range_query_returns_what_moto_returns(
    dynamodb: Any, query: dict[str, Any], page_size: int | None
) -> None:
    expected = _pages(dynamodb, query, page_size)
    undo = install_key_range_query()
    try:
        answered = _pages(dynamodb, query, page_size)
    finally:
        undo()
    assert [item for page in answered for item in page] == [item for page in expected for item in page]
    if page_size is None:
        assert answered == expected


def _comparisons(client: Any, query: dict[str, Any]) -> int:
    """How many key comparisons (equality and order) one query makes."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    count = [0]
    eq, lt = DynamoType.__eq__, DynamoType.__lt__

    def counting_eq(self: Any, other: Any) -> bool:
        count[0] += 1
        return eq(self, other)

    def counting_lt(self: Any, other: Any) -> bool:
        count[0] += 1
        return lt(self, other)

    DynamoType.__eq__, DynamoType.__lt__ = counting_eq, counting_lt  # type: ignore[method-assign]
    try:
        client.query(TableName=TABLE, **query)
    finally:
        DynamoType.__eq__, DynamoType.__lt__ = eq, lt  # type: ignore[method-assign]
    return count[0]


def test_a_key_range_query_does_not_walk_the_whole_table(dynamodb: Any) -> None:
    # 72 items in two partitions; the query wants the 12 HOST# items of one of them.
    full = _comparisons(dynamodb, QUERIES[1])
    undo = install_key_range_query()
    try:
        key_range = _comparisons(dynamodb, QUERIES[1])
    finally:
        undo()
    assert key_range * 4 < full


@pytest.mark.parametrize("below", [None, "2026-11-24"], ids=["partition", "sort-key-range"])
def test_a_query_of_an_index_is_answered_as_moto_answers_it(dynamodb: Any, below: str | None) -> None:
    # The index's partition value names no partition of the table: only moto's own index query
    # finds these items.
    for n in range(6):
        item = {
            "pk": {"S": f"SCAN#x{n}"},
            "sk": {"S": "#SCAN"},
            "scans_pk": {"S": "SCANS"},
            "created_sk": {"S": f"2026-11-2{n}#x{n}"},
        }
        dynamodb.put_item(TableName=TABLE, Item=item)
    query: dict[str, Any] = {
        "IndexName": "scans_by_created",
        "KeyConditionExpression": "scans_pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "SCANS"}},
        "ScanIndexForward": False,
    }
    if below is not None:
        query["KeyConditionExpression"] += " AND created_sk < :c"
        query["ExpressionAttributeValues"][":c"] = {"S": below}
    expected = _pages(dynamodb, query, 3)
    undo = install_key_range_query()
    try:
        answered = _pages(dynamodb, query, 3)
    finally:
        undo()
    assert answered == expected
    newest = 5 if below is None else 3
    assert [item["pk"]["S"] for page in answered for item in page] == [
        f"SCAN#x{n}" for n in range(newest, -1, -1)
    ]
