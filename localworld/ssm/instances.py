"""DescribeInstanceInformation over the fleet: filters, validation and pagination, as pure
functions (the emulator passes the hosts of the caller's account and region)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from localworld.fleet import HostSpec
from localworld.ssm.errors import (
    InvalidFilterKey,
    InvalidInstanceId,
    InvalidInstanceInformationFilterValue,
    InvalidNextToken,
    ValidationException,
)

__all__ = ["describe_instances", "page"]

FILTER_KEYS = {
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "ResourceType",
    "ActivationIds",
    "IamRole",
    "AssociationStatus",
    "SourceIds",
    "SourceTypes",
}
ENUM_VALUES = {
    "PingStatus": {"Online", "ConnectionLost", "Inactive"},
    "PlatformTypes": {"Windows", "Linux", "MacOS"},
    "ResourceType": {"EC2Instance", "ManagedInstance"},
}
LEGACY_KEYS = {
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
}


def page(
    items: Sequence[Any], max_results: int, token: str | None, scope: str
) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the token for the next (tied to ``scope``, the request's shape)."""
    key = hashlib.sha256(scope.encode()).hexdigest()[:16]
    offset = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, token_key = int(decoded["o"]), str(decoded["k"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNextToken("The specified token is not valid.") from exc
        if token_key != key or offset < 0:
            raise InvalidNextToken("The specified token is not valid.")
    chunk = list(items[offset : offset + max_results])
    following = offset + max_results
    next_token = None
    if following < len(items):
        next_token = base64.urlsafe_b64encode(json.dumps({"o": following, "k": key}).encode()).decode()
    return chunk, next_token


def _value_of(key: str, host: HostSpec, ping_status: str) -> list[str]:
    if key == "InstanceIds":
        return [host.instance_id]
    if key == "AgentVersion":
        return [host.agent_version]
    if key == "PingStatus":
        return [ping_status]
    if key == "PlatformTypes":
        return [host.platform_type]
    if key == "ResourceType":
        return [host.resource_type]
    if key == "SourceIds":
        return [host.instance_id]
    if key == "SourceTypes":
        return ["AWS::EC2::Instance"]
    return []


def describe_instances(
    hosts: Sequence[HostSpec],
    request: Mapping[str, Any],
    ping_status: Callable[[HostSpec], str],
) -> tuple[list[HostSpec], str | None]:
    """Apply DescribeInstanceInformation's rules to the caller's hosts; returns a page."""
    filters = request.get("Filters")
    legacy = request.get("InstanceInformationFilterList")
    if filters and legacy:
        raise ValidationException("InstanceInformationFilterList and Filters cannot be used together.")
    max_results = request.get("MaxResults", 10)
    if not isinstance(max_results, int) or not 5 <= max_results <= 50:
        raise ValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            "constraint: Member must have value between 5 and 50"
        )
    rules: list[tuple[str, list[str]]] = []
    for entry in filters or []:
        key, values = entry.get("Key", ""), list(entry.get("Values") or [])
        if not (key in FILTER_KEYS or key == "tag-key" or key.startswith("tag:")):
            raise InvalidFilterKey(f"The filter key {key} is not valid.")
        rules.append((key, values))
    for entry in legacy or []:
        key, values = entry.get("key", ""), list(entry.get("valueSet") or [])
        if key not in LEGACY_KEYS:
            raise InvalidFilterKey(f"The filter key {key} is not valid.")
        rules.append((key, values))
    for key, values in rules:
        allowed = ENUM_VALUES.get(key)
        bad = [v for v in values if allowed is not None and v not in allowed]
        if bad or not values:
            raise InvalidInstanceInformationFilterValue(
                f"The filter value {bad[0] if bad else '(none)'} is not valid for {key}."
            )
    tag_rules = [r for r in rules if r[0] == "tag-key" or r[0].startswith("tag:")]
    if tag_rules and len(tag_rules) != len(rules):
        raise InvalidFilterKey("Tag filters can't be combined with other filter types.")
    by_id = {h.instance_id: h for h in hosts if h.state != "terminated"}
    for key, values in rules:
        if key == "InstanceIds":
            unknown = [v for v in values if v not in by_id]
            if unknown:
                raise InvalidInstanceId(f"Instance Id {unknown[0]} is not valid.")
    listed = [h for h in hosts if h.state == "running"]

    def keep(host: HostSpec) -> bool:
        for key, values in rules:
            if key == "tag-key":
                if not set(values) & set(host.all_tags):
                    return False
            elif key.startswith("tag:"):
                if host.all_tags.get(key[4:]) not in values:
                    return False
            elif not set(values) & set(_value_of(key, host, ping_status(host))):
                return False
        return True

    selected = sorted((h for h in listed if keep(h)), key=lambda h: h.instance_id)
    scope = json.dumps([rules, max_results], sort_keys=True)
    return page(selected, max_results, request.get("NextToken"), scope)
