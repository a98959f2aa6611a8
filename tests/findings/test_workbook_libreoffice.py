"""LibreOffice opens the audit workbook without repair: headless, it converts a ``report.xlsx`` whose
hosts share one name and plant formulas, error values and control characters in their text, to
ODS and every sheet to CSV, without an error; the matrix it reads equals the findings cell by cell,
and the planted formula is still text.

Needs LibreOffice: ``make test-xlsx`` installs it (``libreoffice-calc-nogui``) and runs this module,
which ``make test`` leaves out (marker ``xlsx``); ``.ci/run`` runs it after the other targets.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from cce_scan.cli import main
from tests.findings.tarbuilder import build_tar, item_line, jsonl, statuses, summary_line, valid_files
from tests.findings.workbook_reading import csv_rows, expected_matrix, open_workbook

pytestmark = pytest.mark.xlsx

SCAN = "20261126T120000-abc123"
ACCOUNT = "222222222222"
PLANTED = '=HYPERLINK("http://attacker.example","click")'
# Every sheet to its own CSV file (UTF-8, comma, double quote; the last field: all sheets).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail("LibreOffice is not installed: `make test-xlsx` installs it (libreoffice-calc-nogui)")
    return found


def _hostile_tar(instance: str) -> bytes:
    by_code = statuses(["U-01"], ["U-02"], **{"U-03": "NOT_APPLICABLE", "U-04": "ERROR"})
    items = [item_line(code, status) for code, status in by_code.items()]
    items[0] = item_line(
        "U-01", "VULNERABLE", reason=PLANTED, evidence="#REF!\x07\x1b[31m" + "e" * 40_000 + "\n"
    )
    files = valid_files(instance_id=instance)
    files["results.jsonl"] = jsonl([*items, summary_line(items, instance)])
    return build_tar(files)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("in") / SCAN / ACCOUNT
    base.mkdir(parents=True)
    (base / "i-00000000000000001.tar").write_bytes(_hostile_tar("i-00000000000000001"))
    for instance, vulnerable in (("i-00000000000000002", ["U-05"]), ("i-00000000000000003", [])):
        (base / f"{instance}.tar").write_bytes(
            build_tar(valid_files(statuses(vulnerable), instance_id=instance))
        )
    out = tmp_path_factory.mktemp("out")
    assert main(["analyze", *map(str, sorted(base.glob("*.tar"))), "--out", str(out), "--xlsx"]) == 0
    return out


def _convert(report: Path, tmp: Path, target: str) -> Path:
    """``soffice --headless --convert-to target``, with a profile of its own; the output folder."""
    out = tmp / target.split(":", 1)[0]
    done = subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(report / "report.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    problems = [
        line
        for line in done.stderr.splitlines()
        if "error" in line.lower() and "javaldx" not in line  # no Java here, and none needed
    ]
    assert (done.returncode, problems) == (0, []), done.stdout + done.stderr
    return out


def _read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_libreoffice_converts_the_workbook_to_ods_without_an_error(report: Path, tmp_path: Path) -> None:
    converted = _convert(report, tmp_path, "ods") / "report.ods"

    assert converted.is_file()
    assert converted.stat().st_size > 0


def test_libreoffice_reads_every_sheet_and_a_matrix_equal_to_the_findings(
    report: Path, tmp_path: Path
) -> None:
    out = _convert(report, tmp_path, CSV_FILTER)
    sheets = open_workbook(report / "report.xlsx").sheetnames

    assert sorted(path.name for path in out.glob("*.csv")) == sorted(f"report-{name}.csv" for name in sheets)
    summary = _read_csv(out / "report-요약.csv")
    header = next(i for i, row in enumerate(summary) if row and row[0] == "시트")
    instances = {row[0]: row[2] for row in summary[header + 1 :] if row and row[0]}
    rows = _read_csv(out / "report-항목별 결과.csv")
    hosts = [instances[name] for name in rows[0][3:]]
    cells = {
        (instance, row[0]): value
        for row in rows[1:]
        for instance, value in zip(hosts, row[3:], strict=True)
        if value
    }
    assert cells == expected_matrix(csv_rows(report / "findings.csv"))
    # The planted formula is text in LibreOffice too: its CSV shows it, not what it would compute.
    hostile = next(name for name, instance in instances.items() if instance == "i-00000000000000001")
    host_sheet = _read_csv(out / f"report-{hostile}.csv")
    [u01] = [row for row in host_sheet if row and row[0] == "U-01"]
    assert u01[4] == PLANTED
    assert u01[5].startswith("#REF!\ufffd\ufffd[31meee")
