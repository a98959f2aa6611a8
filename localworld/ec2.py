"""EC2 ``DescribeInstances``, ``DescribeInstanceStatus`` and ``DescribeTags`` answered from the
fleet, so the world's instances have Name tags and states.

The fleet is the world's one record of its instances: the SSM emulator lists them as managed
nodes, and this module lists the same instances to EC2 callers (the scanner reads Name tags and
private IPs there). moto's own EC2 knows none of them, and building its per-account backend loads
its AMI catalogue under a process-wide lock, which stalled every other request of the world for
the first ``DescribeInstances`` of each account.

What is emulated, as EC2 does it: ``InstanceIds`` (an unknown ID is ``InvalidInstanceID.NotFound``,
a malformed one ``InvalidInstanceID.Malformed``), the filters ``instance-id``, ``tag:<key>``,
``tag-key``, ``private-ip-address`` and ``instance-state-name`` with ``*``/``?`` wildcards
(values of one filter are ORed, filters ANDed; any other filter name is refused),
``MaxResults`` 5–1000 with ``NextToken`` (``MaxResults`` with ``InstanceIds`` is
``InvalidParameterCombination``). One reservation per instance. The body is written by
:mod:`localworld.wire`, not moto's serializer, which took 40 ms of the world for 50 instances.

``DescribeInstanceStatus`` lists the running instances (every state but terminated with
``IncludeAllInstances``), ordered by instance ID, SSM-managed or not: EC2 knows instances SSM does
not (a fleet host with ``ssm_managed: false``). ``InstanceIds`` (at most 100; an unknown ID is
``InvalidInstanceID.NotFound``, as above), the filters ``availability-zone``,
``instance-state-name`` and ``instance-state-code`` (any other is refused) and ``MaxResults``
5–1000 with ``NextToken`` (not with ``InstanceIds``). Status checks are ``ok`` for a running
instance and ``not-applicable`` for the others.

``DescribeTags`` lists the fleet's instance tags (the only tagged resources of the world) ordered by
resource ID then key, with the filters ``key``, ``value``, ``resource-id``, ``resource-type`` and
``tag:<key>`` (wildcards as above; any other filter name is refused) and ``MaxResults`` 5–1000
with ``NextToken``.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from moto.core.utils import get_service_model
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.instances import InstanceResponse
from moto.ec2.responses.tags import TagResponse

from localworld.fleet import FleetSpec, HostSpec
from localworld.patching import replace_methods
from localworld.wire import ec2_xml_body

__all__ = ["Ec2Inventory", "install_ec2_inventory"]

T = TypeVar("T")

INSTANCE_ID = re.compile(r"^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
FILTERS = ("instance-id", "tag:<key>", "tag-key", "private-ip-address", "instance-state-name")
TAG_FILTERS = ("key", "value", "resource-id", "resource-type", "tag:<key>")
STATUS_FILTERS = ("availability-zone", "instance-state-name", "instance-state-code")
STATUS_IDS_MAX = 100

_Answer = tuple[int, dict[str, str], str]  # a moto response method's status, headers and body


def _error(code: str, message: str) -> EC2ClientError:
    return EC2ClientError(code, message)


def _matches(value: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _reservation_id(instance_id: str) -> str:
    return "r-" + hashlib.sha256(instance_id.encode()).hexdigest()[:17]


def _instance(host: HostSpec) -> dict[str, Any]:
    tags = [{"Key": k, "Value": v} for k, v in sorted(host.all_tags.items())]
    return {
        "InstanceId": host.instance_id,
        "State": {"Code": STATE_CODES[host.state], "Name": host.state},
        "PrivateIpAddress": host.private_ip,
        "PrivateDnsName": host.computer_name,
        "Platform": "windows" if host.platform_type == "Windows" else None,
        "PlatformDetails": "Windows" if host.platform_type == "Windows" else "Linux/UNIX",
        "Placement": {"AvailabilityZone": f"{host.region}a"},
        "Tags": tags,
    }


def _status(host: HostSpec) -> dict[str, Any]:
    """A ``DescribeInstanceStatus`` entry: the state, and the two status checks."""
    running = host.state == "running"
    check = {
        "Status": "ok" if running else "not-applicable",
        "Details": [{"Name": "reachability", "Status": "passed"}] if running else [],
    }
    return {
        "InstanceId": host.instance_id,
        "AvailabilityZone": f"{host.region}a",
        "InstanceState": {"Code": STATE_CODES[host.state], "Name": host.state},
        "InstanceStatus": check,
        "SystemStatus": check,
        "Events": [],
    }


class Ec2Inventory:
    """``DescribeInstances``, ``DescribeInstanceStatus`` and ``DescribeTags`` over the fleet, per
    account and region."""

    def __init__(self, fleet: FleetSpec) -> None:
        self._by_place: dict[tuple[str, str], tuple[HostSpec, ...]] = {}
        for host in sorted(fleet.hosts, key=lambda h: h.instance_id):
            if host.resource_type == "ManagedInstance":
                continue  # a hybrid node is no EC2 instance: only SSM knows it
            key = (host.account_id, host.region)
            self._by_place[key] = (*self._by_place.get(key, ()), host)

    def describe_instances(
        self,
        account_id: str,
        region: str,
        instance_ids: Sequence[str] = (),
        filters: Sequence[dict[str, Any]] = (),
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        hosts = self._by_place.get((account_id, region), ())
        if instance_ids:
            if max_results is not None:
                raise _error(
                    "InvalidParameterCombination",
                    "The parameter instancesSet cannot be used with the parameter maxResults",
                )
            hosts = self._named(hosts, instance_ids)
        for name, values in self._filters(filters, FILTERS):
            hosts = tuple(h for h in hosts if self._passes(h, name, values))
        page, token = self._page(hosts, max_results, next_token)
        result: dict[str, Any] = {
            "Reservations": [
                {
                    "ReservationId": _reservation_id(h.instance_id),
                    "OwnerId": account_id,
                    "Groups": [],
                    "Instances": [_instance(h)],
                }
                for h in page
            ]
        }
        if token is not None:
            result["NextToken"] = token
        return result

    def describe_instance_status(
        self,
        account_id: str,
        region: str,
        instance_ids: Sequence[str] = (),
        filters: Sequence[dict[str, Any]] = (),
        max_results: int | None = None,
        next_token: str | None = None,
        include_all: bool = False,
    ) -> dict[str, Any]:
        hosts = self._by_place.get((account_id, region), ())
        if instance_ids:
            if len(instance_ids) > STATUS_IDS_MAX:
                raise _error(
                    "InvalidParameterValue",
                    f"The maximum number of instance IDs is {STATUS_IDS_MAX}; {len(instance_ids)} were given",
                )
            if max_results is not None:
                raise _error(
                    "InvalidParameterCombination",
                    "The parameter instancesSet cannot be used with the parameter maxResults",
                )
            hosts = self._named(hosts, instance_ids)
        if not include_all:
            hosts = tuple(h for h in hosts if h.state == "running")
        hosts = tuple(h for h in hosts if h.state != "terminated")
        for name, values in self._filters(filters, STATUS_FILTERS, tags=False):
            hosts = tuple(h for h in hosts if self._status_passes(h, name, values))
        page, token = self._page(hosts, max_results, next_token)
        result: dict[str, Any] = {"InstanceStatuses": [_status(h) for h in page]}
        if token is not None:
            result["NextToken"] = token
        return result

    @staticmethod
    def _status_passes(host: HostSpec, name: str, values: list[str]) -> bool:
        if name == "availability-zone":
            return _matches(f"{host.region}a", values)
        if name == "instance-state-name":
            return _matches(host.state, values)
        return str(STATE_CODES[host.state]) in values

    def describe_tags(
        self,
        account_id: str,
        region: str,
        filters: Sequence[dict[str, Any]] = (),
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        tags = [
            {"ResourceId": h.instance_id, "ResourceType": "instance", "Key": key, "Value": value}
            for h in self._by_place.get((account_id, region), ())
            for key, value in sorted(h.all_tags.items())
        ]
        for name, values in self._filters(filters, TAG_FILTERS):
            tags = [t for t in tags if self._tag_passes(t, name, values)]
        page, token = self._page(tags, max_results, next_token)
        result: dict[str, Any] = {"Tags": list(page)}
        if token is not None:
            result["NextToken"] = token
        return result

    @staticmethod
    def _tag_passes(tag: dict[str, str], name: str, values: list[str]) -> bool:
        if name == "key":
            return _matches(tag["Key"], values)
        if name == "value":
            return _matches(tag["Value"], values)
        if name == "resource-id":
            return _matches(tag["ResourceId"], values)
        if name == "resource-type":
            return tag["ResourceType"] in values
        return tag["Key"] == name[len("tag:") :] and _matches(tag["Value"], values)

    @staticmethod
    def _named(hosts: Iterable[HostSpec], instance_ids: Sequence[str]) -> tuple[HostSpec, ...]:
        malformed = [i for i in instance_ids if not INSTANCE_ID.match(i)]
        if malformed:
            raise _error("InvalidInstanceID.Malformed", f'Invalid id: "{malformed[0]}"')
        by_id = {h.instance_id: h for h in hosts}
        missing = [i for i in dict.fromkeys(instance_ids) if i not in by_id]
        if len(missing) == 1:
            raise _error("InvalidInstanceID.NotFound", f"The instance ID '{missing[0]}' does not exist")
        if missing:
            raise _error(
                "InvalidInstanceID.NotFound", f"The instance IDs '{', '.join(missing)}' do not exist"
            )
        return tuple(by_id[i] for i in dict.fromkeys(instance_ids))

    @staticmethod
    def _filters(
        filters: Sequence[dict[str, Any]], known: Sequence[str], *, tags: bool = True
    ) -> list[tuple[str, list[str]]]:
        parsed: list[tuple[str, list[str]]] = []
        for item in filters:
            name = item.get("Name")
            if not name:
                raise _error("InvalidParameterValue", "The filter 'null' is invalid")
            if not (name in known or (tags and name.startswith("tag:"))):
                raise _error(
                    "InvalidParameterValue",
                    f"The filter '{name}' is invalid (the local world emulates {', '.join(known)})",
                )
            parsed.append((name, [str(v) for v in item.get("Values", [])]))
        return parsed

    @staticmethod
    def _passes(host: HostSpec, name: str, values: list[str]) -> bool:
        if name == "instance-id":
            return _matches(host.instance_id, values)
        if name == "private-ip-address":
            return _matches(host.private_ip, values)
        if name == "instance-state-name":
            return _matches(host.state, values)
        if name == "tag-key":
            return any(_matches(k, values) for k in host.all_tags)
        value = host.all_tags.get(name[len("tag:") :])
        return value is not None and _matches(value, values)

    @staticmethod
    def _page(
        items: Sequence[T], max_results: int | None, next_token: str | None
    ) -> tuple[Sequence[T], str | None]:
        """The page of ``items`` that ``next_token`` and ``max_results`` ask for, and the token of
        the next one (None on the last page); a bad token or ``MaxResults`` is EC2's error."""
        start = Ec2Inventory._start(next_token)
        _check_max_results(max_results)
        end = len(items) if max_results is None else start + max_results
        return items[start:end], (_token(end) if end < len(items) else None)

    @staticmethod
    def _start(next_token: str | None) -> int:
        if next_token is None:
            return 0
        try:
            kind, _, offset = base64.urlsafe_b64decode(next_token.encode()).decode().partition(":")
            if kind == "offset" and offset.isdigit():
                return int(offset)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        raise _error(
            "InvalidParameterValue",
            f"Value ( {next_token} ) for parameter NextToken is invalid. The token is invalid.",
        )


