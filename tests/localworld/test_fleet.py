from __future__ import annotations

import pytest

from localworld.errors import FleetError
from localworld.fleet import FleetSpec, HostSpec, parse_fleet, synthetic_fleet


def test_host_spec_rejects_a_malformed_instance_id() -> None:
    with pytest.raises(ValueError, match="not an EC2 instance ID"):
        HostSpec(instance_id="i-123", account_id="222222222222")


def test_host_spec_rejects_an_unquoted_account_id() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        HostSpec(instance_id="i-0123456789abcdef0", account_id=222222222222)


def test_host_spec_cannot_be_both_real_and_synthetic() -> None:
    with pytest.raises(ValueError, match="either real"):
        HostSpec.model_validate(
            {"instance_id": "i-0123456789abcdef0", "account_id": "222222222222", "root": "x", "synthetic": {}}
        )


def test_stopped_host_is_not_listed_and_name_becomes_a_tag() -> None:
    host = HostSpec(instance_id="i-0123456789abcdef0", account_id="222222222222", state="stopped", name="web")
    assert not host.listed
    assert host.all_tags == {"Name": "web"}
    assert host.computer_name == "ip-10-0-0-10.ap-northeast-2.compute.internal"


def test_parse_fleet_names_the_duplicate_instance() -> None:
    text = """
hosts:
  - {instance_id: i-0123456789abcdef0, account_id: "222222222222"}
  - {instance_id: i-0123456789abcdef0, account_id: "333333333333"}
"""
    with pytest.raises(FleetError, match="i-0123456789abcdef0 is listed twice"):
        parse_fleet(text)


def test_parse_fleet_names_the_bad_field() -> None:
    with pytest.raises(FleetError, match=r"hosts\.0\.ping_status"):
        parse_fleet(
            'hosts: [{instance_id: i-0123456789abcdef0, account_id: "222222222222", ping_status: Up}]'
        )


def test_synthetic_fleet_is_reproducible_and_follows_the_mix() -> None:
    accounts = ["222222222222", "333333333333"]
    one = synthetic_fleet(accounts, 500, mix={"success": 0.8, "fail_checks": 0.1, "offline": 0.1}, seed=7)
    two = synthetic_fleet(accounts, 500, mix={"success": 0.8, "fail_checks": 0.1, "offline": 0.1}, seed=7)
    assert one == two
    assert len(one.hosts) == 1000
    assert len({h.instance_id for h in one.hosts}) == 1000
    assert len(one.in_account("333333333333")) == 500
    offline = sum(h.ping_status == "ConnectionLost" for h in one.hosts)
    failing = sum(h.synthetic is not None and h.synthetic.outcome == "fail_checks" for h in one.hosts)
    assert 60 <= offline <= 140
    assert 60 <= failing <= 140
    assert all(h.is_synthetic for h in one.hosts)


def test_synthetic_fleet_refuses_an_unknown_outcome() -> None:
    with pytest.raises(FleetError, match="unknown outcome explode"):
        synthetic_fleet(["222222222222"], 1, mix={"explode": 1.0})


def test_fleet_lookups_find_hosts_by_id_and_account() -> None:
    fleet = FleetSpec(
        hosts=[
            HostSpec(instance_id="i-0000000000000000a", account_id="222222222222"),
            HostSpec(instance_id="i-0000000000000000b", account_id="333333333333"),
        ]
    )
    assert fleet.host("i-0000000000000000b") is not None
    assert fleet.host("i-0000000000000000c") is None
    assert fleet.account_ids == ("222222222222", "333333333333")
