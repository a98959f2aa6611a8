"""Which hosts of an account a scan reaches, and which it skips (never silently).

``DescribeInstanceInformation`` (paginated, 50 a page) lists every managed node of the account,
unfiltered: hosts that are offline or not Linux must be reported (``SKIPPED_OFFLINE`` /
``SKIPPED_PLATFORM``), so the listing is needed whole, and the hosts to send to are the ones it
shows with ``PingStatus`` Online and ``PlatformType`` Linux, except hybrid nodes. (Asking again with those two filters
would return a subset of the same pages.)

Hybrid nodes (an SSM activation's ``mi-`` managed instances, ``ResourceType`` ManagedInstance) are
skipped as ``SKIPPED_PLATFORM`` with their own reason: they are no EC2 instance, so the report could
name no real resource for them (an ``arn:aws:ec2:…:instance/mi-…`` does not exist).

EC2 adds the Name tags. A whole account asks ``ec2:DescribeTags`` for the instances' Name tags
alone: ``DescribeInstances`` would answer with every instance's whole description, which the
client parses member by member (10 times the CPU for 50 instances here, and AWS's descriptions are
far longer than the local world's). The private IP is then the one the agent reports. Asked-for
hosts take ``DescribeInstances`` instead, narrowed to them: it also tells apart those SSM does not
list (stopped, or no agent) and gives their private IPs.

A whole account also asks ``ec2:DescribeInstanceStatus`` which instances are running (by default it
answers for running instances only, 1,000 small entries a page: an ID, a state and two status
checks), so that the running instances SSM does not list are reported as not covered
(:class:`scanner.models.Coverage`) instead of being silently left out. They are no host of the
scan: nothing is sent to them and they have no outcome. Where EC2 refuses the call (a member role
deployed before it was allowed), coverage is unknown (None), never "all covered".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from scanner.models import NOT_COVERED_NAME_KEPT, NOT_COVERED_NAMED, Coverage, Host, HostResult, OutcomeDetail
from scanner.outcomes import HostOutcome

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ssm import SSMClient

__all__ = [
    "Discovery",
    "classify",
    "coverage",
    "discover",
    "ec2_inventory",
    "is_hybrid",
    "managed_instances",
    "name_tags",
    "running_instances",
]

PAGE = 50
TAG_PAGE = 1000
STATUS_PAGE = 1000


@dataclass(frozen=True)
class Discovery:
    """Hosts to send to, hosts skipped with their outcome, and (for a whole account) the running
    instances SSM does not manage; ``coverage`` is None where it was not or could not be looked at."""

    targets: tuple[Host, ...]
    skipped: tuple[tuple[Host, HostResult], ...] = field(default=())
    coverage: Coverage | None = None


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def managed_instances(ssm: SSMClient, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every page of ``DescribeInstanceInformation`` for ``filters``, 50 a page."""
    found: list[dict[str, Any]] = []
    paginator = ssm.get_paginator("describe_instance_information")
    for page in paginator.paginate(Filters=filters, PaginationConfig={"PageSize": PAGE}):  # type: ignore[arg-type]
        found.extend(dict(item) for item in page.get("InstanceInformationList", []))
    return found


def ec2_inventory(ec2: EC2Client, instance_ids: Sequence[str] | None = None) -> dict[str, dict[str, str]]:
    """instance ID → {"name", "private_ip", "state"} from ``DescribeInstances``; {} where EC2 refuses."""
    inventory: dict[str, dict[str, str]] = {}
    paginator = ec2.get_paginator("describe_instances")
    groups: Iterable[list[str] | None] = [None] if instance_ids is None else _chunks(instance_ids, 200)
    try:
        for group in groups:
            kwargs: dict[str, Any] = {}
            if group is not None:
                kwargs["Filters"] = [{"Name": "instance-id", "Values": group}]
            for page in paginator.paginate(**kwargs):
                for reservation in page.get("Reservations", []):
                    for instance in reservation.get("Instances", []):
                        tags = {t.get("Key"): t.get("Value", "") for t in instance.get("Tags", [])}
                        inventory[instance["InstanceId"]] = {
                            "name": tags.get("Name") or "",
                            "private_ip": instance.get("PrivateIpAddress", ""),
                            "state": instance.get("State", {}).get("Name", ""),
                        }
    except ClientError:
        # Names are a courtesy: a member role without ec2:DescribeInstances still scans.
        return inventory
    return inventory


def name_tags(ec2: EC2Client) -> dict[str, dict[str, str]]:
    """instance ID → {"name"} for every instance of the account and region with a Name tag, from
    ``DescribeTags``; {} where EC2 refuses."""
    names: dict[str, dict[str, str]] = {}
    paginator = ec2.get_paginator("describe_tags")
    filters = [
        {"Name": "resource-type", "Values": ["instance"]},
        {"Name": "key", "Values": ["Name"]},
    ]
    try:
        for page in paginator.paginate(Filters=filters, PaginationConfig={"PageSize": TAG_PAGE}):  # type: ignore[arg-type]
            for tag in page.get("Tags", []):
                if tag.get("ResourceId") and tag.get("Value"):
                    names[tag["ResourceId"]] = {"name": tag["Value"]}
    except ClientError:
        # As for DescribeInstances: names are a courtesy.
        return names
    return names


