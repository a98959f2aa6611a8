"""Result tars from hosts: a safe reader and the validation of ``results.jsonl`` (docs/design.md,
"The result tar" and "Nothing from a host is trusted")."""

from __future__ import annotations

from scanner.results.contract import (
    INSTANCE_ID_PATTERN,
    AcceptedResult,
    BundleInfo,
    HostInfo,
    ItemLine,
    SummaryLine,
)
from scanner.results.edition import EDITION, ITEMS, CatalogItem, Severity, Status
from scanner.results.errors import ContentRejected, IdentityMismatch, ResultRejected, TarRejected
from scanner.results.limits import DEFAULT_LIMITS, Limits
from scanner.results.reader import (
    Verdict,
    judge_result_file,
    judge_result_tar,
    read_result_file,
    read_result_tar,
)

__all__ = [
    "DEFAULT_LIMITS",
    "EDITION",
    "INSTANCE_ID_PATTERN",
    "ITEMS",
    "AcceptedResult",
    "BundleInfo",
    "CatalogItem",
    "ContentRejected",
    "HostInfo",
    "IdentityMismatch",
    "ItemLine",
    "Limits",
    "ResultRejected",
    "Severity",
    "Status",
    "SummaryLine",
    "TarRejected",
    "Verdict",
    "judge_result_file",
    "judge_result_tar",
    "read_result_file",
    "read_result_tar",
]
