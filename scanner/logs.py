"""The Lambda entries' logs: Powertools JSON on stdout, one service, the scan as correlation id.

Every entry (``bot/handler.py``, ``bot/notifier.py``, ``scanner/entries/worker.py``,
``scanner/entries/analyzer.py``) logs through :func:`entry_logger`: one service, ``cce-scan``, for
all four, the function told by the keys ``@logger.inject_lambda_context`` adds from the invocation's
context (``function_name``, ``function_request_id``, ``cold_start``, …). The project's modules log with
the standard library (``logging.getLogger(__name__)``, ``cce_scan.*``); their top loggers
(``bot``, ``cce_scan``, ``scanner``) are given the Powertools handler (Powertools'
``copy_config_to_registered_loggers``), so their records come out as the same JSON, with the same
keys, correlation id included, and are not passed on to the runtime's root handler a second time.
Other libraries' records (botocore, Bolt) keep going to the root logger as before.

:func:`correlated` sets the scan ID as the correlation id for one record, job or object and clears
it after, so a batch that mixes scans logs each under its own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from scanner.metrics import SERVICE

__all__ = ["PROJECT_LOGGERS", "correlated", "entry_logger"]

# The top loggers of the project's modules: the packages, and the bot's named loggers (cce_scan.*).
PROJECT_LOGGERS = frozenset({"bot", "cce_scan", "scanner"})


def entry_logger() -> Logger:
    """The Powertools logger of the Lambda entries, the project's loggers writing through it (one
    logger, so one set of keys, whichever entry module asks for it)."""
    logger = Logger(service=SERVICE)
    for name in PROJECT_LOGGERS:
        logging.getLogger(name)  # registered, so that Powertools finds it
    copy_config_to_registered_loggers(source_logger=logger, include=set(PROJECT_LOGGERS))
    return logger


@contextlib.contextmanager
def correlated(logger: Logger, scan_id: str | None) -> Iterator[None]:
    """Log under ``scan_id`` as the correlation id (none when None) until the block ends, then
    under the one before (none, outside another block)."""
    before = logger.get_correlation_id()
    logger.set_correlation_id(scan_id)
    try:
        yield
    finally:
        logger.set_correlation_id(before)
