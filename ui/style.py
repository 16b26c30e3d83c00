"""Look and feel: Fusion plus one style sheet, icons from resources/, state colours via properties."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

APP_NAME = "Paksa Desktop"
ORGANISATION = "Paksa"
MUTED = QColor("#8a949e")
NEGATIVE = QColor("#b3261e")
ICON_SIZES = (16, 20, 24, 32, 48, 64)


def style_sheet() -> str:
    return files("resources.styles").joinpath("paksa.qss").read_text(encoding="utf-8")


def apply_style(app: QApplication) -> None:
    """Fusion is the same on every platform; the sheet only adds calm colours and spacing."""
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f5f6f8"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fdb"))
    palette.setColor(QPalette.ColorRole.Link, QColor("#2f6fdb"))
    app.setPalette(palette)
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
        app.setFont(font)
    app.setStyleSheet(style_sheet())
    app.setWindowIcon(icon("app"))


@cache
def _svg(name: str) -> bytes:
    return files("resources.icons").joinpath(f"{name}.svg").read_bytes()


def icon(name: str) -> QIcon:
    """An icon from resources/icons/<name>.svg, rendered crisply at the usual sizes.

    Only the file's bytes are cached: a Qt object kept in a module-level cache would outlive the
    QApplication at exit and crash the interpreter's shutdown.
    """
    renderer = QSvgRenderer(QByteArray(_svg(name)))
    result = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result


def set_state(widget: QWidget, state: str) -> None:
    """Switch a `state` property used by the style sheet (ok, bad, muted) and re-polish."""
    if widget.property("state") == state:
        return
    widget.setProperty("state", state)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def bold(font: QFont) -> QFont:
    font = QFont(font)
    font.setBold(True)
    return font
