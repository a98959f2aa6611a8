"""Writes made together: the answer names the writes whose condition failed; a transaction that met
another one on the same item is tried again, and any other failure is raised."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from scanner.transact import CONFLICT_RETRIES, write_together

WRITES: list[dict[str, Any]] = [
    {"ConditionCheck": {"TableName": "state", "Key": {"pk": {"S": "A"}}, "ConditionExpression": "x = :v"}},
    {"ConditionCheck": {"TableName": "state", "Key": {"pk": {"S": "B"}}, "ConditionExpression": "x = :v"}},
]


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "dynamodb", region_name="ap-northeast-2", aws_access_key_id="k", aws_secret_access_key="s"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _cancelled(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


def test_every_write_made_is_an_empty_answer(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("transact_write_items", {})
    assert write_together(client, WRITES) == frozenset()


def test_the_answer_names_each_write_whose_condition_failed(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    _cancelled(stubber, "None", "ConditionalCheckFailed")
    _cancelled(stubber, "ConditionalCheckFailed", "ConditionalCheckFailed")
    assert write_together(client, WRITES) == {1}
    assert write_together(client, WRITES) == {0, 1}


def test_a_conflict_with_another_transaction_is_tried_again(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    pauses: list[float] = []
    _cancelled(stubber, "TransactionConflict", "None")
    _cancelled(stubber, "None", "ConditionalCheckFailed")
    assert write_together(client, WRITES, sleep=pauses.append) == {1}
    assert len(pauses) == 1


def test_conflicts_that_go_on_are_raised_after_a_few_tries(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    pauses: list[float] = []
    for _ in range(CONFLICT_RETRIES + 1):
        _cancelled(stubber, "TransactionConflict", "None")
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        write_together(client, WRITES, sleep=pauses.append)
    assert len(pauses) == CONFLICT_RETRIES


def test_any_other_failure_is_raised_as_it_is(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_client_error("transact_write_items", service_error_code="ValidationException")
    _cancelled(stubber, "ValidationError", "None")
    with pytest.raises(ClientError, match="ValidationException"):
        write_together(client, WRITES)
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        write_together(client, WRITES)
