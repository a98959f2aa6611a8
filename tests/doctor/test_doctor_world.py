"""cce-scan doctor on a local world deployed from the Terraform as it is: everything passes; the
Slack token's scopes and the bot's place in the report channel are judged as Slack answers; member
roles nobody may reach are failures that say what the doctor would need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cce_scan.doctor.model import Check, Status
from tests.doctor.world_support import CONFIG, MANIFEST_SCOPES, Deployed, deployed_world, lines, slack_server

CHANNEL = CONFIG.slack.channel


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    with deployed_world(Path(tmp_path_factory.mktemp("doctor"))) as running:
        yield running


def named(checks: tuple[Check, ...], text: str) -> list[Check]:
    return [check for check in checks if text in check.name]


def test_doctor_passes_on_a_world_deployed_from_the_terraform_as_it_is(deployed: Deployed) -> None:
    with slack_server() as slack:
        report = deployed.doctor(slack)
    assert report.failed == (), lines(report)
    assert report.exit_code == 0
    for function in ("bot", "notifier", "worker", "analyzer"):
        (check,) = named(report.checks, f"the {function}: role cce-scan-{function}-ap-northeast-2")
        assert check.status is Status.PASSED
    for account in CONFIG.accounts:
        (trust,) = named(report.checks, f"{account.alias} ({account.id}): the worker can assume")
        assert "read from its trust policy" in trust.detail
        (member,) = named(report.checks, f"the member role of {account.alias}")
        assert member.status is Status.PASSED
    (shared,) = named(report.checks, "is shared with every member account")
    assert shared.status is Status.PASSED


def test_the_manifest_token_cannot_tell_channel_membership_and_says_so(deployed: Deployed) -> None:
    with slack_server() as slack:
        report = deployed.doctor(slack)
    (channel,) = named(report.checks, "the bot is a member of the report channel")
    assert channel.status is Status.SKIPPED
    assert "channels:read" in channel.detail
    assert report.lines()[-1].endswith("1 not checked")


def test_a_token_missing_a_scope_fails_naming_the_scope(deployed: Deployed) -> None:
    with slack_server(scopes=[s for s in MANIFEST_SCOPES if s != "files:write"]) as slack:
        report = deployed.doctor(slack)
    (scopes,) = report.failed
    assert scopes.name == "the bot token has the scopes bot/manifest.yaml asks for"
    assert scopes.detail == "missing files:write"
    assert report.exit_code == 1


def test_the_bot_not_in_the_report_channel_fails(deployed: Deployed) -> None:
    with slack_server(scopes=(*MANIFEST_SCOPES, "channels:read"), bot_channels=()) as slack:
        report = deployed.doctor(slack)
    (channel,) = report.failed
    assert channel.name == f"the bot is a member of the report channel {CHANNEL}"
    assert channel.fix == f"invite the bot in {CHANNEL}: /invite @cce-scan"


def test_the_bot_in_the_report_channel_passes_when_the_token_may_tell(deployed: Deployed) -> None:
    with slack_server(scopes=(*MANIFEST_SCOPES, "channels:read")) as slack:
        report = deployed.doctor(slack)
    (channel,) = named(report.checks, "the bot is a member of the report channel")
    assert channel.status is Status.PASSED


def test_member_roles_nobody_may_reach_are_failures_naming_what_is_needed(deployed: Deployed) -> None:
    with slack_server() as slack:
        report = deployed.doctor(slack, access_role=None)
    failed = [check for check in report.failed if "the worker can assume" in check.name]
    assert len(failed) == len(CONFIG.accounts)
    assert all("cannot assume the worker role" in check.detail for check in failed)
    assert all("--member-access-role" in check.fix for check in report.failed)
