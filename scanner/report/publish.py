"""Write a finished scan's report to ``reports/<scan>/`` in the results bucket.

The worker writes it when it finalizes the scan (``scanner.handlers``), before ``scan.finished``
names its files (:class:`scanner.events.ReportFiles`); the bot's notifier renders the summary and
diff and attaches the two findings files:

- ``summary.json`` — :class:`ScanSummary` over every targeted host (the analyzer's host summaries
  joined with the scan state's outcomes, see :func:`scanner.report.collect.combine`);
- ``diff.json`` — :class:`ScanDiff` against ``previous_scan_id``, when one is given;
- ``findings.ocsf.jsonl`` — every host's OCSF findings, one file;
- ``findings.csv`` — every host's rows, UTF-8 with a byte-order mark and one header;
- ``report.xlsx`` — the audit workbook (:mod:`scanner.report.workbook`: a summary sheet, the item ×
  host matrix, a sheet per host), in the configuration's ``locale``; left out, and logged, when it
  cannot be built.

The two findings files are streamed host by host into a multipart upload, so memory stays flat
whatever the fleet size. A succeeded host whose result the analyzer has not judged when this runs
is reported as not analysed. Writing again rewrites the same content.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from scanner.events import ReportFiles
from scanner.findings.csvout import BOM, COLUMNS
from scanner.outcomes import HostOutcome
from scanner.report.collect import HostState, combine, judged_hosts, read_host_summaries
from scanner.report.diff import diff_scans
from scanner.report.errors import ReportWriteError
from scanner.report.fetch import fetch_ahead
from scanner.report.models import AccountCoverage, HostSummary, ScanDiff, ScanSummary
from scanner.report.summary import summarize_scan
from scanner.report.workbook_words import Locale

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["PublishedReport", "ReportPort", "S3Reports", "publish_scan_report", "report_keys"]


def report_keys(scan_id: str) -> dict[str, str]:
    """The report's object keys."""
    prefix = f"reports/{scan_id}/"
    return {
        "summary": prefix + "summary.json",
        "diff": prefix + "diff.json",
        "csv": prefix + "findings.csv",
        "ocsf": prefix + "findings.ocsf.jsonl",
        "xlsx": prefix + "report.xlsx",
    }


@dataclass(frozen=True)
class PublishedReport:
    """The summary and the diff that were written, and the keys of every file written."""

    summary: ScanSummary
    diff: ScanDiff | None
    files: ReportFiles


class _Chain(io.RawIOBase):
    """A read-only stream over parts produced one after another (for ``upload_fileobj``)."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._current = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._current:
            try:
                self._current = next(self._parts)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._current))
        buffer[:size] = self._current[:size]
        self._current = self._current[size:]
        return size


def _object(s3: S3Client, bucket: str, key: str) -> bytes | None:
    """An object's bytes (a host's findings file: tens of KB); None when it is not there."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    try:
        return body.read()
    finally:
        body.close()


def _objects(s3: S3Client, bucket: str, keys: Iterable[str]) -> Iterator[bytes]:
    """The objects' bytes in order, a few read ahead (:func:`scanner.report.fetch.fetch_ahead`)."""
    for _, data in fetch_ahead(lambda key: _object(s3, bucket, key), keys):
        if data:
            yield data


def _findings_keys(hosts: Iterable[HostSummary], suffix: str) -> Iterator[str]:
    for host in hosts:
        if host.outcome is HostOutcome.SUCCEEDED and host.counts:
            yield f"findings/{host.scan_id}/{host.account_id}/{host.instance_id}{suffix}"


