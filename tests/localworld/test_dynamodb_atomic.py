"""Of two conditional writes racing on one item, exactly one wins, as in DynamoDB.

To make the race certain rather than likely, each condition pauses right after it is evaluated
until the other write has evaluated its own (or a short wait runs out): without the lock both
writes see the item as it was, and both change it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localworld.dynamodb_atomic import install_atomic_items

REGION = "ap-northeast-2"
TABLE = "state"
KEY = {"pk": {"S": "SCAN#1"}, "sk": {"S": "#APPROVAL"}}


class _PausingCondition:
    """A parsed condition that, once evaluated, waits for the racing write to evaluate its own."""

    def __init__(self, condition: Any, meet: threading.Barrier) -> None:
        self._condition = condition
        self._meet = meet

    def expr(self, item: Any) -> bool:
        holds = bool(self._condition.expr(item))
        with contextlib.suppress(threading.BrokenBarrierError):
            self._meet.wait()
        return holds


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    meet = threading.Barrier(2, timeout=0.3)
    make_parser = dynamodb_models.create_condition_expression_parser

    def pausing_parser(*args: Any, **kwargs: Any) -> Any:
        parser = make_parser(*args, **kwargs)
        parse = parser.parse
        parser.parse = lambda: _PausingCondition(parse(), meet)
        return parser

    monkeypatch.setattr(dynamodb_models, "create_condition_expression_parser", pausing_parser)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName=TABLE, Item={**KEY, "status": {"S": "PENDING"}})
        yield client


def _decide_as(client: Any) -> Callable[[str], str | None]:
    def decide(user: str) -> str | None:
        try:
            answer = client.update_item(
                TableName=TABLE,
                Key=KEY,
                UpdateExpression="SET #s = :approved, decided_by = :user",
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":approved": {"S": "APPROVED"},
                    ":pending": {"S": "PENDING"},
                    ":user": {"S": user},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return None
        return str(answer["Attributes"]["decided_by"]["S"])

    return decide


def _race(client: Any) -> list[str | None]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_decide_as(client), ["U02", "U03"]))


def test_moto_alone_lets_both_racing_conditional_writes_win(dynamodb: Any) -> None:
    assert _race(dynamodb) == ["U02", "U03"]


def test_with_atomic_items_one_racing_write_wins_and_the_item_shows_it(dynamodb: Any) -> None:
    undo = install_atomic_items()
    try:
        winners = [user for user in _race(dynamodb) if user is not None]
    finally:
        undo()
    assert len(winners) == 1
    stored = dynamodb.get_item(TableName=TABLE, Key=KEY, ConsistentRead=True)["Item"]
    assert stored["decided_by"]["S"] == winners[0]


def test_undoing_puts_back_the_actions_of_moto() -> None:
    from moto.dynamodb.responses import DynamoHandler

    before = DynamoHandler.__dict__["update_item"]
    install_atomic_items()()
    assert DynamoHandler.__dict__["update_item"] is before
