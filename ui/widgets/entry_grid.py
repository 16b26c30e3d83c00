"""The lines grid of an entry: type, Tab across cells, Enter for the next line (added on the last one)."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
)
from PySide6.QtGui import QFocusEvent, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.models.entry_lines_model import (
    ACCOUNT,
    CREDIT,
    CURRENCY,
    DEBIT,
    DEPARTMENT,
    FOREIGN,
    MEMO,
    PROJECT,
    EntryLinesModel,
    currency_places,
)
from ui.widgets.account_picker import account_completer, string_completer

Index = QModelIndex | QPersistentModelIndex


def amount_validator(exponent: int, parent: QWidget, *, signed: bool = False) -> QRegularExpressionValidator:
    """Digits with optional grouping commas and up to `exponent` decimals, or nothing; a minus sign only
    when `signed` (a foreign amount typed for the credit side)."""
    decimals = rf"(\.[0-9]{{0,{exponent}}})?" if exponent else ""
    sign = "-?" if signed else ""
    pattern = QRegularExpression(rf"^{sign}([0-9][0-9,]*{decimals}|{decimals})$")
    return QRegularExpressionValidator(pattern, parent)


class LinesDelegate(QStyledItemDelegate):
    """Editors per column: account completer, validated amounts, dimension codes."""

    def __init__(self, grid: EntryGrid) -> None:
        super().__init__(grid)
        self.grid = grid
        self.departments: list[str] = []
        self.projects: list[str] = []
        self.currencies: list[str] = []  # offered in the Currency column: those with a rate, and the banks'
        self.open_editor: QLineEdit | None = None
        self.enter_pressed = False  # Enter, not a click elsewhere, closed the editor

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.enter_pressed = True
        return super().eventFilter(editor, event)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        self.enter_pressed = False
        model = self.grid.lines_model()
        column = index.column()
        if column == ACCOUNT:
            editor.setCompleter(account_completer(model.choices.postable_labels(), editor))
            editor.setPlaceholderText("code or name")
        elif column in (DEBIT, CREDIT):
            editor.setValidator(amount_validator(model.exponent, editor))
            editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif column == CURRENCY:
            editor.setMaxLength(3)
            editor.setCompleter(string_completer(self.currencies, editor))
            editor.setPlaceholderText("EUR")
        elif column == FOREIGN:
            line = model.edit_lines()[index.row()]
            places = currency_places(line.currency)
            editor.setValidator(amount_validator(2 if places is None else places, editor, signed=True))
            editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif column in (DEPARTMENT, PROJECT):
            codes = self.departments if column == DEPARTMENT else self.projects
            editor.setCompleter(string_completer(codes, editor))
        self.open_editor = editor
        editor.destroyed.connect(lambda *_args: self._forget(editor))
        return editor

    def _forget(self, editor: QLineEdit) -> None:
        if self.open_editor is editor:
            self.open_editor = None

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        value = index.data(Qt.ItemDataRole.EditRole)
        text = "" if value is None else str(value)
        if index.column() == ACCOUNT and text:
            text = self.grid.lines_model().choices.label(text)
        editor.setText(text)
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        if index.column() == ACCOUNT and text.strip():
            text = self._complete_account(editor, text)
        model.setData(index, text, Qt.ItemDataRole.EditRole)

    def _complete_account(self, editor: QLineEdit, text: str) -> str:
        """Typed 'rent' and left the cell: take the one account that matches, if only one does."""
        choices = self.grid.lines_model().choices
        if choices.resolve(text) is not None:
            return text
        needle = text.strip().casefold()
        matches = [label for label in choices.postable_labels() if needle in label.casefold()]
        return matches[0] if len(matches) == 1 else text

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        editor.setGeometry(option.rect)


class EntryGrid(QTableView):
    """Keyboard-first grid over an EntryLinesModel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("entryGrid")
        self.delegate = LinesDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setTabKeyNavigation(True)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.CurrentChanged
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(28)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._lay_out_columns)
        self._lay_out_columns()

    def _lay_out_columns(self) -> None:
        """Widths; with the foreign columns, Currency and Foreign amount sit (and Tab) between Account and Debit."""
        header = self.horizontalHeader()
        widths = [(ACCOUNT, 320), (DEBIT, 120), (CREDIT, 120), (DEPARTMENT, 110), (PROJECT, 110)]
        if self.lines_model().foreign:
            widths = [(ACCOUNT, 240), (CURRENCY, 84), (FOREIGN, 136), (DEBIT, 112), (CREDIT, 112)]
            widths += [(DEPARTMENT, 100), (PROJECT, 90)]
            for column, place in ((CURRENCY, 1), (FOREIGN, 2)):
                if header.visualIndex(column) != place:
                    header.moveSection(header.visualIndex(column), place)
        for column, width in widths:
            self.setColumnWidth(column, width)
        header.setSectionResizeMode(MEMO, QHeaderView.ResizeMode.Stretch)

    def last_column(self) -> int:
        """The logical column shown last (the foreign columns are moved, so not always the highest)."""
        header = self.horizontalHeader()
        return header.logicalIndex(header.count() - 1)

    def lines_model(self) -> EntryLinesModel:
        model = self.model()
        assert isinstance(model, EntryLinesModel)
        return model

    def current_editor(self) -> QLineEdit | None:
        """The cell editor open now (tests type into it)."""
        return self.delegate.open_editor

    def set_dimensions(self, departments: list[str], projects: list[str]) -> None:
        self.delegate.departments = departments
        self.delegate.projects = projects

    def go_to(self, row: int, column: int = ACCOUNT) -> None:
        index = self.model().index(row, column)
        if index.isValid():
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def next_line(self) -> None:
        """Enter: go to the next line's account, adding a line on the last one."""
        model = self.lines_model()
        if model.read_only:
            return
        row = self.currentIndex().row()
        if row >= model.rowCount() - 1:
            row = model.add_line()
        else:
            row += 1
        self.go_to(row, ACCOUNT)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache and self.delegate.enter_pressed:
            self.delegate.enter_pressed = False
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.next_line()
            return
        super().closeEditor(editor, hint)

    def moveCursor(self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        model = self.lines_model()
        current = self.currentIndex()
        if (
            cursorAction == QAbstractItemView.CursorAction.MoveNext
            and not model.read_only
            and current.row() == model.rowCount() - 1
            and current.column() == self.last_column()
        ):
            return model.index(model.add_line(), ACCOUNT)  # Tab past the last cell starts a new line
        return super().moveCursor(cursorAction, modifiers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        model = self.lines_model()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not mods & Qt.KeyboardModifier.ControlModifier:
            # From a cell editor, Enter arrives here too; closeEditor moves on once the cell is committed.
            if self.state() != QAbstractItemView.State.EditingState:
                self.next_line()
            return
        if not model.read_only and mods & Qt.KeyboardModifier.ControlModifier:
            if key == Qt.Key.Key_Delete:
                self.delete_line()
                return
            if key == Qt.Key.Key_Insert:
                row = model.add_line(max(0, self.currentIndex().row()))
                self.go_to(row)
                return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not model.read_only and self.currentIndex().isValid():
            model.setData(self.currentIndex(), "", Qt.ItemDataRole.EditRole)
            return
        super().keyPressEvent(event)

    def delete_line(self) -> None:
        model = self.lines_model()
        row = self.currentIndex().row()
        if row >= 0:
            model.remove_line(row)
            self.go_to(min(row, model.rowCount() - 1), self.currentIndex().column())

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if not self.currentIndex().isValid() and self.model() is not None and self.model().rowCount():
            self.go_to(0, ACCOUNT)
