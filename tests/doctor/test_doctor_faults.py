"""cce-scan doctor on local worlds with something wrong: a permission the Terraform withholds, a
missing queue or table, a document not shared, a member role that wants another ExternalId or allows
nothing. Each fails its own check, says what to fix, and the command exits non-zero."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from cce_scan.cli import main
from cce_scan.doctor.model import Status
from tests.doctor.world_support import CONFIG, deployed_world, lines, modules_without, slack_server

TABLE_ARN = "arn:aws:dynamodb:ap-northeast-2:111111111111:table/cce-scan-state"
PROD_WEB, PROD_DB, DEV_APP = (account.id for account in CONFIG.accounts)


def test_a_permission_withheld_from_iam_tf_fails_naming_function_role_and_action(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    modules = modules_without(tmp_path, "central/iam.tf", '"dynamodb:UpdateItem",')
    with deployed_world(tmp_path / "world", modules) as deployed, slack_server() as slack:
        config = tmp_path / "cce-scan.yaml"
        config.write_text(yaml.safe_dump(deployed.world.config.model_dump(mode="json")), encoding="utf-8")
        key = deployed.world.accounts.admin_keys[CONFIG.central.account_id]
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key.secret_access_key)
        code = main(
            [
                "doctor",
                "--config",
                str(config),
                "--endpoint-url",
                deployed.world.endpoint_url,
                "--slack-api-url",
                slack.base_url,
            ]
        )
    out = capsys.readouterr().out
    assert code == 1
    notifier = next(line for line in out.splitlines() if line.startswith("✗ the notifier"))
    assert notifier == (
        f"✗ the notifier: role cce-scan-notifier-ap-northeast-2 allows dynamodb:UpdateItem on {TABLE_ARN}: "
        "implicitDeny; needed because bot/notifier.py reads scans, accounts and hosts (ScanStore), claims "
        "updates (ThreadState), attaches threads and closes expired scans → add dynamodb:UpdateItem on "
        f"{TABLE_ARN} to the notifier's policy in terraform/modules/central/iam.tf"
    )
    failed = [line for line in out.splitlines() if line.startswith("✗")]
    assert {line.split(":")[0] for line in failed} == {
        f"✗ the {function}" for function in ("bot", "notifier", "worker", "analyzer")
    }
    assert all("dynamodb:UpdateItem" in line for line in failed)
    # The bot and the notifier update the approvals table too: two failed needs each.
    assert sum("approvals" in line for line in failed) == 2
    assert re.fullmatch(r"\d+ passed, 6 failed, 1 not checked", out.splitlines()[-1])


def test_missing_queue_and_table_and_an_unshared_document_fail_their_checks(tmp_path: Path) -> None:
    with deployed_world(tmp_path) as deployed, slack_server() as slack:
        sqs = deployed.client("sqs")
        sqs.delete_queue(QueueUrl=deployed.central.queue_urls["events"])
        deployed.client("dynamodb").delete_table(TableName="cce-scan-state")
        deployed.client("ssm").modify_document_permission(
            Name=CONFIG.document.name, PermissionType="Share", AccountIdsToRemove=[DEV_APP]
        )
        report = deployed.doctor(slack)
    failed = {check.name: check for check in report.failed}
    assert set(failed) == {
        "the queue cce-scan-events exists",
        "the state table cce-scan-state exists with its indexes",
        "the document cce-scan-kisa is shared with every member account",
    }, lines(report)
    assert "NonExistentQueue" in failed["the queue cce-scan-events exists"].detail
    assert (
        "ResourceNotFoundException" in failed["the state table cce-scan-state exists with its indexes"].detail
    )
    document = failed["the document cce-scan-kisa is shared with every member account"]
    assert document.detail == f"not shared with dev-app ({DEV_APP})"
    assert all(check.fix for check in report.failed)
    assert report.exit_code == 1


def test_member_roles_that_want_another_external_id_or_allow_nothing_fail(tmp_path: Path) -> None:
    with deployed_world(tmp_path) as deployed, slack_server() as slack:
        prod_web = deployed.client("iam", PROD_WEB)
        trust = prod_web.get_role(RoleName=CONFIG.member_role.name)["Role"]["AssumeRolePolicyDocument"]
        text = json.dumps(trust).replace(CONFIG.member_role.external_id, "another-external-id")
        prod_web.update_assume_role_policy(RoleName=CONFIG.member_role.name, PolicyDocument=text)
        prod_db = deployed.client("iam", PROD_DB)
        (policy,) = prod_db.list_role_policies(RoleName=CONFIG.member_role.name)["PolicyNames"]
        prod_db.delete_role_policy(RoleName=CONFIG.member_role.name, PolicyName=policy)

        read = deployed.doctor(slack)

        # The operator may now assume the worker role: the trust is tried as the worker tries it.
        worker = deployed.deployment.role("worker")
        lambda_trust = deployed.client("iam").get_role(RoleName=worker)["Role"]["AssumeRolePolicyDocument"]
        admits_operator = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CONFIG.central.account_id}:root"},
            "Action": "sts:AssumeRole",
        }
        lambda_trust["Statement"].append(admits_operator)
        deployed.client("iam").update_assume_role_policy(
            RoleName=worker, PolicyDocument=json.dumps(lambda_trust)
        )
        assumed = deployed.doctor(slack)

    trust_name = f"prod-web ({PROD_WEB}): the worker can assume {CONFIG.member_role.name}"
    (by_reading,) = [check for check in read.failed if check.name == trust_name]
    assert by_reading.detail == "it requires another sts:ExternalId than member_role.external_id"
    denied = [
        check for check in read.failed if check.name.startswith(f"the member role of prod-db ({PROD_DB})")
    ]
    assert len(denied) == 10  # every action and resource of the member needs
    assert any("ssm:SendCommand on arn:aws:ssm:" in check.name for check in denied)
    assert all(
        check.fix.endswith("to the member role's policy in terraform/modules/member_role/main.tf")
        for check in denied
    )

    (by_assuming,) = [check for check in assumed.failed if check.name == trust_name]
    assert by_assuming.detail.startswith("AccessDenied")
    others = [
        check
        for check in assumed.checks
        if "the worker can assume" in check.name and check is not by_assuming
    ]
    assert [check.status for check in others] == [Status.PASSED, Status.PASSED]
    assert all(
        check.detail == "assumed as the worker does (ExternalId and source identity)" for check in others
    )
