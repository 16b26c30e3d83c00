"""The table every list uses, set up in one place so all lists look and behave alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.models.columns import Col

ROW_HEIGHT = 26


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
        table.horizontalHeader().setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
    return table


def on_enter(view: QAbstractItemView, slot: Callable[[], object]) -> QShortcut:
    """Enter on the focused list does what a double-click does, so the keyboard reaches every drill-down."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Return), view, slot)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    return shortcut
