"""Errors of building the check bundle and rendering the Command document."""

from __future__ import annotations

__all__ = ["BundleBuildError", "DocumentError", "HostPartError"]


class HostPartError(Exception):
    """Base class: the host part (the bundle, the document) cannot be built."""


class DocumentError(HostPartError):
    """The Command document cannot be rendered: bad bucket, region or endpoint, or a broken template."""


class BundleBuildError(HostPartError):
    """The check bundle cannot be built: its sources are missing or the output cannot be written."""
