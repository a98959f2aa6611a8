"""The STS AssumeRole gate: the checks IAM makes before STS hands out role credentials.

moto's AssumeRole returns credentials for any role ARN, existing or not. The gate refuses, with
STS's 403 ``AccessDenied`` in its XML error format, when:

- the role does not exist in the target account;
- the role's trust policy, judged by :func:`localworld.iam.policy.trust_admits`, does not admit
  the caller for ``sts:AssumeRole``: no ``Allow`` statement names it (its role ARN, its
  assumed-role session ARN, its user ARN, its account root or ID, or ``*``) with conditions that
  hold, or a ``Deny`` statement applies. The request context has ``sts:ExternalId``,
  ``sts:SourceIdentity`` and ``sts:RoleSessionName`` (when given), ``aws:PrincipalArn`` and
  ``aws:PrincipalAccount``; a condition on any other key finds it absent, which makes it false
  except for negated operators, ``...IfExists`` and ``Null``, as in AWS. An unknown condition
  operator fails closed;
- ``SourceIdentity`` is given but ``sts:SetSourceIdentity`` is not allowed for the caller;
- the ``assume_role_denied`` fault is set for the target account.

It also answers 400 ``ValidationError`` when ``DurationSeconds`` exceeds the role's maximum, or one
hour for a role-chained session, as STS does. Identity policies of the caller are not evaluated
(see docs/local-world.md).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from localworld.accounts import KeyInfo, RoleInfo
from localworld.iam.model import Authorization
from localworld.iam.policy import trust_admits
from localworld.iam.principals import principal_for

__all__ = ["StsError", "check_assume_role", "sts_error_body", "trust_allows"]


@dataclass(frozen=True)
class StsError:
    """An STS (query protocol) error: HTTP status, code and message."""

    status: int
    code: str
    message: str

    def body(self) -> bytes:
        return sts_error_body(self.code, self.message, sender=self.status < 500)


def sts_error_body(code: str, message: str, sender: bool = True) -> bytes:
    """STS/IAM query-protocol error XML."""
    kind = "Sender" if sender else "Receiver"
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>{kind}</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


def trust_allows(
    policy: Mapping[str, Any],
    caller: KeyInfo,
    action: str,
    context: Mapping[str, str | None],
    role_arn: str = "*",
) -> bool:
    """Whether a trust policy lets ``caller`` perform ``action`` on the role under ``context`` (a key
    whose value is ``None`` is absent from the request), as :func:`localworld.iam.policy.trust_admits`
    judges it: an explicit deny wins."""
    request = Authorization(
        action=action,
        resource=role_arn,
        context={key: value for key, value in context.items() if value is not None},
    )
    return trust_admits(request, principal_for(caller), policy).allowed


def _denied(caller: KeyInfo | None, action: str, role_arn: str) -> StsError:
    who = caller.principal_arn if caller is not None else "anonymous"
    return StsError(
        403, "AccessDenied", f"User: {who} is not authorized to perform: {action} on resource: {role_arn}"
    )


def check_assume_role(
    caller: KeyInfo | None,
    params: Mapping[str, str],
    role_lookup: Callable[[str], RoleInfo | None],
    denied_by_fault: Callable[[str], bool] = lambda _account: False,
) -> StsError | None:
    """Decide one AssumeRole call (``params``: the request's form fields); ``None`` lets it through."""
    role_arn = params.get("RoleArn", "")
    if caller is None:
        return StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    target_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    if denied_by_fault(target_account):
        return _denied(caller, "sts:AssumeRole", role_arn)
    role = role_lookup(role_arn)
    if role is None:
        return _denied(caller, "sts:AssumeRole", role_arn)
    try:
        policy = json.loads(role.trust_policy)
    except ValueError:
        return _denied(caller, "sts:AssumeRole", role_arn)
    context: dict[str, str | None] = {
        "sts:ExternalId": params.get("ExternalId"),
        "sts:SourceIdentity": params.get("SourceIdentity"),
        "sts:RoleSessionName": params.get("RoleSessionName"),
        "aws:PrincipalArn": caller.role_arn or caller.principal_arn,
        "aws:PrincipalAccount": caller.account_id,
    }
    if not isinstance(policy, dict) or not trust_allows(policy, caller, "sts:AssumeRole", context, role_arn):
        return _denied(caller, "sts:AssumeRole", role_arn)
    if params.get("SourceIdentity") and not trust_allows(
        policy, caller, "sts:SetSourceIdentity", context, role_arn
    ):
        return _denied(caller, "sts:SetSourceIdentity", role_arn)
    duration_text = params.get("DurationSeconds")
    if duration_text:
        try:
            duration = int(duration_text)
        except ValueError:
            return StsError(400, "ValidationError", "DurationSeconds must be an integer")
        if caller.role_arn is not None and duration > 3600:
            return StsError(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            )
        if duration > role.max_session_duration:
            return StsError(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
    return None
