"""SendCommand per host: per-host parameters, the shared document by ARN, paced by the account's bucket.

Every SSM call a client makes in an account first takes a token from that account's bucket
(a ``before-send`` hook), so retries cost tokens too and the account never exceeds its rate.
botocore's standard retry mode handles 5xx and connection resets; ``ThrottlingException`` is
retried after a short full-jitter backoff instead of botocore's (up to a second and more): the
bucket already paces the account, so a long wait would only leave tokens unused. A call still
throttled after that goes back to :class:`Sender`, which waits longer and tries again.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from scanner.ratelimit import TokenBucket

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

__all__ = [
    "MAX_COMMENT",
    "SendResult",
    "Sender",
    "comment_for",
    "find_sent_command",
    "pace_client",
    "sender_threads",
    "ssm_client_config",
]

MAX_COMMENT = 100
THROTTLING = "ThrottlingException"
# Attempts botocore makes for a throttled call (each takes a token) before handing it back.
THROTTLE_ATTEMPTS = 12
BACKOFF_BASE = 0.01
BACKOFF_CAP = 0.5


def comment_for(scan_id: str) -> str:
    """The SendCommand ``Comment``: names the scan, so a command can be traced (and adopted) later."""
    return f"cce-scan {scan_id}"[:MAX_COMMENT]


def ssm_client_config(threads: int) -> BotoConfig:
    return BotoConfig(
        retries={"mode": "standard", "max_attempts": 3},
        max_pool_connections=max(10, threads + 2),
        connect_timeout=5,
        read_timeout=30,
    )


def _take_token(bucket: TokenBucket) -> Callable[..., None]:
    def handler(**_: Any) -> None:
        bucket.acquire()

    return handler


def _short_throttle_backoff(rng: random.Random, lock: threading.Lock) -> Callable[..., float | None]:
    """A ``needs-retry`` handler: retry ``ThrottlingException`` after a short full-jitter delay.

    botocore calls every ``needs-retry`` handler and sleeps for the first answer that is not
    None; registered first, this one decides for throttles (the standard handler still decides
    for 5xx and connection errors). The token bucket already paces the account, so a long wait
    would only leave tokens unused.
    """

    def handler(response: Any = None, attempts: int = 1, **_: Any) -> float | None:
        if response is None or attempts >= THROTTLE_ATTEMPTS:
            return None
        parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else {}
        if (parsed or {}).get("Error", {}).get("Code") != THROTTLING:
            return None
        with lock:
            return rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempts))

    return handler


def pace_client(client: Any, bucket: TokenBucket, *, rng: random.Random | None = None) -> Any:
    """Make every HTTP attempt of an SSM ``client`` take a token from ``bucket`` (retries included)
    and retry throttles after a short jittered delay."""
    events = client.meta.events
    events.register("before-send.ssm", _take_token(bucket))
    events.register_first(
        "needs-retry.ssm",
        _short_throttle_backoff(rng or random.Random(), threading.Lock()),  # noqa: S311
    )
    return client


@dataclass(frozen=True)
class SendResult:
    """What SendCommand did for one host: a command ID, or the error that rejected it."""

    instance_id: str
    command_id: str | None
    attempts: int
    error_code: str | None = None
    error_message: str = ""
    first_attempt_at: float = 0.0
    sent_at: float = 0.0


class Sender:
    """Sends the shared document to one host at a time, retrying throttles with full jitter."""

    def __init__(
        self,
        ssm: SSMClient,
        *,
        document_arn: str,
        document_hash: str,
        timeout_seconds: int,
        comment: str,
        max_throttle_retries: int = 3,
        backoff_base: float = 0.25,
        backoff_cap: float = 4.0,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ssm = ssm
        self._document_arn = document_arn
        self._document_hash = document_hash
        self._timeout = timeout_seconds
        self._comment = comment[:MAX_COMMENT]
        self._retries = max_throttle_retries
        self._base = backoff_base
        self._cap = backoff_cap
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._rng_lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock

    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return self._rng.uniform(0, min(self._cap, self._base * 2**attempt))

    def send(self, instance_id: str, parameters: dict[str, list[str]]) -> SendResult:
        first = self._clock()
        attempt = 0
        while True:
            attempt += 1
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
                code = error.get("Code", "Error")
                if code == THROTTLING and attempt <= self._retries:
                    self._sleep(self._backoff(attempt))
                    continue
                return SendResult(
                    instance_id, None, attempt, code, error.get("Message", ""), first, self._clock()
                )
            except BotoCoreError as exc:
                return SendResult(
                    instance_id, None, attempt, type(exc).__name__, str(exc), first, self._clock()
                )
            tries = attempt + int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
            return SendResult(
                instance_id, response["Command"]["CommandId"], tries, None, "", first, self._clock()
            )


def sender_threads(rate: float) -> int:
    """Enough concurrent senders to keep one account's bucket busy through latency and backoff.

    A call takes tens of milliseconds, so a handful of threads keeps even 20 calls/s flowing;
    more would only contend for the interpreter.
    """
    return max(3, min(12, math.ceil(rate / 5) + 2))


def find_sent_command(ssm: SSMClient, instance_id: str, comment: str) -> str | None:
    """The command this scan already sent to ``instance_id`` (matched by ``Comment``), if any.

    Used when a dispatch was interrupted between SendCommand and recording its command ID, so a
    re-delivered job adopts the command instead of sending a second one.
    """
    try:
        paginator = ssm.get_paginator("list_commands")
        for page in paginator.paginate(InstanceId=instance_id, PaginationConfig={"PageSize": 50}):
            for command in page.get("Commands", []):
                if command.get("Comment") == comment and command.get("CommandId"):
                    return command["CommandId"]
    except (ClientError, BotoCoreError):
        return None
    return None
