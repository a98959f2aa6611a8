"""Write what repeats the catalog's facts from the catalog: ``scanner/results/edition.py`` (the
edition's items as Python, imported on every analysis without reading YAML), the item table of
``docs/checks.md`` (between its ``catalog-table`` markers), the bundle runner's item table
(``ssm_documents/bundle/script.sh``, between its ``CCE_ITEMS_EOF`` lines: hosts have no Python) and
the header of every check file (``ssm_documents/bundle/checks/U-NN.sh``: its leading comment lines
up to the check's own ``# rule:`` lines, which the check's author writes).

    python -m scanner.catalog.generate          # rewrite them
    python -m scanner.catalog.generate --check  # exit 1 naming each file that is stale

Paths are relative to the repository root (the current directory by default, ``--root`` else).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner.catalog import Catalog, catalog

__all__ = [
    "CHECKS_DIR",
    "CHECKS_PAGE",
    "EDITION_MODULE",
    "RUNNER",
    "check_file",
    "checks_page",
    "edition_module",
    "main",
    "runner_script",
]

EDITION_MODULE = Path("scanner/results/edition.py")
CHECKS_PAGE = Path("docs/checks.md")
RUNNER = Path("ssm_documents/bundle/script.sh")
CHECKS_DIR = Path("ssm_documents/bundle/checks")
RUNNER_BEGIN = "    cat <<'CCE_ITEMS_EOF'\n"
RUNNER_END = "CCE_ITEMS_EOF\n"
# The lines a check file's header consists of, in this order; the generator writes them all.
HEADER_KEYS = ("edition", "code", "severity", "title_ko", "title_en", "legacy", "good", "vulnerable")
TABLE_BEGIN = (
    "<!-- catalog-table: generated from scanner/catalog/items.yaml by python -m scanner.catalog.generate -->"
)
TABLE_END = "<!-- /catalog-table -->"
_SEVERITY = {"high": ("HIGH", "상"), "medium": ("MEDIUM", "중"), "low": ("LOW", "하")}

_EDITION_HEAD = '''"""The KISA 2026 Unix edition: the 67 items results are judged against (codes, titles, severities).

Source: the KISA 주요정보통신기반시설 기술적 취약점 분석·평가 상세가이드, 2026 edition, Unix chapter
(U-01…U-67, 상 40 / 중 18 / 하 9). Reports take titles and severities from here, never from a host.

The rows are generated from the item catalog (scanner/catalog/items.yaml) by
``python -m scanner.catalog.generate``: edit the catalog, not this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = ["EDITION", "ITEMS", "CatalogItem", "Severity", "Status"]

EDITION = "KISA-2026"


class Severity(StrEnum):
    """중요도: 상 high, 중 medium, 하 low."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Status(StrEnum):
    """What a check decided on a host (docs/design.md, "The result tar")."""

    GOOD = "GOOD"
    VULNERABLE = "VULNERABLE"
    MANUAL = "MANUAL"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One item of the edition."""

    code: str
    title_ko: str
    title_en: str
    severity: Severity
    category: str