def running_instances(ec2: EC2Client) -> list[str] | None:
    """IDs of the account's running instances from ``DescribeInstanceStatus`` (running only, as
    without ``IncludeAllInstances``; 1,000 a page); None where EC2 refuses."""
    running: list[str] = []
    paginator = ec2.get_paginator("describe_instance_status")
    try:
        for page in paginator.paginate(PaginationConfig={"PageSize": STATUS_PAGE}):
            running.extend(
                status["InstanceId"]
                for status in page.get("InstanceStatuses", [])
                if status.get("InstanceState", {}).get("Name") == "running"
            )
    except ClientError:
        return None
    return running


def coverage(
    running: Sequence[str], managed: Sequence[dict[str, Any]], names: dict[str, dict[str, str]]
) -> Coverage:
    """Pure: which running instances SSM does not list, counted, the first few named."""
    listed = {item["InstanceId"] for item in managed}
    missing = sorted(set(running) - listed)
    return Coverage(
        running=len(set(running)),
        not_covered=len(missing),
        named=tuple(
            (i, names.get(i, {}).get("name", "")[:NOT_COVERED_NAME_KEPT]) for i in missing[:NOT_COVERED_NAMED]
        ),
    )


def is_hybrid(info: dict[str, Any]) -> bool:
    """Whether SSM lists a hybrid node (activation) rather than an EC2 instance."""
    return info.get("ResourceType") == "ManagedInstance" or str(info.get("InstanceId", "")).startswith("mi-")


def _host(info: dict[str, Any], ec2: dict[str, str] | None) -> Host:
    return Host(
        instance_id=info["InstanceId"],
        name=(ec2 or {}).get("name") or None,
        private_ip=(ec2 or {}).get("private_ip") or info.get("IPAddress") or None,
        platform_type=info.get("PlatformType"),
        platform_name=info.get("PlatformName"),
        ping_status=info.get("PingStatus"),
    )


def classify(
    managed: Sequence[dict[str, Any]],
    ec2: dict[str, dict[str, str]],
    wanted: Sequence[str] | None = None,
) -> Discovery:
    """Pure: split what SSM and EC2 said into targets and skipped hosts with their reason."""
    known = {item["InstanceId"]: item for item in managed}
    reachable = {
        instance_id
        for instance_id, item in known.items()
        if item.get("PingStatus") == "Online" and item.get("PlatformType") == "Linux"
    }
    targets: list[Host] = []
    skipped: list[tuple[Host, HostResult]] = []
    for instance_id in sorted(known):
        if wanted is not None and instance_id not in wanted:
            continue
        info = known[instance_id]
        host = _host(info, ec2.get(instance_id))
        if is_hybrid(info):
            reason = "hybrid managed node (SSM activation), not an EC2 instance: not scanned"
            skipped.append(
                (host, HostResult(outcome=HostOutcome.SKIPPED_PLATFORM, detail=OutcomeDetail(reason=reason)))
            )
        elif instance_id in reachable:
            targets.append(host)
        elif info.get("PingStatus") != "Online":
            reason = f"SSM agent ping status is {info.get('PingStatus', 'unknown')}"
            skipped.append(
                (host, HostResult(outcome=HostOutcome.SKIPPED_OFFLINE, detail=OutcomeDetail(reason=reason)))
            )
        else:
            reason = f"platform is {info.get('PlatformType', 'unknown')}, the checks need Linux"
            skipped.append(
                (host, HostResult(outcome=HostOutcome.SKIPPED_PLATFORM, detail=OutcomeDetail(reason=reason)))
            )
    for instance_id in sorted(set(wanted or ()) - set(known)):
        facts = ec2.get(instance_id, {})
        state = facts.get("state")
        reason = (
            f"instance is {state}, SSM does not list it"
            if state
            else "not a managed instance (no SSM agent registered)"
        )
        host = Host(
            instance_id=instance_id,
            name=facts.get("name") or None,
            private_ip=facts.get("private_ip") or None,
        )
        skipped.append(
            (host, HostResult(outcome=HostOutcome.SKIPPED_OFFLINE, detail=OutcomeDetail(reason=reason)))
        )
    return Discovery(targets=tuple(targets), skipped=tuple(skipped))


def discover(ssm: SSMClient, ec2: EC2Client, instance_ids: Sequence[str] | None = None) -> Discovery:
    """Discovery in one account and region; ``instance_ids`` narrows it to the asked-for hosts."""
    # Asked-for hosts are matched here rather than with an InstanceIds filter: AWS answers that
    # filter with an error for a stopped host, which must become SKIPPED_OFFLINE instead.
    # The reads are independent: asked at once, they cost one round trip, not two or three.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="discover") as pool:
        if instance_ids is not None:
            inventory = pool.submit(ec2_inventory, ec2, instance_ids)
            return classify(managed_instances(ssm, []), inventory.result(), instance_ids)
        names = pool.submit(name_tags, ec2)
        running = pool.submit(running_instances, ec2)
        managed = managed_instances(ssm, [])
        found = classify(managed, names.result(), None)
        ids = running.result()
        if ids is None:
            return found
        return replace(found, coverage=coverage(ids, managed, names.result()))
