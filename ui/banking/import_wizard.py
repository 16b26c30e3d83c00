"""Import a statement file into a bank account: choose the file, map a CSV's columns, preview, import.

The format is found from the file's content. A CSV file gets the mapping editor: the columns of its
header in combos, date format, separators, rows to skip, one amount column or debit and credit, and a
live preview of the lines as the profile reads them; the mapping is saved as the account's import
profile, so the next file from that bank opens with it. The preview then says what the import would do
(lines to import, duplicates skipped, warnings, errors); Import writes all of it or nothing, on a worker.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.banking.accounts import BankAccountInput, BankAccountRow
from paksa_desktop.banking.formats import AmountSign, CsvProfile, detect_format, read_statement_file
from paksa_desktop.banking.formats.common import decode, read_bytes
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine
from paksa_desktop.banking.statement_import import ImportResult
from paksa_desktop.core.errors import PaksaError
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.banking.base_view import bank_queries, bank_service, import_service
from ui.errors import attempt, message_for, show_error
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel
from ui.style import MUTED, set_state
from ui.widgets.dialogs import note
from ui.widgets.notify import notify
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Job, Progress, run_with_progress

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%Y%m%d", "%d.%m.%y")
DELIMITERS = ((",", "Comma ,"), (";", "Semicolon ;"), ("\t", "Tab"), ("|", "Bar |"))
THOUSANDS = (("", "None"), (".", "Point ."), (",", "Comma ,"), (" ", "Space"), ("'", "Apostrophe '"))
TEXT_FIELDS = (
    ("description_column", "&Description"),
    ("reference_column", "&Reference"),
    ("bank_id_column", "Bank &id"),
    ("counterparty_column", "Counter&party"),
    ("value_date_column", "&Value date"),
)
NONE = "(none)"
PREVIEW_ROWS = 200  # the live preview shows the first lines; the import reads them all

LINE_COLUMNS = (
    Col("row", "Line", lambda r: r.row, ColumnKind.INTEGER, width=56),
    Col("booked", "Date", lambda r: r.booked, ColumnKind.DATE, width=96),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=110),
    Col("description", "Description", lambda r: r.description or r.counterparty),
    Col("reference", "Reference", lambda r: r.reference, width=130),
    Col("bank_id", "Bank id", lambda r: r.bank_id, width=140),
)
PREVIEW_COLUMNS = (
    *LINE_COLUMNS,
    Col("action", "Import", lambda r: r.action, width=180),
)


def lines_text(count: int) -> str:
    """'1 line', '3 lines': the counts on the wizard's pages, spelled like the other screens'."""
    return f"{count:,} line" + ("" if count == 1 else "s")


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """A line of the file with what the import does with it."""

    line: StatementLine
    action: str  # "new" or "skip: already imported" / "skip: twice in this import"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.line, name)


@dataclass(frozen=True, slots=True)
class CsvSample:
    """The start of a CSV file as the mapping editor needs it: its lines and their cells."""

    lines: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> CsvSample:
        data = read_bytes(path)
        text = decode(data, path.name)
        return cls(tuple(text.lstrip("\ufeff").splitlines()[:400]))

    def guess_delimiter(self, skip: int) -> str:
        head = "\n".join(self.lines[skip : skip + 5])
        return max((d for d, _ in DELIMITERS), key=head.count)

    def guess_skip(self) -> int:
        """Lines before the header: the first line with as many cells as the lines after it."""
        for skip in range(min(20, len(self.lines))):
            delimiter = self.guess_delimiter(skip)
            widths = [len(self.cells(line, delimiter)) for line in self.lines[skip : skip + 4] if line.strip()]
            if len(widths) >= 2 and widths[0] >= 3 and len(set(widths)) == 1:
                return skip
        return 0

    @staticmethod
    def cells(line: str, delimiter: str) -> list[str]:
        try:
            return next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
        except csv.Error:
            return line.split(delimiter)

    def values(self, skip: int, delimiter: str, header: bool, column: str | int) -> list[str]:
        """The sample's non-empty cells of one column (named, or numbered from 1 in a file without a header)."""
        rows = [line for line in self.lines[skip:] if line.strip()]
        if header and rows:
            names = [c.strip() for c in self.cells(rows[0], delimiter)]
            if column not in names:
                return []
            index, rows = names.index(str(column)), rows[1:]
        else:
            index = int(column) - 1
        cells = (self.cells(line, delimiter) for line in rows[:50])
        return [c[index].strip() for c in cells if len(c) > index and c[index].strip()]

    def guess_date_format(self, skip: int, delimiter: str, header: bool, column: str | int) -> str | None:
        """The first of DATE_FORMATS that reads every date of the sample (None when none does): a US file's
        06/30/2025 should not open on an error about %Y-%m-%d."""
        values = self.values(skip, delimiter, header, column)
        for form in DATE_FORMATS:
            try:
                if values and all(datetime.strptime(v, form) for v in values):
                    return form
            except ValueError:
                continue
        return None

    def guess_number_style(
        self, skip: int, delimiter: str, header: bool, columns: Sequence[str | int]
    ) -> tuple[str, bool] | None:
        """(thousands separator, decimal comma) when the amounts show them plainly ('3,940.00', '1.234,56'),
        None when they do not tell."""
        values = [v for c in columns for v in self.values(skip, delimiter, header, c)]
        if any(re.fullmatch(r"[-+(]?\d{1,3}(,\d{3})+\.\d+\)?", v) for v in values):
            return ",", False
        if any(re.fullmatch(r"[-+(]?\d{1,3}(\.\d{3})+,\d+\)?", v) for v in values):
            return ".", True
        return None

    def columns(self, skip: int, delimiter: str, header: bool) -> list[str]:
        """The header's names, or 'Column N' for a file without one."""
        rows = [line for line in self.lines[skip:] if line.strip()]
        if not rows:
            return []
        first = self.cells(rows[0], delimiter)
        if header:
            return [c.strip() for c in first if c.strip()]
        return [f"Column {i}" for i in range(1, len(first) + 1)]


