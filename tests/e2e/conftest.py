"""One whole local system per test module (starting it takes a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localworld.system import LocalSystem
from tests.e2e.fault_matrix import matrix_system
from tests.e2e.system_support import running_system, uncatalogued_calls


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    with running_system(tmp_path_factory.mktemp("system")) as running:
        yield running
        # Every call the functions made was one the Terraform's IAM allows, and one the permissions
        # catalog (what `cce-scan doctor` checks a deployment for) names.
        assert not running.denied_calls(), running.denied_summary()
        assert uncatalogued_calls(running) == []


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    """The fault matrix's system (tests/e2e/fault_matrix.py), one per module, held to the same."""
    with matrix_system(tmp_path_factory.mktemp("faults")) as running:
        yield running
        assert not running.denied_calls(), running.denied_summary()
        assert uncatalogued_calls(running) == []
