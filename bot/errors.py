"""Errors the bot raises; each says when it is raised."""

from __future__ import annotations

from scanner.errors import CceScanError

__all__ = ["BotError", "SettingsError"]


class BotError(CceScanError):
    """Base class of the bot's own errors."""


class SettingsError(BotError):
    """The Lambda environment lacks a setting the bot needs, or a secret is malformed."""
