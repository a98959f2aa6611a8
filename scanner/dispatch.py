"""SendCommand per host: per-host parameters, the shared document by ARN, paced by the account's bucket.

Every SSM call a client makes in an account first takes a token from that account's bucket (a
``before-send`` hook, run for each HTTP attempt), so retries cost tokens too and the account never
exceeds its configured rate.

Retries are botocore's alone, in its ``standard`` mode with :data:`SSM_MAX_ATTEMPTS` attempts per
call (botocore/retries/standard.py): ``ThrottlingException`` and the other throttling codes, 5xx
and connection errors are retried after an exponential backoff with full jitter (from up to 1 s
for a throttle, 50 ms otherwise, each wait at most 20 s), as long as the client's retry quota
lasts. A call that still fails is the host's ``DISPATCH_REJECTED``. Not ``adaptive``: that mode is
``standard`` plus a client-side rate limiter that learns a rate from the throttles it meets
(botocore/retries/adaptive.py), a second token bucket beside the account's, which already keeps
every client of the account together at the rate the service allows; a throttle that still comes
means the account's quota is shared with someone else, and the backoff is what leaves them room.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from scanner.ratelimit import TokenBucket

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

__all__ = [
    "MAX_COMMENT",
    "SSM_MAX_ATTEMPTS",
    "SendResult",
    "Sender",
    "comment_for",
    "find_sent_command",
    "pace_client",
    "sender_threads",
    "ssm_client_config",
]

MAX_COMMENT = 100
# Attempts per SSM call, the first included. A host is refused only after seven throttles in a row;
# botocore's backoff before the last of them adds up to at most 71 s (1 + 2 + 4 + 8 + 16 + 20 + 20).
SSM_MAX_ATTEMPTS = 8


def comment_for(scan_id: str) -> str:
    """The SendCommand ``Comment``: names the scan, so a command can be traced (and adopted) later."""
    return f"cce-scan {scan_id}"[:MAX_COMMENT]


def ssm_client_config(threads: int) -> BotoConfig:
    """A member account's SSM client: botocore's standard retries, a connection per sender thread."""
    return BotoConfig(
        retries={"mode": "standard", "total_max_attempts": SSM_MAX_ATTEMPTS},
        max_pool_connections=max(10, threads + 2),
        connect_timeout=5,
        read_timeout=30,
    )


def _take_token(bucket: TokenBucket) -> Callable[..., None]:
    def handler(**_: Any) -> None:
        bucket.acquire()

    return handler


def pace_client(client: Any, bucket: TokenBucket) -> Any:
    """Make every HTTP attempt of an SSM ``client`` take a token from ``bucket`` (retries included)."""
    client.meta.events.register("before-send.ssm", _take_token(bucket))
    return client


def _attempts(response: Mapping[str, Any]) -> int:
    """The HTTP attempts botocore made for a call, from its response (or error response)."""
    return 1 + int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0))


@dataclass(frozen=True)
class SendResult:
    """What SendCommand did for one host: a command ID, or the error that rejected it.

    ``attempts`` counts botocore's HTTP attempts for the call (each took a token). A call that
    ended without any response (a ``BotoCoreError``) counts as one: botocore does not say how many
    it made.
    """

    instance_id: str
    command_id: str | None
    attempts: int
    error_code: str | None = None
    error_message: str = ""
    first_attempt_at: float = 0.0
    sent_at: float = 0.0


class Sender:
    """Sends the shared document to one host at a time; the client's retry policy retries."""

    def __init__(
        self,
        ssm: SSMClient,
        *,
        document_arn: str,
        document_hash: str,
        timeout_seconds: int,
        comment: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ssm = ssm
        self._document_arn = document_arn
        self._document_hash = document_hash
        self._timeout = timeout_seconds
        self._comment = comment[:MAX_COMMENT]
        self._clock = clock

    def send(self, instance_id: str, parameters: dict[str, list[str]]) -> SendResult:
        first = self._clock()
        try:
            response = self._ssm.send_command(
                InstanceIds=[instance_id],
                DocumentName=self._document_arn,
                DocumentHash=self._document_hash,
                DocumentHashType="Sha256",
                Parameters=parameters,
                Comment=self._comment,
                TimeoutSeconds=self._timeout,
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            return SendResult(
                instance_id,
                None,
                _attempts(exc.response),
                error.get("Code", "Error"),
                error.get("Message", ""),
                first,
                self._clock(),
            )
        except BotoCoreError as exc:
            return SendResult(instance_id, None, 1, type(exc).__name__, str(exc), first, self._clock())
        command_id = response["Command"]["CommandId"]
        return SendResult(instance_id, command_id, _attempts(response), None, "", first, self._clock())


def sender_threads(rate: float) -> int:
    """Enough concurrent senders to keep one account's bucket busy through latency and backoff.

    A call takes tens of milliseconds, so a handful of threads keeps even 20 calls/s flowing while
    some of them wait out a throttle's backoff.
    """
    return max(3, min(12, math.ceil(rate / 5) + 2))


def _same_document(reported: str | None, document_arn: str) -> bool:
    """Whether ListCommands' ``DocumentName`` is the scan's document: SSM reports the reference the
    command was sent with (the ARN, for a shared document; localworld/ssm/emulator.py keeps it so),
    and the bare name is accepted too (the document's owner account lists it so)."""
    return reported is not None and reported in (document_arn, document_arn.rsplit("/", 1)[-1])


def find_sent_command(ssm: SSMClient, instance_id: str, comment: str, document_arn: str) -> str | None:
    """The command this scan already sent to ``instance_id`` (matched by ``Comment`` and the scan's
    document, ``document_arn``), if any.

    Used when a dispatch was interrupted between SendCommand and recording its command ID, so a
    re-delivered job adopts the command instead of sending a second one. A command with the same
    comment but another document is not ours to adopt. A failed ListCommands raises (``ClientError``,
    ``BotoCoreError``): answering "none sent" would send a duplicate command; the dispatch fails
    instead, gives up its lease, and its job is delivered again.
    """
    paginator = ssm.get_paginator("list_commands")
    for page in paginator.paginate(InstanceId=instance_id, PaginationConfig={"PageSize": 50}):
        for command in page.get("Commands", []):
            if (
                command.get("Comment") == comment
                and command.get("CommandId")
                and _same_document(command.get("DocumentName"), document_arn)
            ):
                return command["CommandId"]
    return None
