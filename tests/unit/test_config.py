"""The configuration file: the example loads, and each kind of bad input gets one clear error."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.config import load_config, parse_config
from scanner.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "cce_scan" / "examples" / "cce-scan.yaml"


def _example() -> dict[str, Any]:
    example: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return example


def _error_for(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(yaml.safe_dump(raw, allow_unicode=True))
    return str(info.value)


def test_example_config_loads_with_prod_needing_approval_and_dev_not() -> None:
    config = load_config(EXAMPLE)
    by_alias = {a.alias: a for a in config.accounts}
    assert len(config.accounts) >= 3
    assert all(config.requires_approval(a) for a in config.group_members("prod"))
    assert not any(config.requires_approval(a) for a in config.group_members("dev"))
    assert config.slack.requesters
    assert config.slack.approvers
    assert config.document_arn().endswith(f":{config.central.account_id}:document/{config.document.name}")
    assert by_alias["prod-web"].regions == ("ap-northeast-2",)


def test_account_id_that_is_not_twelve_digits_is_named() -> None:
    raw = _example()
    raw["accounts"][0]["id"] = "12345"
    message = _error_for(raw)
    assert "accounts.prod-web.id" in message
    assert "'12345' is not a 12-digit AWS account ID" in message


def test_account_id_written_as_a_yaml_number_is_refused() -> None:
    raw = _example()
    raw["accounts"][0]["id"] = 222222222222
    assert "must be quoted" in _error_for(raw)


def test_duplicate_alias_is_named() -> None:
    raw = _example()
    raw["accounts"][1]["alias"] = raw["accounts"][0]["alias"]
    assert "alias 'prod-web' is used by 2 accounts" in _error_for(raw)


def test_group_with_no_accounts_is_named() -> None:
    raw = _example()
    raw["groups"]["stage"] = {"approval_required": True}
    assert "groups.stage: no account belongs to this group" in _error_for(raw)


def test_undeclared_group_on_an_account_is_named() -> None:
    raw = _example()
    raw["accounts"][2]["groups"] = ["qa"]
    assert "accounts.dev-app.groups: 'qa' is not declared under groups" in _error_for(raw)


def test_unknown_region_is_named() -> None:
    raw = _example()
    raw["accounts"][0]["regions"] = ["ap-northeast-9"]
    message = _error_for(raw)
    assert "accounts.prod-web.regions" in message
    assert "unknown AWS region 'ap-northeast-9'" in message


@pytest.mark.parametrize("value", [0, -1])
def test_rate_limit_not_above_zero_is_named(value: int) -> None:
    raw = _example()
    raw["rate_limits"]["send_command_per_second"] = value
    message = _error_for(raw)
    assert "rate_limits.send_command_per_second" in message
    assert "must be greater than 0" in message


def test_missing_external_id_is_named() -> None:
    raw = _example()
    del raw["member_role"]["external_id"]
    message = _error_for(raw)
    assert "member_role.external_id" in message
    assert "Field required" in message


def test_unknown_key_is_refused_rather_than_ignored() -> None:
    raw = _example()
    raw["member_role"]["externalid"] = "typo"
    assert "member_role.externalid" in _error_for(raw)


def test_text_that_is_not_yaml_gets_one_error() -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_config("accounts: [", source="broken.yaml")


def test_missing_file_is_reported_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize("value", ["relative/{scan_id}", "/var/lib/../etc", "/tmp/x;rm", "/tmp/$(id)"])
def test_working_directory_must_be_a_plain_absolute_path(value: str) -> None:
    raw = _example()
    raw["scan"]["working_directory"] = value
    assert "scan.working_directory" in _error_for(raw)


def test_config_source_may_be_an_ssm_parameter() -> None:
    import boto3
    from moto import mock_aws

    from scanner.config import load_config_source

    with mock_aws():
        ssm = boto3.client("ssm", region_name="ap-northeast-2")
        ssm.put_parameter(Name="/cce-scan/config", Value=EXAMPLE.read_text(encoding="utf-8"), Type="String")
        config = load_config_source("ssm:/cce-scan/config", ssm_client=ssm)
        assert config.account_by_alias("prod-web") is not None
        with pytest.raises(ConfigError, match="cannot read the configuration parameter"):
            load_config_source("ssm:/cce-scan/absent", ssm_client=ssm)


def test_config_source_defaults_to_a_file_path() -> None:
    from scanner.config import load_config_source

    assert load_config_source(str(EXAMPLE)).central.account_id == "111111111111"


def test_reports_go_to_the_report_channel_whatever_channel_the_command_came_from() -> None:
    slack = load_config(EXAMPLE).slack
    assert slack.report_channel == "C01CCESCAN"
    assert slack.report_channel_for("C09PUBLIC") == "C01CCESCAN"
    assert slack.allows_channel("C04SECOPS")
    assert not slack.allows_channel("C09PUBLIC")


def test_without_allowed_channels_the_command_may_be_used_anywhere() -> None:
    raw = _example()
    del raw["slack"]["allowed_channels"]
    assert parse_config(yaml.safe_dump(raw, allow_unicode=True)).slack.allows_channel("C09PUBLIC")


def test_the_older_name_slack_channel_is_read_as_the_report_channel_but_not_with_it() -> None:
    raw = _example()
    raw["slack"]["channel"] = raw["slack"].pop("report_channel")
    assert parse_config(yaml.safe_dump(raw, allow_unicode=True)).slack.report_channel == "C01CCESCAN"
    raw["slack"]["report_channel"] = "C02OTHER"
    assert "give slack.report_channel only" in _error_for(raw)


def test_allowed_channels_must_be_channel_ids() -> None:
    raw = _example()
    raw["slack"]["allowed_channels"] = ["#general"]
    assert "'#general' is not a Slack channel ID" in _error_for(raw)


def test_errors_never_show_the_external_id_in_their_text_or_their_chain() -> None:
    """A logged traceback prints the whole chain: neither pydantic's error (its input values) nor
    YAML's (the offending line) may ride along."""
    secret = "ext-id:do-not-log-4f9c"
    raw = _example()
    raw["member_role"]["external_id"] = secret + " with spaces"
    raw["accounts"][0]["id"] = "not-an-id"
    texts = []
    for text in (yaml.safe_dump(raw, allow_unicode=True), f"member_role: {{external_id: {secret}\n  - ["):
        with pytest.raises(ConfigError) as info:
            parse_config(text)
        texts.append("".join(traceback.format_exception(info.value)))
    assert "member_role.external_id: must be" in texts[0]
    assert "not valid YAML" in texts[1]
    assert not [t for t in texts if secret in t]
