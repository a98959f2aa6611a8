"""Errors the scanner raises; each says when it is raised."""

from __future__ import annotations

__all__ = ["CceScanError", "ConfigError"]


class CceScanError(Exception):
    """Base class of every error cce-scan raises on purpose."""


class ConfigError(CceScanError):
    """The configuration file is missing, is not YAML, or fails validation."""
