"""The design is the repository's own: docs/design.md names only what the repository holds, every
section the repository cites by its title after ``docs/design.md,`` is one of its headings, and no file cites a design
or an issue kept outside the repository.

Reading reference data kept beside the checkout is not citing it: tests/bot/test_manifest.py
validates the Slack app manifest against Slack's published manifest schema, which lies there, and
names where it looks for it. That file may name the reference data (and only that); code and docs
may not, and the exemption must stay needed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "docs" / "design.md"

# Never part of the repository's text: environments, tools, build output, caches.
EXCLUDED_DIRS = frozenset({".venv", ".tools", "build", "dist", ".git", ".local-world", "__pycache__"})
TEXT_SUFFIXES = frozenset({".py", ".tf", ".md", ".yaml", ".yml", ".toml", ".sh"})
# What a bare file name in backticks must be to count as a repository path (it must then be at the root).
PATH_SUFFIXES = TEXT_SUFFIXES

# Citations of documents that are not in the repository. The patterns are written so that their own
# source does not match them.
OUTSIDE_DOCUMENTS = {
    "a design section kept outside": re.compile(r"DESIGN\s*§"),
    "an entries document kept outside": re.compile(r"ENTRIES\.md|docs\s+ENTRIES"),
    "an issue tracker's issue": re.compile(r"\bissues?\s+#?[0-9]+\b"),
}
OUTSIDE_DATA = {
    "the directory beside the checkout": re.compile(r"\.\./shared\b"),
    "its reference data": re.compile(r"shared[/]reference"),
}
# Files that read reference data from beside the checkout on purpose, and why.
READS_REFERENCE_DATA = {
    "tests/bot/test_manifest.py": "validates bot/manifest.yaml against Slack's published manifest schema",
    "tests/findings/test_vendored_ocsf_schema.py": "checks the vendored OCSF schema is the official compiled one",
}


def _excluded(name: str) -> bool:
    return name in EXCLUDED_DIRS or name.endswith(".egg-info") or name.endswith("_cache")


def repository_text_files() -> Iterator[Path]:
    """Every Python, Terraform, Markdown, YAML, TOML and shell file, and every Makefile, of the
    repository (a shell script without a suffix is known by its first line)."""
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if not _excluded(d))
        for name in sorted(files):
            path = Path(directory) / name
            if path.suffix in TEXT_SUFFIXES or name == "Makefile":
                yield path
            elif not path.suffix and path.is_file():
                with path.open("rb") as handle:
                    first = handle.readline(200)
                if first.startswith(b"#!") and first.rstrip().endswith((b"sh", b"bash")):
                    yield path


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def top_level_names() -> frozenset[str]:
    return frozenset(p.name for p in ROOT.iterdir() if not p.name.startswith(".") and not _excluded(p.name))


def backticked(markdown: str) -> list[str]:
    """The inline code spans of ``markdown``, outside fenced blocks."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"`([^`\n]+)`", prose)


def repository_path(span: str, top: frozenset[str]) -> str | None:
    """``span`` when it names a file or folder of the repository: a path whose first part is a
    top-level name of the repository (``scanner/state.py``, ``bot/listeners/``), or a bare file
    name with a file suffix (``pyproject.toml``). Object keys (``results/<scan>/…``), placeholders,
    modules and symbols are not paths."""
    text = span.strip()
    if not text or re.search(r"[\s<>{}()=:,\"']", text) or text.startswith(("-", "/", "$")):
        return None
    if "/" in text:
        return text if text.split("/", 1)[0] in top else None
    if text in top or Path(text).suffix in PATH_SUFFIXES:
        return text
    return None


def missing_paths(markdown: str, top: frozenset[str]) -> list[str]:
    missing = []
    for span in backticked(markdown):
        path = repository_path(span, top)
        if path is None:
            continue
        found = list(ROOT.glob(path.rstrip("/"))) if "*" in path else [ROOT / path.rstrip("/")]
        if not any(p.exists() for p in found) or (path.endswith("/") and not any(p.is_dir() for p in found)):
            missing.append(path)
    return missing


def headings(markdown: str) -> set[str]:
    return {m[1].strip() for m in re.finditer(r"^#{1,6}\s+(.+)$", markdown, flags=re.MULTILINE)}


def prose(text: str) -> str:
    """``text`` as one line: a citation may run over lines of a comment (``#``) or a docstring."""
    return " ".join(re.sub(r"^\s*#+\s?", "", line).strip() for line in text.splitlines())


def test_every_repository_path_the_design_names_exists() -> None:
    text = DESIGN.read_text(encoding="utf-8")
    top = top_level_names()
    named = {p for span in backticked(text) if (p := repository_path(span, top)) is not None}

    assert len(named) > 50, "the design names the files it describes"
    assert missing_paths(text, top) == []


def test_path_check_tells_repository_paths_from_keys_and_symbols() -> None:
    top = frozenset({"scanner", "bot", "pyproject.toml"})
    text = (
        "`scanner/state.py` `scanner/nowhere.py` `bot/listeners/` `results/<scan>/<account>/<instance>.tar`"
        " `reports/` `ScanStore.claim_dispatch` `scanner.handlers` `pyproject.toml` `nowhere.toml`"
        " `results.jsonl` `CCE_SCAN_CONFIG` `scanner/*.py`\n```\n`scanner/in-a-fence.py`\n```\n"
    )

    assert missing_paths(text, top) == ["scanner/nowhere.py", "nowhere.toml"]


def test_every_section_cited_in_the_repository_is_a_heading_of_the_design() -> None:
    sections = headings(DESIGN.read_text(encoding="utf-8"))
    cited: dict[str, set[str]] = {}
    for path in repository_text_files():
        text = prose(path.read_text(encoding="utf-8", errors="replace"))
        for section in re.findall(r'docs/design\.md,\s*"([^"]+)"', text):
            cited.setdefault(section, set()).add(_relative(path))

    assert cited, "the code and docs cite the design's sections"
    unknown = {section: sorted(files) for section, files in cited.items() if section not in sections}
    assert unknown == {}


def test_nothing_cites_a_document_kept_outside_the_repository() -> None:
    found = []
    for path in repository_text_files():
        name = _relative(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        patterns = dict(OUTSIDE_DOCUMENTS)
        if name not in READS_REFERENCE_DATA:
            patterns |= OUTSIDE_DATA
        for what, pattern in patterns.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: cites {what} ({match[0]!r})")

    assert found == []


def test_files_that_read_reference_data_still_do() -> None:
    for name in READS_REFERENCE_DATA:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert any(pattern.search(text) for pattern in OUTSIDE_DATA.values()), (
            f"{name} no longer reads reference data from beside the checkout: drop its exemption"
        )


def test_the_file_walk_sees_every_kind_of_file_it_checks() -> None:
    names = {_relative(p) for p in repository_text_files()}

    assert {"Makefile", "pyproject.toml", ".ci/run", "docs/design.md", "scanner/state.py"} <= names
    assert any(n.endswith(".tf") for n in names)
    assert any(n.endswith(".sh") for n in names)
    assert not any(n.startswith((".venv/", ".tools/", "build/")) for n in names)
