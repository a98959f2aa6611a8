"""The scan engine on moto in-process, for tests of starting, cancelling and deciding on scans.

Call inside ``mock_aws``: the results bucket holds a bundle, the shared document and the approvals
table exist, so a scan can start; the jobs it queues are kept in a list and its events in an :class:`InProcessBus`.
No member account is entered: nothing here resolves targets or runs a job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from scanner.approvals import ApprovalStore
from scanner.config import Config
from scanner.engine import ScanEngine
from scanner.events import InProcessBus
from scanner.jobs import Job
from scanner.members import MemberAccess
from scanner.models import AccountTarget, ScanRecord, ScanStatus, ScanTargets
from scanner.runtime import Runtime
from scanner.state import ScanStore
from scanner.table import create_approvals_table

__all__ = ["APPROVALS_TABLE", "BUNDLE_SHA256", "KeptJobs", "MotoEngine", "engine_on_moto", "prod_scan"]

BUNDLE_SHA256 = "ab" * 32
APPROVALS_TABLE = "approvals"
_DOCUMENT = {
    "schemaVersion": "2.2",
    "description": "cce-scan (test)",
    "mainSteps": [{"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["true"]}}],
}


@dataclass
class KeptJobs:
    """A job queue that keeps what is submitted."""

    submitted: list[Job] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)  # each submitted job's delay, in order

    def submit(self, job: Job, delay_seconds: float = 0.0) -> None:
        self.submitted.append(job)
        self.delays.append(delay_seconds)


@dataclass(frozen=True)
class MotoEngine:
    engine: ScanEngine
    store: ScanStore
    jobs: KeptJobs
    bus: InProcessBus
    approvals: ApprovalStore


def engine_on_moto(config: Config, store: ScanStore, *, members: MemberAccess | None = None) -> MotoEngine:
    """An engine whose scans can start: the bundle and the document are deployed in moto."""
    region = config.central.region
    session = boto3.Session(region_name=region)
    s3: Any = session.client("s3")
    s3.create_bucket(Bucket=config.results_bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_object(Bucket=config.results_bucket, Key=f"bundles/{BUNDLE_SHA256}/script.tar", Body=b"tar")
    ssm: Any = session.client("ssm")
    ssm.create_document(Name=config.document.name, Content=json.dumps(_DOCUMENT), DocumentType="Command")
    create_approvals_table(session.client("dynamodb"), APPROVALS_TABLE)
    jobs, bus = KeptJobs(), InProcessBus()
    runtime = Runtime(
        config=config,
        store=store,
        events=bus,
        jobs=jobs,
        central_session=session,
        approvals_table=APPROVALS_TABLE,
    )
    return MotoEngine(ScanEngine(runtime, members=members), store, jobs, bus, runtime.approvals)


def prod_scan(
    scan_id: str,
    *,
    status: ScanStatus = ScanStatus.AWAITING_APPROVAL,
    requester: str = "U01REQUESTER",
    created_at: datetime | None = None,
) -> ScanRecord:
    """A scan of the example configuration's ``prod-db`` account (its group needs approval)."""
    return ScanRecord(
        scan_id=scan_id,
        requester=requester,
        targets=ScanTargets(
            kind="account",
            names=("prod-db",),
            accounts=(AccountTarget(account_id="333333333333", alias="prod-db", region="ap-northeast-2"),),
        ),
        status=status,
        created_at=created_at or datetime.now(UTC),
    )
