"""Starting a scan from a lazy listener: nothing retries a lazy listener (Bolt logs and drops what
it raises), so AWS failures that outlast the SDK's own retries are tried again here; starting is
idempotent (a running scan started again re-queues what was not dispatched)."""

from __future__ import annotations

import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["START_ATTEMPTS", "AwsFailure", "start_with_retries"]

START_ATTEMPTS = 3
AwsFailure = (ClientError, BotoCoreError)


def start_with_retries(
    start: Callable[[], object],
    *,
    attempts: int = START_ATTEMPTS,
    pause: Callable[[float], None] = time.sleep,
) -> None:
    """Call ``start``; after an AWS failure try again 1 s, then 2 s later; the last failure raises."""
    for attempt in range(1, attempts + 1):
        try:
            start()
            return
        except AwsFailure:
            if attempt == attempts:
                raise
            pause(2.0 ** (attempt - 1))
