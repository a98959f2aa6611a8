"""Of two conditional writes racing on one item, exactly one wins, as in DynamoDB.

To make the race certain rather than likely, each condition pauses right after it is evaluated
until the other write has evaluated its own, or until its patience runs out: without the lock
both writes see the item as it was and both change it; with the lock the other write cannot come,
so the first gives up waiting (a short patience) and writes alone.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.comparisons import create_condition_expression_parser

from localworld.dynamodb_atomic import install_atomic_items
from scanner.state import create_table

REGION = "ap-northeast-2"
TABLE = "state"
KEY = {"pk": {"S": "SCAN#1"}, "sk": {"S": "#APPROVAL"}}


@dataclass
class _Race:
    client: Any
    meet: threading.Barrier = field(default_factory=lambda: threading.Barrier(2))
    patience: float = 0.3


class _PausingCondition:
    """A parsed condition that, once evaluated, waits for the racing write to evaluate its own."""

    def __init__(self, condition: Any, race: _Race) -> None:
        self._condition = condition
        self._race = race

    def expr(self, item: Any) -> bool:
        holds = bool(self._condition.expr(item))
        with contextlib.suppress(threading.BrokenBarrierError):
            self._race.meet.wait(self._race.patience)
        return holds


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Race]:
    racing: list[_Race] = []
    make_parser = create_condition_expression_parser  # the function moto.dynamodb.models calls

    def pausing_parser(*args: Any, **kwargs: Any) -> Any:
        # A stand-in for the parsed condition replaces the parser's parse(): not a moto type.
        parser: Any = make_parser(*args, **kwargs)
        parse = parser.parse
        parser.parse = lambda: _PausingCondition(parse(), racing[0])
        return parser

    monkeypatch.setattr(dynamodb_models, "create_condition_expression_parser", pausing_parser)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        client.put_item(TableName=TABLE, Item={**KEY, "status": {"S": "PENDING"}})
        racing.append(_Race(client))
        yield racing[0]


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


def _run(race: _Race) -> list[str | None]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_decide_as(race.client), ["U02", "U03"]))


def test_moto_alone_lets_both_racing_conditional_writes_win(race: _Race) -> None:
    race.patience = 30.0  # the other write will come, however slow the machine
    assert _run(race) == ["U02", "U03"]


def test_with_atomic_items_one_racing_write_wins_and_the_item_shows_it(race: _Race) -> None:
    undo = install_atomic_items()
    try:
        winners = [user for user in _run(race) if user is not None]
    finally:
        undo()
    assert len(winners) == 1
    stored = race.client.get_item(TableName=TABLE, Key=KEY, ConsistentRead=True)["Item"]
    assert stored["decided_by"]["S"] == winners[0]


def test_undoing_puts_back_the_actions_of_moto() -> None:
    from moto.dynamodb.responses import DynamoHandler

    before = DynamoHandler.__dict__["update_item"]
    install_atomic_items()()
    assert DynamoHandler.__dict__["update_item"] is before
