"""A DynamoDB client that refuses Scan, for the tests of the code that reads the state table.

No role may Scan the table (terraform/modules/central/iam.tf): every read of the product code is a
GetItem, a BatchGetItem or a Query, and a test running it on such a client fails if one is not.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["refuse_scans"]

Client = TypeVar("Client")


def _refuse(**_: Any) -> None:
    raise AssertionError("a DynamoDB Scan: reads of the state table Query a key or an index")


def refuse_scans(client: Client) -> Client:
    """``client``, which from now on raises instead of sending a Scan (a paginated one too)."""
    client.meta.events.register("before-call.dynamodb.Scan", _refuse)  # type: ignore[attr-defined]
    return client
