"""Credentials in member accounts: AssumeRole with ExternalId, a traceable session name, a cache.

``RoleSessionName`` is ``cce-<scan>-<requester>`` and ``SourceIdentity`` is the requester, so
CloudTrail in the member account shows which scan and who asked. Credentials are cached per
account for the scan and refreshed a few minutes before they expire.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import Loader

from scanner.config import Config
from scanner.errors import AccountUnreachableError

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

__all__ = [
    "MEMBER_OPERATIONS",
    "AccountSession",
    "SessionCache",
    "SharedLoader",
    "role_session_name",
    "source_identity",
]

_STS_UNSAFE = re.compile(r"[^\w+=,.@-]")
REFRESH_MARGIN = timedelta(minutes=5)


def _sts_safe(text: str) -> str:
    return _STS_UNSAFE.sub("-", text)


def role_session_name(scan_id: str, requester: str) -> str:
    """``cce-<scan>-<requester>`` cut to STS's rules: 2-64 characters of ``[\\w+=,.@-]``."""
    name = _sts_safe(f"cce-{scan_id}-{requester}")[:64]
    return name if len(name) >= 2 else f"{name}--"[:2]


def source_identity(requester: str) -> str:
    """The requester as an STS SourceIdentity (2-64 of ``[\\w+=,.@-]``, not starting with ``aws:``)."""
    value = _sts_safe(requester)[:64]
    if value.lower().startswith("aws"):
        value = f"u-{value}"[:64]
    return value if len(value) >= 2 else f"{value}--"[:2]


# The API operations the scanner calls in a member account. The member role grants exactly these
# (terraform/modules/member_role), so member-account clients are built with no other method.
MEMBER_OPERATIONS: dict[str, frozenset[str]] = {
    "ec2": frozenset({"DescribeInstances", "DescribeTags"}),
    "ssm": frozenset(
        {
            "CancelCommand",
            "DescribeInstanceInformation",
            "GetCommandInvocation",
            "ListCommandInvocations",
            "ListCommands",
            "SendCommand",
        }
    ),
}


class SharedLoader(Loader):
    """A model loader that threads can share, serving member-account models cut to what is called.

    botocore caches what a loader read, but without a lock: accounts whose clients make their
    first calls at the same moment would each parse the same models (EC2's is megabytes of JSON)
    and each list botocore's data directory (a stat of every service) to find a paginator model.
    Loads take turns here, so each is done once per process and the others wait for the cache.

    Every client botocore builds gets a new class with a method and an operation model for each
    operation of its service: about 750 for EC2, 10-15 ms of CPU for each account of a scan, for
    one call. A service of ``operations`` is served with only those operations (its shapes
    untouched), so its clients are built in under 2 ms (EC2's took 14.5 ms) and cannot call
    anything the member role does not allow.
    """

    def __init__(self, operations: dict[str, frozenset[str]] | None = None) -> None:
        super().__init__()
        self._load_lock = threading.RLock()
        self._operations = operations or {}
        self._trimmed: dict[tuple[str, str | None], Any] = {}

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        with self._load_lock:
            model = super().load_service_model(service_name, type_name, api_version)
            allowed = self._operations.get(service_name)
            if type_name != "service-2" or allowed is None:
                return model
            key = (service_name, api_version)
            if key not in self._trimmed:
                operations = {name: op for name, op in model["operations"].items() if name in allowed}
                self._trimmed[key] = {**model, "operations": operations}
            return self._trimmed[key]

    def load_data_with_path(self, name: str) -> Any:
        # load_data goes through here, and so does the session's endpoint resolver.
        with self._load_lock:
            return super().load_data_with_path(name)


_LOADER = SharedLoader(MEMBER_OPERATIONS)
_THREAD = threading.local()


def thread_session() -> botocore.session.Session:
    """This thread's botocore session, kept for every member account's clients built here.

    botocore sessions are not safe to share between threads, and one per account would cost
    more to build (5-10 ms) than its clients; one per thread, all reading models through one
    shared loader, is neither. (One session behind a lock is worse: under load a thread holding
    the lock waits for the interpreter, and every account queues behind it.) Clients built here
    may be used from any thread. A worker thread may call this when it starts, so that its
    first job does not pay for it.
    """
    session: botocore.session.Session | None = getattr(_THREAD, "session", None)
    if session is None:
        session = botocore.session.get_session()
        session.register_component("data_loader", _LOADER)
        _THREAD.session = session
    return session