class MappingPage(QWidget):
    """The CSV mapping editor with its live preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sample = CsvSample(())
        self.path: Path | None = None
        self._loading = False
        self.profile: CsvProfile | None = None

        self.delimiter = QComboBox()
        for value, text in DELIMITERS:
            self.delimiter.addItem(text, value)
        self.skip = QSpinBox()
        self.skip.setRange(0, 1000)
        self.header = QCheckBox("First row names the columns")
        self.header.setChecked(True)
        self.footer = QSpinBox()
        self.footer.setRange(0, 1000)
        self.date_format = QComboBox()
        self.date_format.setEditable(True)
        self.date_format.addItems(DATE_FORMATS)
        self.decimal_comma = QCheckBox("Decimal comma (1234,56)")
        self.thousands = QComboBox()
        for value, text in THOUSANDS:
            self.thousands.addItem(text, value)
        self.one_amount = QRadioButton("One amount column")
        self.two_amounts = QRadioButton("Debit and credit columns")
        self.one_amount.setChecked(True)
        self.amount_mode = QButtonGroup(self)
        self.amount_mode.addButton(self.one_amount)
        self.amount_mode.addButton(self.two_amounts)
        self.sign = QComboBox()
        self.sign.addItem("+ is money in", AmountSign.SIGNED.value)
        self.sign.addItem("+ is money out (card)", AmountSign.INVERTED.value)
        self.date_column = QComboBox()
        self.amount_column = QComboBox()
        self.debit_column = QComboBox()
        self.credit_column = QComboBox()
        self.text_columns = {name: QComboBox() for name, _ in TEXT_FIELDS}
        for combo in self.column_combos():
            combo.setMinimumContentsLength(14)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)

        def put(row: int, col: int, caption: str, field: QWidget) -> None:
            label = QLabel(caption)
            label.setBuddy(field)
            grid.addWidget(label, row, col)
            grid.addWidget(field, row, col + 1)

        put(0, 0, "Se&parator", self.delimiter)
        put(1, 0, "&Skip lines before the header", self.skip)
        grid.addWidget(self.header, 2, 1)
        put(3, 0, "Total lines at the &end", self.footer)
        put(4, 0, "Date &format", self.date_format)
        grid.addWidget(self.decimal_comma, 5, 1)
        put(6, 0, "&Thousands separator", self.thousands)
        put(0, 2, "D&ate column", self.date_column)
        grid.addWidget(self.one_amount, 1, 2)
        grid.addWidget(self.amount_column, 1, 3)
        grid.addWidget(self.two_amounts, 2, 2)
        two = QHBoxLayout()
        two.addWidget(self.debit_column)
        two.addWidget(self.credit_column)
        grid.addLayout(two, 2, 3)
        put(3, 2, "Si&gn", self.sign)
        for i, (name, caption) in enumerate(TEXT_FIELDS):
            if i < 3:
                put(4 + i, 2, caption, self.text_columns[name])
            else:
                put(7, 0 if i == 3 else 2, caption, self.text_columns[name])
        self.debit_column.setToolTip("Money out")
        self.credit_column.setToolTip("Money in")

        self.status = QLabel()
        self.status.setObjectName("mappingStatus")
        self.status.setWordWrap(True)
        self.model = RowsTableModel(LINE_COLUMNS, parent=self)
        self.table = make_table("csvPreviewTable", self.model, LINE_COLUMNS, stretch="description")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note("Tell Paksa how this bank writes its CSV; the preview below updates as you go."))
        layout.addLayout(grid)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

        for combo in (self.delimiter, self.thousands, self.sign, *self.column_combos()):
            combo.currentIndexChanged.connect(self.update_preview)
        self.date_format.currentTextChanged.connect(self.update_preview)
        for spin in (self.skip, self.footer):
            spin.valueChanged.connect(self._layout_changed)
        self.delimiter.currentIndexChanged.connect(self._layout_changed)
        self.header.toggled.connect(self._layout_changed)
        self.decimal_comma.toggled.connect(self.update_preview)
        self.one_amount.toggled.connect(self._mode_changed)

    def column_combos(self) -> list[QComboBox]:
        return [
            self.date_column,
            self.amount_column,
            self.debit_column,
            self.credit_column,
            *self.text_columns.values(),
        ]

    # ---- loading a file (with the account's saved profile, if any)
    def load(self, path: Path, saved: CsvProfile | None) -> None:
        self.path = path
        self.sample = CsvSample.read(path)
        self._loading = True
        if saved is not None:
            self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(saved.delimiter)))
            self.skip.setValue(saved.skip_rows)
            self.header.setChecked(saved.header)
            self.footer.setValue(saved.skip_footer_rows)
            self.date_format.setCurrentText(saved.date_formats[0])
            self.decimal_comma.setChecked(saved.decimal_comma)
            self.thousands.setCurrentIndex(max(0, self.thousands.findData(saved.thousands_separator)))
            self.sign.setCurrentIndex(max(0, self.sign.findData(saved.sign.value)))
            (self.one_amount if saved.amount_column is not None else self.two_amounts).setChecked(True)
        else:
            skip = self.sample.guess_skip()
            self.skip.setValue(skip)
            self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(self.sample.guess_delimiter(skip))))
        self._fill_columns(saved)
        debit_credit = self.debit_column.currentData() is not None and self.credit_column.currentData() is not None
        if saved is None and self.amount_column.currentData() is None and debit_credit:
            self.two_amounts.setChecked(True)  # a Debit and a Credit column but no Amount: the first guess fits
        if saved is None and self.date_column.currentData() is not None:
            form = self.sample.guess_date_format(
                self.skip.value(), self.delimiter.currentData(), self.header.isChecked(), self.date_column.currentData()
            )
            if form is not None:
                self.date_format.setCurrentText(form)
            amounts = [c.currentData() for c in (self.amount_column, self.debit_column, self.credit_column)]
            style = self.sample.guess_number_style(
                self.skip.value(), self.delimiter.currentData(), self.header.isChecked(),
                [a for a in amounts if a is not None],
            )  # fmt: skip
            if style is not None:
                self.thousands.setCurrentIndex(max(0, self.thousands.findData(style[0])))
                self.decimal_comma.setChecked(style[1])
        self._loading = False
        self._mode_changed()

    def _layout_changed(self, *_args: object) -> None:
        if not self._loading:
            self._fill_columns(self.profile)
            self.update_preview()

    def _mode_changed(self, *_args: object) -> None:
        one = self.one_amount.isChecked()
        self.amount_column.setEnabled(one)
        self.sign.setEnabled(one)
        self.debit_column.setEnabled(not one)
        self.credit_column.setEnabled(not one)
        self.update_preview()

    def _fill_columns(self, saved: CsvProfile | None) -> None:
        """Offer the file's columns in every combo, keeping a choice made (or saved) where it still exists."""
        names = self.sample.columns(self.skip.value(), self.delimiter.currentData(), self.header.isChecked())
        was_loading, self._loading = self._loading, True
        for combo in self.column_combos():
            field = self._field_of(combo)
            chosen = combo.currentData()
            if saved is not None:
                chosen = getattr(saved, field)
            combo.blockSignals(True)
            combo.clear()
            if combo is not self.date_column:
                combo.addItem(NONE, None)
            for i, name in enumerate(names, start=1):
                combo.addItem(name, name if self.header.isChecked() else i)
            index = combo.findData(chosen) if chosen is not None else -1
            if index < 0 and isinstance(chosen, str):
                index = next(
                    (i for i in range(combo.count()) if str(combo.itemData(i)).casefold() == chosen.casefold()), -1
                )
            if index < 0 and chosen is None and saved is None:
                index = self._guess(combo, names)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        self._loading = was_loading

    def _field_of(self, combo: QComboBox) -> str:
        fixed = {
            id(self.date_column): "date_column",
            id(self.amount_column): "amount_column",
            id(self.debit_column): "debit_column",
            id(self.credit_column): "credit_column",
        }
        return fixed.get(id(combo)) or next(k for k, c in self.text_columns.items() if c is combo)

    def _guess(self, combo: QComboBox, names: Sequence[str]) -> int:
        """A first guess from common header words (English and German), so most files need one look."""
        words = {
            "date_column": ("date", "booking", "buchungstag", "datum"),
            "amount_column": ("amount", "betrag", "value"),
            "debit_column": ("debit", "withdrawal", "soll", "out"),
            "credit_column": ("credit", "deposit", "haben", "in"),
            "description_column": ("description", "memo", "verwendungszweck", "details"),
            "reference_column": ("reference", "referenz", "ref"),
            "bank_id_column": ("transaction id", "id", "fitid"),
            "counterparty_column": ("payee", "counterparty", "empfänger", "name"),
            "value_date_column": ("value date", "valuta"),
        }[self._field_of(combo)]
        for word in words:
            for name in names:
                if name.strip().casefold() == word:
                    return combo.findText(name)
        return 0 if combo is self.date_column else -1

    # ---- the profile and its preview
    def build_profile(self) -> CsvProfile:
        """The profile the editor describes (ValidationError names a setting that does not fit)."""
        one = self.one_amount.isChecked()
        values: dict[str, Any] = {
            "delimiter": self.delimiter.currentData(),
            "skip_rows": self.skip.value(),
            "header": self.header.isChecked(),
            "skip_footer_rows": self.footer.value(),
            "date_column": self.date_column.currentData(),
            "amount_column": self.amount_column.currentData() if one else None,
            "debit_column": None if one else self.debit_column.currentData(),
            "credit_column": None if one else self.credit_column.currentData(),
            "date_formats": (self.date_format.currentText().strip(),),
            "decimal_comma": self.decimal_comma.isChecked(),
            "thousands_separator": self.thousands.currentData(),
            "sign": self.sign.currentData() if one else AmountSign.SIGNED.value,
        }
        for name, combo in self.text_columns.items():
            values[name] = combo.currentData()
        return CsvProfile(**values)

    def update_preview(self, *_args: object) -> None:
        if self._loading or self.path is None:
            return
        self.profile = None
        try:
            profile = self.build_profile()
            statements = read_statement_file(self.path, profile)
        except PaksaError as exc:
            self.model.set_rows([])
            text = message_for(exc)
            first = text.splitlines()
            more = f" (and {len(first) - 1} more problem(s))" if len(first) > 1 else ""
            self.status.setText(f"Not readable with these settings: {first[0] if first else text}{more}")
            set_state(self.status, "bad")
            return
        lines: list[StatementLine] = [line for st in statements for line in st.lines]
        self.profile = profile
        self.model.set_rows(lines[:PREVIEW_ROWS])
        total = sum((line.amount for line in lines), Decimal(0))
        shown = f"; the first {PREVIEW_ROWS} are shown" if len(lines) > PREVIEW_ROWS else ""
        self.status.setText(f"{lines_text(len(lines))} read, net {total:,}{shown}.")
        set_state(self.status, "ok")


