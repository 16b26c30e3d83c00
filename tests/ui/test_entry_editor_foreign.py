"""Foreign-currency amounts in the entry editor and the account ledger, on a real USD company with a EUR bank
account and EUR rates: typed from the keyboard, converted at the rate on the entry date, posted, shown in
the ledger with a EUR running balance, kept by drafts and reversals, exported."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.ledger.commands import LineInput
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.ui.conftest import wait_idle
from tests.ui.test_entry_editor import shown, start_grid, type_cell
from ui.ledger.account_ledger_view import AccountLedgerView
from ui.ledger.entry_editor import EntryEditor
from ui.ledger.ledger_tab import ACCOUNT_LEDGER
from ui.models.entry_lines_model import ACCOUNT, CREDIT, CURRENCY, DEBIT, FOREIGN, MEMO

D = Decimal


def foreign_company(books: Books) -> None:
    """A EUR bank account on GL 1110 and EUR rates on 1 and 20 June 2024 (USD per EUR)."""
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1110", "EUR", "Euro Bank"))
    invoicing = books.company.invoicing(books.ctx)
    invoicing.set_rate("EUR", date(2024, 6, 1), D("1.0825"))
    invoicing.set_rate("EUR", date(2024, 6, 20), D("1.1"))


def open_ledger(qtbot, window, books: Books, code: str) -> AccountLedgerView:
    view = window.ledger_tab.show_view(ACCOUNT_LEDGER)
    view.show_account(books.queries.account(code).id)
    wait_idle(qtbot, view)
    return view


def test_a_line_in_eur_is_converted_posted_and_shown_in_the_ledger(qtbot, window, sqlite_books, tmp_path):
    foreign_company(sqlite_books)
    editor = shown(qtbot, window.ledger_tab.new_entry())
    assert editor.model.columnCount() == 8  # the company deals in EUR: the foreign columns are there
    header = editor.grid.horizontalHeader()
    assert [header.logicalIndex(i) for i in range(4)] == [ACCOUNT, CURRENCY, FOREIGN, DEBIT]
    editor.date.set_value(date(2024, 6, 14))
    editor.memo.setText("Euro deposit")
    start_grid(editor)
    type_cell(qtbot, editor, "1110")  # the EUR bank's GL account: its currency comes with it
    assert editor.grid.currentIndex().column() == CURRENCY
    assert editor.model.index(0, CURRENCY).data() == "EUR"
    type_cell(qtbot, editor, "")  # keep EUR
    assert editor.grid.currentIndex().column() == FOREIGN
    type_cell(qtbot, editor, "1,000.00")  # debit empty: filled at the rate of 1 June (1.0825)
    assert editor.grid.currentIndex().column() == DEBIT
    assert editor.model.index(0, DEBIT).data() == "1,082.50" and not editor.fx_note.isVisible()
    type_cell(qtbot, editor, "")  # keep the debit the rate gave
    editor.grid.go_to(1, ACCOUNT)
    type_cell(qtbot, editor, "3100")
    editor.grid.go_to(1, CREDIT)
    type_cell(qtbot, editor, "1082.50")
    assert editor.balance.balanced
    assert [(ln.account, ln.debit, ln.credit, ln.currency, ln.amount_cur) for ln in editor.model.lines()] == [
        ("1110", D("1082.50"), D(0), "EUR", D("1000.00")),
        ("3100", D(0), D("1082.50"), None, None),
    ]
    assert editor.post()
    detail = sqlite_books.queries.entry(editor.entry_id)
    assert [(ln.account_code, ln.currency, ln.amount_cur) for ln in detail.lines] == [
        ("1110", "EUR", D("1000.00")),
        ("3100", "", None),
    ]
    # the posted entry, opened again (as from the entries list), shows its foreign amount read-only
    assert editor.model.read_only and editor.model.index(0, FOREIGN).data() == "1,000.00"

    # a withdrawal typed as a credit in EUR (minus sign), at the 20 June rate, straight through the service
    sqlite_books.ledger.post(
        entry(
            "2024-06-21",
            ("6100", "220.00"),
            LineInput("1110", credit=D("220.00"), currency="EUR", amount_cur=D("200.00")),
        )
    )
    window.ledger_tab.show_view(ACCOUNT_LEDGER)
    view = open_ledger(qtbot, window, sqlite_books, "1110")
    keys = [c.key for c in view.model.columns]
    assert keys[-3:] == ["foreign", "balance", "balance_cur"]
    assert view.model.headerData(keys.index("balance_cur"), Qt.Orientation.Horizontal) == "Balance EUR"
    rows = [
        (view.model.index(r, keys.index("foreign")).data(), view.model.index(r, keys.index("balance_cur")).data())
        for r in range(view.model.rowCount())
    ]
    assert rows == [("EUR 1,000.00", "1,000.00"), ("EUR (200.00)", "800.00")]
    qtbot.waitUntil(lambda: "EUR 800.00" in view.closing.text())
    assert "862.50" in view.closing.text()  # base: 1,082.50 - 220.00

    # the export has the same columns, the closing EUR balance in its total row
    report = view.export_builder()(lambda *_: None, lambda: False)
    assert [c.title for c in report.columns][-3:] == ["Foreign amount", "Balance", "Balance EUR"]
    assert report.rows[1].cells[-3:] == ("EUR (200.00)", D("862.50"), D("800.00"))
    assert report.totals[0].cells[-3:] == ("", D("862.50"), D("800.00"))
    job = view.export_button.export_to(tmp_path / "ledger.csv")
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    with (tmp_path / "ledger.csv").open(newline="", encoding="utf-8") as f:
        data = list(csv.DictReader(f))
    assert [(r["foreign"], r["balance_cur"]) for r in data] == [("EUR 1,000.00", "1000.00"), ("EUR (200.00)", "800.00")]

    # a base-only account of the same company shows no foreign columns
    view = open_ledger(qtbot, window, sqlite_books, "3100")
    assert "foreign" not in [c.key for c in view.model.columns] and view.model.columnCount() == 8


def test_no_rate_says_so_and_the_base_amount_is_typed_then_a_draft_keeps_it(qtbot, window, sqlite_books):
    foreign_company(sqlite_books)
    editor = shown(qtbot, window.ledger_tab.new_entry())
    editor.date.set_value(date(2024, 6, 14))
    start_grid(editor)
    type_cell(qtbot, editor, "6100")
    type_cell(qtbot, editor, "gbp")  # no GBP rate in this company
    type_cell(qtbot, editor, "50")
    assert editor.fx_note.isVisible()
    assert editor.fx_note.text().startswith("No exchange rate for GBP on or before 2024-06-14")
    assert editor.model.index(0, DEBIT).data() == ""  # left for the user
    assert editor.grid.currentIndex().column() == DEBIT
    type_cell(qtbot, editor, "65.00")  # the bank's actual amount
    editor.grid.go_to(1, ACCOUNT)
    type_cell(qtbot, editor, "1100")
    editor.grid.go_to(1, CREDIT)
    type_cell(qtbot, editor, "65")
    # a foreign amount on the second line, typed after its base amount: the base amount stays as typed
    editor.grid.go_to(1, CURRENCY)
    type_cell(qtbot, editor, "EUR")
    type_cell(qtbot, editor, "59.90")
    assert editor.model.index(1, CREDIT).data() == "65.00"
    assert editor.save_draft()
    draft_id = editor.entry_id
    editor.reject()

    reopened = shown(qtbot, window.ledger_tab.open_entry(draft_id))
    assert isinstance(reopened, EntryEditor) and not reopened.is_posted
    assert [(ln.account, ln.debit, ln.credit, ln.currency, ln.amount_cur) for ln in reopened.model.lines()] == [
        ("6100", D("65.00"), D(0), "GBP", D("50.00")),
        ("1100", D(0), D("65.00"), "EUR", D("59.90")),
    ]
    assert reopened.model.index(0, FOREIGN).data() == "50.00"
    assert reopened.post()
    # the reversal mirrors the foreign amounts too
    reopened.reverse(date(2024, 6, 30))
    reversal = sqlite_books.queries.entry(sqlite_books.queries.entry(draft_id).reversed_by[0])
    assert [(ln.account_code, ln.debit, ln.credit, ln.currency, ln.amount_cur) for ln in reversal.lines] == [
        ("6100", D(0), D("65.00"), "GBP", D("50.00")),
        ("1100", D("65.00"), D(0), "EUR", D("59.90")),
    ]


def test_the_date_decides_the_rate_and_a_minus_sign_the_side(qtbot, qtmodeltester, window, sqlite_books):
    foreign_company(sqlite_books)
    editor = shown(qtbot, window.ledger_tab.new_entry())
    editor.date.set_value(date(2024, 6, 14))
    start_grid(editor)
    type_cell(qtbot, editor, "1110")
    type_cell(qtbot, editor, "")
    type_cell(qtbot, editor, "-100")  # a minus sign: the credit side
    assert (editor.model.index(0, DEBIT).data(), editor.model.index(0, CREDIT).data()) == ("", "108.25")
    editor.date.set_value(date(2024, 6, 25))  # a later date: the 20 June rate, the converted amount follows
    assert editor.model.index(0, CREDIT).data() == "110.00"
    editor.grid.go_to(1, ACCOUNT)
    type_cell(qtbot, editor, "6100")
    type_cell(qtbot, editor, "eur")
    type_cell(qtbot, editor, "100")  # no sign: the side that balances the entry
    assert editor.model.index(1, DEBIT).data() == "110.00" and editor.balance.balanced
    qtmodeltester.check(editor.model)  # eight columns, foreign lines
    editor.date.set_value(date(2024, 5, 31))  # before the first rate: said, and the converted amounts cleared
    assert "No exchange rate for EUR on or before 2024-05-31" in editor.fx_note.text()
    assert editor.model.total_debit == editor.model.total_credit == 0
    editor.dirty = False


def test_the_posters_refusal_shows_in_the_usual_dialog(qtbot, window, sqlite_books, messages):
    foreign_company(sqlite_books)
    editor = shown(qtbot, window.ledger_tab.new_entry())
    editor.date.set_value(date(2024, 6, 14))
    start_grid(editor)
    type_cell(qtbot, editor, "1110")
    type_cell(qtbot, editor, "\b\b\b")  # the bank's EUR taken away: a base line on a EUR bank account
    type_cell(qtbot, editor, "")
    type_cell(qtbot, editor, "100")
    editor.grid.go_to(1, ACCOUNT)
    type_cell(qtbot, editor, "3100")
    editor.grid.go_to(1, CREDIT)
    type_cell(qtbot, editor, "100")
    editor.grid.go_to(1, CREDIT)
    assert not editor.post()
    assert messages.last().startswith(
        "Line 1: account 1110 (Savings bank account) is the GL account of a bank account kept in EUR"
    )
    assert editor.grid.currentIndex().row() == 0  # the cursor is on the refused line
    assert not editor.is_posted
    editor.dirty = False


def test_a_base_only_company_sees_no_foreign_columns(qtbot, window, sqlite_books):
    editor = shown(qtbot, window.ledger_tab.new_entry())
    assert editor.model.columnCount() == 6 and not editor.model.foreign
    header = editor.grid.horizontalHeader()
    assert [header.logicalIndex(i) for i in range(6)] == list(range(6))
    assert editor.model.headerData(MEMO, Qt.Orientation.Horizontal) == "Memo"
    sqlite_books.ledger.post(entry("2024-06-14", ("1100", "10.00"), ("3100", "-10.00")))
    view = open_ledger(qtbot, window, sqlite_books, "1100")
    assert [c.key for c in view.model.columns] == [
        "date", "entry", "memo", "department", "project", "debit", "credit", "balance"
    ]  # fmt: skip
    assert "(" not in view.closing.text()
    editor.dirty = False


def test_an_entry_with_a_foreign_line_shows_the_columns_even_without_rates(qtbot, window, sqlite_books, tmp_path):
    ref, _ = sqlite_books.ledger.post(
        entry(
            "2024-06-14", LineInput("6100", debit=D("1500"), currency="JPY", amount_cur=D("230000")), ("1100", "-1500")
        )
    )
    editor = shown(qtbot, window.ledger_tab.open_entry(ref.id))
    assert editor.model.foreign and editor.model.index(0, FOREIGN).data() == "230,000"  # JPY: no decimals
    view = open_ledger(qtbot, window, sqlite_books, "6100")
    keys = [c.key for c in view.model.columns]
    assert keys[-3:] == ["foreign", "balance", "balance_cur"]  # its only line is in JPY
    assert view.model.index(0, keys.index("foreign")).data() == "JPY 230,000"
    assert view.model.index(0, keys.index("balance_cur")).data() == "230,000"
    assert Path(tmp_path).exists()


def test_copy_of_an_entry_keeps_its_foreign_amounts(qtbot, window, sqlite_books):
    foreign_company(sqlite_books)
    ref, _ = sqlite_books.ledger.post(
        entry(
            "2024-06-14",
            LineInput("1110", debit=D("1082.50"), currency="EUR", amount_cur=D("1000")),
            ("3100", "-1082.50"),
        )
    )
    tab = window.ledger_tab
    original = shown(qtbot, tab.open_entry(ref.id))
    assert original.copy_button.isVisible()
    qtbot.mouseClick(original.copy_button, Qt.MouseButton.LeftButton)
    copy = tab._new_editors[-1]
    assert copy is not original and copy.entry_id is None and copy.dirty
    assert copy.date.value() == sqlite_books.company.today()
    assert [(ln.account, ln.debit, ln.credit, ln.currency, ln.amount_cur) for ln in copy.model.lines()] == [
        ("1110", D("1082.50"), D(0), "EUR", D("1000.00")),
        ("3100", D(0), D("1082.50"), None, None),
    ]
    assert copy.save_draft()
    assert [(ln.currency, ln.amount_cur) for ln in sqlite_books.queries.entry(copy.entry_id).lines] == [
        ("EUR", D("1000.00")),
        ("", None),
    ]
