"""``cce-scan local``: the whole system on this machine, telling one scan's story from Slack to findings."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.util import find_spec
from pathlib import Path

from rich.console import Console

from cce_scan.examples import EXAMPLE_CONFIG, EXAMPLE_FLEET
from scanner.config import load_config

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "local",
        help="run the whole system on this machine (local AWS, hosts and Slack) and scan the demo fleet",
        description=(
            "Starts the local world (moto on 127.0.0.1, the SSM emulator whose hosts run the document, "
            "a local Slack), deploys cce-scan into it, and plays a scan: a request in Slack, an approval "
            "by a second person, progress, the report, and the findings files."
        ),
    )
    parser.add_argument("--config", type=Path, default=EXAMPLE_CONFIG)
    parser.add_argument("--fleet", type=Path, default=EXAMPLE_FLEET)
    parser.add_argument("--out", type=Path, default=Path(".local-world"), help="where to copy the findings")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for the scan")
    parser.add_argument(
        "--faults",
        type=int,
        metavar="SEED",
        help="inject faults drawn from SEED at the boundaries a scan crosses (Slack, AWS, the "
        "functions), printing each as it happens; the story must still end the same way",
    )
    parser.set_defaults(run=run)


def _quiet() -> None:
    """The story is the output: servers' request logs and the functions' INFO logs stay out of it."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    for name in ("werkzeug", "slack_bolt", "cce_scan.bot", "cce_scan.notifier"):
        logging.getLogger(name).setLevel(logging.ERROR)


# What the local world needs beyond cce-scan itself: the `local` extra.
LOCAL_EXTRA = {"moto": "moto[server]", "awslambdaric": "awslambdaric", "hcl2": "python-hcl2"}


def missing_local_extra() -> list[str]:
    """The distributions of the ``local`` extra that are not installed."""
    return [distribution for module, distribution in LOCAL_EXTRA.items() if find_spec(module) is None]


def run(args: argparse.Namespace) -> int:
    missing = missing_local_extra()
    if missing:
        print(
            "cce-scan local runs the whole system on this machine and needs the local world: "
            f"pip install 'cce-scan[local]' (missing: {', '.join(missing)})",
            file=sys.stderr,
        )
        return 2
    from cce_scan.demo import run_demo
    from localworld.fleet import load_fleet

    _quiet()
    config = load_config(args.config)
    fleet = load_fleet(args.fleet)
    console = Console(highlight=False)
    requester = next((p for p in config.slack.requesters if p.startswith("U")), None)
    approver = next((p for p in config.slack.approvers if p.startswith("U") and p != requester), None)
    if requester is None or approver is None:
        console.print("cce-scan local needs a requester and a different approver given as member IDs (U…)")
        return 2
    result = run_demo(
        config,
        fleet,
        args.out.resolve(),
        console,
        requester=requester,
        approver=approver,
        timeout=args.timeout,
        faults_seed=args.faults,
    )
    console.print(result.summary_line(), soft_wrap=True)
    return 0
