"""Errors the scanner raises; each says when it is raised."""

from __future__ import annotations

__all__ = [
    "AccountUnreachableError",
    "ApprovalNotFoundError",
    "ApprovalRequiredError",
    "BundleNotFoundError",
    "CceScanError",
    "ConfigError",
    "DocumentNotFoundError",
    "LinkedWriteRefusedError",
    "ScanNotFoundError",
    "ScanStateError",
    "TargetError",
]


class CceScanError(Exception):
    """Base class of every error cce-scan raises on purpose."""


class ConfigError(CceScanError):
    """The configuration file is missing, is not YAML, or fails validation."""


class TargetError(CceScanError):
    """A scan target is unknown, malformed, ambiguous, outside the configuration, or the set is empty."""


class AccountUnreachableError(CceScanError):
    """A member account cannot be entered (AssumeRole refused or failed); carries the account and reason."""

    def __init__(self, account_id: str, reason: str) -> None:
        super().__init__(f"account {account_id} cannot be entered: {reason}")
        self.account_id = account_id
        self.reason = reason


class BundleNotFoundError(CceScanError):
    """No check bundle (``bundles/<sha256>/script.tar``) is in the results bucket."""


class DocumentNotFoundError(CceScanError):
    """The shared Command document cannot be described in the central account."""


class ScanNotFoundError(CceScanError):
    """No scan with the given ID is in the state table."""


class ScanStateError(CceScanError):
    """A scan cannot move to the asked state (e.g. starting a finished scan)."""


class LinkedWriteRefusedError(CceScanError):
    """A write the caller linked to a scan's status change (one transaction) failed its condition,
    so neither was made; ``scan_refused`` tells whether the scan's own condition failed too."""

    def __init__(self, scan_id: str, *, scan_refused: bool) -> None:
        also = " and the scan's status did not allow the change" if scan_refused else ""
        super().__init__(
            f"the write linked to scan {scan_id}'s change was refused{also}; nothing was written"
        )
        self.scan_id = scan_id
        self.scan_refused = scan_refused


class ApprovalNotFoundError(CceScanError):
    """An approval was looked up for a scan that never asked for one."""


class ApprovalRequiredError(CceScanError):
    """A scan whose targets need a second person's approval was to be started or dispatched
    without an approval by someone other than its requester."""
