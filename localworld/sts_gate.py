"""The STS AssumeRole gate: the checks IAM makes before STS hands out role credentials.

moto's AssumeRole returns credentials for any role ARN, existing or not. The gate refuses, with
STS's 403 ``AccessDenied`` in its XML error format, when:

- the role does not exist in the target account;
- no ``Allow`` statement of the role's trust policy names the caller (its role ARN, its
  assumed-role session ARN, its user ARN, its account root or ``*``) for ``sts:AssumeRole``, or a
  ``Deny`` statement does;
- the statement's conditions do not hold (``StringEquals``/``StringLike`` and their ``Not``
  forms, ``Null``, ``Bool`` on ``sts:ExternalId``, ``sts:SourceIdentity``, ``sts:RoleSessionName``,
  ``aws:PrincipalArn``, ``aws:PrincipalAccount``); an unknown condition operator or key fails closed;
- ``SourceIdentity`` is given but ``sts:SetSourceIdentity`` is not allowed for the caller;
- the ``assume_role_denied`` fault is set for the target account.

It also answers 400 ``ValidationError`` when ``DurationSeconds`` exceeds the role's maximum, or one
hour for a role-chained session, as STS does. Identity policies of the caller are not evaluated
(see docs/local-world.md).
"""

from __future__ import annotations

import fnmatch
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from localworld.accounts import KeyInfo, RoleInfo

__all__ = ["StsError", "check_assume_role", "sts_error_body", "trust_allows"]

_ROLE_ARN = r"arn:aws:iam::"


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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principal_matches(principal: Any, caller: KeyInfo) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    names = {caller.principal_arn, f"arn:aws:iam::{caller.account_id}:root", caller.account_id}
    if caller.role_arn is not None:
        names.add(caller.role_arn)
    return any(value == "*" or value in names for value in _as_list(principal.get("AWS")))


def _action_matches(actions: Any, action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), str(pattern).lower()) for pattern in _as_list(actions))


def _condition_holds(block: Any, context: Mapping[str, str | None]) -> bool:
    if block is None:
        return True
    if not isinstance(block, dict):
        return False
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, tests in block.items():
        if not isinstance(tests, dict):
            return False
        for key, expected in tests.items():
            if key.lower() not in lowered:
                return False  # a key this gate does not know: fail closed
            actual = lowered[key.lower()]
            wanted = [str(v) for v in _as_list(expected)]
            if operator == "StringEquals":
                ok = actual is not None and actual in wanted
            elif operator == "StringNotEquals":
                ok = actual is None or actual not in wanted
            elif operator == "StringLike":
                ok = actual is not None and any(fnmatch.fnmatchcase(actual, w) for w in wanted)
            elif operator == "StringNotLike":
                ok = actual is None or not any(fnmatch.fnmatchcase(actual, w) for w in wanted)
            elif operator == "Null":
                ok = (actual is None) == (wanted[0].lower() == "true")
            elif operator == "Bool":
                ok = actual is not None and actual.lower() == wanted[0].lower()
            else:
                return False
            if not ok:
                return False
    return True


def trust_allows(
    policy: Mapping[str, Any], caller: KeyInfo, action: str, context: Mapping[str, str | None]
) -> bool:
    """Whether a trust policy lets ``caller`` perform ``action`` under ``context`` (deny wins)."""
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict):
            continue
        if not _action_matches(statement.get("Action"), action):
            continue
        if not _principal_matches(statement.get("Principal"), caller):
            continue
        if not _condition_holds(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


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
    if not trust_allows(policy, caller, "sts:AssumeRole", context):
        return _denied(caller, "sts:AssumeRole", role_arn)
    if params.get("SourceIdentity") and not trust_allows(policy, caller, "sts:SetSourceIdentity", context):
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
