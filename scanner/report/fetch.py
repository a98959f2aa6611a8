"""Reading many objects in order with a few requests in flight (the report's reads).

A report reads a few objects per host, one after another: on S3 each GET waits tens of
milliseconds for its first byte, so at 10,000 hosts the waits alone would outlast the worker's
timeout. :func:`fetch_ahead` keeps up to ``ahead`` fetches running on threads (botocore clients
are thread-safe) and yields their results in the keys' order, holding at most ``ahead`` results
that are not yet consumed, so memory stays bounded whatever the number of keys.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["FETCH_AHEAD", "fetch_ahead"]

# Fetches in flight: fewer than botocore's default connection pool (10), so none waits for one.
FETCH_AHEAD = 8

K = TypeVar("K")
V = TypeVar("V")


def fetch_ahead(
    fetch: Callable[[K], V], keys: Iterable[K], *, ahead: int = FETCH_AHEAD
) -> Iterator[tuple[K, V]]:
    """``(key, fetch(key))`` for each key, in order, with up to ``ahead`` fetches running at once. A
    fetch that raises raises here, in its turn; the fetches not yet started are then cancelled."""
    if ahead < 1:
        raise ValueError("ahead must be at least 1")
    remaining = iter(keys)
    pending: deque[tuple[K, Future[V]]] = deque()
    with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="fetch") as pool:

        def top_up() -> None:
            while len(pending) < ahead:
                try:
                    key = next(remaining)
                except StopIteration:
                    return
                pending.append((key, pool.submit(fetch, key)))

        try:
            top_up()
            while pending:
                key, future = pending.popleft()
                value = future.result()
                top_up()
                yield key, value
        finally:
            for _, future in pending:
                future.cancel()
