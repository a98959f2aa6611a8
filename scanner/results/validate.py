"""Judge ``results.jsonl`` and ``meta.json`` line by line against the contract (the models of
:mod:`scanner.results.contract`; docs/design.md, "The result tar")."""

from __future__ import annotations

import json
from collections import Counter

from pydantic import JsonValue, ValidationError

from scanner.results.contract import INSTANCE_ID, ItemLine, SummaryLine, line_adapter
from scanner.results.edition import ITEMS, Status
from scanner.results.errors import ContentRejected
from scanner.results.limits import DEFAULT_LIMITS, Limits
from scanner.results.tarsafe import printable, shown

__all__ = ["parse_meta", "parse_results", "reported_instance_ids"]


def _first_error(error: ValidationError) -> str:
    problem = error.errors(include_url=False, include_input=False)[0]
    loc = problem["loc"]
    if loc and loc[0] in ("item", "summary"):  # the discriminator's tag, not a field
        loc = loc[1:]
    where = ".".join(str(part) for part in loc)
    message = problem["msg"]
    if problem["type"] == "json_invalid" and "recursion" in message.lower():
        message = "JSON nested too deeply"
    return printable(f"{where}: {message}" if where else message)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentRejected(f"{name} is not UTF-8 (bad byte at offset {exc.start})") from None


def parse_results(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[tuple[ItemLine, ...], SummaryLine]:
    """Every item line, then the summary line, each validated; raise :class:`ContentRejected` if not.

    Rules beyond the models: the summary is the last line and appears once, no code appears twice,
    every code of the edition is present, each severity is the edition's, and the summary's counts
    equal the items'.
    """
    text = _decode(raw, "results.jsonl")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise ContentRejected("results.jsonl is empty")
    if len(lines) > len(ITEMS) + 1:
        raise ContentRejected(
            f"results.jsonl has {len(lines)} lines, more than the {len(ITEMS)} items and a summary"
        )
    items: dict[str, ItemLine] = {}
    summary: SummaryLine | None = None
    for number, line in enumerate(lines, start=1):
        if summary is not None:
            raise ContentRejected(f"results.jsonl line {number}: comes after the summary line")
        if len(line) > limits.max_line_chars:
            raise ContentRejected(
                f"results.jsonl line {number}: longer than {limits.max_line_chars} characters"
            )
        if not line or line.isspace():
            raise ContentRejected(f"results.jsonl line {number}: is empty")
        try:
            record = line_adapter.validate_json(line)
        except ValidationError as exc:
            raise ContentRejected(f"results.jsonl line {number}: {_first_error(exc)}") from None
        if isinstance(record, SummaryLine):
            summary = record
            continue
        if record.code in items:
            raise ContentRejected(f"results.jsonl line {number}: code {record.code} appears twice")
        expected = ITEMS[record.code].severity
        if record.severity is not expected:
            raise ContentRejected(
                f"results.jsonl line {number}: {record.code} has severity {record.severity}, the edition says {expected}"
            )
        items[record.code] = record
    if summary is None:
        raise ContentRejected("results.jsonl has no summary line")
    missing = [code for code in ITEMS if code not in items]
    if missing:
        listed = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise ContentRejected(f"results.jsonl lacks {len(missing)} item(s): {listed}")
    counted = Counter(item.status for item in items.values())
    claimed = {status: summary.counts.get(status, 0) for status in Status}
    if any(claimed[status] != counted.get(status, 0) for status in Status):
        raise ContentRejected("results.jsonl: the summary's counts do not match the items")
    return tuple(items[code] for code in ITEMS), summary


def parse_meta(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, JsonValue]:
    """``meta.json``: one JSON object, small, UTF-8."""
    if len(raw) > limits.max_meta_bytes:
        raise ContentRejected(f"meta.json is larger than {limits.max_meta_bytes} bytes")
    text = _decode(raw, "meta.json")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ContentRejected("meta.json: JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ContentRejected(f"meta.json is not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(value, dict):
        raise ContentRejected("meta.json is not a JSON object")
    return value


def reported_instance_ids(summary: SummaryLine, meta: dict[str, JsonValue]) -> set[str]:
    """Every instance ID the tar claims for itself (summary host and meta.json), well-formed or not."""
    claims: set[str] = set()
    if summary.host.instance_id:
        claims.add(summary.host.instance_id)
    candidates: list[JsonValue] = [meta.get("instance_id")]
    host = meta.get("host")
    if isinstance(host, dict):
        candidates.append(host.get("instance_id"))
    for candidate in candidates:
        if candidate is None or candidate == "":
            continue
        if not isinstance(candidate, str) or not INSTANCE_ID.match(candidate):
            raise ContentRejected(f"meta.json names an invalid instance ID {shown(str(candidate))}")
        claims.add(candidate)
    return claims
