"""Target resolution against the config and Organizations (moto), and discovery's classification and coverage."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from scanner.config import Config
from scanner.discovery import classify, coverage
from scanner.errors import TargetError
from scanner.models import NOT_COVERED_NAME_KEPT, NOT_COVERED_NAMED
from scanner.outcomes import HostOutcome
from scanner.targets import OrganizationDirectory, host_query_kind, resolve_accounts


def _aliases(config: Config, names: list[str], ous: Any = None) -> list[str]:
    return [t.alias for t in resolve_accounts(config, names, ous).accounts]


def test_accounts_by_alias_group_and_configured_id_in_config_order(config: Config) -> None:
    assert _aliases(config, ["dev-app", "prod"]) == ["prod-web", "prod-db", "dev-app"]
    assert _aliases(config, ["333333333333"]) == ["prod-db"]
    assert _aliases(config, ["prod-web", "prod-web"]) == ["prod-web"]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["nope"], "unknown account 'nope': not an alias (prod-web, prod-db, dev-app), a group (prod, dev)"),
        (["999999999999"], "account 999999999999 is not in the configuration"),
        ([" "], "no account given"),
    ],
)
def test_bad_account_names_are_clear_errors(config: Config, names: list[str], message: str) -> None:
    with pytest.raises(TargetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_accounts(config, names)


def test_an_ou_name_selects_its_configured_accounts_only(aws: None, config: Config) -> None:
    org: Any = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    web = org.create_organizational_unit(ParentId=root, Name="Web")["OrganizationalUnit"]["Id"]
    nested = org.create_organizational_unit(ParentId=web, Name="Frontends")["OrganizationalUnit"]["Id"]
    created = org.create_account(AccountName="stranger", Email="s@example.com")["CreateAccountStatus"]
    stranger = created["AccountId"]
    org.move_account(AccountId=stranger, SourceParentId=root, DestinationParentId=nested)
    directory = OrganizationDirectory(org)
    assert directory.accounts_in_ou("Web") == {stranger}
    assert directory.accounts_in_ou("Nope") is None
    with pytest.raises(TargetError, match="OU 'Web' has no account that is in the configuration"):
        resolve_accounts(config, ["Web"], directory)

    class Known:
        def accounts_in_ou(self, name: str) -> set[str] | None:
            return {"444444444444", stranger} if name == "Apps" else None

    assert _aliases(config, ["Apps"], Known()) == ["dev-app"]


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("i-0123456789abcdef0", "instance"),
        ("i-01234567", "instance"),
        ("10.0.1.12", "ip"),
        ("web-1", "name"),
    ],
)
def test_host_queries_are_told_apart(query: str, kind: str) -> None:
    assert host_query_kind(query) == kind


@pytest.mark.parametrize("query", ["i-12345", "i-0123456789ABCDEF0", "i-0123456789abcdef0x"])
def test_a_malformed_instance_id_is_an_error_not_a_name(query: str) -> None:
    with pytest.raises(TargetError, match="not a valid instance ID"):
        host_query_kind(query)


def _info(instance_id: str, ping: str = "Online", platform: str = "Linux") -> dict[str, Any]:
    return {"InstanceId": instance_id, "PingStatus": ping, "PlatformType": platform, "IPAddress": "10.0.0.1"}


def test_classify_skips_offline_and_non_linux_hosts_with_their_reason() -> None:
    everything = [_info("i-1"), _info("i-2", ping="ConnectionLost"), _info("i-3", platform="Windows")]
    everything.append(_info("i-4", ping="Inactive", platform="MacOS"))
    found = classify(everything, {"i-1": {"name": "web-1", "private_ip": "10.0.0.9", "state": "running"}})
    assert [h.instance_id for h in found.targets] == ["i-1"]
    assert found.targets[0].name == "web-1"
    skipped = {h.instance_id: r for h, r in found.skipped}
    assert skipped["i-2"].outcome == HostOutcome.SKIPPED_OFFLINE
    assert "ConnectionLost" in skipped["i-2"].detail.reason
    assert skipped["i-3"].outcome == HostOutcome.SKIPPED_PLATFORM
    assert "Windows" in skipped["i-3"].detail.reason
    assert skipped["i-4"].outcome == HostOutcome.SKIPPED_OFFLINE


def test_classify_reports_an_asked_for_host_that_ssm_does_not_list() -> None:
    found = classify([], {"i-9": {"name": "db-4", "private_ip": "", "state": "stopped"}}, wanted=["i-9"])
    assert found.targets == ()
    ((host, result),) = found.skipped
    assert (host.instance_id, host.name, result.outcome) == ("i-9", "db-4", HostOutcome.SKIPPED_OFFLINE)
    assert result.detail.reason == "instance is stopped, SSM does not list it"


def test_classify_only_keeps_the_asked_for_hosts() -> None:
    found = classify([_info("i-1"), _info("i-2")], {}, wanted=["i-2"])
    assert [h.instance_id for h in found.targets] == ["i-2"]


def test_coverage_counts_every_running_instance_ssm_does_not_list_and_names_only_the_first_few() -> None:
    missing = [f"i-{n:017x}" for n in range(15)]
    names = {i: {"name": "n" * 300} for i in missing}
    found = coverage(
        ["i-managed", *reversed(missing), "i-hybrid"], [_info("i-managed"), _info("i-hybrid")], names
    )
    assert (found.running, found.not_covered) == (17, 15)
    assert [i for i, _ in found.named] == missing[:NOT_COVERED_NAMED]  # by instance ID
    assert {len(name) for _, name in found.named} == {NOT_COVERED_NAME_KEPT}
    assert coverage(["i-1"], [], {}).named == (("i-1", ""),)  # no Name tag
