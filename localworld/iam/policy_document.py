"""The JSON of an ``aws_iam_policy_document`` data source, as the Terraform AWS provider renders it.

The provider (its ``aws_iam_policy_document`` data source and IAM policy model):

- builds each ``statement`` block into a statement with ``Sid`` (always written, ``""`` when
  unset), ``Effect`` (default ``Allow``), ``Action``/``NotAction`` and ``Resource``/``NotResource``
  (sets: one value is written as a string, several as a list in reverse lexical order),
  ``Principal``/``NotPrincipal`` (``principals`` blocks of one type merge; ``type = "*"`` with the
  single identifier ``*`` is written ``"*"``) and ``Condition`` (``condition`` blocks of one test
  merge under it; one value is written as a string, several as a list in their order);
- replaces ``&{`` by ``${`` in resources, principals and condition values (Terraform itself would
  read ``${...}`` as interpolation);
- merges: the ``source_policy_documents`` in order (a ``Sid`` used twice among them is an
  error), then this document's statements, then the ``override_policy_documents``; each merge
  step replaces a statement of the same non-empty ``Sid`` in place and appends the others. So a
  statement block overrides a source statement of the same ``Sid`` too. Source and override
  documents go through the provider's model, which writes every condition value as a list and
  sorts principal identifiers in reverse;
- the highest ``Version`` wins; ``policy_id`` becomes ``Id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ConditionSpec",
    "PolicyDocumentError",
    "PrincipalsSpec",
    "StatementSpec",
    "render",
    "to_json",
]


class PolicyDocumentError(ValueError):
    """A document the provider would refuse (a duplicate ``Sid``, a source that is not a policy)."""


@dataclass(frozen=True)
class PrincipalsSpec:
    type: str
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class ConditionSpec:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class StatementSpec:
    """One ``statement`` block, its expressions evaluated."""

    sid: str = ""
    effect: str = "Allow"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[PrincipalsSpec, ...] = ()
    not_principals: tuple[PrincipalsSpec, ...] = ()
    conditions: tuple[ConditionSpec, ...] = ()


def render(
    statements: Sequence[StatementSpec],
    *,
    version: str = "2012-10-17",
    policy_id: str | None = None,
    sources: Sequence[str] = (),
    overrides: Sequence[str] = (),
) -> dict[str, Any]:
    """The policy document (as a JSON object) the provider's ``json`` attribute holds."""
    merged = _Document()
    seen: set[str] = set()
    for index, source in enumerate(sources):
        document = _Document.parse(source, f"source document {index}")
        for statement in document.statements:
            sid = statement["Sid"]
            if sid and sid in seen:
                raise PolicyDocumentError(
                    f"duplicate Sid ({sid}) in source_policy_documents (source document {index})"
                )
            if sid:
                seen.add(sid)
        merged.merge(document)
    own = _Document(version=version, id=policy_id or "")
    own_sids: set[str] = set()
    for spec in statements:
        if spec.sid and spec.sid in own_sids:
            raise PolicyDocumentError(f"duplicate Sid ({spec.sid})")
        if spec.sid:
            own_sids.add(spec.sid)
        own.statements.append(_statement(spec))
    merged.merge(own)
    for index, override in enumerate(overrides):
        merged.merge(_Document.parse(override, f"override document {index}"))
    return merged.as_json()


def to_json(document: Mapping[str, Any]) -> str:
    """The text of the ``json`` attribute: indented by two spaces."""
    return json.dumps(document, indent=2)


def _set(values: Sequence[str]) -> str | list[str]:
    unique = sorted(set(values), reverse=True)
    return unique[0] if len(unique) == 1 else unique


def _variables(value: str | list[str]) -> str | list[str]:
    if isinstance(value, str):
        return value.replace("&{", "${")
    return [item.replace("&{", "${") for item in value]


def _principals(specs: Sequence[PrincipalsSpec]) -> str | dict[str, Any]:
    decoded = [(spec.type, _variables(_set(spec.identifiers))) for spec in specs]
    return _principal_json(decoded)


def _principal_json(decoded: Sequence[tuple[str, str | list[str]]]) -> str | dict[str, Any]:
    if len(decoded) == 1:
        kind, identifiers = decoded[0]
        if kind == "*" and identifiers in ("*", ["*"]):
            return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in decoded:
        held = raw.get(kind)
        if isinstance(identifiers, list):
            listed = [] if held is None else [held] if isinstance(held, str) else held
            raw[kind] = [*listed, *sorted(identifiers, reverse=True)]
        elif held is None:
            raw[kind] = identifiers
        else:
            raw[kind] = [held, identifiers] if isinstance(held, str) else [*held, identifiers]
    return dict(sorted(raw.items()))


