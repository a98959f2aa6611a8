"""The central module's resources, deployed into the world as ``terraform/modules/central`` makes
them: the key, the Slack secret, the configuration parameter, the state and approvals tables, the
queues, the ``ObjectCreated`` notification that invokes the analyzer, and the S3 → Lambda delivery of it.

Names follow the module's (:class:`scanner.deployment.Deployment`: ``<prefix>-state``,
``<prefix>-jobs``, ``<prefix>/slack``, ``/<prefix>/config``, ``<prefix>-<function>``). Roles and
policies are :mod:`localworld.iam.terraform`'s.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import yaml
from pydantic import BaseModel, ConfigDict

from scanner.config import Config
from scanner.deployment import Deployment
from scanner.table import create_approvals_table, create_table

__all__ = [
    "CentralDeployment",
    "deploy_central",
    "notify_analyzer",
    "s3_invokes_lambda",
]

SSM_CONFIG_PREFIX = "ssm:"


class CentralDeployment(BaseModel):
    """What :func:`deploy_central` created."""

    model_config = ConfigDict(frozen=True)

    names: Deployment
    kms_key_arn: str
    secret_arn: str
    config_source: str  # the CCE_SCAN_CONFIG value: ssm:<parameter name>
    table: str
    approvals_table: str
    queue_urls: dict[str, str]  # jobs, events and the dead-letter queues by their key
    queue_arns: dict[str, str]


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return str(url), str(arn)


def deploy_central(
    session: boto3.Session,
    endpoint_url: str,
    config: Config,
    slack_secret: dict[str, str],
    *,
    prefix: str = "cce-scan",
    max_receive_count: int = 5,
    visibility_timeouts: dict[str, int] | None = None,
) -> CentralDeployment:
    """Create the central resources with ``session`` (the central account's setup credentials).

    ``visibility_timeouts`` of the jobs and events queues default to the module's (six times the
    function's timeout); tests that make a handler fail shorten them so redelivery comes soon.
    """
    names = Deployment(config=config, prefix=prefix)
    region = config.central.region

    def client(service: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    kms = client("kms")
    key_arn = str(kms.create_key(Description=f"cce-scan {names.prefix}")["KeyMetadata"]["Arn"])
    kms.create_alias(AliasName=names.key_alias, TargetKeyId=key_arn)
    secret_arn = str(
        client("secretsmanager").create_secret(
            Name=names.secret, KmsKeyId=key_arn, SecretString=json.dumps(slack_secret)
        )["ARN"]
    )
    client("ssm").put_parameter(
        Name=names.config_parameter,
        Type="SecureString",
        KeyId=key_arn,
        Value=yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
    )
    create_table(client("dynamodb"), names.table)
    create_approvals_table(client("dynamodb"), names.approvals_table)

    sqs = client("sqs")
    timeouts = {"jobs": 6 * 900, "events": 6 * 60, **(visibility_timeouts or {})}
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    for key, name in names.dead_letter_queues.items():
        urls[f"{key}-dlq"], arns[f"{key}-dlq"] = _queue(sqs, name, {"MessageRetentionPeriod": "1209600"})
    for key, name in (("jobs", names.jobs_queue), ("events", names.events_queue)):
        redrive = {"deadLetterTargetArn": arns[f"{key}-dlq"], "maxReceiveCount": max_receive_count}
        urls[key], arns[key] = _queue(
            sqs,
            name,
            {"VisibilityTimeout": str(timeouts[key]), "RedrivePolicy": json.dumps(redrive)},
        )
    return CentralDeployment(
        names=names,
        kms_key_arn=key_arn,
        secret_arn=secret_arn,
        config_source=SSM_CONFIG_PREFIX + names.config_parameter,
        table=names.table,
        approvals_table=names.approvals_table,
        queue_urls=urls,
        queue_arns=arns,
    )


def notify_analyzer(session: boto3.Session, endpoint_url: str, config: Config, analyzer_arn: str) -> None:
    """``aws_s3_bucket_notification.results``: every new ``results/*.tar`` invokes the analyzer."""
    s3: Any = session.client("s3", region_name=config.central.region, endpoint_url=endpoint_url)
    s3.put_bucket_notification_configuration(
        Bucket=config.results_bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "analyze-results",
                    "LambdaFunctionArn": analyzer_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "results/"},
                                {"Name": "suffix", "Value": ".tar"},
                            ]
                        }
                    },
                }
            ]
        },
    )


_S3_LAMBDA_LOCK = threading.Lock()


@contextlib.contextmanager
def s3_invokes_lambda(invoke_async: Callable[[str, Any], None]) -> Iterator[None]:
    """S3 event notifications to a Lambda function reach the local Lambda service, as an
    asynchronous (``Event``) invocation, as S3 invokes functions; moto would look for the
    function in its own Lambda backend and drop the event. The event names the created version
    (``versionId``) when the bucket is versioned, as S3's does."""
    import moto.s3.notifications as notifications

    def invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        invoke_async(fn_arn, event_body)

    def event(event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        # S3 names the created version in the event when the bucket is versioned; moto leaves it out.
        body = original_event(event_name, bucket, key, notification_id)
        if bucket.is_versioned and key.version_id:
            for record in body["Records"]:
                record["s3"]["object"]["versionId"] = key.version_id
        return body

    with _S3_LAMBDA_LOCK:
        original, original_event = notifications._invoke_awslambda, notifications._get_s3_event
        notifications._invoke_awslambda = invoke
        notifications._get_s3_event = event
    try:
        yield
    finally:
        with _S3_LAMBDA_LOCK:
            notifications._invoke_awslambda = original
            notifications._get_s3_event = original_event
