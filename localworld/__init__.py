"""The local world: moto on 127.0.0.1 with strict gates, an SSM emulator and a demo fleet.

Importing the package is cheap; the names below load their modules on first use, so importing
``localworld.slack`` does not pull in moto.

    from localworld import World, load_fleet
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localworld.faults import AccountFaults, Faults, HostFaults
    from localworld.fleet import FleetSpec, HostSpec, SyntheticBehaviour, load_fleet, synthetic_fleet
    from localworld.world import World, WorldHost

__all__ = [
    "AccountFaults",
    "Faults",
    "FleetSpec",
    "HostFaults",
    "HostSpec",
    "SyntheticBehaviour",
    "World",
    "WorldHost",
    "load_fleet",
    "synthetic_fleet",
]

_HOMES = {
    "AccountFaults": "localworld.faults",
    "Faults": "localworld.faults",
    "HostFaults": "localworld.faults",
    "FleetSpec": "localworld.fleet",
    "HostSpec": "localworld.fleet",
    "SyntheticBehaviour": "localworld.fleet",
    "load_fleet": "localworld.fleet",
    "synthetic_fleet": "localworld.fleet",
    "World": "localworld.world",
    "WorldHost": "localworld.world",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'localworld' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
