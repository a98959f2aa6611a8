"""The fault matrix, functions that die after their side effects: one fault at each boundary, and the scan still ends with
one report (tests/e2e/fault_matrix.py says what must hold). A failure before the scan has its
thread is the requester's to hear: tests/e2e/test_slack_commands.py."""

from __future__ import annotations

import pytest

from localworld.fault_plan import RUNNING_SCAN_BOUNDARIES, Boundary
from localworld.system import LocalSystem
from tests.e2e.fault_matrix import survives

pytestmark = pytest.mark.faults

CASES = [
    boundary for boundary in RUNNING_SCAN_BOUNDARIES if boundary.name.endswith("dies after its side effects")
]


@pytest.mark.parametrize("boundary", CASES, ids=[boundary.name for boundary in CASES])
def test_a_scan_survives_one_fault_at(matrix: LocalSystem, boundary: Boundary) -> None:
    survives(matrix, boundary)
