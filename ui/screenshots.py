"""Save a screenshot of every screen over the demo company, to look at what users will see.

    QT_QPA_PLATFORM=offscreen python -m ui.screenshots [--out screenshots] [--demo FILE] [--docs]

`--docs` also writes docs/images/ (the README and user guide pictures).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from paksa_desktop.company import Company
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.errors import ImportFileError
from paksa_desktop.ledger.import_journal import import_journal_file
from paksa_desktop.ledger.models import EntryState
from paksa_desktop.ledger.queries import EntryFilter
from ui.app import configure_application
from ui.company_dialogs import CreateCompanyDialog
from ui.ledger.ledger_tab import ACCOUNTS, BUDGETS, DIMENSIONS, ENTRIES, PERIODS, RECURRING, TRIAL_BALANCE
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.session import AppSession
from ui.settings import RecentCompanies, app_settings
from ui.start_screen import StartScreen
from ui.widgets.import_errors_dialog import ImportErrorsDialog

SIZE = (1280, 800)
CLOCK = FixedClock(datetime(2025, 7, 15, 9, 0, tzinfo=UTC))


def settle(ms: int = 150) -> None:
    """Let background loads finish and the event loop paint."""
    QThreadPool.globalInstance().waitForDone()
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()


def save(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(f"saved {path}")


def demo_company(path: Path) -> Company:
    from paksa_desktop.demo import build_demo

    if path.exists():
        return Company.open(path, clock=CLOCK)
    return build_demo(path, clock=CLOCK)


def run(app: QApplication, out: Path, demo_path: Path, docs: Path | None) -> None:
    configure_application(app)
    settings_dir = Path(tempfile.mkdtemp(prefix="paksa-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    out.mkdir(parents=True, exist_ok=True)
    from paksa_desktop.demo import DEMO_PASSWORD, DEMO_USER

    company = demo_company(demo_path)
    ctx = company.login(DEMO_USER, DEMO_PASSWORD)
    recent = RecentCompanies(app_settings())
    recent.add("/home/ana/Documents/Paksa/northwind.paksa", "Northwind Trading Ltd")
    recent.add("postgresql+psycopg://ana@finance-db:5432/acme", "Acme Holdings Inc")
    recent.add(str(demo_path), "Northwind Trading Ltd (demo)")

    # ---- start screen, create company, login
    start = StartScreen(recent)
    start.show()
    save(start, out / "01-start-screen.png")
    create = CreateCompanyDialog(start)
    create.name.setText("Acme Holdings Inc")
    create._suggest_path("Acme Holdings Inc")
    create.show()
    save(create, out / "02-create-company.png")
    create.close()
    login = LoginDialog(company, "northwind", "admin", start)
    login.show()
    login.show_message("Wrong user name or password, or the user is disabled")
    save(login, out / "03-login-failed.png")
    login.close()
    start.close()

    # ---- main window views
    window = MainWindow(AppSession(company, ctx), recent)
    window.resize(*SIZE)
    window.show()
    tab = window.ledger_tab

    def finished_project() -> None:
        """A finished project, deactivated and selected: grey, with Activate offered."""
        window.hub.broadcast(window.session.ledger.set_project_active("WEB", False))
        settle(300)
        tab.dimensions.projects.select("WEB")

    shots: list[tuple[int, str, Callable[[], None] | None]] = [
        (ACCOUNTS, "10-chart-of-accounts.png", None),
        (ENTRIES, "11-journal-entries.png", None),
        (TRIAL_BALANCE, "12-trial-balance.png", None),
        (PERIODS, "14-periods.png", None),
        (RECURRING, "15-recurring.png", None),
        (DIMENSIONS, "17-dimensions-journals.png", finished_project),
    ]
    for index, name, prepare in shots:
        tab.show_view(index)
        settle(300)
        if prepare is not None:
            prepare()
        save(window, out / name)
        if index == ENTRIES and docs is not None:
            save(window, docs / "journal-entries.png")
        if index == TRIAL_BALANCE and docs is not None:
            save(window, docs / "main-window.png")
        if index == DIMENSIONS and docs is not None:
            save(window, docs / "dimensions.png")

    # trial balance over a range, then drill down to an account ledger
    tb = tab.trial_balance
    tab.show_view(TRIAL_BALANCE)
    tb.mode.setCurrentIndex(1)
    tb._preset_chosen(tb.preset.findText("Last fiscal year"))
    settle(300)
    save(window, out / "12b-trial-balance-range.png")
    bank_row = next(r for r in range(tb.model.rowCount()) if tb.model.report_row(r).cells[0] == "1100")
    tb._drill(tb.model.index(bank_row, 0))
    settle(300)
    save(window, out / "13-account-ledger-drilldown.png")
    if docs is not None:
        save(window, docs / "account-ledger.png")

    # ---- financial statements, their chart and the layout editor
    from ui.ledger.statement_screenshots import statement_shots

    statement_shots(window, out, docs, save, settle)

    # ---- a recurring entry's dialog
    recurring = tab.recurring
    tab.show_view(RECURRING)
    settle()
    dialog = recurring.dialog(recurring.model.row_at(recurring.model.rowCount() - 1))
    dialog.show()
    save(dialog, out / "16-recurring-dialog.png")
    dialog.close()

    # ---- dimensions: the add dialog of a journal
    journals = tab.dimensions.journals
    tab.show_view(DIMENSIONS)
    settle()
    add = journals.add_dialog()
    add.code.setText("BNK2")
    add.name.setText("Second bank account")
    add.kind.setCurrentIndex(add.kind.findData("cash"))
    add.show()
    save(add, out / "18-add-journal.png")
    add.close()

    # ---- budgets: last year's actuals plus 5%, one month retyped and not saved yet
    budget_shot(window, out, docs)

    # ---- receivables: customers, items and tax codes with their forms
    from ui.receivables.screenshots import receivables_shots

    receivables_shots(window, out, docs, save, settle)

    # ---- payables: vendors, the vendor form, settings
    from ui.payables.screenshots import payables_shots

    payables_shots(window, out, docs, save, settle)

    # ---- cash and banking: accounts, the import wizard, statement lines
    from ui.banking.screenshots import banking_shots

    banking_shots(window, out, docs, save, settle)

    # ---- entry editor: a posted entry, then an out-of-balance draft
    queries = window.session.queries
    posted = queries.entries(EntryFilter(state=EntryState.POSTED, journal="SAL"), limit=1)[0]
    editor = tab.open_entry(posted.id)
    editor.resize(1060, 560)
    save(editor, out / "20-entry-posted.png")
    editor.close()
    new = tab.new_entry()
    new.resize(1060, 560)
    new.reference.setText("INV-2025-0142")
    new.memo.setText("Freight on May deliveries")
    model = new.model
    model.setData(model.index(0, 0), "5020")
    model.setData(model.index(0, 1), "1250.00")
    model.setData(model.index(0, 3), "Carrier invoice 88412")
    model.setData(model.index(0, 4), "OPS")
    model.setData(model.index(1, 0), "2010")
    model.setData(model.index(1, 2), "1200")
    new.grid.go_to(1, 2)
    save(new, out / "21-entry-out-of-balance.png")
    if docs is not None:
        save(new, docs / "entry-editor.png")
    new.dirty = False
    new.close()

    # ---- foreign amounts: the EUR bank account's ledger, an entry with a EUR line
    from ui.ledger.foreign_screenshots import foreign_shots

    foreign_shots(window, out, docs, save, settle)

    # ---- import error dialog
    bad = Path(tempfile.mkdtemp(prefix="paksa-shots-")) / "june-journal.csv"
    bad.write_text(
        "entry,date,account,debit,credit,memo\n"
        "J1,2025-06-03,1100,500.00,,Cash sale\n"
        "J1,2025-06-03,4010,,450.00,Cash sale\n"
        "J2,2025-13-01,6100,90.00,,Rent\n"
        "J2,2025-13-01,1100,,90.00,Rent\n"
        "J3,2025-06-05,9999,12.5.0,,Typo\n"
        "J3,2025-06-05,1100,,12.50,Typo\n"
        "J4,2025-06-06,6200,10.00,5.00,Both sides\n"
        "J4,2025-06-06,1100,,5.00,Both sides\n",
        encoding="utf-8",
    )
    try:
        import_journal_file(window.session.ledger, bad)
    except ImportFileError as exc:
        dialog = ImportErrorsDialog(exc, window)
        dialog.show()
        save(dialog, out / "30-import-errors.png")
        dialog.close()
    window.close()
    for widget in (window, start):
        widget.deleteLater()
    settle()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    company.close()


def budget_shot(window: MainWindow, out: Path, docs: Path | None) -> None:
    session = window.session
    name = "Budget 2025"
    if name not in [b.name for b in session.budget_queries.budgets()]:
        session.budgets.create_budget(name, "Last year's actuals plus 5%")
        session.budgets.copy_from_actuals(name, date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), Decimal("5"))
    view = window.ledger_tab.budgets
    window.ledger_tab.show_view(BUDGETS)
    view.reload()
    settle(300)
    model = view.model
    rent = model.row_of("6100")
    model.setData(model.index(rent, 3), "9,500.00")
    view.table.setCurrentIndex(model.index(rent + 1, 3))
    view.table.scrollTo(model.index(0, 0))
    save(window, out / "19-budgets.png")
    if docs is not None:
        save(window, docs / "budgets.png")
    model.discard()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--demo", type=Path, default=Path(tempfile.gettempdir()) / "paksa-screenshots-demo.paksa")
    parser.add_argument("--docs", action="store_true", help="also write docs/images/")
    args = parser.parse_args(argv)
    QMessageBox.warning = staticmethod(lambda *a, **k: print("warning:", a[2]))  # type: ignore[method-assign]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    run(app, args.out, args.demo, Path("docs/images") if args.docs else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