def _check_max_results(max_results: int | None) -> None:
    if max_results is not None and not 5 <= max_results <= 1000:
        raise _error(
            "InvalidParameterValue",
            f"Value ( {max_results} ) for parameter maxResults is invalid. "
            "Expecting a value between 5 and 1000.",
        )


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _listing(response: Any) -> dict[str, Any]:
    """The filter and paging parameters both listings take, as moto parsed them."""
    max_results = response._get_param("MaxResults")
    return {
        "filters": response._get_param("Filters", []) or response._get_param("Filter", []),
        "max_results": None if max_results is None else int(max_results),
        "next_token": response._get_param("NextToken"),
    }


def _answer(operation_name: str, listing: Callable[[Any], dict[str, Any]]) -> Callable[[Any], _Answer]:
    """A moto response method that answers ``operation_name`` with ``listing(response)``."""
    operation = get_service_model("ec2").operation_model(operation_name)

    def answer(response: Any) -> _Answer:
        return 200, {"Content-Type": "text/xml;charset=UTF-8"}, ec2_xml_body(operation, listing(response))

    return answer


def install_ec2_inventory(fleet: FleetSpec) -> Callable[[], None]:
    """Make EC2 ``DescribeInstances``, ``DescribeInstanceStatus`` and ``DescribeTags`` answer from
    ``fleet``; call the result to undo it."""
    inventory = Ec2Inventory(fleet)
    describe_instances = _answer(
        "DescribeInstances",
        lambda r: inventory.describe_instances(
            r.current_account, r.region, instance_ids=r._get_param("InstanceIds", []), **_listing(r)
        ),
    )
    describe_instance_status = _answer(
        "DescribeInstanceStatus",
        lambda r: inventory.describe_instance_status(
            r.current_account,
            r.region,
            instance_ids=r._get_param("InstanceIds", []),
            include_all=str(r._get_param("IncludeAllInstances", False)).lower() == "true",
            **_listing(r),
        ),
    )
    describe_tags = _answer(
        "DescribeTags", lambda r: inventory.describe_tags(r.current_account, r.region, **_listing(r))
    )
    undo_instances = replace_methods(
        InstanceResponse,
        {"describe_instances": describe_instances, "describe_instance_status": describe_instance_status},
        what="an EC2 inventory",
    )
    try:
        undo_tags = replace_methods(
            TagResponse, {"describe_tags": describe_tags}, what="an EC2 tag inventory"
        )
    except BaseException:
        undo_instances()
        raise

    def undo() -> None:
        undo_tags()
        undo_instances()

    return undo
