"""Screenshots of the Cash & Banking tab for `python -m ui.screenshots`: accounts, the account form, the
import wizard (CSV mapping, preview with a duplicate), the statement lines, the reconciliation screen, the rules,
the cash position and the cash forecast with a what-if.

The demo company has an Operating account with statements (paksa_desktop/demo_banking.py); it is given
the CSV import profile the wizard shows, through the same service the form calls, the first time. An
older demo without bank accounts gets one, with a CSV statement imported.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.banking.formats import CsvProfile, read_statement_file
from ui.banking.accounts_view import BankAccountDialog
from ui.banking.import_wizard import ImportWizard

PROFILE = CsvProfile(
    name="First National CSV",
    date_column="Date",
    debit_column="Debit",
    credit_column="Credit",
    description_column="Description",
    reference_column="Reference",
    bank_id_column="Transaction ID",
    date_formats=("%m/%d/%Y",),
    thousands_separator=",",
)
JUNE = """Date,Description,Reference,Debit,Credit,Transaction ID
06/02/2025,Alfreds Futterkiste,INV-2025-0131,,"12,480.00",FN-60211
06/03/2025,Payroll June,PAY-06,"38,250.00",,FN-60212
06/09/2025,Office rent,RENT-06,"4,500.00",,FN-60213
06/16/2025,Around the Horn,INV-2025-0135,,"7,215.40",FN-60214
06/30/2025,Bank charges,,32.50,,FN-60215
"""
JULY = """Date,Description,Reference,Debit,Credit,Transaction ID
06/30/2025,Bank charges,,32.50,,FN-60215
07/01/2025,Berglunds snabbkop,INV-2025-0139,,"3,940.00",FN-70101
07/03/2025,Freight carrier,88412,"1,250.00",,FN-70102
"""


def banking_shots(
    window: Any,
    out: Path,
    docs: Path | None,
    save: Callable[[QWidget, Path], None],
    settle: Callable[..., None],
) -> None:
    tab = window.banking_tab
    if tab is None:
        return
    session = window.session
    folder = Path(tempfile.mkdtemp(prefix="paksa-bank-shots-"))
    (folder / "june.csv").write_text(JUNE, encoding="utf-8")
    (folder / "july.csv").write_text(JULY, encoding="utf-8")
    queries = session.company.bank_queries(session.ctx)
    existing = next((a for a in queries.accounts() if a.name == "Operating"), None)
    if existing is not None and not existing.import_profile:
        window.hub.broadcast(
            session.company.bank_accounts(session.ctx).update(
                "Operating",
                BankAccountInput("Operating", existing.gl_account, existing.currency, existing.bank_name,
                                 import_profile=PROFILE.to_dict()),
                version=existing.version,
            )
        )  # fmt: skip
    if existing is None:
        base = window.hub.info().base_currency
        window.hub.broadcast(
            session.company.bank_accounts(session.ctx).add(
                BankAccountInput("Operating", "1100", base, "First National Bank", import_profile=PROFILE.to_dict())
            )
        )
        statements = read_statement_file(folder / "june.csv", PROFILE)
        window.hub.broadcast(
            session.company.statement_import(session.ctx).import_statements("Operating", statements).changes
        )

    window.tabs.setCurrentWidget(tab)
    accounts = tab.show_view("accounts")
    settle(300)
    accounts.select("Operating")
    save(window, out / "70-bank-accounts.png")
    dialog = BankAccountDialog(window.hub, queries.account("Operating"), editable=True, parent=window)
    dialog.show()
    save(dialog, out / "71-bank-account-dialog.png")
    dialog.close()

    wizard = ImportWizard(window.hub, queries.account("Operating"), window)
    wizard.file.setText(str(folder / "july.csv"))
    wizard.show()
    wizard.next()
    save(wizard, out / "72-bank-import-mapping.png")
    wizard.next()
    settle(300)
    save(wizard, out / "73-bank-import-preview.png")
    wizard.close()

    tab.show_view("lines")
    settle(300)
    save(window, out / "74-bank-statement-lines.png")

    recon = tab.show_view("reconcile")
    settle(300)
    recon.statement_date.set_value(date(2025, 6, 30))
    recon.balance.setText("-23087.10")
    recon.balance.editingFinished.emit()
    settle(500)
    save(window, out / "75-bank-reconciliation.png")
    tab.show_view("rules")
    settle(300)
    save(window, out / "75b-bank-rules.png")
    tab.show_view("position")
    settle(300)
    save(window, out / "76-cash-position.png")
    forecast = tab.show_view("forecast")
    settle(300)
    forecast.delay.setValue(10)
    forecast.add_one_off(forecast.start.value() + timedelta(days=20), "-42000.00", "Quarterly estimated tax")
    forecast.refresh()
    settle(400)
    save(window, out / "77-cash-forecast.png")
