"""DescribeInstanceInformation as documented: filters, tag filters alone, MaxResults 5..50
(default 10) with NextToken, stopped/terminated nodes not listed, foreign IDs refused."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from localworld.faults import Faults
from localworld.fleet import FleetSpec
from tests.localworld.ssm.conftest import (
    HOST_A1,
    HOST_A2,
    HOST_B1,
    HOST_OFFLINE,
    HOST_STOPPED,
    HOST_TERMINATED,
    HOST_WINDOWS,
    Factory,
    host,
)


def ids(response: dict[str, Any]) -> list[str]:
    return [i["InstanceId"] for i in response["InstanceInformationList"]]


def test_stopped_and_terminated_nodes_are_not_listed(make_emulator: Factory, ssm_a: Any) -> None:
    make_emulator()
    listed = ids(ssm_a.describe_instance_information())
    assert listed == sorted([HOST_A1, HOST_A2, HOST_OFFLINE, HOST_WINDOWS])
    assert HOST_STOPPED not in listed
    assert HOST_TERMINATED not in listed


def test_each_account_sees_only_its_own_nodes(make_emulator: Factory, ssm_a: Any, ssm_b: Any) -> None:
    make_emulator()
    assert ids(ssm_b.describe_instance_information()) == [HOST_B1]
    with pytest.raises(ClientError) as info:
        ssm_a.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [HOST_B1]}])
    assert info.value.response["Error"]["Code"] == "InvalidInstanceId"


def test_filters_select_by_ping_status_platform_resource_type_and_ids(
    make_emulator: Factory, ssm_a: Any
) -> None:
    make_emulator()
    online_linux = ssm_a.describe_instance_information(
        Filters=[{"Key": "PingStatus", "Values": ["Online"]}, {"Key": "PlatformTypes", "Values": ["Linux"]}]
    )
    assert ids(online_linux) == [HOST_A1, HOST_A2]
    lost = ssm_a.describe_instance_information(Filters=[{"Key": "PingStatus", "Values": ["ConnectionLost"]}])
    assert ids(lost) == [HOST_OFFLINE]
    managed = ssm_a.describe_instance_information(
        Filters=[{"Key": "ResourceType", "Values": ["ManagedInstance"]}]
    )
    assert ids(managed) == []
    chosen = ssm_a.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [HOST_A2, HOST_WINDOWS]}]
    )
    assert ids(chosen) == [HOST_A2, HOST_WINDOWS]


def test_offline_fault_shows_as_connection_lost(make_emulator: Factory, ssm_a: Any) -> None:
    faults = Faults()
    make_emulator(faults=faults)
    faults.set_host(HOST_A1, offline=True)
    found = ssm_a.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [HOST_A1]}])
    assert found["InstanceInformationList"][0]["PingStatus"] == "ConnectionLost"


def test_tag_filters_match_and_cannot_be_combined_with_other_filters(
    make_emulator: Factory, ssm_a: Any
) -> None:
    make_emulator()
    web = ssm_a.describe_instance_information(Filters=[{"Key": "tag:role", "Values": ["web"]}])
    assert ids(web) == [HOST_A1, HOST_A2]
    prod_web = ssm_a.describe_instance_information(
        Filters=[{"Key": "tag:role", "Values": ["web"]}, {"Key": "tag:env", "Values": ["prod"]}]
    )
    assert ids(prod_web) == [HOST_A1]
    named = ssm_a.describe_instance_information(Filters=[{"Key": "tag-key", "Values": ["role"]}])
    assert ids(named) == [HOST_A1, HOST_A2]
    with pytest.raises(ClientError) as info:
        ssm_a.describe_instance_information(
            Filters=[{"Key": "tag:role", "Values": ["web"]}, {"Key": "PingStatus", "Values": ["Online"]}]
        )
    assert info.value.response["Error"]["Code"] == "InvalidFilterKey"


def test_unknown_filter_key_and_mixed_filter_lists_are_refused(make_emulator: Factory, ssm_a: Any) -> None:
    make_emulator()
    with pytest.raises(ClientError) as unknown:
        ssm_a.describe_instance_information(Filters=[{"Key": "Colour", "Values": ["blue"]}])
    assert unknown.value.response["Error"]["Code"] == "InvalidFilterKey"
    with pytest.raises(ClientError) as mixed:
        ssm_a.describe_instance_information(
            Filters=[{"Key": "PingStatus", "Values": ["Online"]}],
            InstanceInformationFilterList=[{"key": "PlatformTypes", "valueSet": ["Linux"]}],
        )
    assert mixed.value.response["Error"]["Code"] == "ValidationException"
    legacy = ssm_a.describe_instance_information(
        InstanceInformationFilterList=[{"key": "PlatformTypes", "valueSet": ["Windows"]}]
    )
    assert ids(legacy) == [HOST_WINDOWS]


def test_pages_default_to_10_and_next_token_walks_every_node(make_emulator: Factory, ssm_a: Any) -> None:
    fleet = FleetSpec(hosts=tuple(host(f"i-0c{n:015x}") for n in range(23)))
    make_emulator(fleet=fleet)
    first = ssm_a.describe_instance_information()
    assert len(first["InstanceInformationList"]) == 10
    seen = ids(first)
    token = first.get("NextToken")
    while token:
        page = ssm_a.describe_instance_information(NextToken=token)
        seen += ids(page)
        token = page.get("NextToken")
    assert seen == sorted(h.instance_id for h in fleet.hosts)
    paginator = ssm_a.get_paginator("describe_instance_information")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["InstanceInformationList"]) for p in pages] == [5, 5, 5, 5, 3]


def test_max_results_outside_5_to_50_is_refused(make_emulator: Factory, ssm_a: Any, raw_ssm_a: Any) -> None:
    make_emulator()
    with pytest.raises(ParamValidationError):  # botocore checks the minimum itself
        ssm_a.describe_instance_information(MaxResults=4)
    for value in (4, 51):  # and the service refuses both bounds
        with pytest.raises(ClientError) as info:
            raw_ssm_a.describe_instance_information(MaxResults=value)
        assert info.value.response["Error"]["Code"] == "ValidationException"


def test_a_token_from_another_request_is_invalid_next_token(make_emulator: Factory, ssm_a: Any) -> None:
    fleet = FleetSpec(hosts=tuple(host(f"i-0c{n:015x}") for n in range(12)))
    make_emulator(fleet=fleet)
    token = ssm_a.describe_instance_information(MaxResults=5)["NextToken"]
    with pytest.raises(ClientError) as info:
        ssm_a.describe_instance_information(MaxResults=6, NextToken=token)
    assert info.value.response["Error"]["Code"] == "InvalidNextToken"


def test_a_filter_value_outside_the_keys_values_is_refused(make_emulator: Factory, ssm_a: Any) -> None:
    make_emulator()
    for key, value in (("PingStatus", "Sleeping"), ("PlatformTypes", "Plan9"), ("ResourceType", "Toaster")):
        with pytest.raises(ClientError) as info:
            ssm_a.describe_instance_information(Filters=[{"Key": key, "Values": [value]}])
        assert info.value.response["Error"]["Code"] == "InvalidInstanceInformationFilterValue"
