"""What each function's code asks of AWS: the one catalog of (actions, resources) the deployment
must allow, per function and for the member role.

Read from the code, not from the Terraform: each :class:`Need` names the code that makes the call.
``cce-scan doctor`` asks IAM's policy simulator whether each role allows its needs;
``tests/doctor`` compares the catalog with what ``terraform/modules/central/iam.tf`` grants.

Beyond the API calls in the code, a function needs what Lambda does with its role on its behalf:
writing its log streams, sending its traces (active tracing), polling its SQS trigger, and sending a
failed asynchronous invocation to its failure destination; and the module's KMS key for every
encrypted resource it reads or writes (the configuration parameter, the Slack secret, the queues,
the bucket's objects).

Resources are ARNs; ``*`` inside one stands for any value there (``bundles/*/script.tar``): the
simulator matches the policies' patterns against it as against any ARN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from scanner.deployment import Deployment, Function
from scanner.presign import bundle_key, result_key
from scanner.sessions import MEMBER_OPERATIONS
from scanner.table import PENDING_APPROVALS, SCANS_BY_CREATED, SCANS_BY_TARGETS

__all__ = ["ContextValue", "Facts", "Need", "function_needs", "member_needs"]

# Organizations is a global service answered in us-east-1.
ORGANIZATIONS_REGION = "us-east-1"


class ContextValue(BaseModel):
    """A request context key and its values, as the simulator takes it (``ContextEntries``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    values: tuple[str, ...]
    type: Literal["string", "stringList", "boolean"] = "string"


class Need(BaseModel):
    """Every action of ``actions`` on every resource of ``resources``, with the request context the
    call carries, because of the code ``why`` names."""

    model_config = ConfigDict(frozen=True)

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    why: str
    context: tuple[ContextValue, ...] = ()


class Facts(BaseModel):
    """What the catalog needs beyond the configuration and the names: ARNs AWS chose, and the
    organization the accounts are in."""

    model_config = ConfigDict(frozen=True)

    secret_arn: str  # the Slack secret; AWS appends 6 random characters to its name
    kms_key_arn: str  # the module's key (alias/<prefix>)
    organization_id: str
    management_account_id: str


def _regional(region: str) -> tuple[ContextValue, ...]:
    return (
        ContextValue(name="aws:RequestedRegion", values=(region,)),
        ContextValue(name="aws:SecureTransport", values=("true",), type="boolean"),
    )


def _need(
    actions: Iterable[str], resources: Iterable[str], why: str, region: str, *extra: ContextValue
) -> Need:
    return Need(
        actions=tuple(actions), resources=tuple(resources), why=why, context=_regional(region) + extra
    )


def _common(d: Deployment, facts: Facts, key: Function) -> list[Need]:
    """What every function needs: its logs, its traces, its configuration and the module's key."""
    r = d.region
    return [
        _need(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [d.log_streams_arn(key)],
            "the Lambda runtime writes the function's log streams",
            r,
        ),
        _need(
            ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            ["*"],
            "active tracing sends the function's traces (lambda.tf tracing_config)",
            r,
        ),
        _need(
            ["ssm:GetParameter"],
            [d.parameter_arn],
            "scanner/config.py load_config_source reads the configuration at cold start (the "
            "analyzer: when it first refuses a result)",
            r,
        ),
        _need(
            ["kms:Decrypt"],
            [facts.kms_key_arn],
            "the SecureString configuration, the Slack secret, the queues' messages and the "
            "bucket's objects are encrypted with the module's key",
            r,
        ),
        _need(
            ["kms:GenerateDataKey"],
            [facts.kms_key_arn],
            "messages sent to the encrypted queues and objects written to the bucket take a data key",
            r,
        ),
    ]


def _bot(d: Deployment, facts: Facts) -> list[Need]:
    r = d.region
    org, management = facts.organization_id, facts.management_account_id
    organizations = f"arn:{d.partition}:organizations::{management}"
    return [
        _need(
            ["secretsmanager:GetSecretValue"],
            [facts.secret_arn],
            "bot/settings.py load_slack_secrets reads the Slack secret at cold start",
            r,
        ),
        _need(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
            [d.table_arn],
            "scanner/state.py ScanStore (create, start, cancel, status; TransactWriteItems puts), "
            "bot/thread_state.py ThreadState",
            r,
        ),
        _need(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            [d.approvals_table_arn],
            "scanner/approvals.py ApprovalStore: requests, their message, decisions written with the "
            "scan's start (scanner/engine.py), denial or expiry (bot/decisions.py)",
            r,
        ),
        _need(
            ["dynamodb:Query"],
            [d.index_arn(SCANS_BY_CREATED.name)],
            "scanner/state.py ScanStore.recent_scans (/cce-scan status)",
            r,
        ),
        _need(
            ["dynamodb:BatchGetItem"],
            [d.table_arn],
            "scanner/state.py ScanStore.recent_scans reads the listed scans",
            r,
        ),
        _need(
            ["s3:ListBucket"],
            [d.bucket_arn],
            "scanner/artifacts.py current_bundle_sha256 lists bundles/ when a scan starts",
            r,
            ContextValue(name="s3:prefix", values=("bundles/",)),
        ),
        _need(
            ["ssm:DescribeDocument"],
            [d.document_arn],
            "scanner/artifacts.py document_hash when a scan starts",
            r,
        ),
        _need(
            ["sqs:SendMessage"],
            [d.queue_arn(d.jobs_queue), d.queue_arn(d.events_queue)],
            "scanner/engine.py ScanEngine.start queues the dispatch jobs and publishes scan.started",
            r,
        ),
        _need(
            ["sqs:SendMessage"],
            [d.queue_arn(d.dead_letter_queues["bot"])],
            "Lambda sends a failed lazy invocation to the bot's failure destination",
            r,
        ),
        _need(
            ["lambda:InvokeFunction"],
            [d.function_arn("bot")],
            "Bolt's lazy listeners invoke the bot again (bot/handler.py)",
            r,
        ),
        _need(
            ["lambda:InvokeFunction"],
            [d.function_arn("worker")],
            "bot/scans.py WorkerInvoker asks the worker to resolve hosts and estimate counts",
            r,
        ),
        _need(
            ["organizations:ListRoots"],
            ["*"],
            "scanner/targets.py OrganizationDirectory resolves `account <OU>` targets",
            ORGANIZATIONS_REGION,
        ),
        _need(
            ["organizations:ListOrganizationalUnitsForParent", "organizations:ListAccountsForParent"],
            [f"{organizations}:root/{org}/r-*", f"{organizations}:ou/{org}/ou-*"],
            "scanner/targets.py OrganizationDirectory walks the OUs under the roots",
            ORGANIZATIONS_REGION,
        ),
    ]


def _notifier(d: Deployment, facts: Facts) -> list[Need]:
    r = d.region
    events = d.queue_arn(d.events_queue)
    return [
        _need(
            ["secretsmanager:GetSecretValue"],
            [facts.secret_arn],
            "bot/settings.py load_slack_secrets reads the Slack secret at cold start",
            r,
        ),
        _need(
            ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
            [d.table_arn],
            "bot/notifier.py reads scans, accounts and hosts (ScanStore), claims updates "
            "(ThreadState), attaches threads and closes expired scans",
            r,
        ),
        _need(
            ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            [d.approvals_table_arn],
            "bot/decisions.py expire: the approval's expiry with its scan's (scanner/approvals.py)",
            r,
        ),
        _need(
            ["dynamodb:Query"],
            [f"{d.approvals_table_arn}/index/{PENDING_APPROVALS.name}"],
            "scanner/approvals.py ApprovalStore.pending_due (the scheduled approval sweep)",
            r,
        ),
        _need(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            [events],
            "Lambda polls the events queue for the notifier with the notifier's role",
            r,
        ),
        _need(
            ["sqs:SendMessage"],
            [events],
            "bot/notifier.py schedules its delayed parent refreshes on the events queue",
            r,
        ),
        _need(
            ["s3:GetObject"],
            [d.objects_arn("reports/*")],
            "bot/notifier.py reads the report files scan.finished names (summary and diff to render, "
            "CSV and OCSF to attach)",
            r,
        ),
        _need(
            ["s3:ListBucket"],
            [d.bucket_arn],
            "a report file that is missing must read as NoSuchKey, not AccessDenied (bot/notifier.py)",
            r,
        ),
    ]


def _worker(d: Deployment, facts: Facts) -> list[Need]:
    r = d.region
    jobs, events = d.queue_arn(d.jobs_queue), d.queue_arn(d.events_queue)
    return [
        _need(
            ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
            [d.table_arn],
            "scanner/handlers.py JobHandlers (dispatch, track, finalize) through ScanStore",
            r,
        ),
        _need(
            ["dynamodb:GetItem"],
            [d.approvals_table_arn],
            "scanner/handlers.py dispatch checks the scan's approval (scanner/approvals.py check_approved)",
            r,
        ),
        _need(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            [jobs],
            "Lambda polls the jobs queue for the worker with the worker's role",
            r,
        ),
        _need(
            ["sqs:SendMessage"],
            [jobs, events],
            "scanner/jobs.py queues the next tracking rounds and finalize; scanner/events.py publishes",
            r,
        ),
        _need(
            ["sts:AssumeRole", "sts:SetSourceIdentity"],
            [d.member_role_arn(account.id) for account in d.config.accounts],
            "scanner/sessions.py SessionCache enters each member account with a source identity",
            r,
            ContextValue(name="aws:ResourceOrgID", values=(facts.organization_id,)),
        ),
        _need(
            ["s3:GetObject"],
            [d.objects_arn(bundle_key("*"))],
            "scanner/presign.py signs each host's bundle download with the worker's credentials",
            r,
        ),
        _need(
            ["s3:PutObject"],
            [d.objects_arn(result_key("*", "*", "*"))],
            "scanner/presign.py signs each host's result upload with the worker's credentials",
            r,
        ),
        _need(
            ["dynamodb:Query"],
            [d.index_arn(SCANS_BY_TARGETS.name)],
            "scanner/handlers.py finalize: ScanStore.previous_finished (the report's diff)",
            r,
        ),
        _need(
            ["s3:ListBucket"],
            [d.bucket_arn],
            "scanner/report/collect.py judged_hosts and read_host_summaries list findings/<scan>/ "
            "(the scan's and the previous scan's) when finalize waits for the analyzer and writes "
            "the report",
            r,
            ContextValue(name="s3:prefix", values=("findings/",)),
        ),
        _need(
            ["s3:GetObject"],
            [d.objects_arn("findings/*")],
            "scanner/report (host summaries, every host's findings into the report's files)",
            r,
        ),
        _need(
            ["s3:PutObject", "s3:AbortMultipartUpload"],
            [d.objects_arn("reports/*")],
            "scanner/report/publish.py publish_scan_report writes reports/<scan>/ (multipart uploads)",
            r,
        ),
    ]


def _analyzer(d: Deployment, facts: Facts) -> list[Need]:
    r = d.region
    return [
        _need(
            ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"],
            [d.table_arn],
            "scanner/entries/analyzer.py ScanStoreState, for a refused result only (account_regions, "
            "host, mark_result_invalid) and ScanEventsAnnouncer (next_event_seq)",
            r,
        ),
        _need(
            ["s3:GetObject", "s3:GetObjectVersion"],
            [d.objects_arn("results/*")],
            "scanner/entries/analyzer.py reads each result tar: HeadObject of the key's latest version, "
            "HeadObject and ranged GetObject of the version the S3 event names",
            r,
        ),
        _need(
            ["s3:ListBucket"],
            [d.bucket_arn],
            "a result deleted before analysis must read as 404, not 403 (scanner/entries/analyzer.py)",
            r,
        ),
        _need(
            ["s3:PutObject", "s3:DeleteObject"],
            [d.objects_arn("findings/*")],
            "scanner/entries/analyzer.py writes findings, CSV and summary, and removes stale findings",
            r,
        ),
        _need(
            ["sqs:SendMessage"],
            [d.queue_arn(d.events_queue)],
            "scanner/entries/analyzer.py ScanEventsAnnouncer publishes corrected host outcomes",
            r,
        ),
        _need(
            ["sqs:SendMessage"],
            [d.queue_arn(d.dead_letter_queues["analyzer"])],
            "Lambda sends a failed S3 event invocation to the analyzer's failure destination",
            r,
        ),
    ]


_BY_FUNCTION = {"bot": _bot, "notifier": _notifier, "worker": _worker, "analyzer": _analyzer}


def function_needs(deployment: Deployment, facts: Facts, key: Function) -> tuple[Need, ...]:
    """What the function ``key``'s role must allow."""
    return (*_common(deployment, facts, key), *_BY_FUNCTION[key](deployment, facts))


def member_needs(deployment: Deployment, account_id: str, regions: Iterable[str]) -> tuple[Need, ...]:
    """What the member role in ``account_id`` must allow the worker, in each of ``regions``: the
    operations of ``scanner.sessions.MEMBER_OPERATIONS`` (the member-account clients can call no
    other), ``SendCommand`` only of the shared document to the account's instances."""
    needs: list[Need] = []
    why = "scanner/sessions.py MEMBER_OPERATIONS: discovery, dispatch and tracking in the member account"
    for region in regions:
        for service, operations in sorted(MEMBER_OPERATIONS.items()):
            others = sorted(f"{service}:{op}" for op in operations if op != "SendCommand")
            if others:
                needs.append(_need(others, ["*"], why, region))
            if "SendCommand" in operations:
                needs.append(
                    _need(
                        [f"{service}:SendCommand"],
                        [deployment.document_arn, deployment.instances_arn(account_id, region)],
                        "scanner/dispatch.py Sender sends the shared document to the account's instances",
                        region,
                    )
                )
    return tuple(needs)
