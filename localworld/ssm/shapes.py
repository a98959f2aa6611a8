"""Shapes shared by the API methods: timestamps, model-constraint errors, list filters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from localworld.ssm.errors import InvalidFilterKey, ValidationException

__all__ = [
    "command_filters",
    "filters_match",
    "max_results",
    "parse_timestamp",
    "timestamp_of",
    "validation_error",
]


def timestamp_of(when: float | None) -> datetime | None:
    """An emulated epoch time as the datetime moto serialises for a timestamp field."""
    return None if when is None else datetime.fromtimestamp(when, UTC)


def validation_error(value: object, member: str, constraint: str) -> ValidationException:
    """The front end's answer to a request that breaks a constraint of the API model."""
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must {constraint}"
    )


def parse_timestamp(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise ValidationException(f"Invalid timestamp filter value: {value}") from exc


def command_filters(request: Mapping[str, Any], allowed: Iterable[str]) -> list[tuple[str, str]]:
    """ListCommands/ListCommandInvocations ``Filters`` as (key, value); unknown keys refused."""
    keys = set(allowed)
    rules = []
    for entry in request.get("Filters") or []:
        key, value = entry.get("key", ""), str(entry.get("value", ""))
        if key not in keys:
            raise InvalidFilterKey(f"The filter key {key} is not valid.")
        rules.append((key, value))
    return rules


def filters_match(
    rules: Sequence[tuple[str, str]],
    requested: float,
    status: str,
    details: str,
    document: str,
    terminal: bool,
) -> bool:
    for key, value in rules:
        if key == "InvokedAfter" and requested < parse_timestamp(value):
            return False
        if key == "InvokedBefore" and requested > parse_timestamp(value):
            return False
        if key == "Status" and value.replace(" ", "") not in (status, details):
            return False
        if key == "DocumentName" and value != document:
            return False
        if key == "ExecutionStage" and (value == "Complete") != terminal:
            return False
    return True


def max_results(request: Mapping[str, Any]) -> int:
    value = request.get("MaxResults", 50)
    if not isinstance(value, int) or not 1 <= value <= 50:
        raise validation_error(value, "maxResults", "have value between 1 and 50")
    return value
