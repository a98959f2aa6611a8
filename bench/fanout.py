"""Fan-out benchmark: SendCommand to A accounts × H hosts on the local world's synthetic fleet.

    python bench/fanout.py --accounts 10 --hosts 50 --tps 20 --latency-ms 20 --throttle 0.2 --baseline

The world's emulator lets R SSM calls/s through per account (beyond: ThrottlingException),
throttles a further fraction P of calls at random and adds L ms to each; the fleet mixes in
offline and failing hosts. Printed (the last line is one JSON object):

- ``makespan_s``: first SendCommand to last, over every account;
- ``ideal_s``: the largest account's hosts ÷ (R × (1 − P)) (every attempt costs a token);
- ``efficiency``: ideal ÷ makespan; ``sent``: hosts that got a command;
- ``token_bound_s``: the busiest account's SendCommand attempts (throttled ones included) at R per
  second, the first at once: no pacing can send this run's commands faster, since the throttles
  fell where they fell; ``pacing_efficiency``: token bound ÷ makespan, what is left once the
  luck of the random throttling is taken out (``ideal_s`` assumes every account needed the
  expected number of attempts, while the makespan waits for the unluckiest account);
- ``duplicates``: commands beyond the first per host (read back from the emulator);
- ``lost``: targeted hosts without an outcome; ``outcomes``: outcome → count (sums to A × H);
- with ``--baseline``: ``baseline_makespan_s`` of the seed's design, one sequential loop over the
  accounts and their hosts under the same limits, run in the same world after the scan.

One run's efficiency moves with where the random throttles fall and with the machine's load.
``--runs N`` repeats the scan in a fresh world N times per seed, and ``--seed`` takes several
seeds; then each run gets one line, and the JSON object holds every run's figures, their medians
(``efficiency_median``, ``pacing_efficiency_median``, ...) and the duplicates and lost hosts of
all runs together.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import statistics
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from localworld.faults import Faults  # noqa: E402
from localworld.fleet import synthetic_fleet  # noqa: E402
from localworld.world import World  # noqa: E402
from scanner.config import Config, load_config  # noqa: E402
from scanner.dispatch import Sender, SendResult, comment_for, pace_client, ssm_client_config  # noqa: E402
from scanner.local import InProcessScanner  # noqa: E402
from scanner.presign import Presigner  # noqa: E402
from scanner.ratelimit import TokenBucket  # noqa: E402
from scanner.sessions import SessionCache  # noqa: E402

MIX = {"success": 0.9, "offline": 0.03, "fail_checks": 0.04, "fail_upload": 0.03}
DOCUMENT = """\
schemaVersion: "2.2"
description: fan-out benchmark document (synthetic hosts do not run it)
parameters:
  scriptUrl: {type: String, allowedPattern: "^https?://[^'\\\\s]+$"}
  uploadUrl: {type: String, allowedPattern: "^https?://[^'\\\\s]+$"}
  workingDirectory: {type: String, allowedPattern: "^/[A-Za-z0-9/_.-]+$"}
  bundleSha256: {type: String, allowedPattern: "^[0-9a-f]{64}$"}
mainSteps:
  - {action: aws:runShellScript, name: download, inputs: {onFailure: exit, runCommand: ["true"]}}
  - {action: aws:runShellScript, name: run, inputs: {onFailure: exit, runCommand: ["true"]}}
  - {action: aws:runShellScript, name: upload, inputs: {runCommand: ["true"]}}
