"""Errors of the findings package; each says when it is raised."""

from __future__ import annotations

from scanner.errors import CceScanError

__all__ = ["FindingsError", "ObjectKeyError"]


class FindingsError(CceScanError):
    """Base class of the errors raised while turning results into findings and exports."""


class ObjectKeyError(FindingsError):
    """An S3 key is not ``results/<scan>/<account>/<instance>.tar`` (or the findings equivalent)."""
