"""The fault matrix's modules together take every boundary a running scan crosses, each once."""

from __future__ import annotations

from localworld.fault_plan import RUNNING_SCAN_BOUNDARIES
from tests.e2e import test_faults_aws, test_faults_functions, test_faults_slack, test_faults_slack_files


def test_every_boundary_of_a_running_scan_is_in_exactly_one_matrix_module() -> None:
    taken = [
        boundary.name
        for module in (test_faults_aws, test_faults_functions, test_faults_slack, test_faults_slack_files)
        for boundary in module.CASES
    ]
    assert sorted(taken) == sorted(boundary.name for boundary in RUNNING_SCAN_BOUNDARIES)
