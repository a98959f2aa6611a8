"""Golden fixture roots: the real bundle's verdicts on each root match its expected-*.yaml files.

Every directory under localworld/fixture_roots/ with a spec.yaml is a test; its expected verdicts are the
union of its expected-<part>.yaml files (accounts U-01..U-13, files U-14..U-33, services U-34..U-67).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from localworld.roots import FIXTURE_ROOTS_DIR, fixture_names, materialise_root, remove_root
from tests.bundle.runner import STATUSES, BundleRun, run_bundle

ALL_CODES = [f"U-{n:02d}" for n in range(1, 68)]


def expected_verdicts(fixture: Path) -> dict[str, str]:
    """Merge every expected-*.yaml of a fixture; a code listed twice is an error."""
    merged: dict[str, str] = {}
    for part in sorted(fixture.glob("expected-*.yaml")):
        data = yaml.safe_load(part.read_text(encoding="utf-8")) or {}
        for code, status in data.items():
            assert code in ALL_CODES, f"{part.name}: unknown code {code}"
            assert status in STATUSES, f"{part.name}: {code} has unknown status {status}"
            assert code not in merged, f"{code} is listed in more than one expected-*.yaml of {fixture.name}"
            merged[code] = status
    return merged


def _run_fixture(name: str, base: Path) -> tuple[list[str], BundleRun]:
    root = materialise_root(name, base / name / "root")
    try:
        if any("ownership not reproduced" in note for note in root.notes):
            return root.notes, BundleRun(0, "", "", 0.0, None)
        # A generous per-item limit: a loaded CI machine must not turn a verdict into "timed out".
        return root.notes, run_bundle(root.path, base / name / "work", env={"CCE_ITEM_TIMEOUT": "60"})
    finally:
        remove_root(root.path)


@pytest.fixture(scope="module")
def golden_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], BundleRun]]:
    """Every fixture root through the real bundle, run side by side (one per CPU)."""
    base = tmp_path_factory.mktemp("golden")
    names = fixture_names()
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda n: _run_fixture(n, base), names))
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("name", fixture_names())
def test_golden_root_verdicts_match_expected(
    name: str, golden_runs: dict[str, tuple[list[str], BundleRun]]
) -> None:
    notes, run = golden_runs[name]
    if run.tar_path is None and any("ownership not reproduced" in note for note in notes):
        pytest.skip("fixture owners need root privileges: " + "; ".join(notes))

    assert run.returncode == 0, run.stderr
    assert run.order == ALL_CODES
    assert run.summary["type"] == "summary"
    expected = expected_verdicts(FIXTURE_ROOTS_DIR / name)
    mismatches = [
        f"{code}: expected {want}, got {run.items[code]['status']} ({run.items[code]['reason']})"
        for code, want in sorted(expected.items())
        if run.items[code]["status"] != want
    ]
    assert not mismatches, f"{name}:\n" + "\n".join(mismatches)


def test_golden_fixture_set_covers_three_families_at_three_levels() -> None:
    names = set(fixture_names())
    for family in ("al2023", "rocky9", "ubuntu2204"):
        for level in ("hardened", "weak", "tricky"):
            assert f"{family}-{level}" in names
