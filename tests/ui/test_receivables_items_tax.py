"""Items and tax codes in the Receivables tab, on a SQLite file and on a shared PostgreSQL database: the forms,
deactivation, an item import with a rejected file, the company's tax rounding, and the list models."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from paksa_desktop.core.tax import TaxRounding
from paksa_desktop.receivables.commands import TaxCodeInput
from tests.conftest import Books
from tests.receivables.helpers import D, ar, arq, vat
from tests.ui.ar_data import focus, master_data, other_user, shot
from tests.ui.conftest import handle_dialog, wait_idle
from tests.ui.data import refresh_all
from ui.models.rows_model import RIGHT
from ui.models.text_grid_model import TextGridModel
from ui.receivables.item_dialog import ItemDialog
from ui.receivables.tax_code_dialog import TaxCodeDialog
from ui.session import AppSession
from ui.style import MUTED
from ui.widgets.conflict_dialog import ConflictDialog
from ui.widgets.import_errors_dialog import ImportErrorsDialog

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def session(books: Books) -> AppSession:
    """Overrides the SQLite-only session of tests/ui/conftest.py: one company per engine."""
    return AppSession(books.company, books.ctx)


def show(qtbot, window, key: str):  # type: ignore[no-untyped-def]
    tab = window.receivables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def codes(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [view.model.row_at(r).code for r in range(view.model.rowCount())]


def test_items_new_edit_deactivate(qtbot, window, books, engine_name):
    vat(books)
    view = show(qtbot, window, "items")
    seen: list[str] = []

    def fill(dialog: ItemDialog) -> None:
        seen.append(dialog.windowTitle())
        qtbot.keyClicks(dialog.code, "CHAI")
        qtbot.keyClicks(dialog.description, "Chai tea, 10 boxes")
        qtbot.keyClicks(dialog.unit_price, "1,800")
        dialog.accept()  # the income account is required
        seen.append(dialog.message.text())
        qtbot.keyClicks(dialog.income_account, "Product sales")  # by name
        dialog.tax_code.setCurrentIndex(dialog.tax_code.findData("VAT20"))
        focus(qtbot, dialog.description)
        qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)

    keep = handle_dialog(ItemDialog, fill)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_N, CTRL)
    del keep
    assert seen == ["New item", "Income account: required (where the item's sales post)"]
    wait_idle(qtbot, view)
    got = arq(books).item("CHAI")
    assert (got.description, got.unit_price, got.income_account, got.tax_code) == (
        "Chai tea, 10 boxes",
        D("1800.00"),
        "4010",
        "VAT20",
    )
    price = view.model.index(0, 2)
    assert price.data() == "1,800.00" and price.data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)

    def edit(dialog: ItemDialog) -> None:
        seen.append(dialog.unit_price.text())
        if engine_name == "sqlite":
            shot(dialog, "item-dialog")
        dialog.unit_price.setText("18.50")
        dialog.tax_code.setCurrentIndex(0)  # (none)
        dialog.save_button.click()

    keep = handle_dialog(ItemDialog, edit)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    del keep
    wait_idle(qtbot, view)
    assert seen[-1] == "1,800.00"
    got = arq(books).item("CHAI")
    assert (got.unit_price, got.tax_code) == (D("18.50"), None)
    if engine_name == "sqlite":
        shot(window, "items")
    view.toggle_button.click()
    wait_idle(qtbot, view)
    assert not arq(books).item("CHAI").is_active
    assert view.model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) == MUTED
    view.status.setCurrentIndex(view.status.findData(True))
    assert codes(view) == []


def test_import_items_with_a_rejected_file(qtbot, window, books, messages, tmp_path, monkeypatch):
    master_data(books)
    refresh_all(window)
    view = show(qtbot, window, "items")
    bad = tmp_path / "items.csv"
    bad.write_text(
        "code,description,unit_price,income_account,tax_code\n"
        "CHAI,Chai tea,19.00,,\n"
        "NEW,New thing,abc,4010,\n"
        "NEW2,Other,5.00,,GST\n",
        encoding="utf-8",
    )
    chosen = [bad]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(chosen[0]), "")))
    seen: list[list[str]] = []
    keep = handle_dialog(ImportErrorsDialog, lambda d: (seen.append(d.lines()), d.accept()))
    view.import_button.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    del keep
    assert seen[0][0].startswith("items.csv:3: unit_price: ")
    assert seen[0][1:] == [
        "items.csv:4: income_account: required for a new item (where its sales post)",
        "items.csv:4: tax_code: unknown tax code 'GST'",
    ]
    qtbot.waitUntil(lambda: view.last_import.done, timeout=30_000)
    assert arq(books).item("CHAI").unit_price == D("18.00")  # nothing changed

    good = tmp_path / "good.csv"
    good.write_text("code,description,unit_price\nCHAI,Chai tea,19.00\n", encoding="utf-8")
    chosen[0] = good
    view.import_button.click()
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=30_000)
    assert messages.last() == "Imported 1 item from good.csv: 0 new, 1 updated, 0 unchanged."
    wait_idle(qtbot, view)
    assert view.model.row_at(codes(view).index("CHAI")).unit_price == D("19.00")


def test_tax_codes_new_edit_conflict_and_rounding(qtbot, window, books, engine_name):
    view = show(qtbot, window, "tax-codes")
    assert view.rounding_buttons[TaxRounding.LINE].isChecked()
    seen: list[str] = []

    def fill(dialog: TaxCodeDialog) -> None:
        qtbot.keyClicks(dialog.code, "ST7125")
        qtbot.keyClicks(dialog.name, "State sales tax")
        qtbot.keyClicks(dialog.rate, "7.125")
        qtbot.keyClicks(dialog.account, "4010")  # income, not a liability: not offered
        dialog.accept()
        seen.append(dialog.message.text())
        dialog.account.setText("2200")
        dialog.inclusive.setChecked(True)
        if engine_name == "sqlite":
            shot(dialog, "tax-code-dialog")
        focus(qtbot, dialog.name)
        qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)

    keep = handle_dialog(TaxCodeDialog, fill)
    view.new_button.click()
    del keep
    assert seen == ["Tax account: no account matches '4010'"]
    wait_idle(qtbot, view)
    got = arq(books).tax_code("ST7125")
    assert (got.rate, got.inclusive, got.account) == (D("7.125"), True, "2200")
    ar(books).create_tax_code(TaxCodeInput("VAT20", "Standard rate", D("20"), "2200"))
    refresh_all(window)
    wait_idle(qtbot, view)
    # every rate with the decimals of the most precise one, right-aligned
    assert [view.model.index(r, 2).data() for r in range(2)] == ["7.125", "20.000"]
    assert view.model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)

    # someone else changed it since the form was opened: nothing saved, their version on Reload
    maria = other_user(books, role="Controller")
    view.select("VAT20")
    dialog = view.dialog(view.current())
    qtbot.addWidget(dialog)
    dialog.show()
    theirs = arq(books).tax_code("VAT20")
    books.company.receivables(maria).update_tax_code(
        "VAT20", TaxCodeInput("VAT20", "Standard rate", D("21"), "2200"), version=theirs.version
    )
    dialog.rate.setText("22")
    keep = handle_dialog(ConflictDialog, lambda box: (seen.append(box.text()), box.reload_button.click()))
    dialog.accept()
    del keep
    assert seen[-1].startswith("Tax code VAT20 was changed by Maria Santos (maria) at ")
    assert dialog.isVisible() and dialog.rate.text() == "21"
    dialog.reject()

    # the company's rounding, saved as soon as it is chosen
    view.rounding_buttons[TaxRounding.TOTAL].click()
    assert arq(books).tax_rounding() is TaxRounding.TOTAL
    wait_idle(qtbot, view)
    assert view.rounding_buttons[TaxRounding.TOTAL].isChecked()
    if engine_name == "sqlite":
        shot(window, "tax-codes")


def test_list_and_grid_models_pass_the_model_tester(qtmodeltester, qtbot, window, books):
    master_data(books)
    refresh_all(window)
    for key in ("customers", "items", "tax-codes"):
        view = show(qtbot, window, key)
        assert view.model.rowCount() > 0
        qtmodeltester.check(view.model)
    grid = TextGridModel(("Name", "Role"))
    grid.set_rows([("Jane", "AP"), ("", "")])
    grid.add_row(("Joe",))
    qtmodeltester.check(grid)
    assert grid.rows() == [("Jane", "AP"), ("Joe", "")]  # blank rows are left out
