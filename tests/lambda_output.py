"""What a Lambda entry writes, read back: its Powertools JSON logs and its EMF metrics.

:func:`lambda_output` catches the log lines of the entries' Powertools logger (its handler writes
to the stdout of the time the logger was made, so the handler's stream is swapped for the test)
and the EMF objects Powertools prints to the stdout of the moment (``capsys``).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aws_lambda_powertools import Logger

REGION = "ap-northeast-2"


@dataclass(frozen=True)
class LambdaContext:
    """The fields of Lambda's context object that Powertools reads."""

    function_name: str = "cce-scan-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:111111111111:function:cce-scan-test"
    aws_request_id: str = "req-1"


@dataclass
class LambdaOutput:
    capsys: pytest.CaptureFixture[str]
    logs_stream: io.StringIO = field(default_factory=io.StringIO)
    _stdout: list[str] = field(default_factory=list)

    def logs(self) -> list[dict[str, Any]]:
        """Every JSON log record written so far."""
        return [json.loads(line) for line in self.logs_stream.getvalue().splitlines() if line.strip()]

    def emf(self) -> list[dict[str, Any]]:
        """Every EMF object printed so far."""
        self._stdout.append(self.capsys.readouterr().out)
        objects = []
        for line in "".join(self._stdout).splitlines():
            if line.startswith("{") and '"_aws"' in line:
                objects.append(json.loads(line))
        return objects

    def metric(self, name: str, **dimensions: str) -> float:
        """The sum of ``name`` over the EMF objects with exactly ``dimensions`` besides ``service``."""
        total = 0.0
        for blob in self.emf():
            names = {m["Name"] for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
            own = {key: blob[key] for key in blob if key not in ("_aws", "service") and key not in names}
            if name in names and own == dimensions:
                total += sum(blob[name]) if isinstance(blob[name], list) else blob[name]
        return total


@contextlib.contextmanager
def lambda_output(logger: Logger, capsys: pytest.CaptureFixture[str]) -> Iterator[LambdaOutput]:
    output = LambdaOutput(capsys)
    capsys.readouterr()  # what came before is not this entry's
    handler: Any = logger.registered_handler
    before = handler.setStream(output.logs_stream)
    try:
        yield output
    finally:
        handler.setStream(before)
