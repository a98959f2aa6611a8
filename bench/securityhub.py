"""Security Hub import of a multi-account, multi-region fleet, through the CLI, into the local world.

    python bench/securityhub.py [--accounts 60] [--hosts 500] [--regions ap-northeast-2,us-east-1]

The world runs with one importer role in each member account, made from the Terraform module
``terraform/modules/importer_role`` (``localworld/iam/terraform.py`` ``read_importer_role``:
``securityhub:BatchImportFindings`` on the account's own default product ARN in its regions,
trusted by one operator role of the central account with an ExternalId), its IAM
gate judging every call and its Security Hub refusing, as AWS does, a finding of another account or
region (``localworld/securityhub.py``). A synthetic result tar per host (bucket layout, host ``n``
in account ``n mod A`` and region ``(n div A) mod R``) goes through ``cce-scan analyze --asff
--import-securityhub --securityhub-role …`` with the operator's credentials; then each account's
findings are read back with ``GetFindings`` in each region and counted.

Prints ``seconds`` (the CLI run: analysis, ASFF files and the import; the world's start is
``world_s``, the tars and roles ``setup_s``, the reading back ``read_back_s``), ``findings`` written, ``imported``,
``failed``, ``batches``, ``calls`` (BatchImportFindings calls the world saw), ``assume_role``
calls, ``read_back`` (findings GetFindings returned, each in its own account and region) and
``mismatched`` (read back in the wrong place); the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cce_scan.cli import main as cli  # noqa: E402
from localworld.fleet import FleetSpec  # noqa: E402
from localworld.iam.terraform import RoleSpec, apply_roles, read_importer_role  # noqa: E402
from localworld.world import World  # noqa: E402
from scanner.config import Config, load_config  # noqa: E402
from tests.findings.tarbuilder import build_tar, jsonl, results_lines, statuses, valid_files  # noqa: E402

IMPORTER_ROLE = "CceScanFindingsImporter"
OPERATOR_ROLE = "cce-scan-findings-operator"
EXTERNAL_ID = "cce-scan-import-3b9d"
SCAN = "20261207T120000-hub"
REGIONS = ("ap-northeast-2", "us-east-1")
MODULES = ROOT / "terraform" / "modules"


def fleet_config(accounts: int, regions: Sequence[str] = REGIONS) -> Config:
    """The example configuration with ``accounts`` member accounts, each in ``regions``."""
    base = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml").model_dump()
    base["groups"] = {}
    base["accounts"] = [
        {"id": f"{200000000001 + i:012d}", "alias": f"hub-{i + 1:02d}", "regions": list(regions)}
        for i in range(accounts)
    ]
    base["rate_limits"]["max_parallel_accounts"] = min(accounts, 64)
    return Config.model_validate(base)


def write_tars(base: Path, config: Config, hosts: int) -> list[Path]:
    """One synthetic result tar per host in the bucket layout, spread over the accounts and their
    regions; a few items fail or want a person, the rest pass."""
    accounts = config.accounts
    paths = []
    for number in range(hosts):
        account = accounts[number % len(accounts)]
        region = account.regions[(number // len(accounts)) % len(account.regions)]
        instance = f"i-{number + 1:017x}"
        lines = results_lines(statuses(["U-01", "U-02"], ["U-03"]), instance)
        lines[-1]["host"]["region"] = region
        path = base / SCAN / account.id / f"{instance}.tar"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build_tar(valid_files(instance_id=instance) | {"results.jsonl": jsonl(lines)}))
        paths.append(path)
    return paths


def importer_role(world: World, account_id: str, operator_arn: str) -> RoleSpec:
    """The importer role ``terraform/modules/importer_role`` declares in ``account_id``: trusted by
    ``operator_arn`` with :data:`EXTERNAL_ID`, importing in the account's regions."""
    account = next(a for a in world.config.accounts if a.id == account_id)
    return read_importer_role(
        MODULES,
        account_id=account.id,
        regions=account.regions,
        trusted_principal_arn=operator_arn,
        external_id=EXTERNAL_ID,
        role_name=IMPORTER_ROLE,
    )


