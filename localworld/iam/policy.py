"""IAM's evaluation of policies for one authorization, as AWS documents it for a request within
one account.

What AWS does, and what this module does the same way:

- Every applicable policy is read; an explicit ``Deny`` in any of them wins. Otherwise the request
  is allowed when an identity-based policy allows it, or when the resource-based policy allows this
  principal; otherwise it is implicitly denied.
- ``Action``/``NotAction`` match with ``*`` and ``?`` wildcards, ignoring case. ``Resource``/
  ``NotResource`` match with the same wildcards, case-sensitively; a ``*`` spans ``:`` and ``/``.
- ``Principal``/``NotPrincipal`` (resource-based policies only): ``"*"`` and ``{"AWS": "*"}`` name
  everyone; ``{"AWS": ...}`` names a user ARN, a role ARN (which covers the role's sessions), an
  assumed-role session ARN, or an account (its root ARN or its ID). An account names every
  principal of the account for a ``Deny``, but for an ``Allow`` it only *delegates* to the
  account's identity-based policies: it grants nothing by itself. ``{"Service": ...}``,
  ``{"Federated": ...}`` and ``{"CanonicalUser": ...}`` never name a user or a role.
- ``NotPrincipal`` works with ``Deny`` only (AWS does not support it with ``Allow``, and such a
  statement allows nothing here). AWS may check the account, then the role, then the session, so a
  principal escapes the deny only when every one of them is listed; the world holds to that strict
  reading.
- Conditions: several operators, and several keys under one operator, must all hold (AND); the
  values of one key are alternatives (OR), and for a negated operator (``StringNotEquals``,
  ``ArnNotLike``, ...) none may match (NOR). A key absent from the request context makes a
  condition false, except for negated operators (true), ``...IfExists`` (true) and ``Null`` (which
  tests for absence). ``ForAllValues:`` holds when every request value matches (and when the key is
  absent or empty); ``ForAnyValue:`` when at least one does (false when the key is absent).

Where the world deviates:

- IAM refuses malformed policies and unknown condition operators when they are stored; moto does
  not. What this module cannot interpret (an unknown operator, a statement without ``Resource`` in
  an identity policy, a ``Principal`` of an unknown shape) fails closed: an ``Allow`` statement does
  not apply, a ``Deny`` statement does.
- Policy variables (``${aws:username}``) are not substituted: they match literally. The project's
  policies use none.
- A single-valued operator given a request key with several values matches when any value does
  (the negated operators when none does).
- Service control policies, permissions boundaries, session policies and cross-account rules are
  not evaluated (the project's requests are within one account; a role's trust is judged by
  :func:`trust_admits`).
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from localworld.iam.model import Authorization, Decision, Effect, PolicyDocument, Principal

__all__ = ["evaluate", "trust_admits"]

IDENTITY = "identity-based policy"
RESOURCE = "resource-based policy"


def evaluate(
    request: Authorization,
    principal: Principal,
    identity_policies: Sequence[PolicyDocument],
    resource_policy: PolicyDocument | None = None,
) -> Decision:
    """IAM's decision on ``request`` by ``principal`` in the principal's own account."""
    context = _Context.of(request)
    identity = [_judge(policy, request, principal, context, _Kind.IDENTITY) for policy in identity_policies]
    resource = (
        _judge(resource_policy, request, principal, context, _Kind.RESOURCE)
        if resource_policy is not None
        else _Verdict()
    )
    if any(verdict.denied for verdict in identity):
        return Decision(Effect.EXPLICIT_DENY, IDENTITY)
    if resource.denied:
        return Decision(Effect.EXPLICIT_DENY, RESOURCE)
    if any(verdict.allowed for verdict in identity) or resource.allowed:
        return Decision(Effect.ALLOW, IDENTITY)
    return Decision(Effect.IMPLICIT_DENY, IDENTITY)


def trust_admits(request: Authorization, principal: Principal, trust_policy: PolicyDocument) -> Decision:
    """Whether a role's trust policy lets ``principal`` perform ``request.action`` (``sts:AssumeRole``,
    ``sts:SetSourceIdentity``, ...) on the role.

    A trust policy is the role's resource-based policy. A statement naming the principal's account
    admits it too; AWS then also requires the caller's identity-based policies to allow the action,
    as it does for every request across accounts. That half is not judged here."""
    verdict = _judge(trust_policy, request, principal, _Context.of(request), _Kind.TRUST)
    if verdict.denied:
        return Decision(Effect.EXPLICIT_DENY, RESOURCE)
    if verdict.allowed or verdict.delegated:
        return Decision(Effect.ALLOW, RESOURCE)
    return Decision(Effect.IMPLICIT_DENY, RESOURCE)


class _Kind(enum.Enum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"  # a resource-based policy whose statements name no Resource: the role itself


class _Named(enum.Enum):
    """How a statement's Principal names the caller."""

    NO = "no"
    DIRECTLY = "directly"  # its user, role or session ARN, or everyone
    BY_ACCOUNT = "by_account"  # its account: a delegation to the account's identity policies


