"""Every check of ``cce-scan doctor``, in order: the operator's credentials (nothing else is tried
without them); the organization, the secret and the key; the resources; each function's role against the catalog (scanner/permissions.py); each member role; Slack."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from slack_sdk import WebClient

from cce_scan.doctor.access import AWS_ERRORS, AwsAccess, reason
from cce_scan.doctor.facts import find_facts
from cce_scan.doctor.members import check_member_accounts
from cce_scan.doctor.model import Check, Report, Status
from cce_scan.doctor.resources import check_resources
from cce_scan.doctor.roles import RoleUnderTest, check_role
from cce_scan.doctor.slack import check_slack
from scanner.deployment import FUNCTIONS, Deployment
from scanner.permissions import Facts, function_needs

__all__ = ["check_functions", "check_operator", "run_doctor"]

CENTRAL_POLICY = "terraform/modules/central/iam.tf"


def check_operator(d: Deployment, operator: AwsAccess) -> Check:
    """Whose credentials the doctor runs with, and that they are of the central account."""
    name = "the operator's credentials are of the central account"
    try:
        identity = operator.client("sts").get_caller_identity()
    except AWS_ERRORS as exc:
        return Check.failed(name, reason(exc), "run with AWS credentials of the central account")
    arn, account = str(identity["Arn"]), str(identity["Account"])
    if account != d.account_id:
        return Check.failed(
            name, f"{arn} is in {account}, not {d.account_id}", "use credentials of central.account_id"
        )
    return Check.passed(name, arn)


def check_functions(d: Deployment, facts: Facts, operator: AwsAccess) -> list[Check]:
    """Each function's role allows every need of the function's code."""
    iam = operator.client("iam")
    checks: list[Check] = []
    for key in FUNCTIONS:
        role = RoleUnderTest(
            name=d.role(key),
            arn=d.role_arn(key),
            owner=f"the {key}",
            policy=f"the {key}'s policy in {CENTRAL_POLICY}",
        )
        checks.extend(check_role(iam, role, function_needs(d, facts, key)))
    return checks


def run_doctor(
    d: Deployment,
    operator: AwsAccess,
    slack_for: Callable[[str], WebClient],
    *,
    member_access_role: str | None,
    wanted_scopes: Iterable[str],
) -> Report:
    """Check the deployment ``d`` with the operator's credentials; ``slack_for(token)`` is the Slack
    client for the bot token found in the Slack secret."""
    operator_check = check_operator(d, operator)
    if operator_check.status is Status.FAILED:
        return Report(checks=(operator_check,))
    found = find_facts(d, operator)
    checks = [operator_check, *found.checks, *check_resources(d, operator)]
    if found.facts is None:
        checks.append(
            Check.failed(
                "the functions' roles allow what their code needs",
                "not simulated: the organization, the Slack secret or the KMS key could not be found",
                "fix the checks above first",
            )
        )
    else:
        checks.extend(check_functions(d, found.facts, operator))
    checks.extend(check_member_accounts(d, operator, member_access_role))
    checks.extend(check_slack(d, operator, slack_for, wanted_scopes))
    return Report(checks=tuple(checks))
