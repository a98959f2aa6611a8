"""IAM's policy simulator in the local world: ``iam:SimulatePrincipalPolicy`` answered with the
world's own evaluator (:func:`localworld.iam.policy.evaluate`) over the policies moto holds for
the principal (:func:`localworld.iam.principals.identity_policies`), the same judgement the IAM
gate makes of every call. moto has no simulator.

What is answered as IAM answers it: one ``EvaluationResult`` per action and resource
(``EvalActionName``, ``EvalResourceName``, ``EvalDecision`` ``allowed`` | ``implicitDeny`` |
``explicitDeny``), with ``ResourceSpecificResults`` when ``ResourceArns`` is given (the resource
``*`` otherwise); ``MatchedStatements`` are the statements that decide (every allowing statement,
or only the denying ones), named by their policy (``SourcePolicyId``, ``SourcePolicyType``
``role``/``user``/``user-managed``/``none``); ``MissingContextValues`` are the condition keys of the
statements that name the action and resource but are not in ``ContextEntries``; ``PolicyInputList``
adds policies (``PolicyInputList.1``, …); ``MaxItems``/``Marker`` page the results. A principal
that does not exist is ``NoSuchEntity``.

Where the world deviates: a statement's ``StartPosition``/``EndPosition`` are not given; groups as
``PolicySourceArn`` and the parameters ``ResourcePolicy``, ``CallerArn``, ``ResourceOwner``,
``ResourceHandlingOption`` and ``PermissionsBoundaryPolicyInputList`` are refused with
``InvalidInput`` rather than simulated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.exceptions import InvalidInput, NoSuchEntity
from moto.iam.responses import IamResponse

from localworld.iam.model import Authorization, Effect, PolicyDocument, Principal
from localworld.iam.policy import evaluate
from localworld.iam.principals import identity_policies
from localworld.patching import replace_methods

__all__ = ["NamedPolicy", "SimulationRequest", "install_simulation", "simulate"]

_PARTITION = "aws"
DEFAULT_MAX_ITEMS = 100
_DECISIONS = {
    Effect.ALLOW: "allowed",
    Effect.IMPLICIT_DENY: "implicitDeny",
    Effect.EXPLICIT_DENY: "explicitDeny",
}
_NOT_SIMULATED = (
    "ResourcePolicy",
    "CallerArn",
    "ResourceOwner",
    "ResourceHandlingOption",
    "PermissionsBoundaryPolicyInputList",
)


@dataclass(frozen=True)
class NamedPolicy:
    """A policy as the simulator reports it: its name, its kind and its document."""

    source_id: str
    source_type: str  # role | user | user-managed | none
    document: PolicyDocument


@dataclass(frozen=True)
class SimulationRequest:
    """The parameters of one ``SimulatePrincipalPolicy`` call that the world simulates."""

    principal: Principal
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # empty: the resource "*"
    context: Mapping[str, tuple[str, ...]]


def _single(statement: Mapping[str, Any]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": [dict(statement)]}


def _statements(document: PolicyDocument) -> list[Mapping[str, Any]]:
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [item for item in items if isinstance(item, Mapping)]


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    block = statement.get("Condition")
    if not isinstance(block, Mapping):
        return set()
    return {str(key) for tests in block.values() if isinstance(tests, Mapping) for key in tests}


def _names_action_and_resource(
    statement: Mapping[str, Any], request: Authorization, principal: Principal
) -> bool:
    """Whether the statement's Action and Resource cover the request, whatever its Effect and
    Condition say."""
    bare = {k: v for k, v in statement.items() if k != "Condition"} | {"Effect": "Allow"}
    return evaluate(request, principal, [_single(bare)]).allowed


def _one(request: Authorization, principal: Principal, policies: Sequence[NamedPolicy]) -> dict[str, Any]:
    """The decision on one action and resource, with the statements that decide it and the
    condition keys the context lacks."""
    decision = evaluate(request, principal, [p.document for p in policies]).effect
    matched: list[dict[str, str]] = []
    missing: set[str] = set()
    present = {key.lower() for key in request.context}
    for policy in policies:
        for statement in _statements(policy.document):
            if not _names_action_and_resource(statement, request, principal):
                continue
            missing |= {key for key in _condition_keys(statement) if key.lower() not in present}
            alone = evaluate(request, principal, [_single(statement)]).effect
            if decision is not Effect.IMPLICIT_DENY and alone is decision:
                matched.append({"SourcePolicyId": policy.source_id, "SourcePolicyType": policy.source_type})
    return {
        "EvalDecision": _DECISIONS[decision],
        "MatchedStatements": matched,
        "MissingContextValues": sorted(missing),
    }


def simulate(request: SimulationRequest, policies: Sequence[NamedPolicy]) -> list[dict[str, Any]]:
    """``EvaluationResults`` for every action of ``request`` on every resource, in that order."""
    results: list[dict[str, Any]] = []
    for action in request.actions:
        for resource in request.resources or ("*",):
            judged = _one(Authorization(action, resource, request.context), request.principal, policies)
            result: dict[str, Any] = {"EvalActionName": action, "EvalResourceName": resource, **judged}
            if request.resources:
                result["ResourceSpecificResults"] = [
                    {
                        "EvalResourceName": resource,
                        "EvalResourceDecision": judged["EvalDecision"],
                        "MatchedStatements": judged["MatchedStatements"],
                        "MissingContextValues": judged["MissingContextValues"],
                    }
                ]
                result["MissingContextValues"] = []
            results.append(result)
    return results


# --- the principal and its policies, from moto -----------------------------------------------


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _parsed(text: Any) -> Any:
    try:
        return json.loads(str(text))
    except ValueError:
        return None


def _holder(account_id: str, arn: str) -> tuple[Any, str]:
    """The moto role or user that ``arn`` names, and the kind of its inline policies."""
    from moto.iam.models import iam_backends

    backends = dict.get(iam_backends, account_id)
    iam = None if backends is None else dict.get(backends, _PARTITION)
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    name = resource.rsplit("/", 1)[-1]
    if iam is not None and resource.startswith("role/"):
        found = next((role for role in list(iam.roles.values()) if role.arn == arn), None)
        if found is not None:
            return found, "role"
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    if iam is not None and resource.startswith("user/"):
        user = iam.users.get(name)
        if user is not None:
            return user, "user"
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    if resource.startswith(("role/", "user/")):
        raise NoSuchEntity(f"The entity {arn} cannot be found.")
    raise InvalidInput(f"The local world simulates roles and users only, not {arn}.")


def _principal(arn: str) -> tuple[Principal, list[NamedPolicy]]:
    """The principal ``PolicySourceArn`` names and its identity policies, named as IAM names them."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[4]:
        raise InvalidInput(f"Invalid ARN: {arn}")
    account_id = parts[4]
    holder, inline_type = _holder(account_id, arn)
    if inline_type == "role":
        principal = Principal(arn=arn, account_id=account_id, role_arn=arn)
    else:
        principal = Principal(arn=arn, account_id=account_id, user_name=arn.rsplit("/", 1)[-1])
    names: dict[str, tuple[str, str]] = {}
    for name, text in dict(holder.policies).items():
        names.setdefault(_canonical(_parsed(text)), (str(name), inline_type))
    for managed in list(dict(holder.managed_policies).values()):
        for version in managed.versions:
            if version.is_default:
                names.setdefault(_canonical(_parsed(version.document)), (str(managed.name), "user-managed"))
    policies = []
    for number, document in enumerate(identity_policies(principal), start=1):
        source_id, source_type = names.get(_canonical(document), (f"policy-{number}", "none"))
        policies.append(NamedPolicy(source_id, source_type, document))
    return principal, policies