# The paginated operations of MEMBER_OPERATIONS: their paginator models are loaded on first use.
_MEMBER_PAGINATORS = {
    "ec2": ("describe_instances", "describe_tags"),
    "ssm": ("describe_instance_information", "list_command_invocations", "list_commands"),
}


def warm_member_models(region: str) -> None:
    """Load the member services' models into the shared loader now, before any account needs them.

    The first client of a service otherwise loads its model, endpoint rules and paginators in the
    middle of a scan (about 80 ms each for SSM and EC2 here), while every other account's
    dispatch in the process waits for the loader. The in-process runner has it done as it starts
    (a Lambda dispatches one account at a time, so nothing waits there). The clients built here
    are unsigned and make no call.
    """
    session = thread_session()
    for service, paginated in _MEMBER_PAGINATORS.items():
        client = session.create_client(
            service, region_name=region, config=BotoConfig(signature_version=UNSIGNED)
        )
        for operation in paginated:
            client.get_paginator(operation)


@dataclass(frozen=True)
class AccountSession:
    """Credentials inside one member account, when they expire, and clients built with them."""

    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_at: datetime

    def remaining(self, now: datetime) -> timedelta:
        return self.expires_at - now

    def client(self, service: str, region: str, **kwargs: Any) -> Any:
        """A client signing with this account's credentials."""
        return thread_session().create_client(
            service,
            region_name=region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            **kwargs,
        )


class SessionCache:
    """Assumes the member role once per account for a scan, and again shortly before expiry.

    ``endpoint_url`` (the local world's) is passed to STS and to every client built in an
    entered account.
    """

    def __init__(
        self,
        config: Config,
        *,
        scan_id: str,
        requester: str,
        central_session: boto3.Session,
        endpoint_url: str | None = None,
        sts: STSClient | None = None,
        partition: str = "aws",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._scan_id = scan_id
        self._requester = requester
        self._central = central_session
        self._endpoint_url = endpoint_url
        self._sts = sts
        self._partition = partition
        self._now = now
        self._lock = threading.Lock()
        self._cache: dict[str, AccountSession] = {}
        self._account_locks: dict[str, threading.Lock] = {}

    def _sts_client(self) -> STSClient:
        # Accounts are entered from several threads at once: without the lock each would build
        # its own client, all from one boto3 session, which is not safe to share that way.
        with self._lock:
            if self._sts is None:
                self._sts = self._central.client(
                    "sts", region_name=self._config.central.region, endpoint_url=self._endpoint_url
                )
            return self._sts

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self._partition}:iam::{account_id}:role/{self._config.member_role.name}"

    def get(self, account_id: str) -> AccountSession:
        """A valid session in ``account_id``; raise :class:`AccountUnreachableError` if refused."""
        with self._lock:
            lock = self._account_locks.setdefault(account_id, threading.Lock())
        with lock:
            cached = self._cache.get(account_id)
            if cached is not None and cached.remaining(self._now()) > REFRESH_MARGIN:
                return cached
            fresh = self._assume(account_id)
            self._cache[account_id] = fresh
            return fresh

    def _assume(self, account_id: str) -> AccountSession:
        role = self._config.member_role
        try:
            response = self._sts_client().assume_role(
                RoleArn=self.role_arn(account_id),
                RoleSessionName=role_session_name(self._scan_id, self._requester),
                ExternalId=role.external_id,
                SourceIdentity=source_identity(self._requester),
                DurationSeconds=role.session_duration_seconds,
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            reason = f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
            raise AccountUnreachableError(account_id, reason) from exc
        except BotoCoreError as exc:
            raise AccountUnreachableError(account_id, str(exc)) from exc
        credentials = response["Credentials"]
        expiration = credentials["Expiration"]
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        return AccountSession(
            account_id=account_id,
            access_key_id=credentials["AccessKeyId"],
            secret_access_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
            expires_at=expiration,
        )

    def client(self, account_id: str, service: str, region: str, **kwargs: Any) -> Any:
        """A client for ``service`` in ``account_id``/``region`` (credentials refreshed as needed)."""
        return self.get(account_id).client(service, region, endpoint_url=self._endpoint_url, **kwargs)
