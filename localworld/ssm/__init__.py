"""A strict SSM Run Command emulator for the local world (see docs/local-world.md)."""

from __future__ import annotations

from localworld.ssm.clock import Clock, ManualClock, ScaledClock, SystemClock
from localworld.ssm.emulator import EmulatorSettings, SsmEmulator
from localworld.ssm.install import EMULATED_ACTIONS, install_ssm_emulator

__all__ = [
    "EMULATED_ACTIONS",
    "Clock",
    "EmulatorSettings",
    "ManualClock",
    "ScaledClock",
    "SsmEmulator",
    "SystemClock",
    "install_ssm_emulator",
]
