"""The doctor's one edge to AWS: clients of a credential, and the credentials it may assume.

The checks take an :class:`AwsAccess`; :class:`SessionAccess` is the one over boto3 sessions (the
operator's, and the roles assumed from it). :func:`reason` turns an AWS error into the text a
failed check shows.
"""

from __future__ import annotations

from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["AWS_ERRORS", "AwsAccess", "SessionAccess", "error_code", "reason"]

# What an AWS call raises when AWS (or the way to it) says no: a check fails with the reason.
AWS_ERRORS = (ClientError, BotoCoreError)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def reason(exc: BaseException) -> str:
    """``Code: message`` of an AWS error, or the error's text."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip().rstrip(":")
    return str(exc) or type(exc).__name__


class AwsAccess(Protocol):
    """Clients with one set of credentials, and the roles those credentials may assume."""

    @property
    def region(self) -> str: ...

    def client(self, service: str, region: str | None = None) -> Any: ...

    def assume(self, role_arn: str, session_name: str, **options: str) -> AwsAccess:
        """Credentials of ``role_arn`` (``sts:AssumeRole`` with ``options`` such as ExternalId and
        SourceIdentity); raises the AWS error when refused."""
        ...


class SessionAccess:
    """:class:`AwsAccess` over a boto3 session; ``endpoint_url`` for a local world."""

    def __init__(self, session: boto3.Session, region: str, endpoint_url: str | None = None) -> None:
        self._session = session
        self._region = region
        self._endpoint_url = endpoint_url

    @property
    def region(self) -> str:
        return self._region

    def client(self, service: str, region: str | None = None) -> Any:
        session: Any = self._session
        return session.client(service, region_name=region or self._region, endpoint_url=self._endpoint_url)

    def assume(self, role_arn: str, session_name: str, **options: str) -> SessionAccess:
        credentials = self.client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=900, **options
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=self._region,
        )
        return SessionAccess(session, self._region, self._endpoint_url)
