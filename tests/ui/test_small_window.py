"""A 1024x700 window: view headers wrap their buttons, filter bars take a second row, stretched columns keep a
floor, the statement wizard guesses a US date format. The Payables and Cash & Banking screens were built at
1440 pixels and held the whole window wider than a small laptop's screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from ui.banking.import_wizard import CsvSample
from ui.models.columns import Col
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import STRETCH_FLOOR, make_table
from ui.widgets.view_header import ViewHeader


def test_header_buttons_wrap_instead_of_widening_the_window(qtbot) -> None:
    header = ViewHeader("Reconciliation", "Match the statement lines to the books.")
    qtbot.addWidget(header)
    buttons = [header.add(QPushButton(f"Action number {n}…")) for n in range(11)]
    one_row = sum(b.sizeHint().width() for b in buttons)
    assert header.minimumSizeHint().width() < one_row / 3  # the widest button and the title, not all of them

    header.resize(600, 200)
    header.show()
    qtbot.waitExposed(header)
    header.resize(600, header.heightForWidth(600) if header.hasHeightForWidth() else 200)
    qtbot.wait(20)
    rows = {b.geometry().top() for b in buttons}
    assert len(rows) > 1  # wrapped
    assert all(b.geometry().right() <= header.buttons.width() for b in buttons)  # none cut off at the right
    assert header.buttons.height() >= 2 * buttons[0].sizeHint().height()

    header.resize(2000, 200)
    qtbot.wait(20)
    assert len({b.geometry().top() for b in buttons}) == 1  # wide: one row, as before


def test_filter_bar_second_row() -> None:
    bar = FilterBar()
    fields = [bar.add(f"Field {n}", QLineEdit()) for n in range(3)]
    bar.new_row()
    later = [bar.add(f"Later {n}", QLineEdit()) for n in range(2)]
    bar.finish()
    position = {id(w): bar.grid.getItemPosition(bar.grid.indexOf(w))[:2] for w in (*fields, *later)}
    assert [position[id(w)] for w in fields] == [(1, 0), (1, 1), (1, 2)]
    assert [position[id(w)] for w in later] == [(3, 0), (3, 1)]
    assert bar.grid.getItemPosition(bar.grid.indexOf(bar.clear_button))[:2] == (3, 2)


def test_stretched_column_keeps_a_floor(qtbot) -> None:
    model = QStandardItemModel(0, 2)
    model.appendRow([QStandardItem("ACME"), QStandardItem("Acme Maintenance Services")])
    columns = (Col("code", "Code", lambda r: r, width=300), Col("name", "Name", lambda r: r))
    host = QWidget()
    qtbot.addWidget(host)
    table = make_table("t", model, columns, stretch="name")
    table.setParent(host)
    table.resize(1000, 200)
    host.show()
    qtbot.waitExposed(host)
    header = table.horizontalHeader()
    assert header.sectionSize(1) > 500  # wide: it stretches

    table.resize(350, 200)  # narrower than the other column plus the floor
    qtbot.waitUntil(lambda: header.sectionSize(1) == STRETCH_FLOOR)
    assert table.horizontalScrollBar().maximum() > 0  # a scroll bar, not a column squeezed to nothing

    table.resize(1000, 200)
    qtbot.waitUntil(lambda: header.sectionSize(1) > 500)


def test_wizard_guesses_the_date_format(tmp_path: Path) -> None:
    us = tmp_path / "july.csv"
    us.write_text("Date,Description,Debit,Credit\n06/30/2025,Fees,32.50,\n07/01/2025,Receipt,,3940.00\n", "utf-8")
    sample = CsvSample.read(us)
    assert sample.guess_date_format(0, ",", True, "Date") == "%m/%d/%Y"
    assert sample.guess_date_format(0, ",", False, 1) is None  # the header's 'Date' is no date
    german = tmp_path / "umsatz.csv"
    german.write_text("Buchungstag;Betrag\n30.06.2025;-32,50\n", "utf-8")
    assert CsvSample.read(german).guess_date_format(0, ";", True, "Buchungstag") == "%d.%m.%Y"


def test_wizard_guesses_the_number_style(tmp_path: Path) -> None:
    us = tmp_path / "june.csv"
    us.write_text('Date,Debit,Credit\n06/02/2025,,"12,480.00"\n06/30/2025,32.50,\n', "utf-8")
    assert CsvSample.read(us).guess_number_style(0, ",", True, ["Debit", "Credit"]) == (",", False)
    german = tmp_path / "umsatz.csv"
    german.write_text("Buchungstag;Betrag\n30.06.2025;-1.232,50\n", "utf-8")
    assert CsvSample.read(german).guess_number_style(0, ";", True, ["Betrag"]) == (".", True)
    plain = tmp_path / "plain.csv"
    plain.write_text("Date,Amount\n2025-06-30,-32.50\n", "utf-8")
    assert CsvSample.read(plain).guess_number_style(0, ",", True, ["Amount"]) is None  # nothing to tell
