"""The audit workbook (``report.xlsx``) that ``cce-scan analyze --xlsx`` writes, read back with openpyxl:
its matrix equals the findings cell by cell, each host's sheet gives each item's result, reason,
evidence and the catalog's fix, the summary counts and rates them, and text from hosts stays text
within Excel's limits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cce_scan.cli import main
from scanner.catalog import items, remediation
from scanner.outcomes import HostOutcome
from scanner.report import ScanSummary, summarize_scan
from scanner.report.excel import CELL_LIMIT, TRUNCATED, SheetNames, cell_text
from scanner.report.host_items import ItemResult
from scanner.report.models import HostSummary
from scanner.report.workbook import STATUS_COLOURS, Labels, build_workbook, save_workbook
from scanner.report.workbook_words import status_word
from scanner.results import Status
from tests.findings.tarbuilder import build_tar, statuses, valid_files
from tests.findings.workbook_reading import (
    csv_rows,
    expected_matrix,
    host_rows,
    matrix,
    open_workbook,
    sheet_instances,
)

SCAN = "20261126T120000-abc123"
ACCOUNT = "222222222222"
# Three hosts that all call themselves ip-10-0-0-12.ap-northeast-2.compute.internal (tarbuilder's
# HOSTNAME, 44 characters): their sheets must still have three valid, different names.
HOSTS = {
    "i-00000000000000001": statuses(["U-01", "U-05"], ["U-20"], **{"U-10": "NOT_APPLICABLE"}),
    "i-00000000000000002": statuses(["U-02"], ["U-12"], **{"U-11": "ERROR"}),
    "i-00000000000000003": statuses(),
}


def _analyze(tmp: Path, *extra: str) -> Path:
    base = tmp / "in" / SCAN / ACCOUNT
    base.mkdir(parents=True)
    for instance, by_code in HOSTS.items():
        (base / f"{instance}.tar").write_bytes(build_tar(valid_files(by_code, instance_id=instance)))
    out = tmp / "out"
    code = main(["analyze", *map(str, sorted(base.glob("*.tar"))), "--out", str(out), "--xlsx", *extra])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def korean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _analyze(tmp_path_factory.mktemp("ko"))


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _analyze(tmp_path_factory.mktemp("en"), "--locale", "en")


def test_the_matrix_equals_the_findings_cell_by_cell_and_is_colour_coded(korean: Path) -> None:
    workbook = open_workbook(korean / "report.xlsx")
    findings = csv_rows(korean / "findings.csv")

    assert len(findings) == 3 * 67
    assert matrix(workbook) == expected_matrix(findings)
    sheet = workbook["항목별 결과"]
    assert isinstance(sheet, Worksheet)
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == list(items())
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == "A1:F68"
    words = {status_word(status, "ko"): status for status in Status}
    for row in sheet.iter_rows(min_row=2, min_col=4):
        for cell in row:
            assert cell.fill.fgColor.rgb == "00" + STATUS_COLOURS[words[str(cell.value)]][0]


def test_each_host_sheet_gives_each_items_result_reason_evidence_and_the_catalogs_fix(korean: Path) -> None:
    workbook = open_workbook(korean / "report.xlsx")
    sheet = {instance: name for name, instance in sheet_instances(workbook).items()}["i-00000000000000001"]
    findings = {
        row["code"]: row
        for row in csv_rows(korean / "findings.csv")
        if row["instance_id"] == "i-00000000000000001"
    }

    rows = host_rows(workbook, sheet)

    assert list(rows) == list(items())
    for code, (title, severity, result, reason, evidence, fix) in rows.items():
        finding = findings[code]
        assert (title, result, reason, evidence) == (
            finding["title"],
            status_word(Status(finding["status"]), "ko"),
            finding["reason"],
            finding["evidence"],
        )
        assert severity == {"high": "상", "medium": "중", "low": "하"}[finding["severity"]]
        assert fix == finding["remediation"]
    # A vulnerable item's fix is the catalog's (this host names no distribution: every family's fix).
    catalog_fix = remediation("U-01", None)
    assert catalog_fix is not None
    assert rows["U-01"][5] == catalog_fix.ko
    assert rows["U-02"][5] == ""  # a good item has nothing to fix


def test_the_summary_counts_each_result_and_writes_out_the_compliance_rate_formula(korean: Path) -> None:
    workbook = open_workbook(korean / "report.xlsx")
    sheet = workbook["요약"]
    assert isinstance(sheet, Worksheet)
    pairs = {row[0]: row[1] for row in sheet.iter_rows(max_col=2, values_only=True) if row[0] is not None}

    assert (pairs["양호"], pairs["취약"], pairs["N/A"], pairs["수동"], pairs["오류"]) == (194, 3, 1, 2, 1)
    assert pairs["대상 호스트"] == 3
    assert pairs["계정"] == f"1: {ACCOUNT}"
    assert pairs["양호율"] == pytest.approx(194 / 197)
    assert pairs["계산식"] == "양호 ÷ (양호 + 취약) = 194 ÷ (194 + 3) = 98.5%"


def test_headers_and_words_are_english_with_locale_en(english: Path) -> None:
    workbook = open_workbook(english / "report.xlsx")

    assert workbook.sheetnames[:2] == ["Summary", "Items by host"]
    sheet = workbook["Items by host"]
    assert isinstance(sheet, Worksheet)
    assert [cell.value for cell in sheet[1]][:3] == ["Code", "Item", "Severity"]
    assert sheet["B2"].value == items()["U-01"].title.en
    assert matrix(workbook, "en") == expected_matrix(csv_rows(english / "findings.csv"), "en")


def test_hosts_with_one_name_get_sheets_of_valid_different_names(korean: Path) -> None:
    workbook = open_workbook(korean / "report.xlsx")

    assert workbook.sheetnames == [
        "요약",
        "항목별 결과",
        "ip-10-0-0-12",
        "ip-10-0-0-12 (2)",
        "ip-10-0-0-12 (3)",
    ]
    assert sorted(sheet_instances(workbook).values()) == sorted(HOSTS)


def test_sheet_names_keep_excels_rules() -> None:
    names = SheetNames(["요약", "항목별 결과"])

    assert names.take("요약") == "요약 (2)"
    assert names.take("a/b[c]:d*e?f\\g") == "a_b_c__d_e_f_g"
    assert names.take("'quoted'") == "quoted"
    assert names.take("History") == "History (2)"  # Excel's own
    assert names.take("") == "_"
    long = names.take("x" * 40)
    assert long == "x" * 31
    assert names.take("X" * 40) == "X" * 27 + " (2)"  # the same name to Excel, which ignores case
    assert names.take("tab\there") == "tab_here"


def test_cell_text_is_cut_to_excels_limit_with_a_marker_and_keeps_only_what_xml_carries() -> None:
    assert cell_text("ok\x00\x1b[31m\ud800") == "ok\ufffd\ufffd[31m\ufffd"
    assert cell_text("a\tb\nc") == "a\tb\nc"
    long = cell_text("y" * 40_000)
    assert len(long) == CELL_LIMIT
    assert long.endswith(TRUNCATED)
    wide = cell_text("😀" * 20_000)  # two UTF-16 units each, as Excel counts them
    assert len(wide.encode("utf-16-le")) // 2 <= CELL_LIMIT
    assert wide.endswith(TRUNCATED)


def _host(instance: str, hostname: str | None, counts: dict[Status, int]) -> HostSummary:
    return HostSummary(
        scan_id=SCAN,
        account_id=ACCOUNT,
        instance_id=instance,
        hostname=hostname,
        outcome=HostOutcome.SUCCEEDED,
        counts=counts,
    )


def test_what_a_host_says_goes_in_as_text_never_a_formula_and_within_the_cell_limit() -> None:
    planted = ItemResult(
        code="U-01",
        status=Status.VULNERABLE,
        reason='=HYPERLINK("http://attacker.example","click")',
        evidence="#REF!" + "\x07" + "e" * 40_000,
    )
    host = _host("i-00000000000000009", "=cmd|' /C calc'!A0", {Status.VULNERABLE: 1})
    failed = HostSummary(
        scan_id=SCAN, account_id=ACCOUNT, instance_id="i-0000000000000000a", outcome=HostOutcome.TIMED_OUT
    )
    summary: ScanSummary = summarize_scan(SCAN, [host, failed])
    buffer = io.BytesIO()

    save_workbook(
        build_workbook(
            summary,
            [host, failed],
            lambda hosts: [[planted] for _ in hosts],
            labels=Labels(aliases={ACCOUNT: "prod"}),
        ),
        buffer,
    )

    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook.sheetnames == ["요약", "항목별 결과", "=cmd|' _C calc'!A0"]
    sheet = workbook["=cmd|' _C calc'!A0"]
    assert isinstance(sheet, Worksheet)
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "항목 코드")
    reason, evidence = sheet.cell(header + 1, 5), sheet.cell(header + 1, 6)
    assert (reason.data_type, reason.value) == ("s", planted.reason)
    assert evidence.data_type == "s"
    assert str(evidence.value).startswith("#REF!\ufffdeee")
    assert len(str(evidence.value)) == CELL_LIMIT
    assert str(evidence.value).endswith(TRUNCATED)
    # The failed host has no sheet and no column, but the summary lists it with its outcome.
    rows = list(workbook["요약"].iter_rows(values_only=True))
    assert any(row[2] == "i-0000000000000000a" and row[6] == "TIMED_OUT" for row in rows)
    assert any(row[0] == ACCOUNT and row[1] == "prod" for row in rows)