_ROWS = (
'''

_EDITION_TAIL = """)

ITEMS: MappingProxyType[str, CatalogItem] = MappingProxyType({item.code: item for item in _ROWS})
"""


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def edition_module(source: Catalog | None = None) -> str:
    """The text of ``scanner/results/edition.py`` (formatted as ruff formats it)."""
    rows = []
    for entry in (source or catalog()).items:
        values = (
            _quoted(entry.code),
            _quoted(entry.title.ko),
            _quoted(entry.title.en),
            f"Severity.{_SEVERITY[entry.severity][0]}",
            _quoted(entry.category),
        )
        rows.append("    CatalogItem(\n" + "".join(f"        {value},\n" for value in values) + "    ),\n")
    return _EDITION_HEAD + "".join(rows) + _EDITION_TAIL


def checks_table(source: Catalog | None = None) -> str:
    """The item table of docs/checks.md, markers included."""
    lines = [
        TABLE_BEGIN,
        "| Code | 중요도 | 항목 (2026) | Item | Replaces (2021) |",
        "|---|---|---|---|---|",
    ]
    for entry in (source or catalog()).items:
        replaces = ", ".join(code.split(":", 1)[1] for code in entry.legacy) or "new"
        severity = f"{_SEVERITY[entry.severity][1]} ({entry.severity})"
        lines.append(f"| {entry.code} | {severity} | {entry.title.ko} | {entry.title.en_long} | {replaces} |")
    lines.append(TABLE_END)
    return "\n".join(lines) + "\n"


def checks_page(current: str, source: Catalog | None = None) -> str:
    """``current`` (docs/checks.md) with its item table replaced by the catalog's."""
    if TABLE_BEGIN not in current or TABLE_END not in current:
        raise ValueError(f"{CHECKS_PAGE}: the catalog-table markers are missing")
    head, rest = current.split(TABLE_BEGIN, 1)
    _, tail = rest.split(TABLE_END + "\n", 1)
    return head + checks_table(source) + tail


def runner_script(current: str, source: Catalog | None = None) -> str:
    """``current`` (the bundle's script.sh) with its item table (code|severity|legacy codes|title
    ko|title en) replaced by the catalog's."""
    if RUNNER_BEGIN not in current or "\n" + RUNNER_END not in current.split(RUNNER_BEGIN, 1)[1]:
        raise ValueError(f"{RUNNER}: the CCE_ITEMS_EOF table is missing")
    head, rest = current.split(RUNNER_BEGIN, 1)
    _, tail = rest.split("\n" + RUNNER_END, 1)
    rows = [
        f"{entry.code}|{entry.severity}|{' '.join(entry.legacy)}|{entry.title.ko}|{entry.title.en}"
        for entry in (source or catalog()).items
    ]
    return head + RUNNER_BEGIN + "\n".join(rows) + "\n" + RUNNER_END + tail


def _header(code: str, source: Catalog) -> list[str]:
    entry = next((e for e in source.items if e.code == code), None)
    if entry is None:
        raise ValueError(f"{CHECKS_DIR / (code + '.sh')}: {code} is not in the catalog")
    values = {
        "edition": source.edition,
        "code": entry.code,
        "severity": entry.severity,
        "title_ko": entry.title.ko,
        "title_en": entry.title.en_long,
        "legacy": " ".join(entry.legacy),
        "good": entry.good.ko,
        "vulnerable": entry.vulnerable.ko,
    }
    return ["# shellcheck shell=sh", *(f"# {key}: {values[key]}".rstrip() for key in HEADER_KEYS)]


def _is_header_line(line: str) -> bool:
    return line == "# shellcheck shell=sh" or any(line.startswith(f"# {key}:") for key in HEADER_KEYS)


def check_file(code: str, current: str, source: Catalog | None = None) -> str:
    """``current`` (check ``code``'s file) with its header written from the catalog: the leading
    lines that are header lines are replaced; the rest (``# rule:`` lines, the code) is kept."""
    lines = current.split("\n")
    keep = next((index for index, line in enumerate(lines) if not _is_header_line(line)), len(lines))
    return "\n".join([*_header(code, source or catalog()), *lines[keep:]])


def _targets(root: Path) -> dict[Path, str]:
    page = (root / CHECKS_PAGE).read_text(encoding="utf-8")
    runner = (root / RUNNER).read_text(encoding="utf-8")
    source = catalog()
    targets = {
        root / EDITION_MODULE: edition_module(source),
        root / CHECKS_PAGE: checks_page(page, source),
        root / RUNNER: runner_script(runner, source),
    }
    for entry in source.items:
        path = root / CHECKS_DIR / f"{entry.code}.sh"
        targets[path] = check_file(entry.code, path.read_text(encoding="utf-8"), source)
    return targets


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scanner.catalog.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    parser.add_argument("--root", type=Path, default=Path(), help="the repository root")
    args = parser.parse_args(argv)
    stale = []
    for path, text in _targets(args.root).items():
        if path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'rewrote'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
