"""Findings: normalized records from judged results, and their exports (OCSF, ASFF, CSV)."""

from __future__ import annotations

from scanner.findings.asff import MAX_BATCH, asff_batches, product_arn, to_asff
from scanner.findings.csvout import findings_csv, write_csv
from scanner.findings.errors import FindingsError, ObjectKeyError
from scanner.findings.keys import ResultKey, parse_result_key
from scanner.findings.models import Finding, HostContext, Identity
from scanner.findings.normalize import normalize
from scanner.findings.ocsf import OCSF_VERSION, finding_uid, ocsf_jsonl, ocsf_lines, to_ocsf
from scanner.findings.ports import HostAnalysis, HostStatePort, ScanEventPort
from scanner.findings.securityhub import ImportFailure, ImportReport, import_asff

__all__ = [
    "MAX_BATCH",
    "OCSF_VERSION",
    "Finding",
    "FindingsError",
    "HostAnalysis",
    "HostContext",
    "HostStatePort",
    "Identity",
    "ImportFailure",
    "ImportReport",
    "ObjectKeyError",
    "ResultKey",
    "ScanEventPort",
    "asff_batches",
    "finding_uid",
    "findings_csv",
    "import_asff",
    "normalize",
    "ocsf_jsonl",
    "ocsf_lines",
    "parse_result_key",
    "product_arn",
    "to_asff",
    "to_ocsf",
    "write_csv",
]
