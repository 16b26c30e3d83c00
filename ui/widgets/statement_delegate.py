"""Rules under figures the way accountants draw them: a line above a subtotal, a double line under a total.

Only the figure columns are ruled (the label column is not), as on a printed statement, so the eye
reads down a column and stops at the rule where the addition ends.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from paksa_desktop.reporting.model import RowStyle
from ui.models.statement_tree_model import STYLE_ROLE

Index = QModelIndex | QPersistentModelIndex

RULE = QColor("#3e4c59")
INSET = 10  # pixels kept clear at the left of a figure cell, so rules of adjacent columns do not join


class StatementDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        style = index.data(STYLE_ROLE)  # a StrEnum comes back from Qt as a plain str: compare by value
        alignment = index.data(Qt.ItemDataRole.TextAlignmentRole)
        numeric = bool(alignment is not None and int(alignment) & int(Qt.AlignmentFlag.AlignRight))
        if not numeric or style not in (RowStyle.SUBTOTAL, RowStyle.TOTAL):
            return
        rect = option.rect  # type: ignore[attr-defined]
        left, right = rect.left() + INSET, rect.right() - 3
        painter.save()
        painter.setPen(QPen(RULE, 1))
        top = rect.top() + 1
        painter.drawLine(QPointF(left, top), QPointF(right, top))
        if style == RowStyle.TOTAL:
            bottom = rect.bottom() - 1
            painter.drawLine(QPointF(left, bottom - 2), QPointF(right, bottom - 2))
            painter.drawLine(QPointF(left, bottom), QPointF(right, bottom))
        painter.restore()
