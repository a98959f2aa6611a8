"""DynamoDB ``Query`` on a table's key that reads only the asked-for key range, as DynamoDB does.

moto answers a ``Query`` of a base table by going through every item of the table, sorting the
whole partition by its sort key, and only then applying the key condition: O(table) per call,
with slow comparisons. A scan's state lives in one partition, so tracking a 5,000-host scan
read tens of thousands of items per round and took minutes in the world. DynamoDB reads only
the key range the condition names.

Here moto's own ``Table.query`` runs unchanged, but sees only the partition's items whose sort key
meets the key condition. Results, order, paging and filters stay moto's; ``Limit`` and the 1 MB
page then count the items in the key range, which is what DynamoDB counts (moto counted every
item of the partition). Index queries are moto's as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.table import Table

from localworld.patching import replace_methods

__all__ = ["install_key_range_query"]


class _KeyRange:
    """A table that shows ``items`` (one partition's key range) as all it holds."""

    def __init__(self, table: Table, items: list[Any]) -> None:
        self._table = table
        self._items = items

    def all_items(self) -> list[Any]:
        return self._items

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def _key_range_query(original: Callable[..., Any]) -> Callable[..., Any]:
    def query(
        self: Table,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: list[Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        index_name = args[4] if len(args) > 4 else kwargs.get("index_name")
        range_conditions = kwargs.get("range_key_conditions") or []
        on_sort_key = not range_conditions or range_conditions[-1][0] == self.range_key_attr
        if index_name or hash_key is None or not self.range_key_attr or not on_sort_key:
            return original(self, hash_key, range_comparison, range_objs, *args, **kwargs)
        partition = self.items.get(hash_key, {})
        items = [
            item
            for item in partition.values()
            if range_comparison is None or item.range_key.compare(range_comparison, range_objs)
        ]
        return original(_KeyRange(self, items), hash_key, range_comparison, range_objs, *args, **kwargs)

    return query


def install_key_range_query() -> Callable[[], None]:
    """Make base-table queries read their key range only; call the result to undo it."""
    return replace_methods(
        Table, {"query": _key_range_query(Table.query)}, what="the DynamoDB key-range query"
    )
