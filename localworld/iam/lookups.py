"""The world's state that mapping a request to its authorizations needs, read from moto in-process.

- :func:`organization_of`: the organization an account belongs to (as its management account or a
  member), from moto's Organizations backend; positive answers are cached, since an account does
  not leave the world's organization while the world runs.
- :func:`secret_arn`: the full ARN of a secret named by name, partial ARN or full ARN.

Neither creates a moto backend that does not exist yet (moto's backend dictionaries create one on
every lookup by key); both read with plain ``dict`` lookups.
"""

from __future__ import annotations

import threading
from typing import Any

from localworld.iam.requests import Lookups, Organization

__all__ = ["moto_lookups", "organization_of", "secret_arn"]

_PARTITION = "aws"


def organization_of(account_id: str) -> Organization | None:
    """The organization ``account_id`` is in, or ``None``."""
    from moto.organizations.models import organizations_backends

    backends: dict[str, Any] = organizations_backends
    member = organizations_backends.master_accounts.get(account_id)
    management, partition = member if member is not None else (account_id, _PARTITION)
    per_account = dict.get(backends, management)
    backend = dict.get(per_account, partition) if per_account is not None else None
    org = getattr(backend, "org", None)
    if org is None:
        return None
    return Organization(id=str(org.id), management_account_id=str(org.master_account_id))


def secret_arn(account_id: str, region: str, secret_id: str) -> str | None:
    """The full ARN of the secret ``secret_id`` names in ``account_id``/``region``, or ``None``."""
    from moto.secretsmanager.models import secretsmanager_backends

    backends: dict[str, Any] = secretsmanager_backends
    per_account = dict.get(backends, account_id)
    backend = dict.get(per_account, region) if per_account is not None else None
    if backend is None:
        return None
    secret = backend.secrets.get(secret_id)
    return None if secret is None else str(secret.arn)


def moto_lookups() -> Lookups:
    """:class:`Lookups` reading moto's state, with a per-instance cache of organizations found."""
    found: dict[str, Organization] = {}
    lock = threading.Lock()

    def organization(account_id: str) -> Organization | None:
        cached = found.get(account_id)
        if cached is not None:
            return cached
        result = organization_of(account_id)
        if result is not None:
            with lock:
                found[account_id] = result
        return result

    return Lookups(organization=organization, secret_arn=secret_arn)
