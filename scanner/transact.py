"""Writes to the state table that are made together or not at all (one ``TransactWriteItems``).

DynamoDB cancels the whole transaction when a write's condition fails, and says which in
``CancellationReasons`` (one entry per write, in order): :func:`write_together` answers with the
positions of the writes whose condition failed, so the caller can tell what happened. A
transaction that met another one on the same item at the same moment (``TransactionConflict``,
no condition failed) is tried again a few times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

__all__ = ["CONFLICT_RETRIES", "failed_conditions", "write_together"]

CONFLICT_RETRIES = 4
CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"


def failed_conditions(reasons: Sequence[Mapping[str, Any]]) -> frozenset[int]:
    """The positions of the writes whose condition failed, from ``CancellationReasons``."""
    return frozenset(index for index, reason in enumerate(reasons) if reason.get("Code") == CONDITION_FAILED)


def _conflicted(reasons: Sequence[Mapping[str, Any]]) -> bool:
    return any(reason.get("Code") == CONFLICT for reason in reasons)


def write_together(
    client: Any,
    writes: Sequence[Mapping[str, Any]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> frozenset[int]:
    """Make ``writes`` (``TransactWriteItems`` elements) all, or none of them.

    Returns the positions of the writes whose condition failed: empty when every write was made.
    Any other failure is raised as the ``ClientError`` it is.
    """
    attempt = 0
    while True:
        try:
            client.transact_write_items(TransactItems=list(writes))
            return frozenset()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons: Sequence[Mapping[str, Any]] = exc.response.get("CancellationReasons", [])
            failed = failed_conditions(reasons)
            if failed:
                return failed
            if not _conflicted(reasons) or attempt >= CONFLICT_RETRIES:
                raise
        sleep(0.05 * 2**attempt)
        attempt += 1
