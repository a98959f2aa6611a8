"""``cce-scan scan (--account NAME… | --host ID…) [--local] [--config PATH]``: one scan from a terminal.

Without ``--local`` the scan runs from this process against AWS with the current credentials (the
central account's), state in the DynamoDB tables ``--table`` and ``--approvals-table``. Targets that
need a second person's approval (the configuration's production accounts) run only with
``--approved-by USER``, someone other than the requester: the approval is recorded in the approvals
table as the bot records one, and names them in the scan. With ``--local`` it starts the local
world with ``cce_scan/examples/cce-scan.yaml`` and ``cce_scan/examples/fleet.yaml`` (or
``--config``/``--fleet``), deploys the bundle and document, and scans there. A live progress bar
while hosts finish, then a table by account and outcome; the exit code is 1 when any host failed,
2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cce_scan.examples import EXAMPLE_CONFIG, EXAMPLE_FLEET
from scanner.config import Config, load_config
from scanner.errors import CceScanError
from scanner.events import AccountUnreachable, HostOutcomeEvent, ScanEvent, ScanProgress
from scanner.local import DEFAULT_APPROVALS_TABLE, DEFAULT_TABLE, InProcessScanner
from scanner.models import ScanRecord, ScanStatus
from scanner.outcomes import FAILURES, HostOutcome
from scanner.sessions import source_identity

__all__ = ["outcome_table", "register", "run", "status_text"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan accounts or hosts from this terminal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    targets = parser.add_mutually_exclusive_group(required=True)
    targets.add_argument(
        "--account", nargs="+", metavar="NAME", help="aliases, groups, OU names or account IDs"
    )
    targets.add_argument("--host", nargs="+", metavar="ID", help="instance IDs, Name tags or private IPs")
    parser.add_argument("--local", action="store_true", help="scan the local world instead of AWS")
    parser.add_argument(
        "--config", type=Path, help="the configuration file (default: the example with --local)"
    )
    parser.add_argument("--fleet", type=Path, default=EXAMPLE_FLEET, help="the local world's fleet (--local)")
    parser.add_argument("--table", default=DEFAULT_TABLE, help="DynamoDB table for scan state (AWS)")
    parser.add_argument(
        "--approvals-table", default=DEFAULT_APPROVALS_TABLE, help="DynamoDB table for approvals (AWS)"
    )
    parser.add_argument("--requester", default=None, help="who asks (default: the local user name)")
    parser.add_argument(
        "--approved-by",
        default=None,
        metavar="USER",
        help="the second person who approved a scan of targets that need approval",
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the scan")
    parser.set_defaults(run=run)


def status_text(record: ScanRecord) -> str:
    """Pure: the scan's status, with who denied it or when its approval request expired."""
    at = f" at {record.decided_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if record.decided_at else ""
    if record.status is ScanStatus.DENIED:
        return f"{record.status.value} by {record.decided_by or 'an approver'}{at}"
    if record.status is ScanStatus.EXPIRED:
        return f"{record.status.value}: the approval request expired{at}"
    if record.status is ScanStatus.AWAITING_APPROVAL:
        return f"{record.status.value}: it starts once an approver other than {record.requester} approves"
    return record.status.value


def outcome_table(record: ScanRecord, by_account: dict[str, Counter[HostOutcome]]) -> Table:
    """Pure: hosts by account (rows) and outcome (columns), with a total row."""
    outcomes = [o for o in HostOutcome if any(c.get(o) for c in by_account.values())]
    table = Table(title=f"scan {record.scan_id}: {status_text(record)}")
    table.add_column("account")
    for outcome in outcomes:
        table.add_column(outcome.value, justify="right")
    table.add_column("total", justify="right")
    for alias in sorted(by_account):
        counts = by_account[alias]
        table.add_row(alias, *(str(counts.get(o, 0)) for o in outcomes), str(sum(counts.values())))
    totals = Counter[HostOutcome]()
    for counts in by_account.values():
        totals.update(counts)
    table.add_row(
        "total", *(str(totals.get(o, 0)) for o in outcomes), str(sum(totals.values())), style="bold"
    )
    return table


