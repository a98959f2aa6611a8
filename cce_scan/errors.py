"""Errors the ``cce_scan`` artefact builders raise; each says when it is raised."""

from __future__ import annotations

from scanner.errors import CceScanError

__all__ = ["BundleBuildError", "DocumentError"]


class DocumentError(CceScanError):
    """The Command document cannot be rendered: bad bucket, region or endpoint, or a broken template."""


class BundleBuildError(CceScanError):
    """The check bundle cannot be built: its sources are missing or the output cannot be written."""
