"""The fault matrix, AWS: one fault at each boundary, and the scan still ends with one report
(tests/e2e/fault_matrix.py says what must hold). A failure before the scan has its thread is the
requester's to hear: tests/e2e/test_slack_commands.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localworld.fault_plan import RUNNING_SCAN_BOUNDARIES, Boundary
from localworld.system import LocalSystem
from tests.e2e.fault_matrix import assert_survived, matrix_system, scan_under
from tests.e2e.system_support import uncatalogued_calls

CASES = [
    boundary for boundary in RUNNING_SCAN_BOUNDARIES if boundary.name.startswith(("central ", "member "))
]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    with matrix_system(tmp_path_factory.mktemp("faults")) as running:
        yield running
        assert not running.denied_calls(), running.denied_summary()
        assert uncatalogued_calls(running) == []


@pytest.mark.parametrize("boundary", CASES, ids=[boundary.name for boundary in CASES])
def test_a_scan_survives_one_fault_at(system: LocalSystem, boundary: Boundary) -> None:
    assert_survived(scan_under(system, boundary), boundary)
