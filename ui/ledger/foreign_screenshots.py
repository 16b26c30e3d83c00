"""Screenshots of foreign amounts over the demo: an entry with a EUR line, the EUR bank account's ledger."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ui.ledger.ledger_tab import ACCOUNT_LEDGER
from ui.models.entry_lines_model import ACCOUNT, CREDIT, CURRENCY, DEBIT, FOREIGN, MEMO

EURO_BANK = "1120"  # the demo's "Bank EUR" (paksa_desktop/demo_banking.py)


def foreign_shots(
    window: Any, out: Path, docs: Path | None, save: Callable[[Any, Path], None], settle: Callable[..., None]
) -> None:
    tab = window.ledger_tab
    queries = window.session.queries
    ledger = tab.show_view(ACCOUNT_LEDGER)
    ledger.show_account(queries.account(EURO_BANK).id)
    settle(300)
    save(window, out / "13c-account-ledger-eur-bank.png")
    if docs is not None:
        save(window, docs / "account-ledger-foreign.png")

    new = tab.new_entry()
    new.resize(1180, 560)
    new.reference.setText("TRF-0715")
    new.memo.setText("Transfer to the euro account")
    model = new.model
    model.setData(model.index(0, ACCOUNT), EURO_BANK)  # its currency, EUR, comes with it
    model.setData(model.index(0, FOREIGN), "25000")  # the base amount from the rate on the entry date
    model.setData(model.index(0, MEMO), "Bank ref. 4471-EU")
    model.setData(model.index(1, ACCOUNT), "1100")
    model.setData(model.index(1, CREDIT), str(model.total_debit))
    new.grid.go_to(1, MEMO)
    save(new, out / "21b-entry-foreign-line.png")
    if docs is not None:
        save(new, docs / "entry-editor-foreign.png")
    # a currency with no rate: said under the lines, the base amount left to type
    row = model.add_line()
    model.setData(model.index(row, ACCOUNT), "5020")
    model.setData(model.index(row, CURRENCY), "NOK")
    model.setData(model.index(row, FOREIGN), "2900")
    new.grid.go_to(row, DEBIT)
    save(new, out / "21c-entry-no-rate.png")
    new.dirty = False
    new.close()
