"""The table every list uses, set up in one place so all lists look and behave alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from ui.models.columns import Col

ROW_HEIGHT = 26
STRETCH_FLOOR = 160  # the stretched column (a name, a description) never gets narrower than this


class _StretchFloor(QObject):
    """Keeps the stretched column readable in a narrow window: it stretches while the others leave it at least
    `floor` pixels, and otherwise stays `floor` wide with a horizontal scroll bar (Qt's Stretch would squeeze
    it to nothing, so a vendors list showed its codes but not their names)."""

    def __init__(self, table: QTableView, index: int, floor: int) -> None:
        super().__init__(table)
        self.table, self.index, self.floor = table, index, floor
        table.viewport().installEventFilter(self)  # the viewport: its new width is known when it resizes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit()
        return False

    def fit(self) -> None:
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(i) for i in range(header.count()) if i != self.index and not header.isSectionHidden(i)
        )
        room = self.table.viewport().width() - others
        if room >= self.floor:
            header.setSectionResizeMode(self.index, QHeaderView.ResizeMode.Stretch)
        else:
            header.setSectionResizeMode(self.index, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(self.index, self.floor)


def count_label() -> QLabel:
    """The muted line under a list that says how many rows it shows (styled as #listCount)."""
    label = QLabel()
    label.setObjectName("listCount")
    label.setProperty("state", "muted")
    return label


def stretch_column(table: QTableView, index: int, floor: int = STRETCH_FLOOR) -> None:
    """Column `index` takes the spare width, but never less than `floor` pixels (a scroll bar then appears)."""
    table.horizontalHeader().setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
    _StretchFloor(table, index, floor)


def make_table(
    object_name: str, model: QAbstractItemModel, columns: Sequence[Col] = (), *, stretch: str = ""
) -> QTableView:
    """Whole rows, one at a time, no row numbers, one line per row (a list of records, not a grid).

    `columns` give the preferred widths; the column keyed `stretch` takes the spare width.
    """
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.setWordWrap(False)
    for i, column in enumerate(columns):
        if column.width:
            table.setColumnWidth(i, column.width)
    if stretch:
        index = [c.key for c in columns].index(stretch)
        stretch_column(table, index, max(columns[index].width, STRETCH_FLOOR))
    return table


def on_enter(view: QAbstractItemView, slot: Callable[[], object]) -> QShortcut:
    """Enter on the focused list does what a double-click does, so the keyboard reaches every drill-down."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Return), view, slot)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    return shortcut