def skipped_look(row: PreviewLine) -> tuple[QColor | None, bool]:
    """Lines the import skips are greyed and italic, so what will be written stands out."""
    return (MUTED, True) if row.action.startswith("skip") else (None, False)


class ImportWizard(QDialog):
    """File → (CSV mapping) → preview → Import, for one bank account."""

    def __init__(self, hub: Hub, account: BankAccountRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bankImportWizard")
        self.setWindowTitle(f"Import a statement into {account.name}")
        self.resize(980, 640)
        self.hub = hub
        self.session = hub.session
        self.account = account
        self.path: Path | None = None
        self.kind = ""
        self.statements: list[ParsedStatement] = []
        self.preview_result: ImportResult | None = None
        self.result: ImportResult | None = None
        self.job: Job | None = None
        self.profile_saved = False

        # page 1: the file
        self.file = QLineEdit()
        self.file.setPlaceholderText("the statement file your bank gave you")
        self.browse = QPushButton("&Browse…")
        self.browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        file_page = QWidget()
        file_layout = QVBoxLayout(file_page)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.addWidget(
            note(
                f"Choose a statement of {account.name} ({account.currency}"
                + (f", {account.number_masked}" if account.number_masked else "")
                + "). OFX/QFX, CAMT (ISO 20022), MT940 and CSV files are recognised by their content."
            )
        )
        file_layout.addLayout(row)
        self.file_info = note("", muted=True)
        file_layout.addWidget(self.file_info)
        file_layout.addStretch(1)

        # page 2: the CSV mapping
        self.mapping = MappingPage()

        # page 3: the preview
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.lines_model = RowsTableModel(PREVIEW_COLUMNS, look=skipped_look, parent=self)
        self.lines_table = make_table("importLinesTable", self.lines_model, PREVIEW_COLUMNS, stretch="description")
        self.problems = QListWidget()
        self.problems.setObjectName("importProblems")
        self.problems.setMaximumHeight(150)
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(self.summary)
        preview_layout.addWidget(self.lines_table, 1)
        preview_layout.addWidget(QLabel("Skipped lines, warnings and errors:"))
        preview_layout.addWidget(self.problems)

        self.pages = QStackedWidget()
        for page in (file_page, self.mapping, preview_page):
            self.pages.addWidget(page)
        self.back_button = QPushButton("< &Back")
        self.next_button = QPushButton("&Next >")
        self.next_button.setProperty("primary", True)
        self.import_button = QPushButton("&Import")
        self.import_button.setProperty("primary", True)
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.import_button, self.cancel_button):
            buttons.addWidget(button)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.import_button.clicked.connect(self.run_import)
        self.cancel_button.clicked.connect(self.reject)
        self.step = QLabel()
        self.step.setObjectName("wizardStep")
        font = self.step.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.step.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self._show(0)

    # ---- navigation
    def _show(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        steps = ["Choose the file", "Map the CSV columns", "Check and import"]
        if self.kind and self.kind != "csv":
            steps.pop(1)
        number = index + 1 if self.kind == "csv" or index < 2 else 2
        self.step.setText(f"Step {number} of {len(steps)}: {steps[number - 1]}")
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index < 2)
        self.import_button.setVisible(index == 2)
        self.import_button.setEnabled(
            index == 2
            and self.preview_result is not None
            and self.preview_result.ok
            and self.preview_result.imported > 0
        )

    def back(self) -> None:
        index = self.pages.currentIndex()
        self._show(1 if index == 2 and self.kind == "csv" else 0)

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Statement file", "", "Statements (*.ofx *.qfx *.xml *.sta *.mt940 *.txt *.csv);;All files (*)"
        )
        if name:
            self.file.setText(name)

    def next(self) -> None:
        if self.pages.currentIndex() == 0:
            self.open_file()
        elif self.pages.currentIndex() == 1:
            self.accept_mapping()

    def open_file(self) -> None:
        """Find the format; a CSV goes to the mapping editor, any other file straight to the preview."""
        text = self.file.text().strip()
        if not text:
            show_error(self, PaksaError("Choose the statement file first."), title="Import statement")
            return
        path = Path(text)
        kind = attempt(self, lambda: detect_format(path), title="Import statement")
        if kind is None:
            return
        self.path, self.kind = path, kind
        if kind == "csv":
            saved = None
            if self.account.import_profile:
                saved = attempt(self, lambda: CsvProfile.from_dict(self.account.import_profile or {}))
            loaded = attempt(self, lambda: self.mapping.load(path, saved), title="Import statement")
            if loaded is None and self.mapping.path != path:
                return
            self.file_info.setText("A CSV file: map its columns on the next page.")
            self._show(1)
            self.mapping.update_preview()
            return
        statements = attempt(self, lambda: read_statement_file(path), title="Import statement")
        if statements is None:
            return
        self.file_info.setText(f"A {kind.upper()} file with {len(statements)} statement(s).")
        self.start_preview(statements)

    def accept_mapping(self) -> None:
        """Read the whole file with the mapping (a problem opens the errors dialog), save it, preview."""
        assert self.path is not None
        try:
            profile = self.mapping.build_profile()
        except PaksaError as exc:
            show_error(self, exc, title="CSV mapping")
            return
        path = self.path
        statements = attempt(self, lambda: read_statement_file(path, profile), title="Import statement")
        if statements is None:
            return
        self.save_profile(profile)
        self.start_preview(statements)

    def save_profile(self, profile: CsvProfile) -> None:
        """Keep the mapping with the account (users who may change accounts; others use it this once)."""
        stored = profile.to_dict()
        if stored == dict(self.account.import_profile or {}) or not self.session.can(Permission.CASH_ACCOUNT_MANAGE):
            return
        name = self.account.name

        def save() -> Any:
            current = bank_queries(self.session).account(name)
            data = BankAccountInput(
                name=current.name,
                gl_account=current.gl_account,
                currency=current.currency,
                bank_name=current.bank_name,
                number=None,
                import_profile=stored,
            )
            changes = bank_service(self.session).update(name, data, version=current.version)
            return changes, bank_queries(self.session).account(name)

        done = attempt(self, save, title="Save the CSV mapping")
        if done is not None:
            changes, self.account = done
            self.profile_saved = True
            self.hub.broadcast(changes)

    # ---- preview and import (both on a worker)
    def start_preview(self, statements: list[ParsedStatement]) -> None:
        self.statements = statements
        self.preview_result = None
        self.summary.setText("Checking the statement against what is imported already…")
        set_state(self.summary, "muted")
        self.lines_model.set_rows([PreviewLine(line, "") for st in statements for line in st.lines])
        self.problems.clear()
        self._show(2)
        service, name = import_service(self.session), self.account.name

        def work(_progress: Progress, _cancelled: IsCancelled) -> ImportResult:
            return service.preview(name, statements)

        self.job = Job(work, self)
        self.job.succeeded.connect(self.show_preview)
        self.job.failed.connect(lambda error: show_error(self, error, title="Import statement"))
        self.job.start()

    def show_preview(self, result: ImportResult) -> None:
        self.preview_result = result
        skips = {(s.source, s.row, s.booked, s.amount): s.reason for s in result.skipped}
        self.lines_model.set_rows(
            [
                PreviewLine(
                    line,
                    "skip: " + skips[key]
                    if (key := (st.source, line.row, line.booked, line.amount)) in skips
                    else ("not imported" if result.errors else "new"),
                )
                for st in self.statements
                for line in st.lines
            ]
        )
        self.problems.clear()
        for error in result.errors:
            self.problems.addItem(f"Error: {error}")
        for warning in result.warnings:
            self.problems.addItem(f"Warning: {warning}")
        for skipped in result.skipped:
            where = f"line {skipped.row}, " if skipped.row else ""
            ref = f", {skipped.reference}" if skipped.reference else ""
            self.problems.addItem(
                f"Skipped ({skipped.reason}): {skipped.source} {where}{skipped.booked} {skipped.amount:,}{ref}"
            )
        if not self.problems.count():  # an empty box would leave the user wondering whether it loaded
            none = QListWidgetItem("None: no line is skipped, and the file raised no warning.")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.problems.addItem(none)
        skipped = len(result.skipped)
        if result.errors:
            self.summary.setText(
                f"Nothing can be imported: {len(result.errors)} error(s), listed below. Fix the file or choose "
                "the right account."
            )
            set_state(self.summary, "bad")
        elif not result.imported:
            self.summary.setText(f"Nothing new: all {lines_text(skipped)} were imported before and are skipped.")
            set_state(self.summary, "muted")
        else:
            self.summary.setText(
                f"{lines_text(result.imported)} to import into {result.account} (net {result.total:,} "
                f"{result.currency}); {skipped} already imported and skipped"
                + (f"; {len(result.warnings)} warning(s)" if result.warnings else "")
                + "."
            )
            set_state(self.summary, "muted" if result.warnings else "ok")
        self._show(2)
        if result.errors:
            show_error(
                self,
                PaksaError(f"Nothing can be imported into {result.account}:\n" + "\n".join(result.errors)),
                title="Import statement",
            )

    def run_import(self) -> None:
        if self.preview_result is None or not self.preview_result.ok:
            return
        service, name, statements = import_service(self.session), self.account.name, self.statements

        def work(_progress: Progress, _cancelled: IsCancelled) -> ImportResult:
            return service.import_statements(name, statements)

        self.import_button.setEnabled(False)
        self.job = run_with_progress(
            self,
            "Import statement",
            f"Importing into {name}…",
            work,
            self.imported,
            cancellable=False,
            on_failure=self._import_failed,
        )

    def _import_failed(self, _error: BaseException) -> bool:
        self.import_button.setEnabled(True)
        return False  # the error dialog is shown by run_with_progress

    def imported(self, result: ImportResult) -> None:
        self.result = result
        self.hub.broadcast(result.changes)
        notify(self.parentWidget(), result.summary())
        self.accept()
