"""The SQS event-source mappings of the Terraform, as the local Lambda service runs them.

``terraform/modules/central`` maps the jobs queue to the worker and the events queue to the
notifier (``aws_lambda_event_source_mapping``). How many messages one invocation gets, and how long
Lambda gathers them first, decide how many invocations a scan costs; so the world takes both from
the HCL (:mod:`localworld.iam.tfmodule`, with the world's bindings) instead of choosing its own.
So does the mapping's ``scaling_config.maximum_concurrency``: the world runs that many pollers,
each delivering one batch at a time, as Lambda invokes at most that many at once. An argument the
block leaves out takes AWS's default for an SQS source: a batch of 10, no batching window, and
five pollers (the concurrency Lambda starts a mapping with).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localworld.iam.hcl import TerraformError
from localworld.iam.terraform import Bindings
from localworld.iam.tfmodule import Instance, Module

__all__ = ["SQS_DEFAULT_BATCH_SIZE", "SQS_STARTING_POLLERS", "QueueMapping", "read_queue_mappings"]

SQS_DEFAULT_BATCH_SIZE = 10  # Lambda's default BatchSize for an SQS event source
SQS_STARTING_POLLERS = 5  # the concurrency Lambda gives a new SQS mapping before it scales


@dataclass(frozen=True)
class QueueMapping:
    """One ``aws_lambda_event_source_mapping`` of an SQS queue."""

    function_name: str
    queue_name: str
    batch_size: int
    window_seconds: int
    concurrency: int


def _number(instance: Instance, name: str, default: int, value: Any = None) -> int:
    if value is None:
        if not instance.has_argument(name):
            return default
        value = instance.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TerraformError(
            f"{instance.block.file.name}: {instance.address}", f"{name} is not a number: {value!r}"
        )
    return int(value)


def _last(arn: Any, separator: str, instance: Instance, name: str) -> str:
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise TerraformError(
            f"{instance.block.file.name}: {instance.address}", f"{name} is not an ARN: {arn!r}"
        )
    return arn.rsplit(separator, 1)[-1]


def read_queue_mappings(modules: Path, bindings: Bindings) -> tuple[QueueMapping, ...]:
    """Every SQS event-source mapping of ``modules/central``, evaluated with ``bindings``."""
    central = Module(modules / "central", bindings.central_facts())
    found = []
    for block in central.blocks_of("resource", "aws_lambda_event_source_mapping"):
        for key in central.keys("resource", block.labels[0], block.labels[1]):
            instance = central.instance("resource", block.labels[0], block.labels[1], key)
            found.append(
                QueueMapping(
                    function_name=_last(instance.get("function_name"), ":", instance, "function_name"),
                    queue_name=_last(instance.get("event_source_arn"), ":", instance, "event_source_arn"),
                    batch_size=_number(instance, "batch_size", SQS_DEFAULT_BATCH_SIZE),
                    window_seconds=_number(instance, "maximum_batching_window_in_seconds", 0),
                    concurrency=_number(
                        instance,
                        "scaling_config.maximum_concurrency",
                        SQS_STARTING_POLLERS,
                        instance.nested_argument("scaling_config", "maximum_concurrency"),
                    ),
                )
            )
    return tuple(found)
