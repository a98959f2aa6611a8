"""The packages depend one way: the product never imports the command line, the local world, the
benchmarks or the tests, and the local world never imports the command line (docs/design.md).
No product class is built on botocore's classes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "bot": {"localworld", "cce_scan", "bench", "tests"},
    "scanner": {"localworld", "cce_scan", "bench", "tests", "bot"},
    "ssm_documents": {"localworld", "cce_scan", "bench", "tests", "bot", "scanner"},
    "localworld": {"cce_scan", "bench", "tests", "bot"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages ``path`` imports, anywhere in the module (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_none_of_the_packages_it_must_not_know(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package}/ has no modules"
    crossings = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package]) for path in modules
    }
    assert {name: found for name, found in crossings.items() if found} == {}


def test_the_import_reader_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os\ndef f():\n    from localworld.world import World\n    import cce_scan.cli\n"
    )
    assert imported_packages(module) == {"os", "localworld", "cce_scan"}


def botocore_subclasses(path: Path) -> list[str]:
    """Classes of ``path`` that derive from a name imported from botocore (or ``botocore.…``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    from_botocore = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "botocore"
        for alias in node.names
    }
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for base in node.bases
        if ast.unparse(base).split(".")[0] in from_botocore | {"botocore"}
    ]


@pytest.mark.parametrize("package", ["bot", "scanner", "ssm_documents", "cce_scan"])
def test_no_product_class_derives_from_botocore(package: str) -> None:
    found = {
        str(path.relative_to(ROOT)): names
        for path in sorted((ROOT / package).rglob("*.py"))
        if (names := botocore_subclasses(path))
    }
    assert found == {}


def test_the_subclass_reader_sees_a_class_built_on_a_botocore_name(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import botocore.loaders\nfrom botocore.loaders import Loader as L\n"
        "class A(L): ...\nclass B(botocore.loaders.Loader): ...\nclass C(object): ...\n"
    )
    assert botocore_subclasses(module) == ["A", "B"]