@dataclass(frozen=True)
class _Verdict:
    denied: bool = False
    allowed: bool = False
    delegated: bool = False


# A part of a statement judged against the request: True (matches), False (does not), None (the
# evaluator cannot interpret it, so the statement fails closed).
_Tri = bool | None


def _judge(
    policy: PolicyDocument, request: Authorization, principal: Principal, context: _Context, kind: _Kind
) -> _Verdict:
    denied = allowed = delegated = False
    for statement in _statements(policy):
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            continue
        named = _principal_named(statement, principal, effect, kind)
        parts: list[_Tri] = [
            _action_matches(statement, request.action),
            _resource_matches(statement, request.resource, kind),
            None if named is None else named is not _Named.NO,
            _conditions_hold(statement.get("Condition"), context),
        ]
        if effect == "Deny":
            denied = denied or all(part is not False for part in parts)
        elif all(part is True for part in parts):
            if named is _Named.BY_ACCOUNT:
                delegated = True
            else:
                allowed = True
    return _Verdict(denied=denied, allowed=allowed, delegated=delegated)


def _statements(policy: PolicyDocument) -> list[Mapping[str, Any]]:
    raw = policy.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [item for item in items if isinstance(item, Mapping)]


def _strings(value: Any) -> list[str] | None:
    """A policy element's values: a string or a list of strings; ``None`` for anything else."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


@lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(value: str, pattern: str, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def _element(statement: Mapping[str, Any], name: str, match: Callable[[str], bool]) -> _Tri:
    """``name`` (Action, Resource) or ``Not<name>``; ``None`` when neither is there or is malformed."""
    if name in statement:
        values = _strings(statement[name])
        return None if values is None else any(match(value) for value in values)
    if f"Not{name}" in statement:
        values = _strings(statement[f"Not{name}"])
        return None if values is None else not any(match(value) for value in values)
    return None


def _action_matches(statement: Mapping[str, Any], action: str) -> _Tri:
    return _element(statement, "Action", lambda pattern: _like(action, pattern, ignore_case=True))


def _resource_matches(statement: Mapping[str, Any], resource: str, kind: _Kind) -> _Tri:
    if kind is _Kind.TRUST and "Resource" not in statement and "NotResource" not in statement:
        return True
    return _element(statement, "Resource", lambda pattern: _like(resource, pattern))


def _principal_named(
    statement: Mapping[str, Any], principal: Principal, effect: str, kind: _Kind
) -> _Named | None:
    """How the statement's Principal/NotPrincipal names ``principal``; identity policies name their
    own principal. ``None``: the element cannot be interpreted."""
    if kind is _Kind.IDENTITY:
        return _Named.DIRECTLY
    if "Principal" in statement:
        return _names(statement["Principal"], principal)
    if "NotPrincipal" in statement:
        if effect != "Deny":
            return None
        return _escapes_not_principal(statement["NotPrincipal"], principal)
    return None


def _aws_values(element: Any) -> list[str] | None:
    """The ``AWS`` identifiers of a Principal element (``"*"`` for everyone); ``[]`` when it names
    only services or federated users; ``None`` when its shape is unknown."""
    if element == "*":
        return ["*"]
    if not isinstance(element, Mapping):
        return None
    if "AWS" not in element:
        return [] if all(_strings(value) is not None for value in element.values()) else None
    return _strings(element["AWS"])


def _names(element: Any, principal: Principal) -> _Named | None:
    values = _aws_values(element)
    if values is None:
        return None
    direct = {principal.arn} | ({principal.role_arn} if principal.role_arn else set())
    account = {principal.account_id, _root(principal)}
    if any(value == "*" or value in direct for value in values):
        return _Named.DIRECTLY
    if any(value in account for value in values):
        return _Named.BY_ACCOUNT
    return _Named.NO


def _escapes_not_principal(element: Any, principal: Principal) -> _Named | None:
    """``DIRECTLY`` when the Deny applies to ``principal`` (it is not excepted), ``NO`` otherwise."""
    values = _aws_values(element)
    if values is None:
        return None
    if "*" in values:
        return _Named.NO
    listed = set(values)
    account_listed = principal.account_id in listed or _root(principal) in listed
    identities = [principal.arn] + ([principal.role_arn] if principal.role_arn else [])
    excepted = account_listed and all(identity in listed for identity in identities)
    return _Named.NO if excepted else _Named.DIRECTLY


def _root(principal: Principal) -> str:
    partition = principal.arn.split(":")[1] if principal.arn.count(":") >= 2 else "aws"
    return f"arn:{partition}:iam::{principal.account_id}:root"


# --- conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """The request context with keys folded to lower case (condition keys ignore case)."""

    values: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, request: Authorization) -> _Context:
        return cls(
            {
                key.lower(): (value,) if isinstance(value, str) else tuple(value)
                for key, value in request.context.items()
            }
        )

    def get(self, key: str) -> tuple[str, ...] | None:
        found = self.values.get(key.lower())
        return found if found else None  # an empty multi-valued key counts as absent


def _arn_like(value: str, pattern: str) -> bool:
    """ARN operators compare the six ``:``-separated parts one by one, each with wildcards."""
    got, want = value.split(":", 5), pattern.split(":", 5)
    return len(got) == len(want) == 6 and all(_like(g, w) for g, w in zip(got, want, strict=True))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> datetime | None:
    try:
        moment = datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _compare(parse: Callable[[str], Any], test: Callable[[Any, Any], bool]) -> Callable[[str, str], bool]:
    def match(actual: str, wanted: str) -> bool:
        left, right = parse(actual), parse(wanted)
        return left is not None and right is not None and bool(test(left, right))

    return match


def _in_network(actual: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False


_LESS: Callable[[Any, Any], bool] = lambda a, b: a < b  # noqa: E731
_LESS_EQ: Callable[[Any, Any], bool] = lambda a, b: a <= b  # noqa: E731
_GREATER: Callable[[Any, Any], bool] = lambda a, b: a > b  # noqa: E731
_GREATER_EQ: Callable[[Any, Any], bool] = lambda a, b: a >= b  # noqa: E731
_EQUAL: Callable[[Any, Any], bool] = lambda a, b: a == b  # noqa: E731

# Operator → (how one request value matches one policy value, whether the operator is negated).
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda a, w: a == w, False),
    "StringNotEquals": (lambda a, w: a == w, True),
    "StringEqualsIgnoreCase": (lambda a, w: a.casefold() == w.casefold(), False),
    "StringNotEqualsIgnoreCase": (lambda a, w: a.casefold() == w.casefold(), True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "NumericEquals": (_compare(_number, _EQUAL), False),
    "NumericNotEquals": (_compare(_number, _EQUAL), True),
    "NumericLessThan": (_compare(_number, _LESS), False),
    "NumericLessThanEquals": (_compare(_number, _LESS_EQ), False),
    "NumericGreaterThan": (_compare(_number, _GREATER), False),
    "NumericGreaterThanEquals": (_compare(_number, _GREATER_EQ), False),
    "DateEquals": (_compare(_date, _EQUAL), False),
    "DateNotEquals": (_compare(_date, _EQUAL), True),
    "DateLessThan": (_compare(_date, _LESS), False),
    "DateLessThanEquals": (_compare(_date, _LESS_EQ), False),
    "DateGreaterThan": (_compare(_date, _GREATER), False),
    "DateGreaterThanEquals": (_compare(_date, _GREATER_EQ), False),
    "Bool": (lambda a, w: a.lower() == w.lower(), False),
    "BinaryEquals": (lambda a, w: a == w, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
}

_SET_OPERATORS = ("ForAnyValue:", "ForAllValues:")


def _policy_values(value: Any) -> list[str] | None:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str):
            out.append(item)
        elif isinstance(item, int | float):
            out.append(str(item))
        else:
            return None
    return out


def _conditions_hold(block: Any, context: _Context) -> _Tri:
    """All operators and keys of a Condition element (AND); ``None`` if any is not understood and
    none is false."""
    if block is None:
        return True
    if not isinstance(block, Mapping):
        return None
    unknown = False
    for operator, tests in block.items():
        if not isinstance(tests, Mapping):
            unknown = True
            continue
        for key, value in tests.items():
            wanted = _policy_values(value)
            result = None if wanted is None else _condition(str(operator), context.get(str(key)), wanted)
            if result is False:
                return False
            unknown = unknown or result is None
    return None if unknown else True


def _condition(operator: str, actual: tuple[str, ...] | None, wanted: list[str]) -> _Tri:
    """One operator on one key: ``actual`` are the request's values (``None``: key absent)."""
    qualifier = next((prefix for prefix in _SET_OPERATORS if operator.startswith(prefix)), "")
    name = operator.removeprefix(qualifier)
    if_exists = name.endswith("IfExists") and name != "IfExists"
    name = name.removesuffix("IfExists") if if_exists else name
    if name == "Null":
        if qualifier or if_exists:
            return None
        absent = {"true": True, "false": False}
        expected = [absent.get(w.lower()) for w in wanted]
        return None if None in expected else (actual is None) in expected
    if name not in _OPERATORS:
        return None
    match, negated = _OPERATORS[name]

    def one(value: str) -> bool:
        found = any(match(value, w) for w in wanted)
        return not found if negated else found

    if actual is None:
        if if_exists or qualifier == "ForAllValues:":
            return True
        if qualifier == "ForAnyValue:":
            return False
        return negated
    if qualifier == "ForAllValues:":
        return all(one(value) for value in actual)
    if qualifier == "ForAnyValue:":
        return any(one(value) for value in actual)
    found = any(match(value, w) for value in actual for w in wanted)
    return not found if negated else found
