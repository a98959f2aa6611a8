"""Accounts of the local world: who a key belongs to, and the accounts of a Config set up in moto.

moto decides the account of a request from its access key (it looks the key up in every account's
IAM backend), so a key created in account A works in account A only. The world therefore:

1. creates an ``localworld-admin`` IAM user and key in the central account and in every member
   account, directly in moto's IAM backend of that account (the one step that is not an API call:
   there is no credential to call with yet);
2. with the central admin key, over HTTP: the central worker role (trusting the central account),
   an Organizations organization with one OU per config group, and the member accounts, created
   with ``CreateAccount`` while moto's account-ID generator is pinned to the config's fixed IDs
   (moto draws random IDs and has no way to choose one), then moved into their group's OU;
3. with each member admin key: the member role of ``config.member_role``, trusting only the
   central worker role with the configured ``sts:ExternalId``;
4. central worker credentials come from a real ``AssumeRole`` through the STS gate, so they are
   temporary, carry a session token and expire like a Lambda role's.

The lookups at the top (:func:`lookup_key`, :func:`lookup_role`) read moto's in-process state; the
server's gates use them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import boto3
import botocore.session
from botocore.config import Config as BotoConfig
from pydantic import BaseModel, ConfigDict

from localworld.errors import WorldError
from scanner.config import Config

__all__ = [
    "ADMIN_USER",
    "WORKER_FUNCTION",
    "AccountsSetup",
    "Credentials",
    "KeyInfo",
    "RoleInfo",
    "lookup_key",
    "lookup_role",
    "member_trust_policy",
    "service_credentials",
    "setup_accounts",
]

ADMIN_USER = "localworld-admin"
# The setup user administers its account, as the operator who applies the Terraform does.
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Administer", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
# The worker's execution role as iam.tf names it (``<function>-<region>``, the function being
# ``<name_prefix>-worker``); the member roles trust it.
WORKER_FUNCTION = "cce-scan-worker"
PARTITION = "aws"
_ACCOUNT_ID_LOCK = threading.Lock()
_CLIENTS_LOCK = threading.Lock()
_BOTOCORE = botocore.session.get_session()
_ONE_TRY = BotoConfig(retries={"total_max_attempts": 1})


@dataclass(frozen=True)
class KeyInfo:
    """What moto knows about an access key."""

    access_key: str
    account_id: str
    secret: str
    principal_arn: str
    role_arn: str | None = None
    session_token: str | None = None
    expiration: datetime | None = None


@dataclass(frozen=True)
class RoleInfo:
    """An IAM role as the STS gate needs it."""

    arn: str
    trust_policy: str
    max_session_duration: int


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def lookup_key(access_key: str) -> KeyInfo | None:
    """The account, secret and (for STS keys) session of ``access_key``, or ``None`` if unknown."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account_id, backends in list(iam_backends.items()):
        iam = backends[PARTITION]
        key = iam.access_keys.get(access_key)
        if key is None:
            continue
        if key.user_name is not None:
            path = getattr(iam.users.get(key.user_name), "path", "/") or "/"
            arn = f"arn:aws:iam::{account_id}:user{path}{key.user_name}"
            return KeyInfo(access_key, account_id, key.secret_access_key, arn)
        session = sts_backends[account_id][PARTITION].get_assumed_role_from_access_key(access_key)
        if session is None:
            return None
        role_arn = str(session.role_arn)
        return KeyInfo(
            access_key=access_key,
            account_id=account_id,
            secret=key.secret_access_key,
            principal_arn=f"arn:aws:sts::{account_id}:assumed-role/{role_arn.split('/')[-1]}/{session.session_name}",
            role_arn=role_arn,
            session_token=session.session_token,
            expiration=_aware(session.expiration),
        )
    return None


def lookup_role(role_arn: str) -> RoleInfo | None:
    """The role ``role_arn`` names, if it exists in its account."""
    from moto.iam.models import iam_backends

    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    account_id = parts[4]
    if account_id not in iam_backends:
        return None
    iam = iam_backends[account_id][PARTITION]
    for role in iam.get_roles():
        if role.arn == role_arn:
            return RoleInfo(
                role.arn, role.assume_role_policy_document, int(role.max_session_duration or 3600)
            )
    return None


class Credentials(BaseModel):
    """A key of the local world (long-term or temporary)."""

    model_config = ConfigDict(frozen=True)

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime | None = None

    def client(self, service: str, region: str, endpoint_url: str) -> Any:
        """A client for this key from one shared botocore session (service models load once)."""
        with _CLIENTS_LOCK:
            return _BOTOCORE.create_client(
                service,
                region_name=region,
                endpoint_url=endpoint_url,
                aws_access_key_id=self.access_key_id,
                aws_secret_access_key=self.secret_access_key,
                aws_session_token=self.session_token,
                config=_ONE_TRY,
            )

    def session(self, region: str) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            region_name=region,
        )