def _by_account(scanner: InProcessScanner, record: ScanRecord) -> dict[str, Counter[HostOutcome]]:
    aliases = {t.account_id: t.alias for t in record.targets.accounts}
    result: dict[str, Counter[HostOutcome]] = {}
    for account in scanner.runtime.store.accounts(record.scan_id):
        result.setdefault(account.alias, Counter())
        if account.outcome is not None:
            result[account.alias][account.outcome] += 1
    for host in scanner.engine.hosts(record.scan_id):
        if host.outcome is not None:
            result.setdefault(aliases.get(host.account_id, host.account_id), Counter())[host.outcome] += 1
    return result


@contextlib.contextmanager
def _local_world(config_path: Path, fleet_path: Path, console: Console) -> Iterator[tuple[Config, Any, str]]:
    from localworld.fleet import load_fleet
    from localworld.world import World

    config = load_config(config_path)
    with (
        tempfile.TemporaryDirectory(prefix="cce-scan-") as tmp,
        World.start(config, load_fleet(fleet_path), base_dir=Path(tmp)) as world,
    ):
        world.deploy_host_part()
        console.print(f"local world on {world.endpoint_url}: {len(world.hosts)} hosts")
        for note in world.notes:
            console.print(f"[dim]note: {note}[/dim]")
        yield world.config, world.central_session(), world.endpoint_url


def _approver(approved_by: str | None, requester: str, *, needed: bool) -> str | None:
    """Who approved, checked before anything is written: targets that need approval need someone
    other than the requester."""
    if approved_by is None:
        if needed:
            raise CceScanError(
                "these targets need a second person's approval: name who approved with --approved-by USER"
            )
        return None
    approver = source_identity(approved_by)
    if approver == requester:
        raise CceScanError(f"--approved-by {approved_by}: the requester cannot approve their own scan")
    return approver


def run(args: argparse.Namespace) -> int:
    console = Console()
    kind, names = ("account", args.account) if args.account else ("host", args.host)
    requester = source_identity(args.requester or getpass.getuser())
    with contextlib.ExitStack() as stack:
        if args.local:
            config, session, endpoint = stack.enter_context(
                _local_world(args.config or EXAMPLE_CONFIG, args.fleet, console)
            )
        else:
            import boto3

            config = load_config(args.config or EXAMPLE_CONFIG)
            session, endpoint = boto3.Session(region_name=config.central.region), None
        scanner = stack.enter_context(
            InProcessScanner(
                config,
                session,
                endpoint_url=endpoint,
                table=args.table,
                approvals_table=args.approvals_table,
                create=args.local,
            )
        )
        targets = scanner.engine.resolve(kind, names, requester)
        approver = _approver(args.approved_by, requester, needed=scanner.engine.needs_approval(targets))
        progress = stack.enter_context(
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=console,
            )
        )
        task = progress.add_task("scanning", total=None, detail="")

        def show(event: ScanEvent) -> None:
            if isinstance(event, ScanProgress):
                progress.update(
                    task,
                    total=max(event.total, 1),
                    completed=event.done,
                    detail=f"{event.accounts_done}/{event.accounts_total} accounts",
                )
            elif isinstance(event, AccountUnreachable):
                progress.console.print(
                    f"[yellow]{event.account.alias}/{event.account.region}: cannot enter: {event.reason}"
                )
            elif isinstance(event, HostOutcomeEvent) and event.outcome in FAILURES:
                step = f" at {event.detail.step}" if event.detail.step else ""
                progress.console.print(
                    f"[red]{event.account.alias} {event.instance_id}: {event.outcome.value}{step} {event.detail.stderr_excerpt}"
                )

        scanner.bus.subscribe(show)
        record = scanner.engine.create(kind, names, requester, targets=targets)
        progress.update(task, description=f"scan {record.scan_id}")
        if record.status is ScanStatus.AWAITING_APPROVAL:
            scanner.request_approval(record)
        scanner.engine.start(record.scan_id, approver=approver)
        record = scanner.wait(record.scan_id, args.timeout)
        progress.update(task, total=max(record.hosts_total, 1), completed=record.hosts_done)
        progress.stop()
        console.print(outcome_table(record, _by_account(scanner, record)))
    failed = sum(n for outcome, n in record.counts.items() if outcome in FAILURES)
    return 1 if failed else 0
