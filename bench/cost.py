"""What a scan costs on AWS: its requests counted on the local world, per host, and priced.

    python bench/cost.py --accounts 2 --hosts 50 [--scans 3]

The whole system runs as ``cce-scan local`` runs it (the Lambda entries, the IAM gate, the SSM
emulator, the local Slack) on a synthetic fleet of A accounts × H hosts that all succeed. First
one ``/cce-scan help`` (how many Lambda invocations an answer in the ack costs), then ``--scans``
scans of every account, each from ``/cce-scan account bench`` through the bot's entry to the
report in the thread, one after the other on the same world (the table keeps the earlier scans).

Every request the world answers is recorded with the function that made it (the attribution of
the world's call log, ``aws-calls.jsonl``), and DynamoDB's units are computed from the sizes of
the items each request touched, read back from the table before and after it
(:mod:`bench.cost_tap`). Printed for the first scan: requests by function, service and action;
per host: SSM calls, DynamoDB write and read units, SQS requests (a request per 64 KB chunk),
Lambda invocations and GB-seconds (run time × the memory ``terraform/modules/central`` gives),
S3 requests by type, Slack calls by method; the bill per 1,000 hosts at the prices of
``bench/cost_prices.json``; the goals, met or not, with who makes up an unmet one; and what the
last scan costs more of than the first; and what each function's execution environments used (the
largest peak RSS of one, CPU seconds per 1,000 hosts). The last line is one JSON object.

The run stops by itself: ``--timeout`` seconds for everything (default 1,500).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cost_report import (  # noqa: E402
    Invocations,
    Scan,
    bill,
    by_action,
    figures,
    function_key,
    gb_seconds,
    goal_lines,
    growth,
    lambda_memory_mb,
    load_prices,
    log_check,
    who,
)
from bench.cost_tap import LambdaClock, Tap  # noqa: E402
from localworld.fleet import synthetic_fleet  # noqa: E402
from localworld.lambdas import EnvironmentUsage  # noqa: E402
from localworld.system import LocalSystem  # noqa: E402
from scanner.config import Config, load_config  # noqa: E402
from scanner.state import ScanStore  # noqa: E402

REQUESTER = "U01REQUESTER"
GROUP = "bench"


def bench_config(accounts: int) -> Config:
    """The example configuration with A accounts in one group that needs no approval."""
    base = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml").model_dump()
    base["groups"] = {GROUP: {"approval_required": False, "description": "cost benchmark"}}
    base["accounts"] = [
        {
            "id": f"{100000000001 + i:012d}",
            "alias": f"acct-{i + 1:02d}",
            "groups": [GROUP],
            "regions": [base["central"]["region"]],
        }
        for i in range(accounts)
    ]
    base["rate_limits"]["max_parallel_accounts"] = max(accounts, base["rate_limits"]["max_parallel_accounts"])
    return Config.model_validate(base)


class Marks:
    """Where each record stood when a step began."""

    def __init__(self, system: LocalSystem, tap: Tap, clock: LambdaClock) -> None:
        self.requests = tap.mark()
        self.invocations = len(system.lambdas.invocations)
        self.runs = clock.mark()
        self.slack = len(system.slack.calls)
        self.log = len(system.world.calls.entries())


def _invocations(
    system: LocalSystem, clock: LambdaClock, start: Marks, end: Marks | None = None
) -> Invocations:
    result = Invocations()
    last_invocation = end.invocations if end is not None else None
    last_run = end.runs if end is not None else None
    for invocation in list(system.lambdas.invocations)[start.invocations : last_invocation]:
        key = function_key(invocation.function)
        result.counts[(key, invocation.kind)] += 1
        if key == "worker" and invocation.kind == "SQS":
            for record in invocation.payload.get("Records", []):
                result.jobs[str(json.loads(record["body"]).get("kind"))] += 1
    for function, seconds in clock.since(start.runs, last_run):
        key = function_key(function)
        result.seconds[key] = result.seconds.get(key, 0.0) + seconds
    return result


def _parents(system: LocalSystem) -> list[Any]:
    return [m for m in system.slack.messages if m.thread_ts is None and m.ephemeral_to is None]


def _wait(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def run_scan(system: LocalSystem, tap: Tap, clock: LambdaClock, hosts: int, timeout: float) -> Scan:
    """One scan from the slash command to the report in its thread, and everything it set off."""
    start = Marks(system, tap, clock)
    before = len(_parents(system))
    started = time.monotonic()
    answer = system.driver.command(REQUESTER, f"account {GROUP}")
    if answer.status != 200:
        raise RuntimeError(f"the bot answered HTTP {answer.status}: {answer.body[:200]}")
    parent = _wait(
        lambda: _parents(system)[before] if len(_parents(system)) > before else None, 60, "the parent"
    )

    def report() -> Any:
        thread = system.slack.thread(parent.channel, parent.ts)
        return next((m for m in thread if m.thread_ts == parent.ts and m.reply_broadcast), None)

    _wait(report, timeout, "the report")
    system.settle(timeout=120)
    wall = time.monotonic() - started
    end = Marks(system, tap, clock)
    requests = tap.since(start.requests, end.requests)
    slack = Counter(call.method for call in list(system.slack.calls)[start.slack : end.slack])
    invocations = _invocations(system, clock, start, end)
    found = re.search(r"\d{8}T\d{6}-[0-9a-z]+", parent.text)
    lost = hosts
    if found is not None:
        session = system.world.session_for(system.config.central.account_id)
        dynamodb = session.client(
            "dynamodb", region_name=system.world.region, endpoint_url=system.world.endpoint_url
        )
        record = ScanStore(
            dynamodb, system.central.table, ttl_days=system.config.scan.state_ttl_days
        ).get_scan(found.group(0))
        lost = hosts - sum(record.counts.values())
    log = Counter(
        (function_key(str(entry["function"])), str(entry["service"]))
        for entry in system.world.calls.entries()[start.log : end.log]
    )
    return Scan(hosts, requests, invocations, slack, lost, wall, log)


def help_invocations(system: LocalSystem, tap: Tap, clock: LambdaClock) -> int:
    """Lambda invocations one ``/cce-scan help`` costs (the ack's, and any lazy listener's)."""
    start = Marks(system, tap, clock)
    system.driver.command(REQUESTER, "help")
    system.settle(timeout=60)
    return sum(_invocations(system, clock, start).counts.values())


def _table(title: str, rows: list[tuple[str, ...]]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  "
            + "  ".join(
                str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def report(scans: list[Scan], help_count: int, args: argparse.Namespace) -> dict[str, Any]:
    first, last = scans[0], scans[-1]
    result = figures(first)
    hosts = first.hosts
    prices = load_prices()
    rows: list[tuple[str, ...]] = [("function as principal", "service", "action", "requests", "per host")]
    for (who_, service, action), count in sorted(by_action(first.product()).items()):
        rows.append((who_, service, action, str(count), f"{count / hosts:.3f}"))
    _table(
        f"Requests of the first scan ({hosts} hosts, {first.wall_s:.0f} s), by function, service and action",
        rows,
    )
    ddb_rows: list[tuple[str, ...]] = [
        ("function: action on items (pk/sk kind)", "requests", "WCU", "index WCU", "RCU", "items read")
    ]
    ddb: dict[str, list[float]] = {}
    for r in first.product():
        if r.service == "dynamodb":
            label = f"{who(r)}: {r.action} {'+'.join(sorted(r.kinds))}"
            row = ddb.setdefault(label, [0, 0.0, 0.0, 0.0, 0])
            row[0] += 1
            row[1] += r.wcu
            row[2] += r.index_wcu
            row[3] += r.rcu
            row[4] += r.items_read
    for key, (n, wcu, iwcu, rcu, items) in sorted(
        ddb.items(), key=lambda kv: -(kv[1][1] + kv[1][2] + kv[1][3])
    ):
        ddb_rows.append((key, str(int(n)), f"{wcu:g}", f"{iwcu:g}", f"{rcu:g}", str(int(items))))
    _table("DynamoDB by function and action (units from item sizes read back from the table)", ddb_rows)
    _table("The world's call log beside the tap (first scan)", log_check(first))
    s3 = Counter(r.action for r in first.product() if r.service == "s3")
    _table(
        "S3 requests by type",
        [("type", "requests", "per host"), *((k, str(v), f"{v / hosts:.3f}") for k, v in s3.most_common())],
    )
    ssm = Counter(r.action for r in first.product() if r.service == "ssm")
    _table(
        "SSM calls by action",
        [("action", "calls", "per host"), *((k, str(v), f"{v / hosts:.3f}") for k, v in ssm.most_common())],
    )
    _table(
        "Slack calls by method",
        [
            ("method", "calls", "per host"),
            *((k, str(v), f"{v / hosts:.3f}") for k, v in first.slack.most_common()),
        ],
    )
    memory = lambda_memory_mb()
    lambda_rows: list[tuple[str, ...]] = [("function (kind)", "invocations", "run s", "memory MB", "GB-s")]
    for (function, kind), count in sorted(first.invocations.counts.items()):
        seconds = first.invocations.seconds.get(function, 0.0)
        mb = memory.get(function, 512)
        lambda_rows.append(
            (f"{function} ({kind})", str(count), f"{seconds:.1f}", str(mb), f"{seconds * mb / 1024:.1f}")
        )
    _table("Lambda invocations (run seconds and GB-seconds are per function, all kinds)", lambda_rows)
    print("\nPer host (first scan):")
    for key, value in result["per_host"].items():
        print(f"  {key:<36} {value:10.4f}")
    print(f"  {'lambda_gb_seconds':<36} {gb_seconds(first) / hosts:10.4f}")
    costs = bill(first, prices)
    per_1000 = {service: usd / hosts * 1000 for service, usd in costs.items()}
    total = sum(per_1000.values())
    print(
        f"\nAWS bill per 1,000 hosts at {prices['region']} prices of {prices['date']} (free tiers left out):"
    )
    for service, usd in sorted(per_1000.items(), key=lambda kv: -kv[1]):
        print(f"  {service:<16} {usd:10.5f} USD")
    print(f"  {'total':<16} {total:10.5f} USD")
    for status in ("second-hand", "assumed"):
        names = sorted(name for name, entry in prices["prices"].items() if entry["status"] == status)
        print(f"  prices {status} (bench/cost_prices.json): {', '.join(names) or 'none'}")
    # A later scan's extra requests that step up once (the first scan has no previous one to
    # compare with) are not growth; with three scans or more, growth is the second scan to the last.
    grew = growth(scans[1] if len(scans) > 2 else first, last) if len(scans) > 1 else []
    stepped = growth(first, scans[1]) if len(scans) > 2 else []
    if stepped:
        print(
            "\nThe second scan costs more than the first of (a previous scan exists; not counted as growth):"
        )
        for line in stepped:
            print(f"  {line}")
    print("\nThe worker's jobs by kind, per scan (tracking rounds follow when the hosts finish):")
    for number, scan in enumerate(scans, 1):
        print(
            f"  scan {number}: "
            + ", ".join(f"{kind} {count}" for kind, count in sorted(scan.invocations.jobs.items()))
        )
    last_figures = figures(last)
    print(f"\nScan {len(scans)} of {len(scans)} on the same world, per host (first → last):")
    for key, value in result["per_host"].items():
        print(f"  {key:<36} {value:10.4f} → {last_figures['per_host'][key]:10.4f}")
    print("\nGoals (per host, over the first scan's whole life):")
    for line in goal_lines(result, first, help_count, grew):
        print(line)
    return {
        "accounts": args.accounts,
        "hosts_per_account": args.hosts,
        "hosts": hosts,
        "scans": len(scans),
        "lost": sum(s.lost for s in scans),
        "duplicates": sum(figures(s)["duplicates"] for s in scans),
        "table_scans": sum(figures(s)["table_scans"] for s in scans),
        "usd_per_1000_hosts": round(total, 5),
        "usd_per_1000_hosts_by_service": {k: round(v, 5) for k, v in per_1000.items()},
        "per_host": {**result["per_host"], "lambda_gb_seconds": round(gb_seconds(first) / hosts, 4)},
        "per_host_last_scan": last_figures["per_host"],
        "growth": grew,
        "second_scan_step": stepped,
        "help_lambda_invocations": help_count,
        "scan_wall_s": [round(s.wall_s, 1) for s in scans],
        "worker_jobs": [dict(s.invocations.jobs) for s in scans],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def functions_used(usage: dict[str, EnvironmentUsage], hosts: int) -> dict[str, dict[str, float]]:
    """Each function's environments as measured at the end (all scans): their count, the largest
    peak RSS of one, and their CPU seconds per 1,000 hosts scanned. Printed, and returned for the
    JSON line."""
    found = {}
    print("\nThe functions' execution environments at the end (all scans; the world's own process apart)")
    print(
        f"  {'function':<10} {'environments':>12} {'peak RSS MB (one)':>18} {'CPU s':>8} {'CPU s / 1,000 hosts':>20}"
    )
    for name, used in sorted(usage.items()):
        key = function_key(name)
        per_1000 = used.cpu_seconds * 1000 / max(hosts, 1)
        print(
            f"  {key:<10} {used.environments:>12} {used.peak_rss_mb:>18.0f} {used.cpu_seconds:>8.1f} {per_1000:>20.1f}"
        )
        found[key] = {
            "environments": used.environments,
            "peak_rss_mb": round(used.peak_rss_mb, 1),
            "cpu_seconds": round(used.cpu_seconds, 1),
            "cpu_seconds_per_1000_hosts": round(per_1000, 2),
        }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--hosts", type=int, required=True, help="hosts per account")
    parser.add_argument("--scans", type=int, default=3, help="scans one after the other on the same world")
    parser.add_argument("--run-seconds", type=float, default=3.0, help="a synthetic host's check run")
    parser.add_argument("--timeout", type=int, default=1500, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--records", type=Path, help="also write aws-calls.jsonl and slack.jsonl here")
    args = parser.parse_args(argv)
    if args.scans < 1 or args.accounts < 1 or args.hosts < 1:
        parser.error("--accounts, --hosts and --scans must be at least 1")

    def out_of_time(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"the run took longer than --timeout {args.timeout} s")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the local servers' access lines
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    config = bench_config(args.accounts)
    account_ids = [a.id for a in config.accounts]
    fleet = synthetic_fleet(
        account_ids, args.hosts, region=config.central.region, seed=args.seed, run_seconds=args.run_seconds
    )
    hosts = args.accounts * args.hosts
    tap, clock = Tap(), LambdaClock()
    per_scan_timeout = max(120.0, args.timeout / (args.scans + 1))
    with (
        tempfile.TemporaryDirectory(prefix="cost-") as tmp,
        tap.installed(),
        clock.installed(),
        LocalSystem.start(config, fleet, base_dir=Path(tmp), sweep_seconds=None) as system,
    ):
        system.settle(timeout=60)
        help_count = help_invocations(system, tap, clock)
        scans = [run_scan(system, tap, clock, hosts, per_scan_timeout) for _ in range(args.scans)]
        usage = system.lambdas.usage()
        if args.records is not None:
            system.write_records(args.records)
    signal.alarm(0)
    result = report(scans, help_count, args)
    result["functions"] = functions_used(usage, hosts * len(scans))
    result["dynamodb_unsized_requests"] = tap.unsized
    print(json.dumps(result, sort_keys=True, ensure_ascii=False))
    return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
