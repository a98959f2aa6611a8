"""What repeats the item catalog's facts is generated from it (python -m scanner.catalog.generate):
these tests fail when a generated file is stale, and hold the bundle's own copies equal to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import catalog
from scanner.catalog.generate import CHECKS_PAGE, EDITION_MODULE, checks_page, edition_module, main

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "ssm_documents" / "bundle"
STALE = "stale: edit scanner/catalog/items.yaml, then run python -m scanner.catalog.generate"


def test_the_edition_module_is_generated_from_the_catalog() -> None:
    assert (REPO / EDITION_MODULE).read_text(encoding="utf-8") == edition_module(), STALE


def test_the_checks_pages_item_table_is_generated_from_the_catalog() -> None:
    page = (REPO / CHECKS_PAGE).read_text(encoding="utf-8")
    assert page == checks_page(page), STALE


def test_the_generator_reports_and_rewrites_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for relative in (EDITION_MODULE, CHECKS_PAGE):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text((REPO / relative).read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--check", "--root", str(tmp_path)]) == 0
    page = tmp_path / CHECKS_PAGE
    page.write_text(page.read_text(encoding="utf-8").replace("| U-05 | 상 (high)", "| U-05 | 하 (low)"))
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert "stale:" in capsys.readouterr().out
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0


def test_the_bundles_runner_table_agrees_with_the_catalog() -> None:
    """script.sh carries its own table (code|severity|legacy|title ko|title en) for hosts without
    Python; it must say what the catalog says."""
    text = (BUNDLE / "script.sh").read_text(encoding="utf-8")
    block = text.split("<<'CCE_ITEMS_EOF'\n", 1)[1].split("\nCCE_ITEMS_EOF\n", 1)[0]
    rows = [line.split("|") for line in block.strip().splitlines()]
    assert rows == [
        [item.code, item.severity, " ".join(item.legacy), item.title.ko, item.title.en]
        for item in catalog().items
    ]
