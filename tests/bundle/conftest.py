"""Shared fixtures for the bundle tests: materialised fixture roots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localworld.roots import MaterialisedRoot, materialise_root, remove_root


@pytest.fixture
def make_root(tmp_path: Path) -> Iterator[object]:
    """Materialise a fixture root by name into a fresh temporary directory."""
    made: list[Path] = []

    def _make(name: str) -> MaterialisedRoot:
        dest = tmp_path / f"root-{name}-{len(made)}"
        made.append(dest)
        return materialise_root(name, dest)

    yield _make
    for path in made:
        remove_root(path)
