"""Handlers the local Lambda tests run (importable by ``module.attribute`` like real ones)."""

from __future__ import annotations

import json
import threading
from typing import Any

SEEN: list[Any] = []
LOCK = threading.Lock()


def echo(event: Any, context: Any) -> Any:
    with LOCK:
        SEEN.append(event)
    return {
        "echo": event,
        "function": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def crash(event: Any, context: Any) -> Any:
    raise ValueError("boom")


def half_fails(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Reports every record whose body says "fail" as a batch item failure."""
    failures = []
    for record in event["Records"]:
        with LOCK:
            SEEN.append(json.loads(record["body"]))
        if json.loads(record["body"]).get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
