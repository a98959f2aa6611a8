"""The example configuration and the local world's demo fleet, shipped with cce-scan as package data.

``cce-scan.yaml`` is a complete configuration (README, "Configuration"; a real one starts as a copy
of it) and the one the local world runs on; ``fleet.yaml`` is the demo fleet of that world, its
hosts in the member accounts of ``cce-scan.yaml``. ``cce-scan local`` and ``cce-scan scan --local``
take them as defaults, so they work from an installed package as from a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["EXAMPLE_CONFIG", "EXAMPLE_FLEET"]


def _packaged(name: str) -> Path:
    """``name`` of this package's data as a path on disk (the package is installed as files)."""
    resource = files(__name__).joinpath(name)
    if not isinstance(resource, Path):
        raise RuntimeError(f"{__name__} is not installed as files: {name} has no path on disk")
    return resource


EXAMPLE_CONFIG = _packaged("cce-scan.yaml")
EXAMPLE_FLEET = _packaged("fleet.yaml")
