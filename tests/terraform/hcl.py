"""Read the Terraform sources as data: blocks by type and name, policy documents as statements.

python-hcl2 gives strings with their quotes stripped and expressions as ``${...}`` text; the tests
compare those texts, so a change to a security-relevant expression shows up as a failing test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
CENTRAL = TERRAFORM / "modules" / "central"
MEMBER = TERRAFORM / "modules" / "member_role"
EXAMPLE = TERRAFORM / "examples" / "complete"
MODULES = (CENTRAL, MEMBER, EXAMPLE)

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


def _label(text: str) -> str:
    return text.strip('"')


def parse_text(text: str) -> dict[str, Any]:
    return hcl2.loads(text, serialization_options=_OPTIONS)


@cache
def parse_file(path: Path) -> dict[str, Any]:
    return parse_text(path.read_text(encoding="utf-8"))


def tf_files(directory: Path = TERRAFORM) -> list[Path]:
    return sorted(directory.rglob("*.tf"))


@dataclass(frozen=True)
class Block:
    """One labelled block (``resource "type" "name"``) of a module, with the file it is in."""

    kind: str
    type: str
    name: str
    body: dict[str, Any]
    file: Path = field(compare=False)


def blocks(directory: Path, kind: str) -> list[Block]:
    """Every ``resource``/``data`` (two labels) or ``variable``/``output``/``module`` (one label)."""
    found: list[Block] = []
    for path in sorted(directory.glob("*.tf")):
        for entry in parse_file(path).get(kind, []):
            for first, value in entry.items():
                if kind in ("resource", "data"):
                    for second, body in value.items():
                        found.append(Block(kind, _label(first), _label(second), body, path))
                else:
                    found.append(Block(kind, kind, _label(first), value, path))
    return found


def block(directory: Path, kind: str, type_: str, name: str) -> Block:
    matches = [b for b in blocks(directory, kind) if b.type == type_ and b.name == name]
    assert len(matches) == 1, f"expected one {kind} {type_}.{name} in {directory.name}, found {len(matches)}"
    return matches[0]


def locals_of(directory: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in parse_file(path).get("locals", []):
            merged.update(entry)
    return merged


def sub(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Nested blocks called ``name`` (always a list, empty when absent)."""
    value = body.get(name, [])
    return value if isinstance(value, list) else [value]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    document: str
    sid: str
    effect: str
    actions: list[str]
    resources: list[str]
    principals: list[tuple[str, list[str]]]
    conditions: list[tuple[str, str, list[str]]]
    file: Path


def statements(directory: Path) -> Iterator[Statement]:
    """Statements of every ``aws_iam_policy_document`` data source of a module."""
    for doc in blocks(directory, "data"):
        if doc.type != "aws_iam_policy_document":
            continue
        for raw in sub(doc.body, "statement"):
            yield Statement(
                document=doc.name,
                sid=raw.get("sid", ""),
                effect=raw.get("effect", "Allow"),
                actions=as_list(raw.get("actions")),
                resources=as_list(raw.get("resources")),
                principals=[(p["type"], as_list(p["identifiers"])) for p in sub(raw, "principals")],
                conditions=[(c["test"], c["variable"], as_list(c["values"])) for c in sub(raw, "condition")],
                file=doc.file,
            )


def all_statements() -> list[Statement]:
    return [s for module in MODULES for s in statements(module)]


SKIP = re.compile(r"#\s*checkov:skip=(?P<id>[A-Z0-9_]+)(?::(?P<reason>.*))?")


def checkov_skips() -> list[tuple[Path, int, str, str]]:
    """``(file, line, check id, reason)`` of every checkov skip comment."""
    found = []
    for path in tf_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = SKIP.search(line)
            if match:
                found.append((path, number, match["id"], (match["reason"] or "").strip()))
    return found