def create_admin_key(account_id: str) -> Credentials:
    """An IAM user with a key in ``account_id``, made in moto's backend (no caller exists yet)."""
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id][PARTITION]
    if ADMIN_USER not in iam.users:
        iam.create_user(region_name="us-east-1", user_name=ADMIN_USER)
        iam.put_user_policy(ADMIN_USER, "AdministratorAccess", json.dumps(ADMIN_POLICY))
    key = iam.create_access_key(ADMIN_USER)
    return Credentials(access_key_id=key.access_key_id, secret_access_key=key.secret_access_key)


def member_trust_policy(worker_role_arn: str, external_id: str) -> dict[str, Any]:
    """The member role's trust: only the central worker role, and only with the ExternalId."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": worker_role_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": worker_role_arn},
                "Action": "sts:SetSourceIdentity",
            },
        ],
    }


def lambda_trust_policy() -> dict[str, Any]:
    """An execution role's trust: only the Lambda service assumes it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaServiceAssumes",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


@contextmanager
def _pinned_account_id(account_id: str) -> Iterator[None]:
    """Make moto's Organizations CreateAccount use ``account_id`` instead of a random one."""
    with (
        _ACCOUNT_ID_LOCK,
        mock.patch("moto.organizations.utils.make_random_account_id", return_value=account_id),
    ):
        yield


class AccountsSetup(BaseModel):
    """The result of :func:`setup_accounts`."""

    model_config = ConfigDict(frozen=True)

    central_account: str
    admin_keys: dict[str, Credentials]
    worker_role_arn: str
    organization_id: str
    ou_ids: dict[str, str]
    notes: tuple[str, ...] = ()


def setup_accounts(config: Config, endpoint_url: str) -> AccountsSetup:
    """Create the central and member accounts of ``config`` in the running moto server."""
    central = config.central.account_id
    region = config.central.region
    admin_keys = {central: create_admin_key(central)}
    for account in config.accounts:
        admin_keys[account.id] = create_admin_key(account.id)
    iam = admin_keys[central].client("iam", region, endpoint_url)
    worker = iam.create_role(
        RoleName=f"{WORKER_FUNCTION}-{region}",
        AssumeRolePolicyDocument=json.dumps(lambda_trust_policy()),
        Description="cce-scan worker function",
        MaxSessionDuration=3600,
    )["Role"]
    org = admin_keys[central].client("organizations", region, endpoint_url)
    organization_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_ids = {
        group: org.create_organizational_unit(ParentId=root_id, Name=group)["OrganizationalUnit"]["Id"]
        for group in config.groups
    }
    notes: list[str] = []
    for account in config.accounts:
        with _pinned_account_id(account.id):
            status = org.create_account(AccountName=account.alias, Email=f"{account.alias}@example.invalid")[
                "CreateAccountStatus"
            ]
        if status.get("AccountId") != account.id:
            raise WorldError(f"Organizations registered {account.alias} as {status.get('AccountId')}")
        if account.groups:
            org.move_account(
                AccountId=account.id, SourceParentId=root_id, DestinationParentId=ou_ids[account.groups[0]]
            )
            if len(account.groups) > 1:
                notes.append(
                    f"account {account.alias} is in groups {', '.join(account.groups)}; an account has one "
                    f"parent OU in Organizations, so it sits in {account.groups[0]!r}"
                )
        member_iam = admin_keys[account.id].client("iam", region, endpoint_url)
        member_iam.create_role(
            RoleName=config.member_role.name,
            AssumeRolePolicyDocument=json.dumps(
                member_trust_policy(worker["Arn"], config.member_role.external_id)
            ),
            MaxSessionDuration=3600,
        )
    return AccountsSetup(
        central_account=central,
        admin_keys=admin_keys,
        worker_role_arn=worker["Arn"],
        organization_id=organization_id,
        ou_ids=ou_ids,
        notes=tuple(notes),
    )


def assume_worker(
    setup: AccountsSetup,
    endpoint_url: str,
    region: str,
    session_name: str = "cce-scan-worker",
    duration: int = 3600,
) -> Credentials:
    """Temporary credentials of the central worker role, as Lambda gives them to the worker."""
    return service_credentials(setup.worker_role_arn, session_name, region, duration)


def expires_soon(credentials: Credentials, margin: timedelta = timedelta(minutes=5)) -> bool:
    return credentials.expiration is not None and credentials.expiration - margin <= datetime.now(UTC)


def service_credentials(role_arn: str, session_name: str, region: str, duration: int = 3600) -> Credentials:
    """Credentials of ``role_arn`` as an AWS service obtains them for a resource it runs (Lambda for
    a function's execution role): minted in moto's STS backend, because the service principal that
    the role's trust names (``lambda.amazonaws.com``) is not a caller the world can sign as."""
    from moto.sts.models import sts_backends

    account_id = role_arn.split(":")[4]
    role = sts_backends[account_id][PARTITION].assume_role(
        region_name=region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy="",
        duration=duration,
        external_id="",
    )
    return Credentials(
        access_key_id=role.access_key_id,
        secret_access_key=role.secret_access_key,
        session_token=role.session_token,
        expiration=_aware(role.expiration),
    )
