"""Render a Report to CSV (plain decimals, for machines), Excel (numbers with formats), PDF or a text table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.integration.tabular import write_table
from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import ColumnKind, Report, ReportRow
from paksa_desktop.reporting.pdf import PdfOptions, to_pdf


def _plain(value: object, exponent: int, kind: ColumnKind) -> object:
    if isinstance(value, Decimal) and kind is ColumnKind.MONEY:
        return value.quantize(Decimal(1).scaleb(-exponent))  # a number: never formula-escaped
    return value


def to_csv(report: Report, path: Path, *, include_totals: bool = False) -> int:
    """Plain decimal strings with '.', no grouping, minus sign: the form other tools read."""
    rows = report.rows + (report.totals if include_totals else ())
    kinds = [c.kind for c in report.columns]
    return write_table(
        path,
        [c.key for c in report.columns],
        [[_plain(v, report.exponent, k) for v, k in zip(r.cells, kinds, strict=True)] for r in rows],
        fmt="csv",
    )


def to_xlsx(report: Report, path: Path, *, sheet: str | None = None) -> int:
    """Numbers stay numbers (money with the currency's decimals); a title block above the table."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side

    from paksa_desktop.integration.tabular import escape_text

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = (sheet or report.title)[:31]
    ws.append([report.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([" · ".join(p for p in (report.company, report.subtitle, report.currency) if p)])
    ws.append([])
    ws.append([c.title for c in report.columns])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    money_format = (
        "#,##0"
        + ("." + "0" * report.exponent if report.exponent else "")
        + ";(#,##0"
        + ("." + "0" * report.exponent if report.exponent else "")
        + ")"
    )

    def append(row: ReportRow) -> None:
        ws.append([escape_text(v) if isinstance(v, str) else v for v in row.cells])
        for column, cell in zip(report.columns, ws[ws.max_row], strict=False):
            if column.kind is ColumnKind.MONEY:
                cell.number_format = money_format
                cell.alignment = Alignment(horizontal="right")
            elif column.kind is ColumnKind.PERCENT:
                cell.number_format = '#,##0.0"%";(#,##0.0"%")'
                cell.alignment = Alignment(horizontal="right")
            elif column.kind is ColumnKind.DATE:
                cell.number_format = "yyyy-mm-dd"
            elif row.level and column is report.columns[0]:
                cell.alignment = Alignment(indent=row.level)  # statement lines and accounts under headings
            if row.style.value in ("total", "subtotal", "heading"):
                cell.font = Font(bold=True)
        if row.style.value in ("total", "subtotal"):
            for cell in ws[ws.max_row]:
                cell.border = Border(
                    top=Side(style="thin"), bottom=Side(style="double" if row.style.value == "total" else None)
                )

    for row in report.rows + report.totals:
        append(row)
    for index, column in enumerate(report.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        if column.numeric:
            width = 16.0
        else:  # as wide as the longest text (sampled), within reason
            sample = [r.cells[index - 1] for r in (report.rows + report.totals)[:2000]]
            longest = max((len(str(v)) for v in sample if v is not None), default=0)
            width = min(max(longest, len(column.title), 8) * 1.1 + 2, 60)
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    workbook.save(path)
    return len(report.rows)


def to_text(report: Report) -> str:
    """A fixed-width table for the terminal: numbers right-aligned, negatives in parentheses."""
    header = [c.title for c in report.columns]

    def texts(row: ReportRow) -> list[str]:
        indent = "  " * row.level
        cells = [cell_text(v, report.exponent, kind=c.kind) for v, c in zip(row.cells, report.columns, strict=True)]
        if cells and not report.columns[0].numeric:
            cells[0] = indent + cells[0]
        return cells

    body = [texts(r) for r in report.rows]
    totals = [texts(r) for r in report.totals]
    widths = [max(len(x) for x in column) for column in zip(header, *body, *totals, strict=False)]

    def fmt(cells: list[str]) -> str:
        parts = [
            cell.rjust(w) if col.numeric else cell.ljust(w)
            for cell, w, col in zip(cells, widths, report.columns, strict=False)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [report.title]
    if report.company or report.subtitle:
        lines.append(" · ".join(p for p in (report.company, report.subtitle, report.currency) if p))
    lines += ["", fmt(header), rule, *(fmt(r) for r in body)]
    if totals:
        lines += [rule, *(fmt(r) for r in totals)]
    return "\n".join(lines) + "\n"


FILE_FORMATS = ("csv", "xlsx", "pdf")


def file_format(path: Path, fmt: str | None = None) -> str:
    """The format asked for, else the file's extension; a clear error for anything else."""
    kind = (fmt or path.suffix.lstrip(".")).lower()
    if kind not in FILE_FORMATS:
        raise ValidationError(f"cannot write '{path.name}' as '{kind}': choose {', '.join(FILE_FORMATS)}")
    return kind


def render_file(report: Report, path: Path, fmt: str | None = None, *, pdf: PdfOptions | None = None) -> int:
    """Write the report as CSV, Excel or PDF (by `fmt` or the extension); returns the number of rows."""
    kind = file_format(path, fmt)
    if kind == "csv":
        return to_csv(report, path)
    if kind == "xlsx":
        return to_xlsx(report, path)
    to_pdf(report, path, pdf)
    return len(report.rows)
