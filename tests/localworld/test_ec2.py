"""EC2 DescribeInstances, DescribeInstanceStatus and DescribeTags in the world: the fleet's
instances, SSM-managed or not, with EC2's own errors and paging; and discovery over them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localworld.fleet import FleetSpec, HostSpec, synthetic_fleet
from localworld.world import World
from scanner.config import load_config
from scanner.discovery import discover
from scanner.models import Coverage
from tests.localworld.test_world import EXAMPLE_CONFIG

THIRD = "444444444444"  # an account with a managed host and two instances SSM does not manage
MANAGED = "i-0c00000000000000a"
UNMANAGED = "i-0c00000000000000b"
UNMANAGED_STOPPED = "i-0c00000000000000c"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    config = load_config(EXAMPLE_CONFIG)
    first, second, third = (a.id for a in config.accounts[:3])
    assert third == THIRD
    region = config.central.region
    fleet = synthetic_fleet([first], 12, region=region, seed=3)
    stopped = HostSpec(
        instance_id="i-0123456789abcdef0",
        account_id=second,
        region=region,
        name="batch-01",
        private_ip="10.9.0.5",
        state="stopped",
    )
    others = (
        HostSpec(instance_id=MANAGED, account_id=third, region=region, name="app-01", private_ip="10.4.0.1"),
        HostSpec(
            instance_id=UNMANAGED,
            account_id=third,
            region=region,
            name="batch-02",
            private_ip="10.4.0.2",
            ssm_managed=False,
        ),
        HostSpec(
            instance_id=UNMANAGED_STOPPED,
            account_id=third,
            region=region,
            name="old-01",
            private_ip="10.4.0.3",
            state="stopped",
            ssm_managed=False,
        ),
    )
    with World.start(config, FleetSpec(hosts=(*fleet.hosts, stopped, *others)), synthetic=True) as started:
        yield started


def _ec2(world: World, account: str) -> Any:
    return world.session_for(account).client("ec2", endpoint_url=world.endpoint_url)


def _instances(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_describe_instances_lists_the_accounts_fleet_with_name_tags_and_ips(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    listed = _instances([_ec2(world, account).describe_instances()])
    expected = {h.instance_id: h for h in world.fleet.in_account(account)}
    assert {i["InstanceId"] for i in listed} == set(expected)
    for instance in listed:
        host = expected[instance["InstanceId"]]
        assert {"Key": "Name", "Value": host.name} in instance["Tags"]
        assert instance["PrivateIpAddress"] == host.private_ip
        assert instance["State"] == {"Code": 16, "Name": "running"}


def test_describe_instances_shows_another_accounts_stopped_host_only_to_that_account(world: World) -> None:
    stopped = next(h for h in world.fleet.hosts if h.state == "stopped")
    own = _instances([_ec2(world, stopped.account_id).describe_instances()])
    assert [(i["InstanceId"], i["State"]["Name"]) for i in own] == [(stopped.instance_id, "stopped")]
    other = world.fleet.hosts[0].account_id
    with pytest.raises(ClientError) as excinfo:
        _ec2(world, other).describe_instances(InstanceIds=[stopped.instance_id])
    assert _error(excinfo) == "InvalidInstanceID.NotFound"


def test_filters_match_tags_with_wildcards_ids_and_private_ips(world: World) -> None:
    hosts = world.fleet.in_account(world.fleet.hosts[0].account_id)
    ec2 = _ec2(world, hosts[0].account_id)

    def ids(filters: list[dict[str, Any]]) -> set[str]:
        return {i["InstanceId"] for i in _instances([ec2.describe_instances(Filters=filters)])}

    assert ids([{"Name": "tag:Name", "Values": [hosts[1].name]}]) == {hosts[1].instance_id}
    assert ids([{"Name": "tag:Name", "Values": [hosts[1].name[:-2] + "*"]}]) >= {hosts[1].instance_id}
    assert ids([{"Name": "private-ip-address", "Values": [hosts[2].private_ip]}]) == {hosts[2].instance_id}
    assert ids(
        [
            {"Name": "instance-id", "Values": [hosts[0].instance_id, hosts[3].instance_id]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ]
    ) == {hosts[0].instance_id, hosts[3].instance_id}
    assert ids([{"Name": "tag:Name", "Values": ["no-such-host"]}]) == set()


def test_paging_with_max_results_returns_every_instance_once(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    paginator = _ec2(world, account).get_paginator("describe_instances")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["Reservations"]) for p in pages] == [5, 5, 2]
    listed = [i["InstanceId"] for i in _instances(pages)]
    assert sorted(listed) == sorted(h.instance_id for h in world.fleet.in_account(account))


@pytest.mark.parametrize(
    ("operation", "kwargs", "code"),
    [
        (
            "describe_instances",
            {"InstanceIds": ["i-0123456789abcdef0"], "MaxResults": 5},
            "InvalidParameterCombination",
        ),
        ("describe_instances", {"MaxResults": 4}, "InvalidParameterValue"),
        ("describe_instances", {"NextToken": "not-a-token"}, "InvalidParameterValue"),
        (
            "describe_instances",
            {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}]},
            "InvalidParameterValue",
        ),
        ("describe_instances", {"InstanceIds": ["i-zz"]}, "InvalidInstanceID.Malformed"),
        (
            "describe_instances",
            {"InstanceIds": ["i-0000000000000000a", "i-0000000000000000b"]},
            "InvalidInstanceID.NotFound",
        ),
        ("describe_instance_status", {"MaxResults": 4}, "InvalidParameterValue"),
        ("describe_instance_status", {"MaxResults": 1001}, "InvalidParameterValue"),
        (
            "describe_instance_status",
            {"InstanceIds": ["i-0123456789abcdef0"], "MaxResults": 5},
            "InvalidParameterCombination",
        ),
        (
            "describe_instance_status",
            {"Filters": [{"Name": "tag:Name", "Values": ["web"]}]},
            "InvalidParameterValue",
        ),
        ("describe_instance_status", {"InstanceIds": ["i-0000000000000000a"]}, "InvalidInstanceID.NotFound"),
        ("describe_instance_status", {"NextToken": "not-a-token"}, "InvalidParameterValue"),
        ("describe_tags", {"MaxResults": 4}, "InvalidParameterValue"),
        ("describe_tags", {"MaxResults": 1001}, "InvalidParameterValue"),
        ("describe_tags", {"NextToken": "not-a-token"}, "InvalidParameterValue"),
        (
            "describe_tags",
            {"Filters": [{"Name": "instance-state-name", "Values": ["running"]}]},
            "InvalidParameterValue",
        ),
    ],
)
def test_requests_ec2_refuses_are_refused_with_its_error_codes(
    world: World, operation: str, kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        getattr(_ec2(world, world.fleet.hosts[0].account_id), operation)(**kwargs)
    assert _error(excinfo) == code


def _tags(pages: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(t["ResourceId"], t["Key"], t["Value"]) for page in pages for t in page["Tags"]]


def test_describe_tags_lists_the_name_tags_of_the_accounts_instances_only(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    ec2 = _ec2(world, account)
    pages = list(
        ec2.get_paginator("describe_tags").paginate(
            Filters=[
                {"Name": "resource-type", "Values": ["instance"]},
                {"Name": "key", "Values": ["Name"]},
            ]
        )
    )
    expected = sorted((h.instance_id, "Name", h.name) for h in world.fleet.in_account(account))
    assert sorted(_tags(pages)) == expected
    assert {t["ResourceType"] for page in pages for t in page["Tags"]} == {"instance"}
    stopped = next(h for h in world.fleet.hosts if h.state == "stopped")
    assert stopped.instance_id not in {resource for resource, _, _ in _tags(pages)}


def test_describe_tags_filters_by_resource_value_and_tag_with_wildcards(world: World) -> None:
    hosts = world.fleet.in_account(world.fleet.hosts[0].account_id)
    ec2 = _ec2(world, hosts[0].account_id)

    def tags(filters: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        return set(_tags([ec2.describe_tags(Filters=filters)]))

    first = (hosts[0].instance_id, "Name", hosts[0].name)
    assert first in tags([{"Name": "resource-id", "Values": [hosts[0].instance_id]}])
    assert tags([{"Name": "value", "Values": [hosts[0].name]}]) == {first}
    assert tags([{"Name": "tag:Name", "Values": [hosts[0].name[:-2] + "*"]}]) >= {first}
    assert tags([{"Name": "resource-type", "Values": ["volume"]}]) == set()
    assert tags([{"Name": "key", "Values": ["no-such-key"]}]) == set()


def test_describe_tags_pages_with_max_results_return_every_tag_once(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    ec2 = _ec2(world, account)
    every = _tags([ec2.describe_tags()])
    pages = list(ec2.get_paginator("describe_tags").paginate(PaginationConfig={"PageSize": 5}))
    assert all(len(page["Tags"]) == 5 for page in pages[:-1])
    assert 0 < len(pages[-1]["Tags"]) <= 5
    assert _tags(pages) == every
    assert len(every) >= len(world.fleet.in_account(account))


def test_discovery_of_a_whole_account_takes_names_from_tags_and_ips_from_the_agent(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    session = world.session_for(account)
    found = discover(
        session.client("ssm", endpoint_url=world.endpoint_url),
        session.client("ec2", endpoint_url=world.endpoint_url),
    )
    hosts = [*found.targets, *(host for host, _ in found.skipped)]
    assert {(h.instance_id, h.name, h.private_ip) for h in hosts} == {
        (h.instance_id, h.name, h.private_ip) for h in world.fleet.in_account(account)
    }


def test_discovery_of_asked_for_hosts_reports_a_stopped_one_with_its_state(world: World) -> None:
    stopped = next(h for h in world.fleet.hosts if h.state == "stopped")
    session = world.session_for(stopped.account_id)
    found = discover(
        session.client("ssm", endpoint_url=world.endpoint_url),
        session.client("ec2", endpoint_url=world.endpoint_url),
        [stopped.instance_id],
    )
    assert found.targets == ()
    [(host, result)] = found.skipped
    assert (host.name, host.private_ip) == (stopped.name, stopped.private_ip)
    assert result.detail is not None
    assert result.detail.reason == "instance is stopped, SSM does not list it"


def _statuses(pages: list[dict[str, Any]]) -> dict[str, str]:
    return {s["InstanceId"]: s["InstanceState"]["Name"] for page in pages for s in page["InstanceStatuses"]}


def test_instance_status_lists_the_running_instances_whether_ssm_manages_them_or_not(world: World) -> None:
    listed = _ec2(world, THIRD).describe_instance_status()
    assert _statuses([listed]) == {MANAGED: "running", UNMANAGED: "running"}
    (status,) = [s for s in listed["InstanceStatuses"] if s["InstanceId"] == UNMANAGED]
    assert status["InstanceStatus"]["Status"] == status["SystemStatus"]["Status"] == "ok"
    ssm = world.session_for(THIRD).client("ssm", endpoint_url=world.endpoint_url)
    managed = ssm.describe_instance_information()["InstanceInformationList"]
    assert [item["InstanceId"] for item in managed] == [MANAGED]


def test_instance_status_of_every_state_shows_stopped_instances_without_status_checks(world: World) -> None:
    ec2 = _ec2(world, THIRD)
    every = ec2.describe_instance_status(IncludeAllInstances=True)
    assert _statuses([every]) == {MANAGED: "running", UNMANAGED: "running", UNMANAGED_STOPPED: "stopped"}
    (stopped,) = [s for s in every["InstanceStatuses"] if s["InstanceId"] == UNMANAGED_STOPPED]
    assert stopped["InstanceStatus"]["Status"] == "not-applicable"
    # As EC2: a stopped instance, even named, only with IncludeAllInstances.
    named = ec2.describe_instance_status(InstanceIds=[UNMANAGED_STOPPED, UNMANAGED])
    assert _statuses([named]) == {UNMANAGED: "running"}
    by_state = ec2.describe_instance_status(
        IncludeAllInstances=True, Filters=[{"Name": "instance-state-name", "Values": ["stopped"]}]
    )
    assert _statuses([by_state]) == {UNMANAGED_STOPPED: "stopped"}
    by_code = ec2.describe_instance_status(
        IncludeAllInstances=True, Filters=[{"Name": "instance-state-code", "Values": ["16"]}]
    )
    assert set(_statuses([by_code])) == {MANAGED, UNMANAGED}


def test_instance_status_pages_with_max_results_return_every_running_instance_once(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    paginator = _ec2(world, account).get_paginator("describe_instance_status")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["InstanceStatuses"]) for p in pages] == [5, 5, 2]
    assert sorted(_statuses(pages)) == sorted(h.instance_id for h in world.fleet.in_account(account))


def test_discovery_names_a_running_instance_ssm_does_not_manage_as_not_covered_never_as_a_host(
    world: World,
) -> None:
    session = world.session_for(THIRD)
    found = discover(
        session.client("ssm", endpoint_url=world.endpoint_url),
        session.client("ec2", endpoint_url=world.endpoint_url),
    )
    assert [h.instance_id for h in found.targets] == [MANAGED]
    assert found.skipped == ()
    # The stopped one is not running: it is neither covered nor missed.
    assert found.coverage == Coverage(running=2, not_covered=1, named=((UNMANAGED, "batch-02"),))


def test_discovery_of_an_account_ssm_fully_manages_finds_nothing_not_covered(world: World) -> None:
    account = world.fleet.hosts[0].account_id
    session = world.session_for(account)
    found = discover(
        session.client("ssm", endpoint_url=world.endpoint_url),
        session.client("ec2", endpoint_url=world.endpoint_url),
    )
    assert found.coverage == Coverage(running=12, not_covered=0)


def test_discovery_where_ec2_refuses_the_instance_status_leaves_coverage_unknown(world: World) -> None:
    session = world.session_for(THIRD)
    world.faults.fail_next(THIRD, service="ec2", action="DescribeInstanceStatus", kind="access_denied")
    try:
        found = discover(
            session.client("ssm", endpoint_url=world.endpoint_url),
            session.client("ec2", endpoint_url=world.endpoint_url),
        )
    finally:
        world.faults.clear_one_shots()
    assert [h.instance_id for h in found.targets] == [MANAGED]
    assert found.coverage is None


def test_discovery_of_asked_for_hosts_does_not_look_at_coverage(world: World) -> None:
    session = world.session_for(THIRD)
    found = discover(
        session.client("ssm", endpoint_url=world.endpoint_url),
        session.client("ec2", endpoint_url=world.endpoint_url),
        [MANAGED],
    )
    assert [h.instance_id for h in found.targets] == [MANAGED]
    assert found.coverage is None
