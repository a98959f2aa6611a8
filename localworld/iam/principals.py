"""Who calls, and which policies apply: read from moto's in-process backends, on every request.

AWS applies to a request the identity-based policies of its principal (for a role session: the
role's inline and attached managed policies; for a user: the user's own and those of its groups) and
the resource-based policy of the resource, if the service has one. The world reads them directly
from moto's backends (no HTTP, no backend created by reading), so a lookup costs a few dictionary
reads and the parsing of documents not seen before.

Where the world deviates: permissions boundaries and session policies are not read (the project
uses none), and only the resource policies of S3 buckets, SQS queues and Secrets Manager secrets
are found (:func:`resource_policy`); KMS key policies, Lambda function policies and the rest are
``None``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from localworld.accounts import KeyInfo
from localworld.iam.model import PolicyDocument, Principal

__all__ = ["identity_policies", "principal_for", "resource_policy"]

_PARTITION = "aws"


def principal_for(key: KeyInfo) -> Principal:
    """The principal an access key stands for: a user, or an assumed-role session and its role."""
    user_name = None
    if key.role_arn is None and ":user/" in key.principal_arn:
        user_name = key.principal_arn.rsplit("/", 1)[-1]
    return Principal(
        arn=key.principal_arn, account_id=key.account_id, role_arn=key.role_arn, user_name=user_name
    )


def identity_policies(principal: Principal) -> list[PolicyDocument]:
    """The identity-based policies of ``principal`` as moto holds them now: a role's inline and
    attached managed policies, or a user's inline, attached and its groups' policies. Unknown
    principals (a deleted role, another partition) have none."""
    iam = _iam_backend(principal.account_id)
    if iam is None:
        return []
    if principal.role_arn is not None:
        role = next((r for r in list(iam.roles.values()) if r.arn == principal.role_arn), None)
        return [] if role is None else _documents_of(role)
    if principal.user_name is not None:
        user = iam.users.get(principal.user_name)
        if user is None:
            return []
        documents = _documents_of(user)
        for group in list(iam.groups.values()):
            if user in group.users:
                documents.extend(_documents_of(group))
        return documents
    return []


def resource_policy(resource_arn: str) -> PolicyDocument | None:
    """The resource-based policy that applies to ``resource_arn``: an S3 bucket's policy (for the
    bucket and its objects), an SQS queue's ``Policy`` attribute, a Secrets Manager secret's
    resource policy. ``None`` when the resource, or its policy, does not exist."""
    parts = resource_arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service, region, account, rest = parts[2], parts[3], parts[4], parts[5]
    if service == "s3" and not region and not account:
        return _bucket_policy(rest.split("/", 1)[0])
    if service == "sqs":
        return _queue_policy(account, region, rest)
    if service == "secretsmanager" and rest.startswith("secret:"):
        return _secret_policy(account, region, resource_arn)
    return None


def _get(backends: Any, *keys: str) -> Any:
    """``backends[k1][k2]...`` without creating the backends moto makes on first access."""
    found = backends
    for key in keys:
        found = dict.get(found, key)
        if found is None:
            return None
    return found


def _iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return _get(iam_backends, account_id, _PARTITION)


@lru_cache(maxsize=1024)
def _parse(text: str) -> Mapping[str, Any]:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError(f"a policy document is a JSON object, not {text[:40]!r}")
    return document


def _documents_of(holder: Any) -> list[PolicyDocument]:
    """Inline policies, then the default version of each attached managed policy."""
    texts: list[str] = list(dict(holder.policies).values())
    for managed in list(dict(holder.managed_policies).values()):
        texts.extend(_default_versions(managed.versions))
    return [_parse(text) for text in texts]


def _default_versions(versions: Iterable[Any]) -> list[str]:
    return [str(version.document) for version in versions if version.is_default]


def _bucket_policy(bucket: str) -> PolicyDocument | None:
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    if owner is None:
        return None
    partition, account = owner
    backend = _get(s3_backends, account, partition)
    found = None if backend is None else backend.buckets.get(bucket)
    policy = None if found is None else found.policy
    return None if not policy else _parse(policy.decode() if isinstance(policy, bytes) else str(policy))


def _queue_policy(account: str, region: str, name: str) -> PolicyDocument | None:
    from moto.sqs.models import sqs_backends

    backend = _get(sqs_backends, account, region)
    queue = None if backend is None else backend.queues.get(name)
    policy = None if queue is None else queue.policy
    return _parse(policy) if policy else None


def _secret_policy(account: str, region: str, arn: str) -> PolicyDocument | None:
    from moto.secretsmanager.models import secretsmanager_backends

    backend = _get(secretsmanager_backends, account, region)
    secret = None if backend is None else backend.secrets.get(arn)
    policy = None if secret is None else getattr(secret, "policy", None)
    return _parse(policy) if policy else None
