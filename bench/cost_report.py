"""The figures of bench/cost.py: a scan's requests summed per host, priced, and held to the goals."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cost_tap import Request

ROOT = Path(__file__).resolve().parents[1]
PRICES = Path(__file__).with_name("cost_prices.json")
SCAN_FUNCTIONS = ("bot", "notifier", "worker", "analyzer")
# S3 request classes as S3 bills them: DELETE is free, the rest is "GET and all other requests".
S3_WRITE_CLASS = {"PutObject", "PostObject", "ListObjects", "CreateBucket", "PostBucket", "CopyObject"}
S3_FREE = {"DeleteObject", "DeleteBucket", "DeleteObjects"}  # DELETE requests are free


def lambda_memory_mb() -> dict[str, int]:
    """Each function's memory as the central module sets it (``lambda.tf`` → the variable's default)."""
    module = ROOT / "terraform" / "modules" / "central"
    variables = (module / "variables.tf").read_text(encoding="utf-8")
    block = variables.split('variable "lambda_memory_mb"', 1)[1].split("})", 1)[0]
    defaults = {k: int(v) for k, v in re.findall(r"(\w+)\s*=\s*optional\(number,\s*(\d+)\)", block)}
    lambda_tf = (module / "lambda.tf").read_text(encoding="utf-8")
    used = dict(re.findall(r"(\w+)\s*=\s*\{[^{}]*?memory\s*=\s*var\.lambda_memory_mb\.(\w+)", lambda_tf))
    return {key: defaults[var] for key, var in used.items()} or defaults


def lambda_architecture() -> str:
    text = (ROOT / "terraform" / "modules" / "central" / "variables.tf").read_text(encoding="utf-8")
    block = text.split('variable "lambda_architecture"', 1)[1]
    found = re.search(r'default\s*=\s*"([\w-]+)"', block)
    return found.group(1) if found else "arm64"


@dataclass
class Invocations:
    """A scan's Lambda invocations: (function key, kind) → count, and run seconds per function."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    jobs: Counter[str] = field(default_factory=Counter)  # the worker's jobs by kind (dispatch, track, …)


@dataclass
class Scan:
    """What one scan made: its requests, invocations, Slack calls and outcome."""

    hosts: int
    requests: list[Request]
    invocations: Invocations
    slack: Counter[str]
    lost: int
    wall_s: float
    log: Counter[tuple[str, str]] = field(default_factory=Counter)  # call-log lines by (function, service)

    def product(self) -> list[Request]:
        """The requests of the product's functions and of hosts through their URLs: not the
        benchmark's setup and read-backs, nor the ``GetQueueAttributes`` with which the local
        Lambda service's queue mappings tell whether the system has settled (the functions'
        code never calls it)."""
        return [r for r in self.requests if r.function != "setup" and r.action != "GetQueueAttributes"]


def function_key(name: str) -> str:
    """``cce-scan-worker`` → ``worker``."""
    return next((key for key in SCAN_FUNCTIONS if name.endswith(f"-{key}") or name == key), name)


def who(request: Request) -> str:
    if request.presigned:
        return f"host via URL of {function_key(request.function)}"
    return f"{function_key(request.function)} as {request.principal}"


def is_idle_poll(request: Request) -> bool:
    """An event-source mapping's receive that found nothing: paid on AWS too, but by the hour
    (long polls of 20 s, five pollers at least), not by the scan; counted apart."""
    return request.action == "ReceiveMessage" and request.sqs_messages == 0


def throttled(request: Request) -> bool:
    return request.status >= 400 and bool(request.error) and "thrott" in str(request.error).lower()