"""


def bench_config(accounts: int, tps: float) -> Config:
    base = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml").model_dump()
    base["groups"] = {}
    base["accounts"] = [
        {
            "id": f"{100000000001 + i:012d}",
            "alias": f"acct-{i + 1:02d}",
            "regions": [base["central"]["region"]],
        }
        for i in range(accounts)
    ]
    base["rate_limits"] = {
        "send_command_per_second": tps,
        # Burst 1: the account's quota is shared by every thread; banking tokens would only let
        # a burst through that the service then throttles.
        "send_command_burst": 1,
        "max_parallel_accounts": accounts,
        "poll_interval_seconds": 5.0,
    }
    base["scan"].update(delivery_timeout_seconds=600, execution_timeout_seconds=1200)
    return Config.model_validate(base)


def tiny_bundle() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = b"#!/bin/sh\nexit 0\n"
        info = tarfile.TarInfo("script.sh")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _set_faults(
    faults: Faults, account_ids: list[str], tps: float, throttle: float, latency_ms: float
) -> None:
    for account in account_ids:
        faults.set_account(
            account, service="ssm", throttle_tps=tps, throttle_fraction=throttle, latency_ms=latency_ms
        )


def world_process(conn: Connection, params: dict[str, Any]) -> None:
    """The local world in its own process (AWS is not in the scanner's process either), driven
    over ``conn``: it answers ``count`` (commands per host), ``clear``/``faults`` and ``stop``."""
    config = Config.model_validate_json(params["config"])
    account_ids = [a.id for a in config.accounts]
    fleet = synthetic_fleet(
        account_ids,
        params["hosts"],
        region=config.central.region,
        mix=MIX,
        seed=params["seed"],
        run_seconds=params["run_seconds"],
    )
    faults = Faults(seed=params["seed"])
    limits = (params["tps"], params["throttle"], params["latency_ms"])
    _set_faults(faults, account_ids, *limits)
    with (
        tempfile.TemporaryDirectory(prefix="fanout-") as tmp,
        World.start(config, fleet, faults=faults, base_dir=Path(tmp), synthetic=True) as world,
    ):
        bundle = tiny_bundle()
        deployment = world.deploy(bundle, hashlib.sha256(bundle).hexdigest(), DOCUMENT)
        creds = world.worker_credentials(duration=3600)
        conn.send(
            {
                "endpoint_url": world.endpoint_url,
                "config": world.config.model_dump_json(),
                "access_key": creds.access_key_id,
                "secret_key": creds.secret_access_key,
                "token": creds.session_token,
                "document_hash": deployment.document_hash,
                "listed": {a: [h.instance_id for h in fleet.in_account(a)] for a in account_ids},
            }
        )
        while True:
            message = conn.recv()
            if message == "stop":
                break
            if message == "clear":
                for account in account_ids:
                    faults.clear_account(account, service="ssm")
                conn.send("ok")
            elif message == "faults":
                _set_faults(faults, account_ids, *limits)
                conn.send("ok")
            elif message == "count":
                sent: Counter[str] = Counter()
                for account in account_ids:
                    ssm: Any = world.session_for(account).client("ssm", endpoint_url=world.endpoint_url)
                    for page in ssm.get_paginator("list_commands").paginate():
                        for command in page["Commands"]:
                            if command.get("Comment") != comment_for("baseline"):
                                sent.update(command["InstanceIds"])
                conn.send(dict(sent))


def baseline(
    session: boto3.Session,
    endpoint_url: str,
    config: Config,
    online: dict[str, list[str]],
    tps: float,
    document_hash: str,
) -> float:
    """The seed's design: one loop over accounts, one host after another, same limits."""
    sessions = SessionCache(
        config, scan_id="baseline", requester="bench", central_session=session, endpoint_url=endpoint_url
    )
    presigner = Presigner(config, session, endpoint_url=endpoint_url)
    bundle_sha = hashlib.sha256(tiny_bundle()).hexdigest()
    first = last = 0.0
    for account, ids in online.items():
        ssm = sessions.client(account, "ssm", config.central.region, config=ssm_client_config(1))
        pace_client(ssm, TokenBucket(tps, 1))
        sender = Sender(
            ssm,
            document_arn=config.document_arn(),
            document_hash=document_hash,
            timeout_seconds=config.scan.delivery_timeout_seconds,
            comment=comment_for("baseline"),
        )
        for instance_id in ids:
            result = sender.send(
                instance_id,
                {
                    "scriptUrl": [presigner.bundle_get(bundle_sha, instance_id)],
                    "uploadUrl": [presigner.result_put("baseline", account, instance_id)],
                    "workingDirectory": ["/var/lib/cce-scan/baseline"],
                    "bundleSha256": [bundle_sha],
                },
            )
            first = first or result.first_attempt_at
            last = result.sent_at
    return last - first


def token_bound(by_account: dict[str, list[SendResult]], tps: float) -> float:
    """The least makespan any pacing could reach: the busiest account's attempts, one token each at
    ``tps`` per second, the first at once."""
    return max(((sum(r.attempts for r in results) - 1) / tps for results in by_account.values()), default=0.0)


def run_once(args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """One scan of a fresh world (and, with ``--baseline``, the sequential design after it)."""
    config = bench_config(args.accounts, args.tps)
    params = {
        "config": config.model_dump_json(),
        "hosts": args.hosts,
        "seed": seed,
        "tps": args.tps,
        "throttle": args.throttle,
        "latency_ms": args.latency_ms,
        "run_seconds": args.run_seconds,
    }
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=world_process, args=(child, params), daemon=True
    )
    process.start()
    try:
        ready = parent.recv()
        endpoint_url = ready["endpoint_url"]
        world_config = Config.model_validate_json(ready["config"])
        session = boto3.Session(
            aws_access_key_id=ready["access_key"],
            aws_secret_access_key=ready["secret_key"],
            aws_session_token=ready["token"],
            region_name=world_config.central.region,
        )
        sends: list[SendResult] = []
        by_account: dict[str, list[SendResult]] = {}
        lock = threading.Lock()

        def on_send(account: str, _region: str, result: SendResult) -> None:
            with lock:
                sends.append(result)
                by_account.setdefault(account, []).append(result)

        started = time.monotonic()
        with InProcessScanner(world_config, session, endpoint_url=endpoint_url, on_send=on_send) as scanner:
            record = scanner.run(
                "account", [a.alias for a in world_config.accounts], requester="bench", timeout=3600
            )
        wall = time.monotonic() - started
        parent.send("clear")
        parent.recv()
        parent.send("count")
        per_host: dict[str, int] = parent.recv()
        baseline_s = None
        if args.baseline:
            parent.send("faults")
            parent.recv()
            online = {
                account: [i for i in ids if i in per_host]  # the hosts the scan could send to
                for account, ids in ready["listed"].items()
            }
            baseline_s = baseline(
                session, endpoint_url, world_config, online, args.tps, ready["document_hash"]
            )
        parent.send("stop")
    finally:
        process.join(timeout=60)
        if process.is_alive():
            process.kill()

    ok = [s for s in sends if s.command_id]
    starts = [min(r.first_attempt_at for r in results) for results in by_account.values()]
    spans = [
        max(r.sent_at for r in results) - min(r.first_attempt_at for r in results)
        for results in by_account.values()
    ]
    makespan = max(s.sent_at for s in sends) - min(s.first_attempt_at for s in sends) if sends else 0.0
    ideal = args.hosts / (args.tps * (1 - args.throttle))
    bound = token_bound(by_account, args.tps)
    outcomes = {k.value: v for k, v in sorted(record.counts.items())}
    report: dict[str, Any] = {
        "accounts": args.accounts,
        "hosts_per_account": args.hosts,
        "tps": args.tps,
        "latency_ms": args.latency_ms,
        "throttle": args.throttle,
        "seed": seed,
        "makespan_s": round(makespan, 3),
        "ideal_s": round(ideal, 3),
        "efficiency": round(ideal / makespan, 3) if makespan else None,
        "token_bound_s": round(bound, 3),
        "pacing_efficiency": round(bound / makespan, 3) if makespan else None,
        "sent": len(ok),
        "attempts": sum(s.attempts for s in sends),
        "duplicates": sum(c - 1 for c in per_host.values() if c > 1),
        "lost": args.accounts * args.hosts - sum(record.counts.values()),
        "outcomes": outcomes,
        "scan_wall_s": round(wall, 3),
        # Where the makespan goes: how far apart the accounts' first sends are, and the longest
        # single account's first-to-last span.
        "start_skew_s": round(max(starts) - min(starts), 3) if starts else None,
        "account_span_max_s": round(max(spans), 3) if spans else None,
    }
    if baseline_s is not None:
        report["baseline_makespan_s"] = round(baseline_s, 3)
        report["speedup"] = round(baseline_s / makespan, 2) if makespan else None
    return report


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def summary(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs in one object: each run's figures, their medians, and correctness summed.

    One run's efficiency moves with where the random throttles fall and with the machine's
    load; the median over runs (and seeds) is the figure to compare.
    """
    keys = ("efficiency", "pacing_efficiency", "makespan_s", "start_skew_s", "token_bound_s")
    result: dict[str, Any] = {
        "runs": len(reports),
        "seeds": sorted({r["seed"] for r in reports}),
        "ideal_s": reports[0]["ideal_s"],
        "duplicates": sum(r["duplicates"] for r in reports),
        "lost": sum(r["lost"] for r in reports),
        "outcomes": [r.get("outcomes", {}) for r in reports],
    }
    for key in keys:
        values = [r[key] for r in reports if r.get(key) is not None]
        result[key] = values
        result[f"{key}_median"] = _median(values) if values else None
    speedups = [r["speedup"] for r in reports if r.get("speedup") is not None]
    if speedups:
        result["speedup_median"] = _median(speedups)
    return result


def _print(report: dict[str, Any]) -> None:
    for key, value in report.items():
        print(f"{key:>24}: {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--hosts", type=int, required=True, help="hosts per account")
    parser.add_argument(
        "--tps", type=float, required=True, help="SSM calls/s the emulator allows per account"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--throttle", type=float, default=0.0, help="fraction of calls throttled at random")
    parser.add_argument("--baseline", action="store_true", help="also time the sequential design")
    parser.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=[7],
        help="seeds of the fleet and the random throttles; each seed gets --runs runs",
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per seed, each in a fresh world; >1 prints medians"
    )
    parser.add_argument(
        "--run-seconds",
        type=float,
        default=3.0,
        help="how long a synthetic host's check run takes (the bundle: about 2.5 s, docs/performance.md)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    reports = [run_once(args, seed) for seed in args.seed for _ in range(args.runs)]
    result = reports[0] if len(reports) == 1 else summary(reports)
    if len(reports) > 1:
        for report in reports:
            figures = ("seed", "efficiency", "pacing_efficiency", "makespan_s", "start_skew_s")
            print("run: " + ", ".join(f"{key} {report.get(key)}" for key in figures))
    _print(result)
    print(json.dumps(result, sort_keys=True))
    return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
