"""What a call asks of IAM, and what IAM answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Authorization", "Decision", "Effect", "PolicyDocument", "Principal"]

# A policy document as JSON: {"Version": ..., "Statement": [...]}.
PolicyDocument = Mapping[str, Any]


@dataclass(frozen=True)
class Principal:
    """Who calls: the session or user ARN that AWS names in its messages, its account, and for a role
    session the role's ARN (whose policies apply)."""

    arn: str  # arn:aws:sts::111122223333:assumed-role/NAME/SESSION or arn:aws:iam::111122223333:user/NAME
    account_id: str
    role_arn: str | None = None
    user_name: str | None = None


@dataclass(frozen=True)
class Authorization:
    """One action on one resource, as IAM judges it: a request may need several (a batch write on
    two tables, a SendCommand to a document and its instances)."""

    action: str  # "dynamodb:UpdateItem"
    resource: str  # an ARN, or "*" for actions that take no resource
    # Request context keys (aws:RequestedRegion, s3:prefix, sts:ExternalId, ...): a string or a
    # list of strings; a key that is absent is not in the request's context.
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


class Effect(StrEnum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


@dataclass(frozen=True)
class Decision:
    """IAM's answer for one authorization: ``where`` names the kind of policy that decided a deny
    ("identity-based policy", "resource-based policy"), as AWS's AccessDenied messages do."""

    effect: Effect
    where: str = "identity-based policy"

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW

    def reason(self, action: str) -> str:
        """The tail of AWS's AccessDenied message: "because no identity-based policy allows …"."""
        if self.effect is Effect.EXPLICIT_DENY:
            return (
                f"with an explicit deny in an {self.where}"
                if self.where[0] in "aeiou"
                else (f"with an explicit deny in a {self.where}")
            )
        return f"because no {self.where} allows the {action} action"
