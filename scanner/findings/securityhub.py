"""Send ASFF batches to Security Hub (``BatchImportFindings``, at most 100 findings per call).

Partial failure is a result: findings Security Hub refuses, and whole batches whose call fails,
are listed in the :class:`ImportReport` with the reason; the other batches are still sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from scanner.findings.asff import MAX_BATCH

__all__ = ["ImportFailure", "ImportReport", "SecurityHubClient", "import_asff"]


class SecurityHubClient(Protocol):
    """The one call used (a boto3 ``securityhub`` client fits)."""

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> Mapping[str, Any]: ...


class ImportFailure(BaseModel):
    """A finding Security Hub did not take, and why."""

    model_config = ConfigDict(frozen=True)

    id: str
    code: str
    message: str


class ImportReport(BaseModel):
    """What an import did: findings taken, findings refused, calls made."""

    model_config = ConfigDict(frozen=True)

    imported: int
    failed: tuple[ImportFailure, ...]
    batches: int


def import_asff(
    batches: Iterable[list[dict[str, Any]]],
    client: SecurityHubClient | None = None,
    *,
    region: str | None = None,
) -> ImportReport:
    """Import every batch; ``client`` defaults to boto3's ``securityhub`` client in ``region``."""
    hub: Any = client if client is not None else boto3.client("securityhub", region_name=region)
    imported = 0
    failed: list[ImportFailure] = []
    calls = 0
    for batch in batches:
        if not 1 <= len(batch) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} findings, got {len(batch)}")
        calls += 1
        try:
            response = hub.batch_import_findings(Findings=batch)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "ClientError")), str(error.get("Message", exc))
            failed.extend(ImportFailure(id=str(f.get("Id", "")), code=code, message=message) for f in batch)
            continue
        except BotoCoreError as exc:
            failed.extend(
                ImportFailure(id=str(f.get("Id", "")), code=type(exc).__name__, message=str(exc))
                for f in batch
            )
            continue
        imported += int(response.get("SuccessCount", 0))
        failed.extend(
            ImportFailure(
                id=str(item.get("Id", "")),
                code=str(item.get("ErrorCode", "")),
                message=str(item.get("ErrorMessage", "")),
            )
            for item in response.get("FailedFindings", [])
        )
    return ImportReport(imported=imported, failed=tuple(failed), batches=calls)
