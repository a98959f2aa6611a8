"""The audit workbook (``report.xlsx``): a scan in the layout an auditor hands in.

Sheets, in order:

1. the summary (요약): the scan, the accounts and hosts, the items by result (양호/취약/N/A/수동/오류),
   the compliance rate with its formula written out (양호 ÷ (양호 + 취약), the rate the Slack
   report shows), a table by account and a table by host (every targeted host, with its outcome,
   the name of its sheet and its counts);
2. the matrix (항목별 결과): one row per item U-01…U-67, one column per host with results, the item's
   result in each cell, colour coded; headers frozen and filters on;
3. one sheet per host with results, named after the host (:class:`scanner.report.excel.SheetNames`):
   each item's result, reason, evidence and the fix of a VULNERABLE item.

The headers and words are Korean or English (``locale``, :mod:`scanner.report.workbook_words`).
Everything is written in openpyxl's write-only mode, one host at a time: a host's sheet is closed
as soon as it is written, so memory and open files stay flat whatever the fleet size; only the
hosts' 67 results each are kept for the matrix. Text from hosts goes in as text, never as a formula,
and within Excel's limits (:mod:`scanner.report.excel`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from scanner.catalog import items as catalog_items
from scanner.outcomes import HostOutcome
from scanner.report.excel import SHEET_NAME_LIMIT, SheetNames, cell_text
from scanner.report.host_items import ItemResult
from scanner.report.models import HostSummary, ScanSummary
from scanner.report.workbook_words import Locale, outcome_word, severity_word, status_word, word
from scanner.results import Severity, Status

__all__ = ["STATUS_COLOURS", "STATUS_ORDER", "Labels", "build_workbook", "has_results", "save_workbook"]

# Fill and font colour of each result (the usual good/bad/neutral cell styles of spreadsheets).
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.GOOD: ("C6EFCE", "006100"),
    Status.VULNERABLE: ("FFC7CE", "9C0006"),
    Status.MANUAL: ("FFEB9C", "9C5700"),
    Status.NOT_APPLICABLE: ("EDEDED", "595959"),
    Status.ERROR: ("E4DFEC", "5B3C88"),
}
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center")
_RATE_FORMAT = "0.0%"
_ITEM_COLUMNS = 3  # code, item, severity: the matrix's columns before the hosts
# The results in the order the guide lists them.
STATUS_ORDER = (Status.GOOD, Status.VULNERABLE, Status.NOT_APPLICABLE, Status.MANUAL, Status.ERROR)

# The items of each of the given hosts, in their order (a reader may read a few hosts ahead).
ItemsOf = Callable[[Sequence[HostSummary]], Iterable[Iterable[ItemResult]]]


def has_results(host: HostSummary) -> bool:
    """Whether a host has findings (a column in the matrix and a sheet of its own)."""
    return host.outcome is HostOutcome.SUCCEEDED and bool(host.counts)


@dataclass(frozen=True)
class Labels:
    """What people call accounts and hosts, beyond what the findings say: each account's alias (the
    configuration's) and each host's Name tag (the scan state's), by (account, instance)."""

    aliases: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def account(self, account_id: str) -> str:
        alias = self.aliases.get(account_id)
        return f"{alias} ({account_id})" if alias else account_id

    def name(self, host: HostSummary) -> str:
        """The host's Name tag, else the host name it reported, else its instance ID."""
        return self.names.get((host.account_id, host.instance_id)) or host.hostname or host.instance_id

    def sheet_title(self, host: HostSummary) -> str:
        """The name a host's sheet is given before Excel's rules and numbering apply: :meth:`name`, its
        first label when it is a host name longer than a sheet name may be."""
        name = self.name(host)
        if len(name) > SHEET_NAME_LIMIT and "." in name.strip("."):
            name = name.strip(".").split(".", 1)[0]
        return name

    def order(self, host: HostSummary) -> tuple[str, str, str]:
        return (host.account_id, self.name(host).casefold(), host.instance_id)


_STATUS_STYLES: dict[Status, tuple[Font, PatternFill]] = {
    status: (Font(color=font), PatternFill("solid", fgColor=fill))
    for status, (fill, font) in STATUS_COLOURS.items()
}

_Style = tuple[Font | None, PatternFill | None, Alignment | None, str | None]


class _Styled(Protocol):
    """A cell's resolved style: indices into the workbook's fonts, fills, … (openpyxl's, untyped)."""

    _style: StyleArray


class _StyleCache:
    """Each combination of the module's style objects resolved once per workbook: openpyxl looks a
    font or fill up in the workbook's lists by hashing it on every assignment, which was most of the
    time of a large workbook; a cell of a known combination copies the resolved indices instead
    (as openpyxl itself does for a named style)."""

    def __init__(self) -> None:
        self._resolved: dict[tuple[int, int, int, str | None], StyleArray] = {}

    def apply(self, cell: Cell, style: _Style) -> None:
        font, fill, alignment, number_format = style
        key = (id(font), id(fill), id(alignment), number_format)
        resolved = self._resolved.get(key)
        if resolved is not None:
            cast(_Styled, cell)._style = copy(resolved)
            return
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        self._resolved[key] = copy(cast(_Styled, cell)._style)


class _Sheet:
    """A write-only sheet and the cells it is written with."""

    def __init__(self, workbook: Workbook, title: str, styles: _StyleCache) -> None:
        sheet = workbook.create_sheet(title)
        assert isinstance(sheet, WriteOnlyWorksheet)
        self.ws = sheet
        self._styles = styles
        # A write-only sheet has a Worksheet's column widths, filter and frozen panes (openpyxl
        # copies them over), which its type stubs do not say.
        self.layout = cast(Worksheet, sheet)
        self.rows = 0

    def cell(
        self,
        value: str | float | None,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        alignment: Alignment | None = None,
        number_format: str | None = None,
    ) -> Cell:
        if isinstance(value, str) or value is None:
            cell = WriteOnlyCell(self.ws, cell_text(value))
            cell.data_type = "s"  # text, never a formula or an error value, whatever it starts with
        else:
            cell = WriteOnlyCell(self.ws, value)
        if font is not None or fill is not None or alignment is not None or number_format is not None:
            self._styles.apply(cell, (font, fill, alignment, number_format))
        return cell

    def header(self, values: Iterable[str]) -> list[Cell]:
        return [self.cell(v, font=_BOLD, fill=_HEADER_FILL, alignment=_CENTER) for v in values]

    def status(self, status: Status | None, locale: Locale) -> Cell | None:
        if status is None:
            return None
        font, fill = _STATUS_STYLES[status]
        return self.cell(status_word(status, locale), font=font, fill=fill, alignment=_CENTER)

    def append(self, row: Sequence[Any]) -> int:
        self.ws.append(list(row))
        self.rows += 1
        return self.rows

    def widths(self, widths: Iterable[float]) -> None:
        for index, width in enumerate(widths, 1):
            self.layout.column_dimensions[get_column_letter(index)].width = width


def _rate(good: int, vulnerable: int) -> float | None:
    decided = good + vulnerable
    return good / decided if decided else None


NOT_COVERED_LISTED = 50  # instances the summary sheet's "not covered" cell names


def _not_covered(summary: ScanSummary, labels: Labels, locale: Locale) -> str:
    """The running instances SSM does not manage: their count, the first few named, and the
    accounts whose running instances could not be listed."""
    named = [
        f"{host.instance_id} ({host.hostname})" if host.hostname else host.instance_id
        for account in summary.coverage
        for host in account.instances
    ]
    text = str(summary.not_covered)
    if named:
        rest = summary.not_covered - min(len(named), NOT_COVERED_LISTED)
        text += ": " + ", ".join(named[:NOT_COVERED_LISTED]) + (f" … +{rest}" if rest > 0 else "")
    unchecked = [labels.account(a.account_id) for a in summary.coverage if not a.checked]
    if unchecked:
        text += f" ({word('coverage_unchecked', locale)}: {', '.join(unchecked)})"
    return text


def _summary_sheet(
    sheet: _Sheet,
    summary: ScanSummary,
    hosts: Sequence[HostSummary],
    sheet_of: Mapping[tuple[str, str], str],
    locale: Locale,
    labels: Labels,
) -> None:
    sheet.widths((26, 16, 22, 20, 24, 16, 16, 40, 10, 10, 10, 10, 10, 12))

    def pair(label: str, value: str | float | None, **style: Any) -> None:
        sheet.append([sheet.cell(label, font=_BOLD), sheet.cell(value, **style)])

    sheet.append([sheet.cell(word("title", locale), font=_TITLE)])
    sheet.append([])
    pair(word("scan_id", locale), summary.scan_id)
    pair(word("standard", locale), word("standard_value", locale))
    names = [labels.account(a.account_id) for a in summary.accounts]
    pair(word("accounts", locale), f"{len(names)}: {', '.join(names)}")
    pair(word("hosts", locale), summary.hosts)
    pair(word("hosts_with_results", locale), sum(1 for host in hosts if has_results(host)))
    if summary.coverage:
        pair(word("not_covered", locale), _not_covered(summary, labels, locale))
    sheet.append([])
    sheet.append(sheet.header([word("result", locale), word("count", locale)]))
    for status in STATUS_ORDER:
        sheet.append([sheet.status(status, locale), sheet.cell(summary.counts.get(status, 0))])
    sheet.append([])
    good, vulnerable = summary.counts.get(Status.GOOD, 0), summary.counts.get(Status.VULNERABLE, 0)
    rate = _rate(good, vulnerable)
    shown = word("no_rate", locale) if rate is None else f"{rate:.1%}"
    pair(word("rate", locale), rate if rate is not None else shown, font=_BOLD, number_format=_RATE_FORMAT)
    pair(word("formula", locale), word("formula_text", locale, good=good, vulnerable=vulnerable, rate=shown))
    sheet.append([None, sheet.cell(word("formula_note", locale))])
    sheet.append([])

    sheet.append([sheet.cell(word("by_account", locale), font=_BOLD)])
    sheet.append(
        [
            *sheet.header(word(key, locale) for key in ("account_id", "alias", "hosts", "succeeded")),
            sheet.status(Status.GOOD, locale),
            sheet.status(Status.VULNERABLE, locale),
            *sheet.header([word("rate", locale)]),
        ]
    )
    for account in summary.accounts:
        sheet.append(
            [
                sheet.cell(account.account_id),
                sheet.cell(labels.aliases.get(account.account_id, "")),
                sheet.cell(account.hosts),
                sheet.cell(account.succeeded),
                sheet.cell(account.good),
                sheet.cell(account.vulnerable),
                sheet.cell(account.pass_rate, number_format=_RATE_FORMAT)
                if account.pass_rate is not None
                else sheet.cell(word("no_rate", locale)),
            ]
        )
    sheet.append([])

    sheet.append([sheet.cell(word("by_host", locale), font=_BOLD)])
    sheet.append(
        sheet.header(
            word(key, locale)
            for key in (
                "sheet",
                "account_id",
                "instance_id",
                "name",
                "hostname",
                "region",
                "outcome",
                "outcome_reason",
            )
        )
        + [sheet.status(status, locale) for status in STATUS_ORDER]
        + sheet.header([word("rate", locale)])
    )
    for host in sorted(hosts, key=labels.order):
        counts = [host.counts.get(status, 0) for status in STATUS_ORDER]
        host_rate = _rate(host.counts.get(Status.GOOD, 0), host.counts.get(Status.VULNERABLE, 0))
        sheet.append(
            [
                sheet.cell(sheet_of.get((host.account_id, host.instance_id), "")),
                sheet.cell(host.account_id),
                sheet.cell(host.instance_id),
                sheet.cell(labels.names.get((host.account_id, host.instance_id), "")),
                sheet.cell(host.hostname or ""),
                sheet.cell(host.region or ""),
                sheet.cell(outcome_word(host.outcome, locale)),
                sheet.cell(host.reason or ""),
                *(sheet.cell(count) if has_results(host) else None for count in counts),
                sheet.cell(host_rate, number_format=_RATE_FORMAT) if host_rate is not None else None,
            ]
        )


def _matrix_sheet(
    sheet: _Sheet,
    columns: Sequence[tuple[str, Mapping[str, Status]]],
    locale: Locale,
) -> None:
    sheet.widths([12, 44, 8] + [14] * len(columns))
    last = get_column_letter(_ITEM_COLUMNS + len(columns))
    sheet.layout.freeze_panes = f"{get_column_letter(_ITEM_COLUMNS + 1)}2"
    sheet.layout.auto_filter.ref = f"A1:{last}{1 + len(catalog_items())}"
    sheet.append(
        sheet.header([word("code", locale), word("item", locale), word("severity", locale)])
        + sheet.header(name for name, _ in columns)
    )
    for code, entry in catalog_items().items():
        sheet.append(
            [
                sheet.cell(code, font=_BOLD),
                sheet.cell(entry.title.of(locale)),
                sheet.cell(severity_word(Severity(entry.severity), locale), alignment=_CENTER),
                *(sheet.status(statuses.get(code), locale) for _, statuses in columns),
            ]
        )


def _host_sheet(
    sheet: _Sheet,
    host: HostSummary,
    results: Iterable[ItemResult],
    locale: Locale,
    labels: Labels,
) -> dict[str, Status]:
    sheet.widths((12, 36, 8, 10, 48, 60, 60))
    for key, value in (
        ("host", labels.name(host)),
        ("account", labels.account(host.account_id)),
        ("instance_id", host.instance_id),
        ("hostname", host.hostname or ""),
        ("region", host.region or ""),
    ):
        sheet.append([sheet.cell(word(key, locale), font=_BOLD), sheet.cell(value)])
    sheet.append([])
    header = sheet.append(
        sheet.header(
            word(key, locale)
            for key in ("code", "item", "severity", "status", "reason", "evidence", "remediation")
        )
    )
    sheet.layout.freeze_panes = f"A{header + 1}"
    items = catalog_items()
    statuses: dict[str, Status] = {}
    for result in results:
        entry = items.get(result.code)
        statuses[result.code] = result.status
        sheet.append(
            [
                sheet.cell(result.code, font=_BOLD, alignment=_TOP),
                sheet.cell(entry.title.of(locale) if entry else "", alignment=_WRAP),
                sheet.cell(severity_word(Severity(entry.severity), locale) if entry else "", alignment=_TOP),
                sheet.status(result.status, locale),
                sheet.cell(result.reason, alignment=_WRAP),
                sheet.cell(result.evidence, alignment=_WRAP),
                sheet.cell(result.remediation.of(locale) if result.remediation else "", alignment=_WRAP),
            ]
        )
    sheet.layout.auto_filter.ref = f"A{header}:G{max(sheet.rows, header)}"
    return statuses


def build_workbook(
    summary: ScanSummary,
    hosts: Sequence[HostSummary],
    items_of: ItemsOf,
    *,
    locale: Locale = "ko",
    labels: Labels | None = None,
) -> Workbook:
    """The workbook of a scan: ``summary`` and every targeted host's summary; ``items_of`` is called
    once with the hosts with results (:func:`has_results`) in the order of their sheets and yields
    each one's items in that order, one host consumed at a time. Returned unsaved (write-only: save
    it once, :func:`save_workbook`)."""
    labels = labels or Labels()
    workbook = Workbook(write_only=True)
    names = SheetNames([word("sheet_summary", locale), word("sheet_matrix", locale)])
    styles = _StyleCache()
    summary_sheet = _Sheet(workbook, word("sheet_summary", locale), styles)
    matrix_sheet = _Sheet(workbook, word("sheet_matrix", locale), styles)
    columns: list[tuple[str, Mapping[str, Status]]] = []
    sheet_of: dict[tuple[str, str], str] = {}
    ordered = sorted((h for h in hosts if has_results(h)), key=labels.order)
    for host, results in zip(ordered, items_of(ordered), strict=True):
        name = names.take(labels.sheet_title(host))
        sheet = _Sheet(workbook, name, styles)
        statuses = _host_sheet(sheet, host, results, locale, labels)
        sheet.ws.close()  # written: its file is closed now, not when the workbook is saved
        columns.append((name, statuses))
        sheet_of[(host.account_id, host.instance_id)] = name
    _matrix_sheet(matrix_sheet, columns, locale)
    _summary_sheet(summary_sheet, summary, hosts, sheet_of, locale, labels)
    workbook.properties.title = f"{word('title', locale)} {summary.scan_id}"
    workbook.properties.creator = "cce-scan"
    return workbook


def save_workbook(workbook: Workbook, target: Path | IO[bytes]) -> None:
    """Write ``workbook`` (from :func:`build_workbook`) to a path or a binary file."""
    workbook.save(target)  # a path or a file object
