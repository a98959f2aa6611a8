"""``cce-scan analyze TAR… --out DIR [--previous DIR] [--asff] [--xlsx]``: result tars → findings and a summary.

Under ``DIR`` it writes ``findings/<account>/<instance>.ocsf.jsonl`` (OCSF 1.5.0), ``findings.csv``
(UTF-8 with a byte-order mark), ``summary.json`` (the scan summary, the diff against ``--previous``
and every host's summary), with ``--xlsx``, ``report.xlsx`` (the audit workbook: a summary sheet, the item ×
host matrix and a sheet per host, its headers in Korean or, with ``--locale en``, English) and, with ``--asff``, ``asff/<account>/<region>/batch-NNNN.json`` (one
account and region each, ≤ 100 findings and ≤ 5 MiB, for ``aws securityhub batch-import-findings``
with that account's credentials in that region, or sent directly with ``--import-securityhub``:
the default credentials import their own account's batches, each in its region, and the other
accounts' batches are reported as not imported; with ``--securityhub-role NAME`` every account's
batches are imported with that account's role ``NAME``, assumed with the default credentials). Each rejected tar prints ``REJECTED <file>:
<reason>`` on standard error while the others are still processed; the exit code is then 1 (also
when Security Hub refuses or does not take findings).

Which host a tar is: a path ``…/<scan>/<account>/<instance>.tar`` (the bucket layout, as ``aws s3
sync`` leaves it) names all three, and the tar must then name the same instance; otherwise the
instance is the one the tar reports. A bundle run by hand (``CCE_ROOT`` on an image, a server
outside SSM) writes ``<hostname>.tar`` naming no instance: ``--instance ID`` (one TAR) or a file
named ``<instance>.tar`` says which instance it is, and without either its host name is the
resource. Such findings are marked unverified (OCSF ``resources[].labels``/``data``, ASFF
``ProductFields`` ``cce-scan/verified``, the CSV's ``identity`` column). The account is
``--account`` when the path does not name one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

from scanner.errors import CceScanError
from scanner.findings import Identity, ResultKey, ocsf_jsonl, to_asff, write_csv
from scanner.findings.analysis import AnalyzedHost, analyze_result
from scanner.findings.analysis import rejected as rejected_host
from scanner.findings.asff import Batcher, Destination
from scanner.findings.models import HOSTNAME, REGION
from scanner.findings.securityhub import (
    AssumedRoleClients,
    ClientFor,
    ImportReport,
    NotHere,
    SecurityHubClient,
    import_asff,
)
from scanner.report import HostSummary, ScanAggregator, ScanDiff, ScanSummary, diff_scans
from scanner.report.host_items import ItemResult, item_results
from scanner.report.workbook import build_workbook, save_workbook
from scanner.results import (
    INSTANCE_ID_PATTERN,
    ContentRejected,
    IdentityMismatch,
    ResultRejected,
    read_result_file,
)
from scanner.results.tarsafe import shown
from scanner.results.validate import reported_instance_ids

__all__ = ["AnalyzeReport", "register", "run"]

_ACCOUNT = re.compile(r"^\d{12}$")
_INSTANCE = re.compile(INSTANCE_ID_PATTERN)
_SCAN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_+=,.@:/-]{2,1224}$")
UNKNOWN_ACCOUNT = "000000000000"
DEFAULT_SCAN = "local"


class AnalyzeReport(BaseModel):
    """``summary.json``: the scan, the diff against the previous scan, and each host."""

    model_config = ConfigDict(frozen=True)

    scan: ScanSummary
    diff: ScanDiff | None = None
    hosts: tuple[HostSummary, ...]


class _Origin(NamedTuple):
    scan_id: str
    account_id: str
    instance_id: str | None  # None: take the instance the tar reports
    uploaded: bool = False  # the bucket layout: the tar must name instance_id itself


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="findings (OCSF, CSV, ASFF) and a summary from result tars",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("tars", nargs="+", type=Path, metavar="TAR", help="result tars of hosts")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="where to write the outputs")
    parser.add_argument("--previous", type=Path, metavar="DIR", help="an earlier --out DIR to diff against")
    parser.add_argument("--asff", action="store_true", help="also write ASFF batches for Security Hub")
    parser.add_argument(
        "--xlsx", action="store_true", help="also write report.xlsx, the audit workbook (item × host matrix)"
    )
    parser.add_argument(
        "--locale",
        choices=("ko", "en"),
        default="ko",
        help="language of the workbook's headers and words (default: ko)",
    )
    parser.add_argument(
        "--import-securityhub",
        action="store_true",
        help="with --asff: also send each batch to Security Hub (BatchImportFindings, default credentials)",
    )
    parser.add_argument("--scan-id", help="scan ID when the paths do not name one (default: local)")
    parser.add_argument("--account", help="12-digit account ID when the paths do not name one")
    parser.add_argument(
        "--instance",
        metavar="ID",
        help="the instance a hand-run bundle's tar comes from (one TAR; its findings are marked unverified)",
    )
    parser.add_argument("--region", default="us-east-1", help="region for ASFF ARNs when a host does not say")
    parser.add_argument("--partition", default="aws", help="partition for ASFF ARNs (default: aws)")
    parser.add_argument(
        "--securityhub-account",
        metavar="ID",
        help="the one account whose findings these are and whose credentials import them (checked)",
    )
    parser.add_argument(
        "--securityhub-role",
        metavar="NAME",
        help="with --import-securityhub: assume the role NAME in each account the findings name and "
        "import that account's findings with it (the importer role of each member account)",
    )
    parser.add_argument(
        "--securityhub-external-id",
        metavar="ID",
        help="the sts:ExternalId the --securityhub-role roles require",
    )
    parser.set_defaults(run=run)


def origin_of(
    path: Path, *, scan_id: str | None, account_id: str | None, instance_id: str | None = None
) -> _Origin:
    """What a tar's path (and ``--instance``) says about its scan, account and instance."""
    stem = path.name.removesuffix(".tar")
    parent, grandparent = path.parent.name, path.parent.parent.name
    if _INSTANCE.match(stem) and _ACCOUNT.match(parent):
        if instance_id is not None and instance_id != stem:
            raise CceScanError(f"--instance {instance_id} but the path {path} names {stem}")
        scan = scan_id or (grandparent if _SCAN.match(grandparent) else DEFAULT_SCAN)
        return _Origin(scan, parent, stem, uploaded=True)
    named = stem if _INSTANCE.match(stem) else None
    if instance_id is not None and named is not None and instance_id != named:
        raise CceScanError(f"--instance {instance_id} but the file {path} is named after {named}")
    return _Origin(scan_id or DEFAULT_SCAN, account_id or UNKNOWN_ACCOUNT, instance_id or named)


