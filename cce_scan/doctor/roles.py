"""A role allows what its code needs: each :class:`~scanner.permissions.Need` asked of IAM's policy
simulator (``iam:SimulatePrincipalPolicy``) with its actions, resources and request context.

IAM answers one ``EvaluationResult`` per action (and resource); with ``ResourceArns`` the decision
on each resource is also in ``ResourceSpecificResults``. :func:`read_results` reads either form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from cce_scan.doctor.access import AWS_ERRORS, error_code, reason
from cce_scan.doctor.model import Check
from scanner.permissions import Need

__all__ = ["RoleUnderTest", "Verdict", "check_role", "read_results", "simulate"]

ALLOWED = "allowed"


class Verdict(BaseModel):
    """IAM's decision on one action and resource."""

    model_config = ConfigDict(frozen=True)

    action: str
    resource: str
    decision: str  # allowed | implicitDeny | explicitDeny
    missing_context: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()  # the policies whose statements decided


class RoleUnderTest(BaseModel):
    """A role, whose code it runs (``owner``: "the notifier", "the member role of prod-web"), and
    where its policy is written (``policy``: "the notifier's policy in …/iam.tf")."""

    model_config = ConfigDict(frozen=True)

    name: str
    arn: str
    owner: str
    policy: str


def _matched(statements: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(s.get("SourcePolicyId", "?")) for s in statements))


def read_results(pages: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Verdict]:
    """Every decision in the simulator's pages, by (action, resource)."""
    verdicts: dict[tuple[str, str], Verdict] = {}
    for page in pages:
        for result in page.get("EvaluationResults", []):
            action = str(result["EvalActionName"])
            specific = result.get("ResourceSpecificResults") or []
            for item in specific or [result]:
                resource = str(item.get("EvalResourceName", result.get("EvalResourceName", "*")))
                decision = item.get("EvalResourceDecision", item.get("EvalDecision"))
                missing = item.get("MissingContextValues") or result.get("MissingContextValues") or []
                verdicts[(action, resource)] = Verdict(
                    action=action,
                    resource=resource,
                    decision=str(decision),
                    missing_context=tuple(str(key) for key in missing),
                    matched=_matched(item.get("MatchedStatements") or result.get("MatchedStatements") or []),
                )
    return verdicts


def _context_entries(need: Need) -> list[dict[str, Any]]:
    return [
        {"ContextKeyName": value.name, "ContextKeyValues": list(value.values), "ContextKeyType": value.type}
        for value in need.context
    ]


def simulate(iam: Any, role_arn: str, need: Need) -> list[Verdict]:
    """IAM's verdict on each action and resource of ``need`` for ``role_arn``; a pair the simulator
    did not answer is ``noAnswer``."""
    pages = iam.get_paginator("simulate_principal_policy").paginate(
        PolicySourceArn=role_arn,
        ActionNames=list(need.actions),
        ResourceArns=list(need.resources),
        ContextEntries=_context_entries(need),
    )
    verdicts = read_results(pages)
    return [
        verdicts.get((action, resource), Verdict(action=action, resource=resource, decision="noAnswer"))
        for action in need.actions
        for resource in need.resources
    ]


def _denial(role: RoleUnderTest, need: Need, verdict: Verdict) -> Check:
    name = f"{role.owner}: role {role.name} allows {verdict.action} on {verdict.resource}"
    detail = f"{verdict.decision}; needed because {need.why}"
    if verdict.missing_context:
        detail += f" (the simulation lacked {', '.join(verdict.missing_context)})"
    if verdict.decision == "explicitDeny":
        policies = ", ".join(verdict.matched) or "a policy of the role"
        fix = f"remove the statement of {policies} that denies {verdict.action} on {verdict.resource}"
    else:
        fix = f"add {verdict.action} on {verdict.resource} to {role.policy}"
    return Check.failed(name, detail, fix)


def check_role(iam: Any, role: RoleUnderTest, needs: Sequence[Need]) -> list[Check]:
    """One passing check when the role allows every need; else a failed check per action and
    resource it does not allow (or one for the error that stopped the simulation)."""
    failures: list[Check] = []
    pairs = 0
    for need in needs:
        try:
            verdicts = simulate(iam, role.arn, need)
        except AWS_ERRORS as exc:
            fix = (
                f"terraform apply the module that creates {role.name}"
                if error_code(exc) == "NoSuchEntity"
                else f"run the doctor with credentials allowed iam:SimulatePrincipalPolicy on {role.arn}"
            )
            return [
                Check.failed(f"{role.owner}: role {role.name} allows what the code needs", reason(exc), fix)
            ]
        pairs += len(verdicts)
        failures.extend(_denial(role, need, v) for v in verdicts if v.decision != ALLOWED)
    if failures:
        return failures
    actions = {action for need in needs for action in need.actions}
    return [
        Check.passed(
            f"{role.owner}: role {role.name} allows what the code needs",
            f"{len(actions)} actions, {pairs} action-resource pairs simulated",
        )
    ]
