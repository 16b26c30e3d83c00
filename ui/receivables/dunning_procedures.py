"""Dunning procedures: the list, and the form of one (its levels: days overdue, fee, interest, letter text).

Saving calls `DunningService.save_procedure` once; letters already issued keep the terms they were
issued with. The first procedure is the company's default (customers without their own are dunned by
it). Only `receivables.dunning.run` changes procedures; other users open them read-only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.dunning import LevelInput, ProcedureInput, ProcedureView
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.receivables.dunning_view import dunning_queries, dunning_service
from ui.style import icon
from ui.widgets.dialogs import field_grid, note
from ui.widgets.tables import make_table, on_enter

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEVEL_HEADERS = ("Level", "Days overdue", "Fee", "Interest % a year")
LEVEL, DAYS, FEE, RATE = range(4)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _levels_text(p: ProcedureView) -> str:
    return " / ".join(str(lv.days_overdue) for lv in p.levels) + " days"


def _fees_text(p: ProcedureView) -> str:
    return " / ".join(f"{lv.fee:,}" for lv in p.levels)


PROCEDURE_COLUMNS = (
    Col("code", "Code", lambda p: p.code, width=100),
    Col("name", "Name", lambda p: p.name),
    Col("levels", "Reminders after", _levels_text, width=160),
    Col("fees", "Fees", _fees_text, width=170),
    Col("interest", "Interest %", lambda p: " / ".join(_plain(lv.interest_percent) for lv in p.levels), width=120),
)


class ProceduresDialog(QDialog):
    """The company's procedures; New… and Edit… open the form (read-only without the dunning permission)."""

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes = Changes()
        self.can_manage = hub.session.can(Permission.AR_DUNNING_RUN)
        self.setObjectName("dunningProceduresDialog")
        self.setWindowTitle("Dunning procedures")
        self.resize(860, 360)
        self.model = RowsTableModel(PROCEDURE_COLUMNS, exponent=hub.exponent, parent=self)
        self.table = make_table("dunningProcedures", self.model, PROCEDURE_COLUMNS, stretch="name")
        self.table.doubleClicked.connect(lambda _i: self.edit_current())
        on_enter(self.table, self.edit_current)
        self.new_button = QPushButton(icon("add"), "New…")
        self.edit_button = QPushButton(icon("edit"), "Edit…" if self.can_manage else "Open…")
        self.standard_button = QPushButton("Create the standard procedure")
        self.standard_button.setToolTip("Three reminders, 7, 21 and 35 days after the due day; no fee, no interest")
        self.new_button.clicked.connect(self.new_procedure)
        self.edit_button.clicked.connect(self.edit_current)
        self.standard_button.clicked.connect(self.create_standard)
        if not self.can_manage:
            why = f"Your role cannot change dunning procedures ({Permission.AR_DUNNING_RUN.value})."
            for button in (self.new_button, self.standard_button):
                button.setEnabled(False)
                button.setToolTip(why)
        self.explain = note(
            "The first procedure is the company's default: customers without a procedure of their own (see the "
            "customer's form) are dunned by it.",
            muted=True,
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.edit_button)
        row.addWidget(self.standard_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.explain)
        layout.addLayout(row)
        self.load()

    def load(self, select: str | None = None) -> None:
        rows = attempt(self, dunning_queries(self.hub).procedures, title=self.windowTitle()) or []
        self.model.set_rows(rows)
        self.standard_button.setVisible(not rows)
        self.edit_button.setEnabled(bool(rows))
        if not rows:
            self.explain.setText(
                "No dunning procedure yet. Create the standard one, or a procedure of your own with New…"
            )
        for k, p in enumerate(rows):
            if p.code == select or (select is None and k == 0):
                self.table.selectRow(k)

    def current(self) -> ProcedureView | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def new_procedure(self) -> None:
        if self.can_manage:
            self._run(ProcedureDialog(self.hub, None, editable=True, parent=self))

    def edit_current(self) -> None:
        procedure = self.current()
        if procedure is not None:
            self._run(ProcedureDialog(self.hub, procedure, editable=self.can_manage, parent=self))

    def _run(self, dialog: ProcedureDialog) -> None:
        self.last_dialog = dialog
        if dialog.exec():
            self.changes = self.changes | dialog.changes
            self.load(dialog.saved_code)
        dialog.deleteLater()

    def create_standard(self) -> None:
        service = dunning_service(self.hub)
        code = attempt(self, service.create_standard_procedure, title=self.windowTitle())
        if code:
            self.changes = self.changes | Changes.of(Kind.COLLECTIONS)
            self.load(code)


