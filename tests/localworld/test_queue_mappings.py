"""The SQS event-source mappings the world runs are the Terraform's, with AWS's defaults for what a
block leaves out."""

from __future__ import annotations

import shutil
from pathlib import Path

from localworld.queue_mappings import (
    SQS_DEFAULT_BATCH_SIZE,
    SQS_STARTING_POLLERS,
    QueueMapping,
    read_queue_mappings,
)
from tests.localworld.test_iam_terraform import BINDINGS, MODULES


def test_the_worker_gets_one_job_an_invocation_and_the_notifier_a_second_of_events() -> None:
    mappings = {m.function_name: m for m in read_queue_mappings(MODULES, BINDINGS)}

    assert mappings == {
        "cce-scan-worker": QueueMapping("cce-scan-worker", "cce-scan-jobs", 1, 0, 4),
        "cce-scan-notifier": QueueMapping("cce-scan-notifier", "cce-scan-events", 10, 1, 2),
    }


def test_a_mapping_without_batch_window_or_scaling_takes_awss_defaults(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    shutil.copytree(MODULES, modules)
    lambda_tf = modules / "central" / "lambda.tf"
    text = lambda_tf.read_text(encoding="utf-8")
    start = text.index('resource "aws_lambda_event_source_mapping" "notifier_events"')
    end = text.index("\n}\n", start) + 3
    lambda_tf.write_text(
        text[:start]
        + 'resource "aws_lambda_event_source_mapping" "notifier_events" {\n'
        + "  event_source_arn = aws_sqs_queue.events.arn\n"
        + "  function_name    = aws_lambda_function.notifier.arn\n"
        + "}\n"
        + text[end:],
        encoding="utf-8",
    )

    mappings = {m.function_name: m for m in read_queue_mappings(modules, BINDINGS)}

    assert mappings["cce-scan-notifier"] == QueueMapping(
        "cce-scan-notifier", "cce-scan-events", SQS_DEFAULT_BATCH_SIZE, 0, SQS_STARTING_POLLERS
    )
