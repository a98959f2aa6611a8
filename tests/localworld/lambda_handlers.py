"""Handlers the local Lambda tests run, each in an execution environment (a process) of its own."""

from __future__ import annotations

import json
import os
import time
from typing import Any

STARTED_AT = time.time()  # once per environment: the module is imported at its cold start


def echo(event: Any, context: Any) -> Any:
    return {
        "echo": event,
        "function": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "pid": os.getpid(),
        "started_at": STARTED_AT,
        "marker": os.environ.get("MARKER"),
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
    }


def crash(event: Any, context: Any) -> Any:
    raise ValueError("boom")


def sleep(event: dict[str, Any], context: Any) -> Any:
    time.sleep(float(event["seconds"]))
    return {"slept": event["seconds"], "pid": os.getpid()}


def die(event: Any, context: Any) -> Any:
    os._exit(3)


def half_fails(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Reports every record whose body says "fail" as a batch item failure."""
    failures = []
    for record in event["Records"]:
        if json.loads(record["body"]).get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def sleep_records(event: dict[str, Any], context: Any) -> Any:
    """An SQS batch: sleep each record's ``seconds``, and report no failure."""
    for record in event["Records"]:
        time.sleep(float(json.loads(record["body"])["seconds"]))
    return {"batchItemFailures": []}
