"""Send ASFF batches to Security Hub (``BatchImportFindings``): one account and region per batch, each
through a client in that region, with the findings Security Hub could not take for a passing reason
sent again.

Who may import what (botocore's ``BatchImportFindings`` documentation): with the default product ARN
(``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``) the call must come
from the account the finding names (``AwsAccountId``), in the product ARN's region; only an account
Security Hub allow-listed for an official partner integration may send other accounts' findings.
An administrator (delegated or not) does not import its members' findings: it sees them once each
member has imported its own. So :func:`import_asff` sends a batch only through the client
``client_for`` gives for its :class:`~scanner.findings.asff.Destination`, and a destination with no
client is reported, not sent.

To import every account's findings from one place, each member account holds an importer role
(``terraform/modules/importer_role``: ``securityhub:BatchImportFindings`` on its own default product
ARN in its regions, nothing else) and :class:`AssumedRoleClients` assumes it in each account a batch
names, so every batch is sent with credentials of the account it names, the only ones Security Hub
takes.

Partial failure is a result: findings Security Hub refuses, and whole batches whose call fails,
are listed in the :class:`ImportReport` with the reason; the other batches are still sent.
``FailedFindings`` whose ``ErrorCode`` is passing (internal errors, throttling: :data:`RETRYABLE`)
are sent again, alone, up to ``attempts`` times with a growing pause.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from scanner.findings.asff import MAX_BATCH, Destination, destination

__all__ = [
    "IMPORT_SESSION_NAME",
    "RETRYABLE",
    "AssumedRoleClients",
    "ClientFor",
    "ImportFailure",
    "ImportReport",
    "NotHere",
    "SecurityHubClient",
    "import_asff",
]

# Error codes of a finding or a call that say "not now" rather than "not this": sent again.
RETRYABLE = frozenset(
    {
        "InternalException",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",  # BatchImportFindings' throttling error (10 TPS per account and region)
        "RequestTimeout",
    }
)


class SecurityHubClient(Protocol):
    """The one call used (a boto3 ``securityhub`` client fits)."""

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> Mapping[str, Any]: ...


class NotHere(Exception):
    """Raised by a ``client_for`` that cannot import into a destination (another account)."""


ClientFor = Callable[[Destination], SecurityHubClient]


class ImportFailure(BaseModel):
    """A finding Security Hub did not take, and why."""

    model_config = ConfigDict(frozen=True)

    id: str
    code: str
    message: str
    account_id: str = ""
    region: str = ""


class ImportReport(BaseModel):
    """What an import did: findings taken, findings refused, batches and calls made."""

    model_config = ConfigDict(frozen=True)

    imported: int
    failed: tuple[ImportFailure, ...]
    batches: int
    calls: int = 0
    retried: int = 0  # findings sent again after a passing failure


def _default_clients() -> ClientFor:
    cache: dict[str, SecurityHubClient] = {}

    def client_for(where: Destination) -> SecurityHubClient:
        if where.region not in cache:
            cache[where.region] = boto3.client("securityhub", region_name=where.region)
        return cache[where.region]

    return client_for


IMPORT_SESSION_NAME = "cce-scan-securityhub-import"
_REFRESH_MARGIN = timedelta(minutes=5)


class AssumedRoleClients:
    """A ``client_for``: Security Hub clients with credentials of the account each batch names,
    from ``AssumeRole`` of ``role_name`` in that account (with ``external_id`` when given).

    ``sts`` is the caller's STS client (the default credentials); ``make_client(service, region,
    credentials)`` builds a client from the role's temporary credentials (boto3 by default). An
    account whose role cannot be assumed is remembered and its batches are not sent (:class:`NotHere`
    with STS's reason). Credentials are assumed again when less than five minutes are left.
    """

    def __init__(
        self,
        role_name: str,
        *,
        sts: Any,
        partition: str = "aws",
        external_id: str | None = None,
        make_client: Callable[[str, str, Mapping[str, Any]], SecurityHubClient] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.role_name, self.partition, self.external_id = role_name, partition, external_id
        self._sts, self._now = sts, now
        self._make = make_client or _boto3_client
        self._lock = threading.Lock()
        self._credentials: dict[str, Mapping[str, Any]] = {}
        self._clients: dict[Destination, SecurityHubClient] = {}
        self._refused: dict[str, str] = {}
        self.assumed = 0  # AssumeRole calls made

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.role_name}"

    def _fresh(self, account_id: str) -> Mapping[str, Any] | None:
        credentials = self._credentials.get(account_id)
        if credentials is None:
            return None
        expiration = credentials["Expiration"]
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        return credentials if expiration - self._now() > _REFRESH_MARGIN else None

    def _assume(self, account_id: str) -> Mapping[str, Any]:
        extra = {"ExternalId": self.external_id} if self.external_id else {}
        self.assumed += 1
        try:
            response = self._sts.assume_role(
                RoleArn=self.role_arn(account_id), RoleSessionName=IMPORT_SESSION_NAME, **extra
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            reason = f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}".strip()
            self._refused[account_id] = f"cannot assume {self.role_arn(account_id)}: {reason}"
            raise NotHere(self._refused[account_id]) from exc
        except BotoCoreError as exc:
            raise NotHere(f"cannot assume {self.role_arn(account_id)}: {exc}") from exc
        credentials: Mapping[str, Any] = response["Credentials"]
        self._credentials[account_id] = credentials
        for where in [w for w in self._clients if w.account_id == account_id]:
            del self._clients[where]
        return credentials

    def __call__(self, where: Destination) -> SecurityHubClient:
        account = where.account_id
        with self._lock:
            if account in self._refused:
                raise NotHere(self._refused[account])
            credentials = self._fresh(account)
            if credentials is None:
                credentials = self._assume(account)
            client = self._clients.get(where)
            if client is None:
                client = self._clients[where] = self._make("securityhub", where.region, credentials)
            return client


def _boto3_client(service: str, region: str, credentials: Mapping[str, Any]) -> SecurityHubClient:
    client: SecurityHubClient = boto3.client(
        service,  # type: ignore[call-overload]
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return client


def _backoff(attempt: int) -> float:
    """Full jitter on 0.5 s doubling, at most 8 s."""
    return random.uniform(0, min(8.0, 0.5 * 2**attempt))  # noqa: S311 - jitter, not a secret


class _Sender:
    def __init__(self, attempts: int, sleep: Callable[[float], None]) -> None:
        self.attempts, self.sleep = attempts, sleep
        self.imported = self.calls = self.retried = 0
        self.failed: list[ImportFailure] = []

    def fail(
        self, findings: Iterable[Mapping[str, Any]], where: Destination, code: str, message: str
    ) -> None:
        self.failed.extend(
            ImportFailure(
                id=str(f.get("Id", "")),
                code=code,
                message=message,
                account_id=where.account_id,
                region=where.region,
            )
            for f in findings
        )

    def send(self, hub: SecurityHubClient, batch: list[dict[str, Any]], where: Destination) -> None:
        pending = batch
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            if attempt:
                self.retried += len(pending)
                self.sleep(_backoff(attempt))
            self.calls += 1
            try:
                response = hub.batch_import_findings(Findings=pending)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                code, message = str(error.get("Code", "ClientError")), str(error.get("Message", exc))
                if code in RETRYABLE and not last:
                    continue
                self.fail(pending, where, code, message)
                return
            except BotoCoreError as exc:  # botocore has already retried what it retries
                self.fail(pending, where, type(exc).__name__, str(exc))
                return
            self.imported += int(response.get("SuccessCount", 0))
            again: set[str] = set()
            for item in response.get("FailedFindings", []):
                code = str(item.get("ErrorCode", ""))
                if code in RETRYABLE and not last:
                    again.add(str(item.get("Id", "")))
                    continue
                failure = ImportFailure(
                    id=str(item.get("Id", "")),
                    code=code,
                    message=str(item.get("ErrorMessage", ""))
                    + (f" (after {self.attempts} attempts)" if code in RETRYABLE else ""),
                    account_id=where.account_id,
                    region=where.region,
                )
                self.failed.append(failure)
            if not again:
                return
            pending = [f for f in pending if str(f.get("Id", "")) in again]


def import_asff(
    batches: Iterable[list[dict[str, Any]]],
    client: SecurityHubClient | None = None,
    *,
    client_for: ClientFor | None = None,
    attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> ImportReport:
    """Import every batch (each of one account and region, as :func:`~scanner.findings.asff_batches`
    makes them).

    ``client``: one client for every batch (the caller vouches that it can import them all);
    otherwise ``client_for(destination)`` gives the client for a batch's account and region, or
    raises :class:`NotHere` when the caller cannot import there; by default boto3's default
    credentials with a client in each batch's region.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    clients: ClientFor = (lambda _: client) if client is not None else (client_for or _default_clients())
    sender = _Sender(attempts, sleep)
    count = 0
    for batch in batches:
        if not 1 <= len(batch) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} findings, got {len(batch)}")
        where = destination(batch[0])
        if any(destination(f) != where for f in batch):
            raise ValueError("a batch holds the findings of one account and region")
        count += 1
        try:
            hub = clients(where)
        except NotHere as exc:
            sender.fail(batch, where, "NotImported", str(exc))
            continue
        sender.send(hub, batch, where)
    return ImportReport(
        imported=sender.imported,
        failed=tuple(sender.failed),
        batches=count,
        calls=sender.calls,
        retried=sender.retried,
    )