def _conditions(specs: Sequence[ConditionSpec]) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for spec in specs:
        tests = raw.setdefault(spec.test, {})
        values = _variables(list(spec.values))
        if len(values) == 1:
            tests[spec.variable] = values[0]
            continue
        held = tests.get(spec.variable)
        if isinstance(held, str):
            raise PolicyDocumentError(
                f"condition {spec.test} on {spec.variable} is given both one value and several"
            )
        tests[spec.variable] = [*(held or []), *values]
    return {test: dict(sorted(keys.items())) for test, keys in sorted(raw.items())}


def _statement(spec: StatementSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": spec.sid, "Effect": spec.effect}
    for name, values, variables in (
        ("Action", spec.actions, False),
        ("NotAction", spec.not_actions, False),
        ("Resource", spec.resources, True),
        ("NotResource", spec.not_resources, True),
    ):
        if values:
            decoded = _set(values)
            out[name] = _variables(decoded) if variables else decoded
    if spec.principals:
        out["Principal"] = _principals(spec.principals)
    if spec.not_principals:
        out["NotPrincipal"] = _principals(spec.not_principals)
    if spec.conditions:
        out["Condition"] = _conditions(spec.conditions)
    return out


def _through_model(statement: Any, where: str) -> dict[str, Any]:
    """A statement of a source or override document as the provider's model re-writes it."""
    if not isinstance(statement, dict):
        raise PolicyDocumentError(f"{where}: a statement is not an object")
    out: dict[str, Any] = {"Sid": str(statement.get("Sid", ""))}
    if statement.get("Effect"):
        out["Effect"] = statement["Effect"]
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        if statement.get(name):
            out[name] = statement[name]
    for name in ("Principal", "NotPrincipal"):
        if statement.get(name):
            out[name] = _principal_through_model(statement[name], where)
    if statement.get("Condition"):
        condition = statement["Condition"]
        if not isinstance(condition, dict) or not all(isinstance(v, dict) for v in condition.values()):
            raise PolicyDocumentError(f"{where}: a Condition is not an object of objects")
        out["Condition"] = {
            test: {key: value if isinstance(value, list) else [value] for key, value in sorted(keys.items())}
            for test, keys in sorted(condition.items())
        }
    return out


def _principal_through_model(value: Any, where: str) -> str | dict[str, Any]:
    if isinstance(value, str):
        return _principal_json([("*", ["*"])])
    if not isinstance(value, dict):
        raise PolicyDocumentError(f"{where}: a Principal is neither a string nor an object")
    decoded: list[tuple[str, str | list[str]]] = []
    for kind, identifiers in value.items():
        if isinstance(identifiers, str) or (
            isinstance(identifiers, list) and all(isinstance(item, str) for item in identifiers)
        ):
            decoded.append((kind, identifiers))
        else:
            raise PolicyDocumentError(f"{where}: the {kind} principals are not strings")
    return _principal_json(decoded)


@dataclass
class _Document:
    version: str = ""
    id: str = ""
    statements: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, where: str) -> _Document:
        try:
            raw = json.loads(text)
        except ValueError as error:
            raise PolicyDocumentError(f"{where} is not JSON: {error}") from error
        if not isinstance(raw, dict) or not isinstance(raw.get("Statement", []), list):
            raise PolicyDocumentError(f"{where}: Statement must be a list of statements")
        return cls(
            version=str(raw.get("Version", "")),
            id=str(raw.get("Id", "")),
            statements=[_through_model(statement, where) for statement in raw.get("Statement", [])],
        )

    def merge(self, other: _Document) -> None:
        if other.id:
            self.id = other.id
        if other.version > self.version:
            self.version = other.version
        for statement in other.statements:
            sid = statement["Sid"]
            index = next((i for i, held in enumerate(self.statements) if sid and held["Sid"] == sid), None)
            if index is None:
                self.statements.append(statement)
            else:
                self.statements[index] = statement

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.version:
            out["Version"] = self.version
        if self.id:
            out["Id"] = self.id
        out["Statement"] = self.statements
        return out
