"""``cce-scan doctor --config PATH [--prefix cce-scan]``: check a deployment as AWS and Slack judge it.

Run after ``terraform apply`` with the operator's AWS credentials for the central account. Each
function's role is asked of IAM's policy simulator for every call its code makes; the member roles,
the shared document, the bucket, queues and table, and the Slack token's scopes and channel are
checked too. One line per check (✓ passed, ✗ failed with what to fix, – not checked and why); the
exit code is 1 when any check failed.
"""

from __future__ import annotations

import argparse
from importlib.resources import files
from pathlib import Path
from typing import Any

from cce_scan.doctor.access import SessionAccess
from cce_scan.doctor.run import run_doctor
from cce_scan.doctor.slack import manifest_scopes
from scanner.config import load_config
from scanner.deployment import Deployment

__all__ = ["register", "run"]

# The manifest travels with the bot package (package data), so the default works from an install.
MANIFEST = Path(str(files("bot").joinpath("manifest.yaml")))
SLACK_API_URL = "https://slack.com/api/"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check a deployment: roles, member roles, resources and Slack, as AWS and Slack judge them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, required=True, help="the deployed configuration file")
    parser.add_argument("--prefix", default="cce-scan", help="the central module's name_prefix")
    parser.add_argument(
        "--member-access-role",
        default="OrganizationAccountAccessRole",
        help="a role the operator may assume in each member account to read and simulate the member "
        "role ('' for none)",
    )
    parser.add_argument("--profile", default=None, help="the AWS profile of the operator's credentials")
    parser.add_argument("--slack-api-url", default=SLACK_API_URL, help="the Slack Web API (slack_api_url)")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=MANIFEST,
        help="the Slack app manifest whose bot scopes the token must have",
    )
    parser.add_argument("--endpoint-url", default=None, help=argparse.SUPPRESS)  # a local world's
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import boto3
    from slack_sdk import WebClient

    config = load_config(args.config)
    deployment = Deployment(config=config, prefix=args.prefix)
    session = boto3.Session(profile_name=args.profile, region_name=config.central.region)
    report = run_doctor(
        deployment,
        SessionAccess(session, config.central.region, args.endpoint_url),
        lambda token: WebClient(token=token, base_url=args.slack_api_url),
        member_access_role=args.member_access_role or None,
        wanted_scopes=manifest_scopes(args.manifest),
    )
    for line in report.lines():
        print(line)
    return report.exit_code
