"""Credentials in member accounts: AssumeRole with ExternalId, a traceable session name, a cache.

``RoleSessionName`` is ``cce-<scan>-<requester>`` and ``SourceIdentity`` is the requester, so
CloudTrail in the member account shows which scan and who asked. Credentials are cached per
account for the scan and refreshed a few minutes before they expire. Clients built in a member
account call only :data:`MEMBER_OPERATIONS`, the operations the member role allows: any other is
refused with :class:`MemberOperationError` before a request is built.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scanner.config import Config
from scanner.errors import AccountUnreachableError, CceScanError

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

__all__ = [
    "MEMBER_OPERATIONS",
    "AccountSession",
    "MemberOperationError",
    "SessionCache",
    "limit_to_member_operations",
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
# (terraform/modules/member_role), and member-account clients refuse any other before sending it.
MEMBER_OPERATIONS: dict[str, frozenset[str]] = {
    "ec2": frozenset({"DescribeInstanceStatus", "DescribeInstances", "DescribeTags"}),
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


class MemberOperationError(CceScanError):
    """A member-account client was asked for an operation outside :data:`MEMBER_OPERATIONS`.

    Raised before anything is sent: the member role would refuse the call anyway, and a scanner
    that makes it is wrong, not the account.
    """

    def __init__(self, service: str, operation: str) -> None:
        allowed = ", ".join(sorted(MEMBER_OPERATIONS.get(service, ()))) or "none"
        super().__init__(
            f"{service}:{operation} is not a member-account operation of the scanner "
            f"(scanner/sessions.py MEMBER_OPERATIONS; {service} allows: {allowed})"
        )
        self.service = service
        self.operation = operation


def limit_to_member_operations(client: Any) -> Any:
    """Make ``client`` refuse, before building the request, every operation of its service that
    is not in :data:`MEMBER_OPERATIONS` (all of them for a service not listed there)."""
    service = client.meta.service_model.service_name
    allowed = MEMBER_OPERATIONS.get(service, frozenset())

    def refuse_others(model: Any, **_: Any) -> None:
        if model.name not in allowed:
            raise MemberOperationError(service, model.name)

    event = f"before-parameter-build.{client.meta.service_model.service_id.hyphenize()}"
    client.meta.events.register(event, refuse_others, unique_id=f"cce-member-operations-{service}")
    return client


@dataclass(frozen=True)
class AccountSession:
    """Credentials inside one member account, when they expire, and clients built with them.

    Clients come from one boto3 session made from these credentials. A boto3 session may not
    build clients from several threads at once, so they are built under a lock; the clients
    themselves may be used from any thread.
    """

    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_at: datetime
    _session: boto3.Session = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        session = boto3.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
        )
        object.__setattr__(self, "_session", session)

    def remaining(self, now: datetime) -> timedelta:
        return self.expires_at - now

    def client(self, service: str, region: str, **kwargs: Any) -> Any:
        """A client signing with this account's credentials, limited to :data:`MEMBER_OPERATIONS`."""
        session: Any = self._session
        with self._lock:
            client = session.client(service, region_name=region, **kwargs)
        return limit_to_member_operations(client)


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