def install_importers(world: World) -> dict[str, str]:
    """The operator role in the central account and, in each member account, the importer role of
    the Terraform module, as a team deploys them; returns the operator's temporary credentials
    (environment names)."""
    central = world.config.central.account_id
    endpoint = world.endpoint_url
    admin: Any = world.session_for(central).client("iam", endpoint_url=endpoint)
    operator = admin.create_role(
        RoleName=OPERATOR_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{central}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    admin.put_role_policy(
        RoleName=OPERATOR_ROLE,
        PolicyName="assume-importers",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": f"arn:aws:iam::*:role/{IMPORTER_ROLE}",
                    }
                ],
            }
        ),
    )
    for account in world.config.accounts:
        iam: Any = world.session_for(account.id).client("iam", endpoint_url=endpoint)
        apply_roles(iam, [importer_role(world, account.id, operator)])
    sts: Any = world.session_for(central).client("sts", endpoint_url=endpoint)
    credentials = sts.assume_role(RoleArn=operator, RoleSessionName="findings-operator")["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in the process environment (and boto3's default session rebuilt) for the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        boto3.DEFAULT_SESSION = None


def read_back(world: World) -> tuple[Counter[tuple[str, str]], int]:
    """Findings stored per (account, region), read with each account's own credentials; and how
    many of them name another account or region than the one they are stored in."""
    counts: Counter[tuple[str, str]] = Counter()
    mismatched = 0
    for account in world.config.accounts:
        session = world.session_for(account.id)
        for region in account.regions:
            hub: Any = session.client("securityhub", region_name=region, endpoint_url=world.endpoint_url)
            for page in hub.get_paginator("get_findings").paginate(PaginationConfig={"PageSize": 100}):
                for finding in page["Findings"]:
                    counts[(account.id, region)] += 1
                    product_region = str(finding["ProductArn"]).split(":")[3]
                    if finding["AwsAccountId"] != account.id or product_region != region:
                        mismatched += 1
    return counts, mismatched


def import_fleet(world: World, work: Path, hosts: int) -> dict[str, Any]:
    """Tars for ``hosts`` hosts, imported through the CLI with each account's importer role; the
    figures (see the module's docstring) and the CLI's exit code and output."""
    setup = time.perf_counter()
    tars = write_tars(work / "in", world.config, hosts)
    operator = install_importers(world)
    setup_s = time.perf_counter() - setup
    world.calls.clear()
    out, err = io.StringIO(), io.StringIO()
    args = [
        "analyze",
        *map(str, tars),
        "--out",
        str(work / "out"),
        "--asff",
        "--import-securityhub",
        "--securityhub-role",
        IMPORTER_ROLE,
        "--securityhub-external-id",
        EXTERNAL_ID,
        "--region",
        world.region,
    ]
    env = operator | {"AWS_ENDPOINT_URL": world.endpoint_url, "AWS_DEFAULT_REGION": world.region}
    started = time.perf_counter()
    with environment(env), redirect_stdout(out), redirect_stderr(err):
        code = cli(args)
    seconds = time.perf_counter() - started
    calls = world.calls.entries()
    imports = [c for c in calls if c["action"] == "securityhub:BatchImportFindings"]
    reading = time.perf_counter()
    counts, mismatched = read_back(world)
    read_back_s = time.perf_counter() - reading
    batches = sorted((work / "out" / "asff").rglob("batch-*.json"))
    written = sum(len(json.loads(path.read_text(encoding="utf-8"))) for path in batches)
    summary = next((line for line in out.getvalue().splitlines() if line.startswith("Security Hub:")), "")
    words = summary.split()
    return {
        "hosts": hosts,
        "accounts": len(world.config.accounts),
        "regions": len({r for a in world.config.accounts for r in a.regions}),
        "exit_code": code,
        "seconds": round(seconds, 2),
        "setup_s": round(setup_s, 2),
        "read_back_s": round(read_back_s, 2),
        "findings": written,
        "imported": int(words[2]) if len(words) > 2 else 0,
        "failed": int(words[5]) if len(words) > 5 else -1,
        "batches": len(batches),
        "calls": len(imports),
        "assume_role": sum(1 for c in calls if c["action"] == "sts:AssumeRole"),
        "read_back": sum(counts.values()),
        "destinations": len(counts),
        "mismatched": mismatched,
        "denied": sum(1 for c in calls if not c["allowed"]),
        "stderr": err.getvalue()[-2000:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--regions", default=",".join(REGIONS))
    args = parser.parse_args()
    import tempfile

    config = fleet_config(args.accounts, tuple(args.regions.split(",")))
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        started = time.perf_counter()
        with World.start(config, FleetSpec(), base_dir=Path(tmp) / "world") as world:
            world_s = time.perf_counter() - started
            figures = import_fleet(world, Path(tmp), args.hosts)
    figures["world_s"] = round(world_s, 2)
    stderr = figures.pop("stderr")
    if stderr:
        print(stderr, file=sys.stderr)
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(json.dumps(figures, sort_keys=True))
    return 0 if figures["failed"] == 0 and figures["read_back"] == figures["findings"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
