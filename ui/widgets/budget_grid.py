"""The budget grid's table and the totals table under it, kept column for column in line.

Keyboard as in a spreadsheet: type to overwrite a cell, Tab/arrows to move, Delete clears the selected
cells, Ctrl+V pastes a block copied from Excel (tab-separated) from the current cell onwards.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRegularExpression, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.models.budget_grid_model import MONTHS, TOTAL, BudgetGridModel, BudgetTotalsModel
from ui.style import bold
from ui.widgets.tables import ROW_HEIGHT

Index = QModelIndex | QPersistentModelIndex
ACCOUNT_WIDTH = 270  # the account column (the vertical header): code and name
MIN_AMOUNT_WIDTH = 92


def signed_amount_validator(exponent: int, parent: QWidget) -> QRegularExpressionValidator:
    """Like the entry grid's amounts (digits, grouping commas, the currency's decimals), with a leading minus."""
    decimals = rf"(\.[0-9]{{0,{exponent}}})?" if exponent else ""
    pattern = QRegularExpression(rf"^-?([0-9][0-9,]*{decimals}|{decimals})$")
    return QRegularExpressionValidator(pattern, parent)


class AmountDelegate(QStyledItemDelegate):
    """A right-aligned line edit that only takes an amount."""

    def __init__(self, table: BudgetTable) -> None:
        super().__init__(table)
        self.table = table
        self.open_editor: QLineEdit | None = None

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setValidator(signed_amount_validator(self.table.grid_model().exponent, editor))
        self.open_editor = editor
        editor.destroyed.connect(lambda *_args: self._forget(editor))
        return editor

    def _forget(self, editor: QLineEdit) -> None:
        if self.open_editor is editor:
            self.open_editor = None

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setText("" if value is None else str(value))
        editor.selectAll()

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        editor.setGeometry(option.rect)


def _fixed_rows(table: QTableView) -> None:
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setFixedWidth(ACCOUNT_WIDTH)
    table.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    table.setWordWrap(False)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


class BudgetTable(QTableView):
    def __init__(self, model: BudgetGridModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetGrid")
        self.setModel(model)
        self.delegate = AmountDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setTabKeyNavigation(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # the totals keep the same gutter
        _fixed_rows(self)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        self.companions: list[BudgetTotalsModel] = []  # models shown in line with this one (the totals)
        model.modelReset.connect(self.fit_columns)
        model.totalsChanged.connect(lambda: self.fit_columns(grow_only=True))

    def grid_model(self) -> BudgetGridModel:
        model = self.model()
        assert isinstance(model, BudgetGridModel)
        return model

    def fit_columns(self, *, grow_only: bool = False) -> None:
        """Wide enough for the largest figure of the grid and its totals; while editing, columns only grow."""
        metrics = QFontMetrics(bold(self.font()))  # totals are bold, and bold figures are the widest
        widest = MIN_AMOUNT_WIDTH
        for model in (self.grid_model(), *self.companions):
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    text = model.index(row, column).data() or ""
                    widest = max(widest, metrics.horizontalAdvance(text) + 24)
        model = self.grid_model()
        for column in range(model.columnCount()):
            header = model.headerData(column, Qt.Orientation.Horizontal) or ""
            width = max(widest, metrics.horizontalAdvance(str(header)) + 28) + (14 if column == TOTAL else 0)
            if not grow_only or width > self.columnWidth(column):
                self.setColumnWidth(column, width)

    def commit_open_editor(self) -> None:
        """A cell still being typed in counts: Save takes what is in the editor."""
        editor = self.delegate.open_editor
        if editor is not None:
            self.commitData(editor)
            self.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste(QGuiApplication.clipboard().text())
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.state() != self.State.EditingState:
            self.grid_model().clear(self.selectedIndexes())
            return
        super().keyPressEvent(event)

    def paste(self, text: str) -> int:
        """Cells copied from a spreadsheet, pasted from the current cell rightwards and down; returns how many took."""
        model = self.grid_model()
        start = self.currentIndex()
        if not start.isValid() or model.read_only:
            return 0
        taken = 0
        for r, line in enumerate(text.rstrip("\r\n").splitlines()):
            for c, cell in enumerate(line.split("\t")):
                row, column = start.row() + r, start.column() + c
                if row < model.rowCount() and column < MONTHS:
                    taken += bool(model.setData(model.index(row, column), cell.strip()))
        return taken


class TotalsTable(QTableView):
    """Read-only rows under the grid: same columns, scrolled sideways with it."""

    def __init__(self, model: BudgetTotalsModel, grid: BudgetTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetTotals")
        self.setModel(model)
        self.grid = grid
        grid.companions.append(model)
        self.horizontalHeader().hide()
        _fixed_rows(self)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        grid.horizontalScrollBar().valueChanged.connect(self.horizontalScrollBar().setValue)
        grid.horizontalHeader().sectionResized.connect(lambda column, _old, new: self.setColumnWidth(column, new))
        model.modelReset.connect(self.follow)
        grid.model().modelReset.connect(self.follow)

    def follow(self) -> None:
        """Copy the grid's column widths and be exactly as tall as the rows."""
        for column in range(self.model().columnCount()):
            self.setColumnWidth(column, self.grid.columnWidth(column))
        self.setFixedHeight(self.model().rowCount() * ROW_HEIGHT + 2 * self.frameWidth())
        self.horizontalScrollBar().setValue(self.grid.horizontalScrollBar().value())


def under_grid(totals: TotalsTable, grid: BudgetTable) -> QWidget:
    """The totals with a gap on the right as wide as the grid's scroll bar, so the columns line up."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(totals, 1)
    layout.addSpacing(grid.verticalScrollBar().sizeHint().width())
    return box
