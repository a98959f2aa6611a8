"""Errors of the ``cce_scan`` CLI's artefact builders: they live with what they build
(:mod:`ssm_documents.errors`)."""

from __future__ import annotations

from ssm_documents.errors import BundleBuildError, DocumentError

__all__ = ["BundleBuildError", "DocumentError"]