class ProcedureDialog(QDialog):
    """One procedure: code, name, and its levels in order, each with its letter text below the grid."""

    def __init__(
        self, hub: Hub, procedure: ProcedureView | None, *, editable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.procedure = procedure
        self.editable = editable
        self.changes = Changes()
        self.saved_code = ""
        base = hub.info().base_currency
        self.base_places = currency_exponent(base)
        self.setObjectName("dunningProcedureDialog")
        title = f"Dunning procedure {procedure.code}" if procedure else "New dunning procedure"
        self.setWindowTitle(title + ("" if editable else " (read-only)"))
        self.resize(600, 560)

        self.code = QLineEdit(procedure.code if procedure else "")
        self.code.setMaxLength(32)
        self.code.setPlaceholderText("e.g. STANDARD")
        self.name = QLineEdit(procedure.name if procedure else "")
        self.name.setPlaceholderText("e.g. Standard reminders")
        self.grid = QTableWidget(0, len(LEVEL_HEADERS))
        self.grid.setObjectName("dunningLevels")
        self.grid.setHorizontalHeaderLabels(list(LEVEL_HEADERS))
        self.grid.verticalHeader().hide()
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.grid.horizontalHeader()
        for column, width in ((LEVEL, 60), (DAYS, 120), (FEE, 130)):
            self.grid.setColumnWidth(column, width)
        header.setSectionResizeMode(RATE, QHeaderView.ResizeMode.Stretch)
        for column in (DAYS, FEE, RATE):
            self.grid.horizontalHeaderItem(column).setTextAlignment(RIGHT)
        self.grid.horizontalHeaderItem(FEE).setText(f"Fee ({base})")
        self.texts: list[str] = []
        self.shown_row = -1
        self.text_label = QLabel("Letter text")
        self.letter_text = QPlainTextEdit()
        self.letter_text.setObjectName("dunningLetterText")
        self.letter_text.setTabChangesFocus(True)
        self.letter_text.setMaximumHeight(130)
        self.letter_text.setPlaceholderText("what the letter of this level says above the list of overdue invoices")
        self.text_label.setBuddy(self.letter_text)
        self.add_button = QPushButton(icon("add"), "Add level")
        self.remove_button = QPushButton("Remove last level")
        self.add_button.setAutoDefault(False)
        self.remove_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_level())
        self.remove_button.clicked.connect(self.remove_level)

        for lv in procedure.levels if procedure else ():
            self.add_level(lv)
        if procedure is None:
            self.add_level(LevelInput(1, 7, "", Decimal(0), Decimal(0)))
        self.grid.currentCellChanged.connect(self._row_changed)
        self.grid.setCurrentCell(0, DAYS)
        self._show_text(0)

        buttons = QDialogButtonBox()
        if editable:
            buttons.addButton(QDialogButtonBox.StandardButton.Save)
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        level_buttons = QHBoxLayout()
        level_buttons.addWidget(self.add_button)
        level_buttons.addWidget(self.remove_button)
        level_buttons.addStretch(1)
        details = field_grid((0, 0, "&Code", self.code, 1), (0, 2, "&Name", self.name, 1))
        details.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(details)
        layout.addWidget(
            note(
                "Each level is reached when an invoice is that many days overdue, one level per letter. The fee "
                "is charged once per letter, interest on each reminded invoice from its due day.",
                muted=True,
            )
        )
        layout.addWidget(self.grid, 1)
        layout.addLayout(level_buttons)
        layout.addWidget(self.text_label)
        layout.addWidget(self.letter_text)
        layout.addWidget(buttons)
        if not editable:
            for edit in (self.code, self.name):
                edit.setReadOnly(True)
            self.letter_text.setReadOnly(True)
            self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.add_button.setEnabled(False)
            self.remove_button.setEnabled(False)
        (self.name if procedure else self.code).setFocus()

    # ---- levels
    def add_level(self, level: LevelInput | None = None) -> None:
        row = self.grid.rowCount()
        if level is None:
            previous = self._cell(row - 1, DAYS) if row else "0"
            days = int(previous) + 14 if previous.isdigit() else 7 * (row + 1)
            level = LevelInput(row + 1, days, "", Decimal(0), Decimal(0))
        self._store_text()
        self.grid.insertRow(row)
        number = QTableWidgetItem(str(row + 1))
        number.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.grid.setItem(row, LEVEL, number)
        fee = f"{level.fee:,.{self.base_places}f}"
        for column, text in ((DAYS, str(level.days_overdue)), (FEE, fee), (RATE, _plain(level.interest_percent))):
            item = QTableWidgetItem(text)
            item.setTextAlignment(RIGHT)
            self.grid.setItem(row, column, item)
        self.texts.append(level.letter_text)
        self.remove_button.setEnabled(self.editable and self.grid.rowCount() > 1)
        if row:
            self.grid.setCurrentCell(row, DAYS)

    def remove_level(self) -> None:
        row = self.grid.rowCount() - 1
        if row <= 0:
            return
        self.shown_row = -1  # the removed level's text goes with it
        self.grid.removeRow(row)
        self.texts.pop()
        self.remove_button.setEnabled(self.editable and self.grid.rowCount() > 1)
        self._show_text(self.grid.currentRow())

    def _cell(self, row: int, column: int) -> str:
        item = self.grid.item(row, column)
        return item.text().strip() if item is not None else ""

    def _row_changed(self, row: int, _column: int, previous: int, _previous_column: int) -> None:
        if row != previous:
            self._store_text()
            self._show_text(row)

    def _store_text(self) -> None:
        """Keep what was typed for the level shown before another level's text replaces it."""
        if 0 <= self.shown_row < len(self.texts):
            self.texts[self.shown_row] = self.letter_text.toPlainText().strip()

    def _show_text(self, row: int) -> None:
        self.shown_row = row
        valid = 0 <= row < len(self.texts)
        self.letter_text.setPlainText(self.texts[row] if valid else "")
        self.text_label.setText(f"&Letter text of level {row + 1}" if valid else "&Letter text")

    # ---- saving
    def read_input(self) -> ProcedureInput | None:
        """The procedure typed; None after a dialog naming the field that is wrong."""
        self._store_text()
        problems = []
        if not self.code.text().strip():
            problems.append("Code: a procedure needs a code")
        if not self.name.text().strip():
            problems.append("Name: a procedure needs a name")
        levels = []
        for row in range(self.grid.rowCount()):
            days_text, fee_text, rate_text = (self._cell(row, c) for c in (DAYS, FEE, RATE))
            if not days_text.isdigit():
                problems.append(f"Level {row + 1}, days overdue: '{days_text}' is not a whole number of days")
                continue
            try:
                fee = Decimal(fee_text.replace(",", "") or "0")
            except InvalidOperation:
                problems.append(f"Level {row + 1}, fee: '{fee_text}' is not an amount")
                continue
            try:
                rate = Decimal(rate_text.rstrip("%").strip() or "0")
            except InvalidOperation:
                problems.append(f"Level {row + 1}, interest: '{rate_text}' is not a percentage")
                continue
            if fee < 0:
                problems.append(f"Level {row + 1}, fee: must not be negative")
            levels.append(LevelInput(row + 1, int(days_text), self.texts[row], fee, rate))
        if problems:
            QMessageBox.warning(self, self.windowTitle(), "\n".join(problems))
            return None
        return ProcedureInput(self.code.text().strip(), self.name.text().strip(), tuple(levels))

    def accept(self) -> None:
        if not self.editable:
            self.reject()
            return
        data = self.read_input()
        if data is None:
            return
        service = dunning_service(self.hub)
        procedure_id = self.procedure.id if self.procedure else None
        result = attempt(self, lambda: service.save_procedure(data, procedure_id), title=self.windowTitle())
        if result is None:
            return
        self.changes = result[1]
        self.saved_code = data.code
        super().accept()
