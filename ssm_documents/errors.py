"""Errors of building the check bundle and rendering the Command document."""

from __future__ import annotations

from scanner.errors import CceScanError

__all__ = ["BundleBuildError", "DocumentError"]


class DocumentError(CceScanError):
    """The Command document cannot be rendered: bad bucket, region or endpoint, or a broken template."""


class BundleBuildError(CceScanError):
    """The check bundle cannot be built: its sources are missing or the output cannot be written."""