def figures(scan: Scan) -> dict[str, Any]:
    """Per-host figures of a scan, and the totals behind them."""
    product = scan.product()
    ssm = [r for r in product if r.service == "ssm"]
    sends = [r for r in ssm if r.action == "SendCommand"]
    accepted = [r for r in sends if r.status < 400]
    sent_to: Counter[str] = Counter(i for r in accepted for i in r.instance_ids)
    sqs = [r for r in product if r.service == "sqs" and not is_idle_poll(r)]
    dynamodb = [r for r in product if r.service == "dynamodb"]
    uploads = scan.invocations.counts.get(("analyzer", "Event"), 0)
    invocations = sum(scan.invocations.counts.values())
    hosts = max(scan.hosts, 1)
    totals = {
        "ssm_send_command": len(accepted),
        "ssm_send_throttled": sum(1 for r in sends if throttled(r)),
        "ssm_other": len(ssm) - len(sends),
        "dynamodb_wcu": sum(r.wcu + r.index_wcu for r in dynamodb),
        "dynamodb_table_wcu": sum(r.wcu for r in dynamodb),
        "dynamodb_index_wcu": sum(r.index_wcu for r in dynamodb),
        "dynamodb_rcu": sum(r.rcu for r in dynamodb),
        "dynamodb_requests": len(dynamodb),
        "sqs_requests": sum(r.sqs_units for r in sqs),
        "sqs_idle_polls": sum(1 for r in product if r.service == "sqs" and is_idle_poll(r)),
        "lambda_invocations": invocations,
        "lambda_invocations_beyond_uploads": invocations - uploads,
        "s3_requests": sum(1 for r in product if r.service == "s3"),
    }
    per_host = {key: round(value / hosts, 4) for key, value in totals.items()}
    return {
        "hosts": scan.hosts,
        "lost": scan.lost,
        "duplicates": sum(c - 1 for c in sent_to.values() if c > 1),
        "table_scans": sum(1 for r in dynamodb if r.action == "Scan"),
        "totals": totals,
        "per_host": per_host,
    }


def by_action(requests: Iterable[Request]) -> Counter[tuple[str, str, str]]:
    """(who, service, action) → requests."""
    return Counter((who(r), r.service, r.action) for r in requests)


def contributors(scan: Scan, metric: str, top: int = 4) -> list[tuple[str, float]]:
    """Who makes up a figure, largest first, per host."""
    shares: dict[str, float] = {}
    for r in scan.product():
        key = f"{who(r)}: {r.service} {r.action}"
        shares.setdefault(key, 0.0)
        if metric == "ssm_other" and r.service == "ssm" and r.action != "SendCommand":
            shares[key] += 1
        elif metric == "dynamodb_wcu" and r.service == "dynamodb":
            shares[key] += r.wcu + r.index_wcu
        elif metric == "dynamodb_rcu" and r.service == "dynamodb":
            shares[key] += r.rcu
        elif metric == "sqs_requests" and r.service == "sqs" and not is_idle_poll(r):
            shares[key] += r.sqs_units
    if metric == "lambda_invocations_beyond_uploads":
        for (function, kind), count in scan.invocations.counts.items():
            if (function, kind) != ("analyzer", "Event"):
                shares[f"{function} ({kind})"] = shares.get(f"{function} ({kind})", 0.0) + count
    hosts = max(scan.hosts, 1)
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])[:top]
    return [(key, round(value / hosts, 3)) for key, value in ranked if value]


def bill(scan: Scan, prices: dict[str, Any]) -> dict[str, float]:
    """The scan's AWS bill by service, in USD (free tiers left out)."""
    p = {name: entry["usd"] for name, entry in prices["prices"].items()}
    product = scan.product()
    memory = lambda_memory_mb()
    arch = lambda_architecture()
    gb_s = sum(
        seconds * memory.get(function, 512) / 1024 for function, seconds in scan.invocations.seconds.items()
    )
    dynamodb = [r for r in product if r.service == "dynamodb"]
    s3 = [r for r in product if r.service == "s3" and r.action not in S3_FREE]
    s3_write = sum(1 for r in s3 if r.action in S3_WRITE_CLASS)
    return {
        "dynamodb": sum(r.wcu + r.index_wcu for r in dynamodb) * p["dynamodb_write_request_unit"]
        + sum(r.rcu for r in dynamodb) * p["dynamodb_read_request_unit"],
        "lambda": sum(scan.invocations.counts.values()) * p["lambda_request"]
        + gb_s * p[f"lambda_gb_second_{arch.replace('-', '_')}"],
        "sqs": sum(r.sqs_units for r in product if r.service == "sqs" and not is_idle_poll(r))
        * p["sqs_request"],
        "s3": s3_write * p["s3_put_copy_post_list"] + (len(s3) - s3_write) * p["s3_get_and_other"],
        "secretsmanager": sum(1 for r in product if r.service == "secretsmanager")
        * p["secretsmanager_api_call"],
        "kms": sum(1 for r in product if r.service == "kms") * p["kms_request"],
    }


def load_prices() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PRICES.read_text(encoding="utf-8"))
    return loaded


def gb_seconds(scan: Scan) -> float:
    memory = lambda_memory_mb()
    return sum(
        seconds * memory.get(function, 512) / 1024 for function, seconds in scan.invocations.seconds.items()
    )


