"""DynamoDB item actions that apply as one step, as DynamoDB's do.

DynamoDB serialises the writes to an item: a conditional write checks its condition and writes
in one step, so of two ``UpdateItem`` calls conditioned on ``status = PENDING`` exactly one
succeeds and the other gets ``ConditionalCheckFailedException``. moto's backend has no lock: it
reads the item, evaluates the condition, then changes the item in place, and a moto server
answers each request on its own thread. Two concurrent conditional writes can then both pass
their condition, which would hide exactly the races that conditional writes exist to catch:
two approvers both winning, an account's dispatch lease taken twice, an outcome counted twice.

Here each item action of moto's DynamoDB (reading the request, the old item for ``ReturnValues``,
the condition, the write and the answer) runs under one process-wide lock. That is stricter than
DynamoDB, which only serialises per item, and it gives readers no torn items.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.responses import DynamoHandler

from localworld.patching import replace_methods

__all__ = ["ITEM_ACTIONS", "install_atomic_items"]

ITEM_ACTIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "batch_write_item",
    "batch_get_item",
    "transact_write_items",
    "transact_get_items",
    "query",
    "scan",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
)


def _atomic(action: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    @functools.wraps(action)
    def run(self: DynamoHandler) -> Any:
        with lock:
            return action(self)

    return run


def install_atomic_items() -> Callable[[], None]:
    """Run moto's DynamoDB item actions one at a time; call the result to undo it."""
    lock = threading.RLock()
    return replace_methods(
        DynamoHandler,
        {name: _atomic(getattr(DynamoHandler, name), lock) for name in ITEM_ACTIONS},
        what="atomic DynamoDB item actions",
    )
