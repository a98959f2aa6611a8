"""The central module's resources exist under the names the configuration and the prefix give: the
results bucket, the queues, the state table with its indexes, the configuration parameter (holding
this configuration), and the Command document shared with every member account."""

from __future__ import annotations

from typing import Any

from cce_scan.doctor.access import AWS_ERRORS, AwsAccess, error_code, reason
from cce_scan.doctor.model import Check
from scanner.config import parse_config
from scanner.deployment import Deployment
from scanner.errors import ConfigError
from scanner.table import APPROVAL_INDEXES, INDEXES, TableIndex

__all__ = [
    "check_approvals_table",
    "check_bucket",
    "check_document_shared",
    "check_parameter",
    "check_queues",
    "check_resources",
    "check_table",
]

APPLY = "terraform apply the central module (terraform/modules/central)"


def check_bucket(d: Deployment, s3: Any) -> Check:
    bucket = d.config.results_bucket
    name = f"the results bucket {bucket} exists"
    try:
        s3.head_bucket(Bucket=bucket)
    except AWS_ERRORS as exc:
        missing = error_code(exc) in ("404", "NoSuchBucket", "NotFound")
        detail = "no such bucket" if missing else reason(exc)
        fix = f"{APPLY}, or set results_bucket to the bucket's name" if missing else ""
        return Check.failed(name, detail, fix)
    return Check.passed(name)


def check_queues(d: Deployment, sqs: Any) -> list[Check]:
    checks = []
    for queue in (d.jobs_queue, d.events_queue, *d.dead_letter_queues.values()):
        name = f"the queue {queue} exists"
        try:
            sqs.get_queue_url(QueueName=queue)
        except AWS_ERRORS as exc:
            checks.append(Check.failed(name, reason(exc), APPLY))
        else:
            checks.append(Check.passed(name))
    return checks


def check_table(d: Deployment, dynamodb: Any) -> Check:
    return _check_table(dynamodb, f"the state table {d.table}", d.table, INDEXES)


def check_approvals_table(d: Deployment, dynamodb: Any) -> Check:
    return _check_table(
        dynamodb, f"the approvals table {d.approvals_table}", d.approvals_table, APPROVAL_INDEXES
    )


def _check_table(dynamodb: Any, what: str, table_name: str, indexes: tuple[TableIndex, ...]) -> Check:
    name = f"{what} exists with its indexes"
    try:
        table = dynamodb.describe_table(TableName=table_name)["Table"]
    except AWS_ERRORS as exc:
        return Check.failed(name, reason(exc), APPLY)
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    missing = [index.name for index in indexes if index.name not in present]
    if missing:
        return Check.failed(name, f"the table lacks the indexes {', '.join(missing)}", APPLY)
    return Check.passed(name, f"{table.get('TableStatus', '?')}, indexes {', '.join(sorted(present))}")


def check_parameter(d: Deployment, ssm: Any) -> Check:
    name = f"the configuration parameter {d.config_parameter} holds this configuration"
    fix = "make package CONFIG=<this file> and terraform apply, or run the doctor with the deployed file"
    try:
        text = ssm.get_parameter(Name=d.config_parameter, WithDecryption=True)["Parameter"]["Value"]
    except AWS_ERRORS as exc:
        return Check.failed(name, reason(exc), APPLY)
    try:
        deployed = parse_config(str(text), source=d.config_parameter)
    except ConfigError as exc:
        return Check.failed(name, f"the deployed configuration is not valid: {exc}", fix)
    if deployed != d.config:
        return Check.failed(name, "the deployed configuration differs from this one", fix)
    return Check.passed(name)


def _shared_with(ssm: Any, document: str) -> set[str]:
    accounts: set[str] = set()
    options: dict[str, str] = {}
    while True:
        page = ssm.describe_document_permission(Name=document, PermissionType="Share", **options)
        accounts.update(str(a) for a in page.get("AccountIds", []))
        token = page.get("NextToken")
        if not token:
            return accounts
        options = {"NextToken": str(token)}


def check_document_shared(d: Deployment, ssm: Any) -> Check:
    document = d.config.document.name
    name = f"the document {document} is shared with every member account"
    aliases = {a.id: a.alias for a in d.config.accounts if a.id != d.account_id}
    wanted = set(aliases)
    try:
        shared = _shared_with(ssm, document)
    except AWS_ERRORS as exc:
        return Check.failed(name, reason(exc), APPLY)
    missing = sorted(wanted - shared)
    if missing:
        named = ", ".join(f"{aliases[a]} ({a})" for a in missing)
        fix = "list them in member_account_ids and terraform apply the central module"
        return Check.failed(name, f"not shared with {named}", fix)
    return Check.passed(name, f"{len(wanted)} accounts")


def check_resources(d: Deployment, operator: AwsAccess) -> list[Check]:
    """Every resource check, with the operator's credentials in the central account."""
    ssm = operator.client("ssm")
    return [
        check_bucket(d, operator.client("s3")),
        *check_queues(d, operator.client("sqs")),
        check_table(d, operator.client("dynamodb")),
        check_approvals_table(d, operator.client("dynamodb")),
        check_parameter(d, ssm),
        check_document_shared(d, ssm),
    ]