def _analyze(path: Path, origin: _Origin) -> AnalyzedHost:
    """One tar judged and analyzed; which host it is follows the module's rules."""
    if origin.uploaded and origin.instance_id is not None:
        # As the analyzer does: the tar must name the instance of its key.
        result = read_result_file(path, expected_instance_id=origin.instance_id)
        key = ResultKey(origin.scan_id, origin.account_id, origin.instance_id)
        return analyze_result(result, key)
    result = read_result_file(path)
    claims = reported_instance_ids(result.summary, result.meta)
    if len(claims) > 1:
        raise IdentityMismatch(f"the tar names several instances: {', '.join(map(shown, sorted(claims)))}")
    claimed = next(iter(claims), None)
    if origin.instance_id is not None:
        if claimed is not None and claimed != origin.instance_id:
            raise IdentityMismatch(
                f"the tar says it comes from {shown(claimed)}, but it was given as {origin.instance_id}"
            )
        identity = Identity.VERIFIED if claimed is not None else Identity.OPERATOR
        key = ResultKey(origin.scan_id, origin.account_id, origin.instance_id)
        return analyze_result(result, key, identified_by=identity)
    if claimed is not None:
        return analyze_result(result, ResultKey(origin.scan_id, origin.account_id, claimed))
    hostname = result.hostname
    if hostname is None or not HOSTNAME.match(hostname) or hostname == "localhost":
        raise ContentRejected(
            "the tar names no instance and no usable host name "
            f"({shown(hostname) if hostname else 'none'}); give --instance ID"
        )
    key = ResultKey(origin.scan_id, origin.account_id, hostname)
    return analyze_result(result, key, identified_by=Identity.HOSTNAME)


def load_previous(directory: Path) -> AnalyzeReport:
    """The ``summary.json`` an earlier run wrote under ``directory``."""
    file = directory / "summary.json"
    try:
        return AnalyzeReport.model_validate_json(file.read_bytes())
    except OSError as exc:
        raise CceScanError(f"--previous: cannot read {file}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise CceScanError(f"--previous: {file} is not a summary written by cce-scan analyze: {exc}") from exc


def _inside(base: Path, *parts: str) -> Path:
    """``base/parts…``, refusing anything that would land outside ``base``."""
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base.resolve()):
        raise CceScanError(f"refusing to write outside {base}: {target}")
    return target


