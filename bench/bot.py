"""Bot latency: cold init (imports + app build, fresh process) and warm ack latency per command.

The bot's Lambda entry runs in this process with the settings it has on AWS, against the local
Slack server (``views.open`` is the one Slack call an ack may make) and a local Lambda service
that accepts the lazy self-invocations without running them, so only the ack path is timed:
signature check, parsing, authorization, the answer, and the asynchronous invoke Bolt makes.

    python bench/bot.py [--requests N] [--cold-runs N]

Prints a table, then one JSON line with ``cold_init_ms`` (median of fresh processes) and
``ack_p99_ms`` (the worst p99 over the commands).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localworld.lambdas import FunctionSpec, LocalLambda  # noqa: E402
from localworld.slack.driver import BotAnswer, SlackDriver  # noqa: E402
from localworld.slack.server import SlackApiServer  # noqa: E402

COLD_SCRIPT = """
import time
started = time.perf_counter()
import bot.handler
bot.handler._slack_handler()
print((time.perf_counter() - started) * 1000)
"""


def _environment(slack: SlackApiServer, lambdas_url: str, config: Path) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing may be called: a call would fail loudly
        "AWS_ENDPOINT_URL_LAMBDA": lambdas_url,
        "CCE_SCAN_CONFIG": str(config),
        "CCE_SCAN_TABLE": "cce-scan",
        "CCE_SCAN_JOBS_QUEUE_URL": "http://127.0.0.1:9/111111111111/cce-scan-jobs",
        "CCE_SCAN_EVENTS_QUEUE_URL": "http://127.0.0.1:9/111111111111/cce-scan-events",
        "CCE_SCAN_WORKER_FUNCTION": "cce-scan-worker",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_BOT_USER_ID": slack.bot_user_id,
        "SLACK_API_URL": slack.base_url,
    }


def cold_init(env: dict[str, str], runs: int) -> list[float]:
    """Fresh interpreters: import the entry and build the app, as a Lambda cold start does."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT],
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per command")
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, SlackApiServer(channels={"C01CCESCAN"}) as slack:
        config = Path(tmp) / "cce-scan.yaml"
        config.write_text(
            (ROOT / "cce_scan" / "examples" / "cce-scan.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        sink = FunctionSpec("cce-scan-bot", "bench.bot_sink.accept")
        with LocalLambda([sink], account_id="111111111111", region="ap-northeast-2") as lambdas:
            env = _environment(slack, lambdas.endpoint_url, config)
            cold = cold_init(env, args.cold_runs)
            os.environ.update(env)
            import bot.handler

            class Context:
                function_name = "cce-scan-bot"
                memory_limit_in_mb = 512
                invoked_function_arn = lambdas.arn("cce-scan-bot")
                aws_request_id = "bench"

            def invoke(event: dict[str, Any]) -> dict[str, Any]:
                response: dict[str, Any] = bot.handler.handler(event, Context())
                return response

            driver = SlackDriver(slack, env["SLACK_SIGNING_SECRET"], invoke)
            driver.command("U01REQUESTER", "help")  # warm: the cold start happened above, in other processes

            def approve_click() -> BotAnswer:
                payload = {
                    "type": "block_actions",
                    "team": {"id": "T0LOCAL"},
                    "user": {"id": "U02APPROVER"},
                    "api_app_id": "A0CCESCAN",
                    "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C01CCESCAN"},
                    "trigger_id": slack.issue_trigger_id(),
                    "channel": {"id": "C01CCESCAN"},
                    "response_url": slack.issue_response_url(),
                    "actions": [
                        {
                            "type": "button",
                            "action_id": "cce_approve",
                            "block_id": "approval",
                            "value": "20261126T000000-000000|U01REQUESTER",
                            "action_ts": "1.0",
                        }
                    ],
                }
                return driver.send(
                    urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
                )

            commands: dict[str, Callable[[], BotAnswer]] = {
                "help": lambda: driver.command("U01REQUESTER", "help"),
                "usage error": lambda: driver.command("U01REQUESTER", "host i-xyz"),
                "account prod": lambda: driver.command("U01REQUESTER", "account prod"),
                "modal (views.open)": lambda: driver.command("U01REQUESTER", ""),
                "approve click": approve_click,
                "bad signature": lambda: driver.command("U01REQUESTER", "help", secret="wrong"),
            }
            results: dict[str, dict[str, float]] = {}
            for name, send in commands.items():
                times = []
                # views.open is Tier 4 (100 a minute): Slack itself would refuse more modals than that.
                count = min(args.requests, 90) if name.startswith("modal") else args.requests
                for _ in range(count):
                    answer = send()
                    if answer.status not in (200, 401):
                        raise SystemExit(f"{name}: HTTP {answer.status} {answer.body[:200]}")
                    times.append(answer.elapsed_ms)
                results[name] = {
                    "p50_ms": round(statistics.median(times), 2),
                    "p99_ms": round(_percentile(times, 0.99), 2),
                }
            lambdas.settle(timeout=60)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"cold init (import bot.handler + build the app), {len(cold)} fresh processes: "
        f"median {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms"
    )
    print(f"{'command':<22} {'p50 ms':>8} {'p99 ms':>8}   ({args.requests} requests each, warm)")
    for name, figures in results.items():
        print(f"{name:<22} {figures['p50_ms']:>8.2f} {figures['p99_ms']:>8.2f}")
    print(
        json.dumps(
            {
                "cold_init_ms": round(statistics.median(cold), 1),
                "cold_init_max_ms": round(max(cold), 1),
                "ack_p99_ms": max(f["p99_ms"] for f in results.values()),
                "ack": results,
                "requests_per_command": args.requests,
            }
        )
    )


if __name__ == "__main__":
    main()
