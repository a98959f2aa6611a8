"""Gather a scan's host summaries for a report: the analyzer's files plus every other host's outcome.

The analyzer leaves ``findings/<scan>/<account>/<instance>.summary.json`` for every result it
judged. A report covers every targeted host (docs/design.md, "Host outcomes"): hosts whose command
never produced a result have only their outcome in the scan state (:func:`host_states` reads it off
the state's items). :func:`combine` joins the two so the totals add up to the targets;
:func:`read_host_summaries` reads the files (also for the previous scan, to diff).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from botocore.exceptions import ClientError
from pydantic import ValidationError

from scanner.outcomes import HostOutcome
from scanner.report.errors import ReportReadError
from scanner.report.fetch import fetch_ahead
from scanner.report.models import AccountCoverage, HostRef, HostSummary
from scanner.report.summary import summarize_outcome

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from scanner.state import AccountItem, HostItem

__all__ = [
    "NOT_ANALYSED",
    "HostState",
    "combine",
    "coverage_of",
    "host_states",
    "judged_hosts",
    "read_host_summaries",
]

_SUMMARY_KEY = re.compile(
    r"^findings/[^/]+/(?P<account>\d{12})/(?P<instance>(?:i|mi)-[0-9a-f]{8,17})\.summary\.json$"
)
MAX_SUMMARY_BYTES = 256 * 1024
NOT_ANALYSED = "not analysed: the analyzer had not judged the uploaded result when the report was written"


class HostState(NamedTuple):
    """A targeted host as the scan state knows it, as much as a report reads: a
    ``scanner.state.HostItem`` or an unreachable account flattened by :func:`host_states`."""

    account_id: str
    instance_id: str
    outcome: HostOutcome | None
    reason: str = ""
    name: str | None = None
    region: str | None = None


def host_states(hosts: Iterable[HostItem], accounts: Iterable[AccountItem] = ()) -> list[HostState]:
    """:class:`HostState` records from ``ScanStore.hosts(scan)`` and ``ScanStore.accounts(scan)``.

    An account that could not be entered counts once, as ACCOUNT_UNREACHABLE with an empty
    instance ID, as the scan's own counters do.
    """
    states = [
        HostState(
            account_id=host.account_id,
            instance_id=host.instance_id,
            outcome=host.outcome,
            reason=host.detail.reason if host.detail is not None else "",
            name=host.name,
            region=host.region,
        )
        for host in hosts
    ]
    states.extend(
        HostState(account.account_id, "", account.outcome, account.reason, None, account.region)
        for account in accounts
        if account.outcome is HostOutcome.ACCOUNT_UNREACHABLE
    )
    return states


def coverage_of(accounts: Iterable[AccountItem]) -> tuple[AccountCoverage, ...]:
    """The coverage of every whole account that was discovered (``ScanStore.accounts(scan)``), by
    account and region: what discovery kept on its item, or not checked where it kept nothing.
    Accounts narrowed to asked-for hosts are left out: an asked-for host SSM does not list is a
    skipped host of the scan already."""
    found = []
    for account in sorted(accounts, key=lambda a: (a.account_id, a.region)):
        if not account.discovered or account.instance_ids is not None:
            continue
        measured = account.coverage
        if measured is None:
            found.append(AccountCoverage(account_id=account.account_id, region=account.region, checked=False))
            continue
        found.append(
            AccountCoverage(
                account_id=account.account_id,
                region=account.region,
                checked=True,
                running=measured.running,
                not_covered=measured.not_covered,
                instances=tuple(
                    HostRef(account_id=account.account_id, instance_id=instance_id, hostname=name or None)
                    for instance_id, name in measured.named
                ),
            )
        )
    return tuple(found)


def _summary_keys(s3: S3Client, bucket: str, scan_id: str) -> Iterator[tuple[str, int, re.Match[str]]]:
    """(key, size, match) of every summary object listed under ``findings/<scan>/``."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"findings/{scan_id}/")
    for page in pages:
        for item in page.get("Contents", []):
            match = _SUMMARY_KEY.match(item["Key"])
            if match is not None:
                yield item["Key"], item.get("Size", 0), match


def judged_hosts(s3: S3Client, bucket: str, scan_id: str) -> frozenset[tuple[str, str]]:
    """(account, instance) of every host whose result the analyzer has judged: those with a summary
    object (a listing, 1,000 keys a request; no object is read)."""
    try:
        return frozenset(
            (match["account"], match["instance"]) for _, _, match in _summary_keys(s3, bucket, scan_id)
        )
    except ClientError as exc:
        raise ReportReadError(f"cannot list the host summaries of scan {scan_id}: {exc}") from exc


def read_host_summaries(s3: S3Client, bucket: str, scan_id: str) -> dict[tuple[str, str], HostSummary]:
    """Every ``*.summary.json`` the analyzer wrote for ``scan_id``, by (account, instance): listed,
    then read a few at a time (:func:`scanner.report.fetch.fetch_ahead`)."""

    def read(key: str) -> HostSummary | None:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            return HostSummary.model_validate_json(body.read(MAX_SUMMARY_BYTES + 1))
        except ValidationError:
            return None
        finally:
            body.close()

    found: dict[tuple[str, str], HostSummary] = {}
    try:
        listed = {
            key: match for key, size, match in _summary_keys(s3, bucket, scan_id) if size <= MAX_SUMMARY_BYTES
        }
        for key, summary in fetch_ahead(read, listed):
            if summary is not None:
                found[(listed[key]["account"], listed[key]["instance"])] = summary
    except ClientError as exc:
        raise ReportReadError(f"cannot read the host summaries of scan {scan_id}: {exc}") from exc
    return found


def combine(
    scan_id: str,
    hosts: Iterable[HostState],
    summaries: Mapping[tuple[str, str], HostSummary],
) -> list[HostSummary]:
    """One summary per targeted host that has an outcome (a final report is made once every host
    has one; hosts still running are left out, so pass only finished scans when totals matter).

    A host the state calls SUCCEEDED takes the analyzer's summary when there is one (whose outcome,
    RESULT_INVALID included, wins); without one it stays SUCCEEDED, marked not analysed, with no
    counts and the reason :data:`NOT_ANALYSED`. Every other host is its outcome and reason.
    """
    combined: list[HostSummary] = []
    for host in hosts:
        if host.outcome is None:
            continue
        summary = summaries.get((host.account_id, host.instance_id))
        if host.outcome is HostOutcome.SUCCEEDED:
            combined.append(
                summary
                if summary is not None
                else HostSummary(
                    scan_id=scan_id,
                    account_id=host.account_id,
                    instance_id=host.instance_id,
                    hostname=host.name,
                    region=host.region,
                    outcome=HostOutcome.SUCCEEDED,
                    reason=NOT_ANALYSED,
                    not_analysed=True,
                )
            )
            continue
        combined.append(
            summarize_outcome(
                scan_id=scan_id,
                account_id=host.account_id,
                instance_id=host.instance_id,
                outcome=host.outcome,
                reason=host.reason or None,
                hostname=host.name,
                region=host.region,
            )
        )
    return combined