GOALS: tuple[tuple[str, str, float], ...] = (
    ("ssm_send_command", "SendCommand per host (accepted)", 1.0),
    ("ssm_other", "other SSM calls per host", 0.1),
    ("dynamodb_wcu", "DynamoDB write units per host", 4.0),
    ("dynamodb_rcu", "DynamoDB read units per host", 2.0),
    ("sqs_requests", "SQS requests per host", 1.5),
    ("lambda_invocations_beyond_uploads", "Lambda invocations per host beyond its upload event", 0.3),
)


# Requests whose number follows time, not the scan's size or the table: the event-source mappings'
# receives, the notifier's work (one batch of events at a time, however the events fall into
# batches), and tracking's polls of the member accounts (one a polling round).
PACED_ACTIONS = frozenset(
    {"ReceiveMessage", "ListCommandInvocations", "GetCommandInvocation", "ListCommands"}
)


def paced(request: Request) -> bool:
    return request.action in PACED_ACTIONS or (
        not request.presigned and function_key(request.function) == "notifier"
    )


def growth(first: Scan, last: Scan, tolerance: float = 0.02) -> list[str]:
    """What a later scan on the same world costs more of. Per host: the requests by (who, service,
    action), and DynamoDB's units and items read by (who, action), of every request not paced by
    time (:func:`paced`). Per request: DynamoDB's units and items read of the paced ones (their
    number follows the clock, but what each reads could still grow with the table)."""
    found = []
    for name in ("requests", "rcu", "wcu", "items_read"):
        figures: tuple[dict[str, float], dict[str, float]] = ({}, {})
        requests: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
        per: dict[str, str] = {}
        for scan, counted, made in zip((first, last), figures, requests, strict=True):
            for r in scan.product():
                if name == "requests" and paced(r):
                    continue
                if name != "requests" and r.service != "dynamodb":
                    continue
                label = f"{who(r)}: {r.service} {r.action}" if name == "requests" else f"{who(r)}: {r.action}"
                per[label] = "per request" if paced(r) else "per host"
                counted[label] = counted.get(label, 0.0) + (1 if name == "requests" else getattr(r, name))
                made[label] += 1
        for label in sorted(set(figures[0]) | set(figures[1])):
            divisors = [
                max(made[label], 1) if per[label] == "per request" else max(scan.hosts, 1)
                for scan, made in zip((first, last), requests, strict=True)
            ]
            was, now = figures[0].get(label, 0.0) / divisors[0], figures[1].get(label, 0.0) / divisors[1]
            if now > was + tolerance:
                what = "" if name == "requests" else f" {name}"
                found.append(f"{label}{what} {was:.3f} → {now:.3f} {per[label]}")
    return found


def goal_lines(result: dict[str, Any], scan: Scan, help_invocations: int, grew: list[str]) -> list[str]:
    """Each goal with the measured value and met / not met, and who makes up an unmet one."""
    lines = []
    per_host = result["per_host"]
    for key, label, limit in GOALS:
        value = per_host[key]
        met = math.isclose(value, limit) if key == "ssm_send_command" else value <= limit + 1e-9
        target = f"= {limit:g}" if key == "ssm_send_command" else f"≤ {limit:g}"
        lines.append(f"  {label:<52} {target:>6}  measured {value:8.3f}  {'met' if met else 'NOT MET'}")
        if not met and key != "ssm_send_command":
            for who_, share in contributors(scan, key):
                lines.append(f"      {share:8.3f}  {who_}")
    scans = result["table_scans"]
    lines.append(
        f"  {'no request growing with the table or past scans':<52} {'':>6}  "
        f"Scan requests {scans}, growing figures {len(grew)}  {'met' if not scans and not grew else 'NOT MET'}"
    )
    lines.extend(f"      {line}" for line in grew)
    lines.append(
        f"  {'Lambda invocations for one /cce-scan help':<52} {'= 1':>6}  measured {help_invocations:8d}  "
        f"{'met' if help_invocations <= 1 else 'NOT MET'}"
    )
    return lines


def log_check(scan: Scan) -> list[tuple[str, ...]]:
    """The world's call log (``aws-calls.jsonl``, one line per authorization) beside the tap's
    requests, by function and service: where they differ, a request needed several
    authorizations (a transaction's items, S3's missing-key rule) or never reached IAM."""
    tapped = Counter((function_key(r.function), r.service) for r in scan.requests if r.function != "setup")
    rows: list[tuple[str, ...]] = [("function", "service", "log lines", "requests")]
    for function, service in sorted(set(tapped) | {k for k in scan.log if k[0] != "setup"}):
        rows.append((function, service, str(scan.log[(function, service)]), str(tapped[(function, service)])))
    return rows
