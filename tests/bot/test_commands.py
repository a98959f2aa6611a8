"""Parsing /cce-scan text: every verb, usage errors with an example, nothing slow."""

from __future__ import annotations

import pytest

from bot.commands import Cancel, Help, OpenModal, ScanRequest, Status, UsageError, parse_command


def test_empty_text_opens_the_modal() -> None:
    assert parse_command("   ") == OpenModal()


@pytest.mark.parametrize("text", ["help", "HELP", "도움말"])
def test_help_in_any_case_or_korean(text: str) -> None:
    assert parse_command(text) == Help()


def test_account_names_split_on_spaces_and_commas_without_duplicates() -> None:
    assert parse_command("account prod, dev-app prod") == ScanRequest(
        kind="account", names=("prod", "dev-app")
    )


def test_host_accepts_instance_ids_names_and_private_ips() -> None:
    command = parse_command("host i-0123456789abcdef0 web-01 10.0.1.23")
    assert command == ScanRequest(kind="host", names=("i-0123456789abcdef0", "web-01", "10.0.1.23"))


def test_malformed_instance_id_is_a_usage_error_naming_it() -> None:
    command = parse_command("host i-xyz")
    assert isinstance(command, UsageError)
    assert (command.problem, command.subject) == ("malformed_instance_id", "i-xyz")
    assert command.example.startswith("/cce-scan host ")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("account", "no_accounts"),
        ("host", "no_hosts"),
        ("scan everything", "unknown_command"),
        ("account <!channel>", "malformed_account"),
        ("cancel", "cancel_arguments"),
        ("status a b", "status_arguments"),
        ("account " + " ".join(f"a{i}" for i in range(101)), "too_many_targets"),
    ],
)
def test_usage_errors(text: str, problem: str) -> None:
    command = parse_command(text)
    assert isinstance(command, UsageError)
    assert command.problem == problem


def test_status_and_cancel_take_scan_ids() -> None:
    assert parse_command("status") == Status()
    assert parse_command("status 20261126T203916-3fa9c1") == Status(scan_id="20261126T203916-3fa9c1")
    assert parse_command("cancel 20261126T203916-3fa9c1") == Cancel(scan_id="20261126T203916-3fa9c1")
