"""Errors the local world raises; each says when it is raised."""

from __future__ import annotations

__all__ = ["DeployError", "FleetError", "LocalWorldError", "ServerError", "WorldError"]


class LocalWorldError(Exception):
    """Base class of every error the local world raises on purpose."""


class FleetError(LocalWorldError):
    """A fleet file or a synthetic-fleet request is invalid."""


class ServerError(LocalWorldError):
    """The local moto server could not start or stop cleanly."""


class DeployError(LocalWorldError):
    """Seeding the central account (bucket, bundle, document) failed."""


class WorldError(LocalWorldError):
    """The world was asked something it cannot answer (unknown account, not started)."""
