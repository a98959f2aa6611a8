"""Every account's findings imported through ``cce-scan analyze --import-securityhub
--securityhub-role``, into the local world whose gate and Security Hub enforce the account and region
rule (a small fleet here; ``bench/securityhub.py`` runs 500 hosts in 60 accounts × 2 regions). The
importer roles are those ``terraform/modules/importer_role`` declares."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bench.securityhub import (
    EXTERNAL_ID,
    IMPORTER_ROLE,
    OPERATOR_ROLE,
    environment,
    fleet_config,
    import_fleet,
    importer_role,
    install_importers,
    write_tars,
)
from cce_scan.cli import main
from localworld.fleet import FleetSpec
from localworld.world import World
from scanner.findings.asff import Destination, product_arn
from scanner.findings.securityhub import (
    IMPORT_SESSION_NAME,
    AssumedRoleClients,
    NotHere,
    SecurityHubClient,
    import_asff,
)

REGIONS = ("ap-northeast-2", "us-east-1")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with World.start(fleet_config(4, REGIONS), FleetSpec(), base_dir=tmp_path / "world") as running:
        yield running


def test_a_fleet_of_four_accounts_in_two_regions_is_imported_with_no_failure(
    world: World, tmp_path: Path
) -> None:
    figures = import_fleet(world, tmp_path, hosts=20)

    assert figures["exit_code"] == 0, figures["stderr"]
    assert figures["findings"] == 20 * 67
    assert (figures["imported"], figures["failed"]) == (20 * 67, 0)
    assert (figures["read_back"], figures["destinations"], figures["mismatched"]) == (20 * 67, 8, 0)
    assert figures["assume_role"] == 4  # one AssumeRole per account
    assert figures["calls"] == figures["batches"]
    assert figures["denied"] == 0


def test_an_account_without_an_importer_role_is_reported_and_the_others_imported(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tars = write_tars(tmp_path / "in", world.config, 8)
    operator = install_importers(world)
    missing = world.config.accounts[3].id
    iam: Any = world.session_for(missing).client("iam", endpoint_url=world.endpoint_url)
    for name in iam.list_role_policies(RoleName=IMPORTER_ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=IMPORTER_ROLE, PolicyName=name)
    iam.delete_role(RoleName=IMPORTER_ROLE)
    env = operator | {"AWS_ENDPOINT_URL": world.endpoint_url, "AWS_DEFAULT_REGION": world.region}
    args = ["analyze", *map(str, tars), "--out", str(tmp_path / "out"), "--asff", "--import-securityhub"]
    with environment(env):
        code = main([*args, "--securityhub-role", IMPORTER_ROLE, "--securityhub-external-id", EXTERNAL_ID])

    captured = capsys.readouterr()
    assert code == 1
    assert "Security Hub: 402 finding(s) imported, 134 refused" in captured.out  # 6 hosts in, 2 out
    assert (
        f"NotImported cannot assume arn:aws:iam::{missing}:role/{IMPORTER_ROLE}: AccessDenied" in captured.err
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--securityhub-role", "R"], "--securityhub-role needs --import-securityhub"),
        (["--securityhub-external-id", "xx"], "--securityhub-external-id goes with --securityhub-role"),
        (["--import-securityhub", "--securityhub-role", "bad role"], "must be an IAM role name"),
        (
            ["--import-securityhub", "--securityhub-role", "R", "--securityhub-account", "111111111111"],
            "give one of them",
        ),
    ],
)
def test_securityhub_role_options_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    tar = tmp_path / "x.tar"
    tar.write_bytes(b"")
    code = main(["analyze", str(tar), "--out", str(tmp_path / "out"), "--asff", *extra])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_worlds_importer_roles_are_the_terraform_modules(world: World) -> None:
    install_importers(world)
    operator = f"arn:aws:iam::{world.config.central.account_id}:role/{OPERATOR_ROLE}"
    for account in world.config.accounts:
        spec = importer_role(world, account.id, operator)
        iam: Any = world.session_for(account.id).client("iam", endpoint_url=world.endpoint_url)
        role = iam.get_role(RoleName=IMPORTER_ROLE)["Role"]
        held = iam.list_role_policies(RoleName=IMPORTER_ROLE)["PolicyNames"]
        assert role["AssumeRolePolicyDocument"] == spec.trust_document
        assert held == list(spec.inline_policies)
        (document,) = spec.policy_documents.values()
        policy = iam.get_role_policy(RoleName=IMPORTER_ROLE, PolicyName=held[0])["PolicyDocument"]
        assert policy == document
        (statement,) = document["Statement"]
        assert statement["Action"] == "securityhub:BatchImportFindings"
        assert sorted(statement["Resource"]) == sorted(product_arn("aws", r, account.id) for r in REGIONS)


# --- AssumedRoleClients without a world ----------------------------------------------------------


class Sts:
    def __init__(self, refuse: set[str], expires_in: timedelta) -> None:
        self.refuse, self.expires_in = refuse, expires_in
        self.calls: list[dict[str, Any]] = []

    def assume_role(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(kwargs)
        if kwargs["RoleArn"].split(":")[4] in self.refuse:
            error = {"Error": {"Code": "AccessDenied", "Message": "not trusted"}}
            raise ClientError(error, "AssumeRole")  # type: ignore[arg-type]
        n = len(self.calls)
        credentials = {
            "AccessKeyId": f"AKIA{n}",
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": datetime(2026, 12, 7, 12, tzinfo=UTC) + self.expires_in,
        }
        return {"Credentials": credentials}


class Hub:
    def __init__(self, key: str) -> None:
        self.key = key

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> Mapping[str, Any]:
        return {"SuccessCount": len(Findings), "FailedCount": 0, "FailedFindings": []}


def make_hub(_service: str, _region: str, credentials: Mapping[str, Any]) -> SecurityHubClient:
    return Hub(str(credentials["AccessKeyId"]))


def test_assumed_role_clients_assume_once_per_account_and_again_near_expiry() -> None:
    now = [datetime(2026, 12, 7, 12, tzinfo=UTC)]
    sts = Sts(set(), timedelta(hours=1))
    clients = AssumedRoleClients(
        "Importer", sts=sts, external_id="ext-1", make_client=make_hub, now=lambda: now[0]
    )
    a1, a2 = Destination("222222222222", REGIONS[0]), Destination("222222222222", REGIONS[1])
    first = clients(a1)
    assert clients(a1) is first
    assert clients(a2) is not first
    assert len(sts.calls) == 1
    assert sts.calls[0] == {
        "RoleArn": "arn:aws:iam::222222222222:role/Importer",
        "RoleSessionName": IMPORT_SESSION_NAME,
        "ExternalId": "ext-1",
    }
    now[0] += timedelta(minutes=56)  # under five minutes left
    assert clients(a1) is not first
    assert len(sts.calls) == 2


def test_an_account_whose_role_cannot_be_assumed_is_asked_once_and_reported() -> None:
    sts = Sts({"333333333333"}, timedelta(hours=1))
    clients = AssumedRoleClients("Importer", sts=sts, make_client=make_hub)
    finding = {
        "Id": "f1",
        "AwsAccountId": "333333333333",
        "ProductArn": product_arn("aws", "us-east-1", "333333333333"),
    }
    report = import_asff([[finding], [{**finding, "Id": "f2"}]], client_for=clients)
    assert report.imported == 0
    assert [(f.id, f.code) for f in report.failed] == [("f1", "NotImported"), ("f2", "NotImported")]
    assert (
        "cannot assume arn:aws:iam::333333333333:role/Importer: AccessDenied: not trusted"
        in report.failed[0].message
    )
    assert len(sts.calls) == 1
    with pytest.raises(NotHere):
        clients(Destination("333333333333", "us-east-1"))
    assert "ExternalId" not in sts.calls[0]
    assert json.dumps(report.model_dump())  # a report, not an exception
