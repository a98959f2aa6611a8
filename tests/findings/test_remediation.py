"""The item catalog (scanner/catalog/items.yaml) and the remediation every VULNERABLE finding carries
for its host's distribution family: in OCSF, ASFF and the CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import FAMILIES, Family, catalog, family_of, items, remediation
from scanner.findings import Finding, ResultKey, findings_csv, ocsf_jsonl, to_asff, to_ocsf
from scanner.findings.analysis import analyze_tar
from scanner.findings.asff import RECOMMENDATION_TEXT_MAX
from scanner.findings.csvout import BOM, COLUMNS
from scanner.outcomes import HostOutcome
from scanner.results import ITEMS
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.tarbuilder import INSTANCE, build_tar, results_lines, statuses, valid_files

REPO = Path(__file__).resolve().parents[2]
CHECKS = REPO / "ssm_documents" / "bundle" / "checks"
KEY = ResultKey("20261126T120000-abc123", "111122223333", INSTANCE)
# U-02 differs between the families, U-16 does not.
MIXED = statuses(vulnerable=["U-02", "U-16"], manual=["U-07"])
OS_IDS: dict[Family | None, str | None] = {"debian": "ubuntu", "rhel": "amzn", None: "gentoo"}


def findings_on(os_id: str | None, status_by_code: dict[str, str] = MIXED) -> tuple[Finding, ...]:
    files = valid_files(status_by_code)
    lines = results_lines(status_by_code)
    if os_id is not None:
        lines[-1]["host"]["os_id"] = os_id
    files["results.jsonl"] = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    host = analyze_tar(build_tar(files), KEY)
    assert host.analysis.outcome is HostOutcome.SUCCEEDED
    return host.findings


def one(findings: tuple[Finding, ...], code: str) -> Finding:
    (finding,) = [f for f in findings if f.code == code]
    return finding


def header(code: str) -> dict[str, str]:
    head: dict[str, str] = {}
    for line in (CHECKS / f"{code}.sh").read_text(encoding="utf-8").splitlines():
        if line.startswith("# ") and ":" in line:
            key, value = line[2:].split(":", 1)
            head.setdefault(key.strip(), value.split("  #")[0].strip())
    return head


# The catalog


def test_the_catalog_has_the_67_items_and_each_a_fix_in_both_languages_for_every_family() -> None:
    assert list(items()) == [f"U-{n:02d}" for n in range(1, 68)]
    for item in catalog().items:
        for family in (*FAMILIES, None):
            fix = item.remediation_for(family)
            for text in (fix.ko, fix.en):
                assert text.strip(), (item.code, family)
                assert text.count("`") % 2 == 0, f"{item.code} {family}: an open code span"
            assert re.search(r"[가-힣]", fix.ko), (item.code, family)
            assert not re.search(r"[가-힣]", fix.en), (item.code, family)
            if family is not None:  # fits ASFF's Recommendation.Text whole
                assert len(fix.ko) <= RECOMMENDATION_TEXT_MAX, (item.code, family)
        for criterion in (item.good, item.vulnerable):
            assert criterion.ko.strip(), item.code
            assert criterion.en.strip(), item.code


def test_a_fix_that_differs_between_the_families_names_each_when_the_family_is_unknown() -> None:
    item = items()["U-02"]
    assert item.varies_by_family
    assert item.remediation_for("debian") != item.remediation_for("rhel")
    both = item.remediation_for(None)
    assert "[Debian/Ubuntu]" in both.en
    assert "[RHEL/Amazon Linux/Rocky]" in both.en
    assert not items()["U-16"].varies_by_family
    assert items()["U-16"].remediation_for(None) == items()["U-16"].remediation_for("rhel")
    assert remediation("U-99", "rhel") is None


@pytest.mark.parametrize(
    ("os_id", "family"),
    [
        ("ubuntu", "debian"),
        ("debian", "debian"),
        ("rhel", "rhel"),
        ("rocky", "rhel"),
        ("amzn", "rhel"),
        ("almalinux", "rhel"),
        ("gentoo", None),
        ("", None),
        (None, None),
    ],
)
def test_the_family_of_a_host_comes_from_its_os_release_id(os_id: str | None, family: str | None) -> None:
    assert family_of(os_id) == family


def test_the_catalog_agrees_with_the_edition_the_check_headers_and_the_checks_page() -> None:
    """The facts seeded from where they lived keep their values."""
    page = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    for item in catalog().items:
        edition = ITEMS[item.code]
        assert (edition.title_ko, edition.title_en, edition.severity.value, edition.category) == (
            item.title.ko,
            item.title.en,
            item.severity,
            item.category,
        )
        head = header(item.code)
        assert head["severity"] == item.severity
        assert head["title_ko"] == item.title.ko
        assert head["title_en"] == item.title.en_long
        assert head.get("legacy", "").split() == list(item.legacy)
        assert (head["good"], head["vulnerable"]) == (item.good.ko, item.vulnerable.ko)
        replaces = ", ".join(code.split(":")[1] for code in item.legacy) or "new"
        assert f"| {item.code} |" in page
        assert f"| {item.title.ko} | {item.title.en_long} | {replaces} |" in page


# The outputs


@pytest.mark.parametrize("family", [*FAMILIES, None])
def test_a_vulnerable_findings_ocsf_carries_the_fix_for_its_hosts_family(family: Family | None) -> None:
    findings = findings_on(OS_IDS[family])
    assert {f.family for f in findings} == {family}
    lines = [json.loads(line) for line in ocsf_jsonl(findings).splitlines()]
    assert ocsf_problems(lines) == []
    assert lines == [to_ocsf(finding) for finding in findings]
    by_code = {line["compliance"]["control"]: line for line in lines}
    for code in ("U-02", "U-16"):
        fix = items()[code].remediation_for(family)
        assert by_code[code]["remediation"] == {"desc": fix.ko}
        assert by_code[code]["unmapped"]["cce_scan"]["remediation_en"] == fix.en
    for code in ("U-01", "U-07"):  # GOOD, MANUAL
        assert "remediation" not in by_code[code]
        assert "remediation_en" not in by_code[code]["unmapped"]["cce_scan"]


def test_the_ocsf_fix_differs_between_a_debian_and_a_rhel_host() -> None:
    debian = json.loads(ocsf_jsonl([one(findings_on("ubuntu"), "U-02")]))
    rhel = json.loads(ocsf_jsonl([one(findings_on("rocky"), "U-02")]))
    assert "common-password" in debian["unmapped"]["cce_scan"]["remediation_en"]
    assert "authselect" in rhel["unmapped"]["cce_scan"]["remediation_en"]
    assert debian["remediation"] != rhel["remediation"]


@pytest.mark.parametrize("family", [*FAMILIES, None])
def test_a_vulnerable_findings_asff_carries_the_fix_within_security_hubs_limit(family: Family | None) -> None:
    findings = findings_on(OS_IDS[family])
    failed = to_asff(one(findings, "U-02"), default_region="ap-northeast-2")
    fix = items()["U-02"].remediation_for(family)
    text = failed["Remediation"]["Recommendation"]["Text"]
    assert 1 <= len(text) <= RECOMMENDATION_TEXT_MAX
    assert text == fix.ko if family is not None else fix.ko.startswith(text[:-1])
    assert failed["ProductFields"]["cce-scan/remediation_en"] == fix.en
    passed = to_asff(one(findings, "U-01"), default_region="ap-northeast-2")
    assert "Remediation" not in passed
    assert "cce-scan/remediation_en" not in passed["ProductFields"]


def test_every_items_asff_fix_fits_on_every_family() -> None:
    for family in (*FAMILIES, None):
        for finding in findings_on(OS_IDS[family], statuses(vulnerable=list(ITEMS))):
            asff: dict[str, Any] = to_asff(finding, default_region="ap-northeast-2")
            assert 1 <= len(asff["Remediation"]["Recommendation"]["Text"]) <= RECOMMENDATION_TEXT_MAX


@pytest.mark.parametrize("family", [*FAMILIES, None])
def test_the_csv_has_the_fix_in_two_last_columns_and_keeps_the_others(family: Family | None) -> None:
    data = findings_csv(findings_on(OS_IDS[family])).decode("utf-8")
    assert data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(data[len(BOM) :])))
    assert tuple(rows[0]) == COLUMNS
    assert COLUMNS[:15] == (
        "scan_id",
        "account_id",
        "region",
        "instance_id",
        "hostname",
        "code",
        "severity",
        "status",
        "title",
        "title_en",
        "reason",
        "evidence",
        "legacy_codes",
        "observed_at",
        "identity",
    )
    assert COLUMNS[15:] == ("remediation", "remediation_en")
    by_code = {row[COLUMNS.index("code")]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    fix = items()["U-02"].remediation_for(family)
    assert (by_code["U-02"]["remediation"], by_code["U-02"]["remediation_en"]) == (fix.ko, fix.en)
    assert (by_code["U-01"]["remediation"], by_code["U-01"]["remediation_en"]) == ("", "")
