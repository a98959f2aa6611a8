"""Errors raised while judging a result tar; every one carries the reason shown to people."""

from __future__ import annotations

from scanner.errors import CceScanError

__all__ = ["ContentRejected", "IdentityMismatch", "ResultRejected", "TarRejected"]


class ResultRejected(CceScanError):
    """A result tar breaks the contract; ``reason`` says how (the host outcome is RESULT_INVALID)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TarRejected(ResultRejected):
    """The archive itself is unsafe or malformed: size caps, links, devices, paths, truncation."""


class ContentRejected(ResultRejected):
    """``results.jsonl`` or ``meta.json`` is missing or breaks the contract (the models of
    :mod:`scanner.results.contract`, the rules of :mod:`scanner.results.validate`)."""


class IdentityMismatch(ResultRejected):
    """The tar names a host other than the instance it was uploaded for."""
