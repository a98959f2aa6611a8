"""``reports/<scan>/report.xlsx``: the audit workbook (:mod:`scanner.report.workbook`) of a scan in
the results bucket, built from its hosts' OCSF findings files (``findings/<scan>/<account>/
<instance>.ocsf.jsonl``, read in the sheets' order with a few reads ahead,
:func:`scanner.report.fetch.fetch_ahead`) and written beside the report's other files.

The workbook is a view of the findings, which the CSV and OCSF files already hold: when it cannot
be built (a findings file that does not parse, a bug) the error is logged and the report goes on
without it. S3 refusing a read or the upload raises ``ClientError`` like every other report file.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from scanner.report.fetch import fetch_ahead
from scanner.report.host_items import ItemResult, item_results
from scanner.report.models import HostSummary, ScanSummary
from scanner.report.workbook import Labels, build_workbook, save_workbook
from scanner.report.workbook_words import Locale

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["XLSX_CONTENT_TYPE", "publish_workbook"]

log = logging.getLogger("cce_scan.report")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _host_items(s3: S3Client, bucket: str, host: HostSummary) -> list[ItemResult]:
    key = f"findings/{host.scan_id}/{host.account_id}/{host.instance_id}.ocsf.jsonl"
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return []
        raise
    try:
        return list(item_results(body.iter_lines()))
    finally:
        body.close()


def publish_workbook(
    s3: S3Client,
    bucket: str,
    key: str,
    summary: ScanSummary,
    hosts: Sequence[HostSummary],
    *,
    locale: Locale = "ko",
    labels: Labels | None = None,
) -> bool:
    """Build the workbook of ``summary`` and ``hosts`` and upload it to ``key``; False when it could
    not be built (logged, nothing uploaded)."""
    with tempfile.TemporaryFile() as handle:
        try:
            workbook = build_workbook(
                summary,
                hosts,
                lambda ordered: (
                    items for _, items in fetch_ahead(lambda host: _host_items(s3, bucket, host), ordered)
                ),
                locale=locale,
                labels=labels,
            )
            save_workbook(workbook, handle)
        except ClientError:
            raise
        except Exception:
            log.exception(
                "the workbook of scan %s could not be built; the report goes on without it", summary.scan_id
            )
            return False
        handle.seek(0)
        s3.upload_fileobj(handle, bucket, key, ExtraArgs={"ContentType": XLSX_CONTENT_TYPE})
    return True