def publish_scan_report(
    s3: S3Client,
    bucket: str,
    scan_id: str,
    hosts: Iterable[HostState],
    *,
    previous_scan_id: str | None = None,
    top: int = 10,
    locale: Locale = "ko",
    aliases: Mapping[str, str] | None = None,
    coverage: Sequence[AccountCoverage] = (),
) -> PublishedReport:
    """Write ``reports/<scan>/`` (see the module docstring) and return what it says; ``coverage``
    (the accounts' running instances SSM does not manage) goes into the summary as it is."""
    keys = report_keys(scan_id)
    hosts = list(hosts)
    current = combine(scan_id, hosts, read_host_summaries(s3, bucket, scan_id))
    summary = summarize_scan(scan_id, current, top)
    if coverage:
        summary = summary.model_copy(update={"coverage": tuple(coverage)})
    diff = None
    if previous_scan_id is not None:
        previous = read_host_summaries(s3, bucket, previous_scan_id).values()
        diff = diff_scans(current, previous, scan_id=scan_id, previous_scan_id=previous_scan_id)
    header = (BOM + ",".join(COLUMNS) + "\r\n").encode("utf-8")
    try:
        s3.put_object(
            Bucket=bucket,
            Key=keys["summary"],
            Body=summary.model_dump_json().encode(),
            ContentType="application/json",
        )
        if diff is not None:
            s3.put_object(
                Bucket=bucket,
                Key=keys["diff"],
                Body=diff.model_dump_json().encode(),
                ContentType="application/json",
            )
        s3.upload_fileobj(
            io.BufferedReader(_Chain(_objects(s3, bucket, _findings_keys(current, ".ocsf.jsonl")))),
            bucket,
            keys["ocsf"],
            ExtraArgs={"ContentType": "application/x-ndjson"},
        )
        s3.upload_fileobj(
            io.BufferedReader(
                _Chain(_concat(iter((header,)), _objects(s3, bucket, _findings_keys(current, ".csv"))))
            ),
            bucket,
            keys["csv"],
            ExtraArgs={"ContentType": "text/csv; charset=utf-8"},
        )
        # Imported here: openpyxl stays out of the cold start of every other importer of scanner.report.
        from scanner.report.workbook import Labels
        from scanner.report.workbook_s3 import publish_workbook

        names = {(host.account_id, host.instance_id): host.name for host in hosts if host.name}
        xlsx = publish_workbook(
            s3,
            bucket,
            keys["xlsx"],
            summary,
            current,
            locale=locale,
            labels=Labels(aliases=aliases or {}, names=names),
        )
    except ClientError as exc:
        raise ReportWriteError(f"cannot write the report of scan {scan_id}: {exc}") from exc
    files = ReportFiles(
        summary=keys["summary"],
        diff=keys["diff"] if diff is not None else None,
        csv=keys["csv"],
        ocsf=keys["ocsf"],
        xlsx=keys["xlsx"] if xlsx else None,
    )
    return PublishedReport(summary, diff, files)


def _concat(*parts: Iterator[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


class ReportPort(Protocol):
    """Where a closed scan's report is written (the worker's finalize)."""

    def judged(self, scan_id: str) -> frozenset[tuple[str, str]]:
        """(account, instance) of the hosts whose result the analyzer has judged."""
        ...

    def publish(
        self,
        scan_id: str,
        hosts: Iterable[HostState],
        *,
        previous_scan_id: str | None,
        coverage: Sequence[AccountCoverage] = (),
    ) -> PublishedReport: ...


class S3Reports:
    """:class:`ReportPort` over the results bucket: :func:`publish_scan_report`."""

    def __init__(
        self, s3: S3Client, bucket: str, *, locale: Locale = "ko", aliases: Mapping[str, str] | None = None
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._locale = locale  # of the workbook
        self._aliases = dict(aliases or {})  # account ID → alias, shown in the workbook

    def judged(self, scan_id: str) -> frozenset[tuple[str, str]]:
        return judged_hosts(self._s3, self._bucket, scan_id)

    def publish(
        self,
        scan_id: str,
        hosts: Iterable[HostState],
        *,
        previous_scan_id: str | None,
        coverage: Sequence[AccountCoverage] = (),
    ) -> PublishedReport:
        return publish_scan_report(
            self._s3,
            self._bucket,
            scan_id,
            hosts,
            previous_scan_id=previous_scan_id,
            locale=self._locale,
            aliases=self._aliases,
            coverage=coverage,
        )