def _context(entries: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    context: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        if name:
            context[str(name)] = tuple(str(value) for value in entry.get("ContextKeyValues") or ())
    return context


def _input_policies(texts: Sequence[str]) -> list[NamedPolicy]:
    policies = []
    for number, text in enumerate(texts, start=1):
        document = _parsed(text)
        if not isinstance(document, dict):
            raise InvalidInput(f"PolicyInputList.{number} is not a JSON policy document.")
        policies.append(NamedPolicy(f"PolicyInputList.{number}", "none", document))
    return policies


def _simulate_principal_policy(response: Any) -> ActionResult:
    """moto's response method for ``SimulatePrincipalPolicy``."""
    given = [name for name in _NOT_SIMULATED if response._get_param(name)]
    if given:
        raise InvalidInput(f"The local world does not simulate {', '.join(given)}.")
    principal, policies = _principal(str(response._get_param("PolicySourceArn") or ""))
    policies += _input_policies(response._get_param("PolicyInputList") or [])
    request = SimulationRequest(
        principal=principal,
        actions=tuple(response._get_param("ActionNames") or ()),
        resources=tuple(response._get_param("ResourceArns") or ()),
        context=_context(response._get_param("ContextEntries") or []),
    )
    results = simulate(request, policies)
    start = int(response._get_param("Marker") or 0)
    size = int(response._get_param("MaxItems") or DEFAULT_MAX_ITEMS)
    page = results[start : start + size]
    truncated = start + size < len(results)
    answer: dict[str, Any] = {"EvaluationResults": page, "IsTruncated": truncated}
    if truncated:
        answer["Marker"] = str(start + size)
    return ActionResult(answer)


def install_simulation() -> Callable[[], None]:
    """Make moto's IAM answer ``SimulatePrincipalPolicy`` from the world; call the result to undo it."""
    return replace_methods(
        IamResponse,
        {"simulate_principal_policy": _simulate_principal_policy},
        what="the local world's IAM policy simulator",
    )
