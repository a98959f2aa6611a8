"""What repeats the item catalog's facts is generated from it (python -m scanner.catalog.generate):
these tests fail when a generated file is stale, and hold the bundle's own copies equal to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import catalog
from scanner.catalog.generate import (
    CHECKS_DIR,
    CHECKS_PAGE,
    EDITION_MODULE,
    RUNNER,
    check_file,
    checks_page,
    edition_module,
    main,
    runner_script,
)

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "ssm_documents" / "bundle"
STALE = "stale: edit scanner/catalog/items.yaml, then run python -m scanner.catalog.generate"


def test_the_edition_module_is_generated_from_the_catalog() -> None:
    assert (REPO / EDITION_MODULE).read_text(encoding="utf-8") == edition_module(), STALE


def test_the_checks_pages_item_table_is_generated_from_the_catalog() -> None:
    page = (REPO / CHECKS_PAGE).read_text(encoding="utf-8")
    assert page == checks_page(page), STALE


def _copy_of_the_generated_files(root: Path) -> None:
    for relative in (EDITION_MODULE, CHECKS_PAGE, RUNNER, *sorted((REPO / CHECKS_DIR).glob("U-*.sh"))):
        source = REPO / relative
        target = root / source.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "before", "after"),
    [
        (CHECKS_PAGE, "| U-05 | 상 (high)", "| U-05 | 하 (low)"),
        (RUNNER, "U-05|high|", "U-05|low|"),
        (CHECKS_DIR / "U-05.sh", "# severity: high", "# severity: low"),
        (CHECKS_DIR / "U-05.sh", "# title_en: ", "# title_en: Not the catalog's "),
    ],
    ids=["checks page", "runner table", "check severity", "check title"],
)
def test_the_generator_reports_and_rewrites_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: Path, before: str, after: str
) -> None:
    _copy_of_the_generated_files(tmp_path)
    assert main(["--check", "--root", str(tmp_path)]) == 0
    path = tmp_path / relative
    text = path.read_text(encoding="utf-8")
    assert before in text
    path.write_text(text.replace(before, after, 1), encoding="utf-8")

    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert f"stale: {path}" in capsys.readouterr().out
    assert main(["--root", str(tmp_path)]) == 0
    assert path.read_text(encoding="utf-8") == text
    assert main(["--check", "--root", str(tmp_path)]) == 0


def test_the_bundles_runner_table_is_generated_from_the_catalog() -> None:
    """script.sh carries its own table (code|severity|legacy|title ko|title en) for hosts without
    Python."""
    text = (REPO / RUNNER).read_text(encoding="utf-8")
    assert text == runner_script(text), STALE


@pytest.mark.parametrize("code", [item.code for item in catalog().items])
def test_each_check_files_header_is_generated_from_the_catalog(code: str) -> None:
    text = (BUNDLE / "checks" / f"{code}.sh").read_text(encoding="utf-8")
    assert text == check_file(code, text), STALE
    assert "\n# rule: " in text  # the check's own criteria follow the generated header


def test_a_check_header_keeps_what_follows_it() -> None:
    written = (
        "# shellcheck shell=sh\n# code: U-01\n# severity: low\n# rule: mine\n\ncheck_U_01() {\n    :\n}\n"
    )

    generated = check_file("U-01", written)

    assert generated.startswith(
        "# shellcheck shell=sh\n# edition: KISA-2026\n# code: U-01\n# severity: high\n"
    )
    assert generated.endswith("# rule: mine\n\ncheck_U_01() {\n    :\n}\n")
    assert generated.count("# severity:") == 1