class _AsffWriter:
    """Writes ASFF batches (one account and region each) as findings arrive and, when asked,
    imports each into Security Hub through the client for its account and region."""

    def __init__(
        self, out: Path, *, partition: str, region: str, client_for: ClientFor | None, importing: bool
    ) -> None:
        self._out = out
        self._partition, self._region = partition, region
        self._batcher = Batcher()
        self._counts: dict[Destination, int] = {}
        self._client_for, self._importing = client_for, importing
        self.reports: list[ImportReport] = []

    def add(self, host: AnalyzedHost) -> None:
        for finding in host.findings:
            asff = to_asff(finding, partition=self._partition, default_region=self._region)
            for where, batch in self._batcher.add(asff):
                self._write(where, batch)

    def _write(self, where: Destination, batch: list[dict[str, Any]]) -> None:
        number = self._counts[where] = self._counts.get(where, 0) + 1
        path = _inside(self._out, "asff", where.account_id, where.region, f"batch-{number:04d}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(batch, ensure_ascii=False, indent=1), encoding="utf-8")
        if self._importing:
            self.reports.append(import_asff([batch], client_for=self._client_for))

    def close(self) -> int:
        for where, batch in self._batcher.close():
            self._write(where, batch)
        return sum(self._counts.values())


class _Judged(NamedTuple):
    host: AnalyzedHost | None  # None: a rejected tar whose host cannot be told
    rejection: str | None


def _hosts(args: argparse.Namespace) -> Iterator[_Judged]:
    """Each tar analyzed in turn. A rejected tar whose path names its host still counts as that
    host, RESULT_INVALID; one that does not is only reported."""
    seen: dict[tuple[str, str], Path] = {}
    for path in args.tars:
        origin = origin_of(path, scan_id=args.scan_id, account_id=args.account, instance_id=args.instance)
        try:
            host = _analyze(path, origin)
        except ResultRejected as exc:
            known = origin.instance_id is not None and (origin.account_id, origin.instance_id) not in seen
            if known and origin.instance_id is not None:
                seen[(origin.account_id, origin.instance_id)] = path
                key = ResultKey(origin.scan_id, origin.account_id, origin.instance_id)
                yield _Judged(rejected_host(key, exc.reason), exc.reason)
            else:
                yield _Judged(None, exc.reason)
            continue
        key_ = (host.analysis.account_id, host.analysis.instance_id)
        if key_ in seen:
            yield _Judged(None, f"the same host as {seen[key_]} ({key_[1]})")
            continue
        seen[key_] = path
        yield _Judged(host, None)


def _securityhub_clients(expected_account: str | None, region: str) -> ClientFor:
    """Clients of the default credentials, one per region, for their own account only: Security Hub
    takes a finding under the default product ARN only from the account it names."""
    import boto3

    caller = str(boto3.client("sts", region_name=region).get_caller_identity()["Account"])
    if expected_account is not None and caller != expected_account:
        raise CceScanError(
            f"--securityhub-account {expected_account}, but the credentials are of account {caller}"
        )
    clients: dict[str, SecurityHubClient] = {}

    def client_for(where: Destination) -> SecurityHubClient:
        if where.account_id == UNKNOWN_ACCOUNT:
            raise NotHere("the tars do not say which account they are of: give --account")
        if where.account_id != caller:
            raise NotHere(
                f"findings of account {where.account_id} are imported with that account's credentials "
                f"(these are of {caller}); its batches are under asff/{where.account_id}/"
            )
        if where.region not in clients:
            clients[where.region] = boto3.client("securityhub", region_name=where.region)
        return clients[where.region]

    return client_for


def _role_clients(role: str, external_id: str | None, partition: str, region: str) -> ClientFor:
    """Clients of the role ``role`` in each account the batches name, assumed with the default
    credentials: each account's findings go with that account's credentials."""
    import boto3

    assumed = AssumedRoleClients(
        role, sts=boto3.client("sts", region_name=region), partition=partition, external_id=external_id
    )

    def client_for(where: Destination) -> SecurityHubClient:
        if where.account_id == UNKNOWN_ACCOUNT:
            raise NotHere("the tars do not say which account they are of: give --account")
        return assumed(where)

    return client_for


def _clients_for(args: argparse.Namespace) -> ClientFor:
    if args.securityhub_role is not None:
        return _role_clients(args.securityhub_role, args.securityhub_external_id, args.partition, args.region)
    return _securityhub_clients(args.securityhub_account, args.region)


def _check_securityhub_role(args: argparse.Namespace) -> None:
    if args.securityhub_role is None:
        if args.securityhub_external_id is not None:
            raise CceScanError("--securityhub-external-id goes with --securityhub-role")
        return
    if not args.import_securityhub:
        raise CceScanError("--securityhub-role needs --import-securityhub")
    if args.securityhub_account is not None:
        raise CceScanError(
            "--securityhub-role imports every account's findings with that account's role; "
            "--securityhub-account names the one account of the default credentials: give one of them"
        )
    if not _ROLE_NAME.match(args.securityhub_role):
        raise CceScanError(f"--securityhub-role must be an IAM role name, got {args.securityhub_role!r}")
    external_id = args.securityhub_external_id
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        raise CceScanError(
            "--securityhub-external-id must be 2-1224 characters of letters, digits and +=,.@:/_-"
        )


def _check_securityhub_account(args: argparse.Namespace) -> None:
    """``--securityhub-account``: every finding must be of that account (Security Hub refuses the
    others under the default product ARN), which the paths and ``--account`` already tell."""
    account = args.securityhub_account
    if not _ACCOUNT.match(account):
        raise CceScanError(f"--securityhub-account must be a 12-digit account ID, got {account!r}")
    others = sorted(
        {origin_of(path, scan_id=args.scan_id, account_id=args.account).account_id for path in args.tars}
        - {account}
    )
    if others:
        raise CceScanError(
            f"--securityhub-account {account}: Security Hub takes a finding only from the account it "
            f"names, and these tars are of {', '.join(others)}; import each account's findings with "
            "its own credentials (leave out --securityhub-account)"
        )


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if args.account is not None and not _ACCOUNT.match(args.account):
        raise CceScanError(f"--account must be a 12-digit account ID, got {args.account!r}")
    if args.instance is not None:
        if not _INSTANCE.match(args.instance):
            raise CceScanError(f"--instance must be an instance ID (i-…), got {args.instance!r}")
        if len(args.tars) != 1:
            raise CceScanError("--instance names the host of one tar: give exactly one TAR")
    if not REGION.match(args.region):
        raise CceScanError(f"--region must be a region name such as ap-northeast-2, got {args.region!r}")
    if args.import_securityhub and not args.asff:
        raise CceScanError("--import-securityhub needs --asff")
    _check_securityhub_role(args)
    if args.securityhub_account is not None:
        _check_securityhub_account(args)
    if args.scan_id is not None and not _SCAN.match(args.scan_id):
        raise CceScanError("--scan-id must be letters, digits and _.- (at most 64)")
    previous = load_previous(args.previous) if args.previous is not None else None
    out.mkdir(parents=True, exist_ok=True)
    summaries: list[HostSummary] = []
    rejections = 0
    refused_any = False
    scan_id = args.scan_id
    with ExitStack() as stack:
        csv_file = stack.enter_context(_inside(out, "findings.csv").open("w", encoding="utf-8", newline=""))
        asff = (
            _AsffWriter(
                out,
                partition=args.partition,
                region=args.region,
                client_for=_clients_for(args) if args.import_securityhub else None,
                importing=args.import_securityhub,
            )
            if args.asff
            else None
        )
        header = True
        for path, (host, rejection) in zip(args.tars, _hosts(args), strict=True):
            if rejection is not None:
                print(f"REJECTED {path}: {rejection}", file=sys.stderr)
                rejections += 1
            if host is None:
                continue
            analysis = host.analysis
            summaries.append(analysis.summary)
            if not host.findings:
                continue
            scan_id = scan_id or analysis.scan_id
            target = _inside(out, "findings", analysis.account_id, f"{analysis.instance_id}.ocsf.jsonl")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(ocsf_jsonl(host.findings))
            write_csv(host.findings, csv_file, header=header)
            header = False
            if asff is not None:
                asff.add(host)
        if header:
            write_csv((), csv_file)
        if asff is not None:
            asff.close()
            imported = sum(report.imported for report in asff.reports)
            refused = [failure for report in asff.reports for failure in report.failed]
            if args.import_securityhub:
                print(f"Security Hub: {imported} finding(s) imported, {len(refused)} refused")
                for failure in refused[:20]:
                    print(
                        f"REFUSED {failure.id} ({failure.account_id} {failure.region}): {failure.code} "
                        f"{_printable(failure.message)}",
                        file=sys.stderr,
                    )
                if len(refused) > 20:
                    print(f"REFUSED … and {len(refused) - 20} more", file=sys.stderr)
                refused_any = bool(refused)
    scan_id = scan_id or DEFAULT_SCAN
    aggregator = ScanAggregator(scan_id)
    for summary in summaries:
        aggregator.add(summary)
    diff = (
        diff_scans(summaries, previous.hosts, scan_id=scan_id, previous_scan_id=previous.scan.scan_id)
        if previous is not None
        else None
    )
    report = AnalyzeReport(scan=aggregator.result(), diff=diff, hosts=tuple(summaries))
    _inside(out, "summary.json").write_text(report.model_dump_json(indent=1), encoding="utf-8")
    if args.xlsx:
        _write_workbook(out, report, args.locale)
    print_report(report, rejected=rejections, out=out)
    return 1 if rejections or refused_any else 0


def _write_workbook(out: Path, report: AnalyzeReport, locale: Literal["ko", "en"]) -> None:
    """``report.xlsx`` from the summaries and the OCSF files just written under ``out``."""

    def items_of(host: HostSummary) -> list[ItemResult]:
        path = _inside(out, "findings", host.account_id, f"{host.instance_id}.ocsf.jsonl")
        if not path.is_file():
            return []
        with path.open("rb") as lines:
            return list(item_results(lines))

    workbook = build_workbook(
        report.scan, report.hosts, lambda hosts: (items_of(host) for host in hosts), locale=locale
    )
    save_workbook(workbook, _inside(out, "report.xlsx"))


def _printable(text: str) -> str:
    """Control characters shown as escapes, so nothing from a host can drive the terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def print_report(report: AnalyzeReport, *, rejected: int, out: Path) -> None:
    """The summary on the terminal (rich tables when rich is installed, plain lines otherwise).

    Every value that came from a host is passed as plain text, never as markup.
    """
    scan = report.scan
    outcomes = ", ".join(f"{outcome.value} {count}" for outcome, count in scan.outcomes.items()) or "none"
    lines = [
        f"scan {scan.scan_id}: {scan.hosts} host(s) analyzed, {rejected} rejected; outcomes: {outcomes}",
        "items: " + ", ".join(f"{status.value} {count}" for status, count in scan.counts.items()),
    ]
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # pragma: no cover - the cli extra is not installed
        for line in lines:
            print(line)
        for account in scan.accounts:
            rate = "-" if account.pass_rate is None else f"{account.pass_rate:.1%}"
            print(
                f"account {account.account_id}: {account.succeeded}/{account.hosts} host(s), pass rate {rate}"
            )
        for item in scan.top_failing:
            print(
                f"{item.code} [{item.severity.value}] {item.title_ko} / {item.title_en}: {item.hosts_failing} host(s)"
            )
        print(f"written under {out}")
        return
    console = Console(highlight=False, soft_wrap=True)
    for line in lines:
        console.print(Text(line))
    accounts = Table(title="Accounts", title_justify="left")
    for column in ("account", "hosts", "succeeded", "GOOD", "VULNERABLE", "pass rate"):
        accounts.add_column(column, justify="right" if column != "account" else "left")
    for account in scan.accounts:
        rate = "-" if account.pass_rate is None else f"{account.pass_rate:.1%}"
        accounts.add_row(
            account.account_id,
            str(account.hosts),
            str(account.succeeded),
            str(account.good),
            str(account.vulnerable),
            rate,
        )
    console.print(accounts)
    if scan.top_failing:
        items = Table(title="Most failed items", title_justify="left")
        for column in ("code", "severity", "title", "hosts failing"):
            items.add_column(column)
        for item in scan.top_failing:
            items.add_row(
                item.code,
                item.severity.value,
                Text(f"{item.title_ko} / {item.title_en}"),
                str(item.hosts_failing),
            )
        console.print(items)
    if report.diff is not None:
        diff = report.diff
        console.print(
            Text(
                f"since {diff.previous_scan_id}: {len(diff.new_failures)} new failure(s), "
                f"{len(diff.fixed)} fixed, {diff.unchanged} unchanged, {len(diff.undecided)} undecided "
                f"({diff.hosts_compared} host(s) compared, {diff.hosts_new} new)"
            )
        )
        for change in diff.new_failures[:20]:
            name = _printable(change.hostname or change.instance_id)
            console.print(Text(f"  NEW   {change.account_id} {name} {change.code} {change.title_ko}"))
        for change in diff.fixed[:20]:
            name = _printable(change.hostname or change.instance_id)
            console.print(Text(f"  FIXED {change.account_id} {name} {change.code} {change.title_ko}"))
    console.print(Text(f"written under {out}"))
