"""Each member role: the worker can enter it with the ExternalId, and it allows what the worker does
there (``SendCommand`` of the shared document included).

What the operator's credentials allow decides how:

- the trust, by assuming the member role **as the worker does** (ExternalId, source identity) when
  the operator may assume the worker role (its trust normally admits only Lambda); otherwise by
  reading the member role's trust policy through ``--member-access-role`` (the role Terraform used
  to create it, ``OrganizationAccountAccessRole`` by default), which the output says;
- the permissions, by IAM's policy simulator in the member account, through the same access role.

Neither possible: the check fails, naming what the doctor would need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cce_scan.doctor.access import AWS_ERRORS, AwsAccess, error_code, reason
from cce_scan.doctor.model import Check
from cce_scan.doctor.roles import RoleUnderTest, check_role
from scanner.config import Account
from scanner.deployment import Deployment
from scanner.permissions import member_needs

__all__ = ["check_member_accounts", "trust_problems"]

SESSION = "cce-scan-doctor"
MEMBER_POLICY = "terraform/modules/member_role/main.tf"
APPLY_MEMBER = "terraform apply the member_role module in that account"


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def _covers(patterns: list[str], action: str) -> bool:
    return any(p in ("*", "sts:*") or p.lower() == action.lower() for p in patterns)


def _names_worker(statement: Mapping[str, Any], worker_arn: str) -> bool:
    principal = statement.get("Principal")
    aws = _listed(principal.get("AWS")) if isinstance(principal, Mapping) else _listed(principal)
    return worker_arn in aws or "*" in aws


def _stale_ids(statements: Sequence[Mapping[str, Any]]) -> list[str]:
    """Principals IAM shows by unique ID: roles deleted (or recreated) since the policy was written."""
    found: list[str] = []
    for statement in statements:
        principal = statement.get("Principal")
        aws = _listed(principal.get("AWS")) if isinstance(principal, Mapping) else []
        found.extend(p for p in aws if p.startswith("AROA"))
    return found


def _external_ids(statement: Mapping[str, Any]) -> list[str] | None:
    """The ExternalIds a statement's StringEquals requires; None when it requires none."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return None
    for operator, tests in condition.items():
        if str(operator) in ("StringEquals", "StringLike") and isinstance(tests, Mapping):
            for key, values in tests.items():
                if str(key).lower() == "sts:externalid":
                    return _listed(values)
    return None


def trust_problems(trust: Mapping[str, Any], worker_arn: str, external_id: str) -> list[str]:
    """What keeps the trust policy ``trust`` from admitting the worker with ``external_id`` and
    letting it set a source identity, as read from the policy (empty: nothing)."""
    raw = trust.get("Statement")
    statements = [s for s in (raw if isinstance(raw, list) else [raw]) if isinstance(s, Mapping)]
    problems = []
    stale = _stale_ids(statements)
    if stale:
        problems.append(
            f"it names {', '.join(stale)} by unique ID: the worker role it trusted was deleted or recreated"
        )
    for action in ("sts:AssumeRole", "sts:SetSourceIdentity"):
        naming = [
            s
            for s in statements
            if _covers(_listed(s.get("Action")), action) and _names_worker(s, worker_arn)
        ]
        if any(s.get("Effect") == "Deny" for s in naming):
            problems.append(f"a Deny statement refuses {action} to {worker_arn}")
        allows = [s for s in naming if s.get("Effect") == "Allow"]
        if not allows:
            problems.append(f"no statement allows {worker_arn} {action}")
        elif action == "sts:AssumeRole":
            required = [_external_ids(s) for s in allows]
            if all(ids is not None and external_id not in ids for ids in required):
                problems.append("it requires another sts:ExternalId than member_role.external_id")
    return problems


def _by_assuming(worker: AwsAccess, d: Deployment, account: Account) -> Check:
    role_arn = d.member_role_arn(account.id)
    name = f"{account.alias} ({account.id}): the worker can assume {d.config.member_role.name}"
    try:
        worker.assume(role_arn, SESSION, ExternalId=d.config.member_role.external_id, SourceIdentity=SESSION)
    except AWS_ERRORS as exc:
        fix = (
            f"check that {role_arn} exists, trusts {d.role_arn('worker')} with member_role.external_id, "
            f"and that the account is in the organization ({APPLY_MEMBER})"
        )
        return Check.failed(name, reason(exc), fix)
    return Check.passed(name, "assumed as the worker does (ExternalId and source identity)")


def _by_reading(admin: AwsAccess, d: Deployment, account: Account, why_not_assumed: str) -> Check:
    role = d.config.member_role.name
    name = f"{account.alias} ({account.id}): the worker can assume {role}"
    try:
        trust = admin.client("iam").get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    except AWS_ERRORS as exc:
        missing = error_code(exc) == "NoSuchEntity"
        return Check.failed(name, "no such role" if missing else reason(exc), APPLY_MEMBER if missing else "")
    document = trust if isinstance(trust, Mapping) else {}
    problems = trust_problems(document, d.role_arn("worker"), d.config.member_role.external_id)
    if problems:
        return Check.failed(name, "; ".join(problems), APPLY_MEMBER)
    return Check.passed(name, f"read from its trust policy (not assumed: {why_not_assumed})")


def _member_role(d: Deployment, account: Account) -> RoleUnderTest:
    return RoleUnderTest(
        name=d.config.member_role.name,
        arn=d.member_role_arn(account.id),
        owner=f"the member role of {account.alias} ({account.id})",
        policy=f"the member role's policy in {MEMBER_POLICY}",
    )


def _access(
    operator: AwsAccess, account: Account, access_role: str | None, partition: str
) -> AwsAccess | str:
    if not access_role:
        return "no --member-access-role given"
    try:
        return operator.assume(f"arn:{partition}:iam::{account.id}:role/{access_role}", SESSION)
    except AWS_ERRORS as exc:
        return f"cannot assume {access_role} in {account.id}: {reason(exc)}"


REACH_MEMBERS = "run the doctor with credentials that may assume --member-access-role in the member accounts"


def _trust(d: Deployment, account: Account, worker: AwsAccess | str, admin: AwsAccess | str) -> Check:
    """By assuming as the worker if possible, else by reading the trust policy, else not at all."""
    if not isinstance(worker, str):
        return _by_assuming(worker, d, account)
    if not isinstance(admin, str):
        return _by_reading(admin, d, account, worker)
    name = f"{account.alias} ({account.id}): the worker can assume {d.config.member_role.name}"
    return Check.failed(name, f"cannot be checked: {worker}; {admin}", REACH_MEMBERS)


def _permissions(d: Deployment, account: Account, admin: AwsAccess | str) -> list[Check]:
    role = _member_role(d, account)
    if isinstance(admin, str):
        name = f"{role.owner}: role {role.name} allows what the worker does there"
        return [Check.failed(name, f"cannot be checked: {admin}", REACH_MEMBERS)]
    return check_role(admin.client("iam"), role, member_needs(d, account.id, account.regions))


def check_member_accounts(d: Deployment, operator: AwsAccess, access_role: str | None) -> list[Check]:
    """The trust and the permissions of the member role in every account of the configuration."""
    worker: AwsAccess | str
    try:
        worker = operator.assume(d.role_arn("worker"), SESSION)
    except AWS_ERRORS as exc:
        worker = f"these credentials cannot assume the worker role ({error_code(exc) or reason(exc)})"
    checks: list[Check] = []
    for account in d.config.accounts:
        admin = _access(operator, account, access_role, d.partition)
        checks.append(_trust(d, account, worker, admin))
        checks.extend(_permissions(d, account, admin))
    return checks
