"""Reading an audit workbook back (openpyxl) and the findings it must equal (the findings CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from scanner.report.workbook_words import Locale, status_word, word
from scanner.results import Status

__all__ = ["csv_rows", "expected_matrix", "host_rows", "matrix", "open_workbook", "sheet_instances"]


def open_workbook(source: Path | bytes) -> Workbook:
    """A workbook from its file or its bytes (an attachment's content)."""
    return load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source)


def _sheet(workbook: Workbook, name: str) -> Worksheet:
    sheet = workbook[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def sheet_instances(workbook: Workbook, locale: Locale = "ko") -> dict[str, str]:
    """Host sheet name → instance ID, from the summary sheet's table by host."""
    rows = list(_sheet(workbook, word("sheet_summary", locale)).iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == word("sheet", locale))
    found = {}
    for row in rows[header + 1 :]:
        if row[0] is None and row[2] is None:
            break
        if row[0]:
            found[str(row[0])] = str(row[2])
    return found


def matrix(workbook: Workbook, locale: Locale = "ko") -> dict[tuple[str, str], str]:
    """(instance, code) → the word in the matrix's cell, for every cell that is not empty."""
    instances = sheet_instances(workbook, locale)
    rows = list(_sheet(workbook, word("sheet_matrix", locale)).iter_rows(values_only=True))
    hosts = [instances[str(name)] for name in rows[0][3:]]
    cells = {}
    for row in rows[1:]:
        for instance, value in zip(hosts, row[3:], strict=True):
            if value is not None:
                cells[(instance, str(row[0]))] = str(value)
    return cells


def host_rows(workbook: Workbook, sheet: str, locale: Locale = "ko") -> dict[str, tuple[str, ...]]:
    """code → (title, severity, result, reason, evidence, remediation) of a host's sheet."""
    rows = list(_sheet(workbook, sheet).iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == word("code", locale))
    return {str(row[0]): tuple("" if v is None else str(v) for v in row[1:7]) for row in rows[header + 1 :]}


def csv_rows(source: Path | bytes) -> list[dict[str, str]]:
    """The findings CSV's rows, from its file or its bytes."""
    text = source.decode("utf-8-sig") if isinstance(source, bytes) else source.read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def expected_matrix(rows: list[dict[str, str]], locale: Locale = "ko") -> dict[tuple[str, str], str]:
    """(instance, code) → the word of the finding's status, from the findings CSV."""
    return {(row["instance_id"], row["code"]): status_word(Status(row["status"]), locale) for row in rows}
