"""The reconciliation screen: match a bank account's statement lines against the books, then reconcile.

Upper table: the unmatched statement lines booked by the statement date, each with the matcher's best
proposal, its score (coloured: green from the threshold, amber from 50, red below) and the reasons.
The screen is driven by the keyboard: J/K (or Down/Up) next/previous line, Enter accepts the selected
proposal, Ctrl+Shift+A accepts every proposal at or above the threshold, F (or Ctrl+F) searches the open
items for the line by hand, E posts a journal entry for it, S splits it over several open items (part
payments) and GL account lines, T books a transfer to or from another of the company's bank accounts, P a
customer receipt on account, R opens the bank rule form filled from the line. Lower panel: book balance,
uncleared items, statement balance and the difference (red unless zero); Finish is enabled at zero; Undo
last asks for a reason; Report PDF saves the reconciliation statement and opens it. Every service call runs on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.banking.accounts import BankAccountRow
from paksa_desktop.banking.candidates import OpenItem
from paksa_desktop.banking.reconciliation import (
    AcceptResult,
    BankProposal,
    ReconciliationService,
    ReconciliationView,
    reconciliation_report,
)
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.reporting.renderers import render_file
from paksa_desktop.security.permissions import Permission
from ui.banking.base_view import BankingView, bank_queries
from ui.banking.line_dialogs import (
    ITEM_COLUMNS,
    PaymentOnAccountDialog,
    ReceiptOnAccountDialog,
    SplitDialog,
    TransferDialog,
    money,
)
from ui.banking.rules_view import open_rule_from_line
from ui.errors import show_error
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.style import icon
from ui.widgets.account_picker import AccountPicker
from ui.widgets.date_edit import DateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Loader, Progress, run_with_progress

GREEN, AMBER, RED = QColor("#1b7f3b"), QColor("#a86400"), QColor("#b3261e")


@dataclass(frozen=True, slots=True)
class LineRow:
    """An unmatched statement line with the matcher's proposal for it (None: nothing found)."""

    id: int
    booked: date
    amount: Decimal
    text: str
    reference: str
    proposal: BankProposal | None

    @property
    def score(self) -> int | None:
        return self.proposal.score if self.proposal else None

    @property
    def items(self) -> str:
        if self.proposal is None:
            return "none: F search, S split"
        return ", ".join(i.caption.strip() for i in self.proposal.proposal.items)

    @property
    def reasons(self) -> str:
        if self.proposal is None:
            return ""
        extra = len(self.proposal.line_ids) - 1
        more = f" (with {extra} other line(s))" if extra else ""
        return self.proposal.proposal.explanation + more


COLUMNS = (
    Col("booked", "Date", lambda r: r.booked, ColumnKind.DATE, width=96),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=110),
    Col("text", "Description", lambda r: r.text, width=180),  # stretches: what the line is
    Col("reference", "Reference", lambda r: r.reference, width=160),
    Col("items", "Proposal", lambda r: r.items, width=200),
    Col("score", "Score", lambda r: r.score, ColumnKind.INTEGER, width=60),
    Col("reasons", "Reasons", lambda r: r.reasons, width=310),
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one load brings back: the proposals and the balances, read on the worker thread."""

    proposals: list[BankProposal]
    view: ReconciliationView
    undoable: bool


def score_colour(score: int | None, threshold: int) -> QColor | None:
    if score is None:
        return None
    return GREEN if score >= threshold else AMBER if score >= 50 else RED


def recon_service(view: BankingView) -> ReconciliationService:
    return view.session.company.bank_reconciliation(view.session.ctx)


class BankReconciliationView(BankingView):
    title = "Reconciliation"
    subtitle = (
        "Match the statement lines to the books, then finish at a zero difference. "
        "J/K next/previous, Enter accept, Ctrl+Shift+A accept all, F search, S split, E entry, "
        "T transfer, P receipt on account, V payment on account, R rule from the line."
    )
    concerns = frozenset({Kind.BANK_LINES, Kind.BANK_ACCOUNTS, Kind.ENTRIES, Kind.RECEIPTS, Kind.INVOICES})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.accounts: list[BankAccountRow] = []
        self.snapshot: Snapshot | None = None
        self.exponent = 2
        self.opened: list[Path] = []  # report PDFs handed to the desktop (tests look here)
        self.can_post = self.session.can(Permission.ENTRY_POST)
        self.model = RowsTableModel(COLUMNS, parent=self)
        self.model.data = self._data  # type: ignore[method-assign]  # the score cell takes its colour

        self.accept_button = self._button("Accept", "", "Book the selected proposal (Enter)", self.accept_current)
        self.accept_all_button = self._button(
            "Accept all ≥ threshold",
            "",
            "Book every proposal at or above the threshold (Ctrl+Shift+A)",
            self.accept_all,
        )
        self.search_button = self._button("Search…", "", "Find open items for the line (F)", self.search)
        self.entry_button = self._button(
            "Entry…", "new-entry", "Post a journal entry for the line (E)", self.create_entry
        )
        self.split_button = self._button("Split…", "", "Split the line over open items and GL accounts (S)", self.split)
        self.transfer_button = self._button(
            "Transfer…", "", "Book a transfer to or from another bank account (T)", self.transfer
        )
        self.receipt_button = self._button(
            "Receipt…", "", "Record a customer receipt on account, with no invoice (P)", self.receipt_on_account
        )
        self.prepay_button = self._button(
            "Prepay…", "", "Record a vendor payment on account, with no bill (V)", self.payment_on_account
        )
        self.rule_button = self._button(
            "Rule…", "", "Create a bank rule from the line: the rule form, filled in (R)", self.rule_from_line
        )
        self.can_receive = self.session.can(Permission.AR_RECEIPT_RECORD)
        self.can_prepay = self.session.can(Permission.AP_PAYMENT_RUN_APPROVE)
        self.can_rule = self.session.can(Permission.CASH_ACCOUNT_MANAGE)
        if not self.can_post:
            self.entry_button.setToolTip("Your role cannot post journal entries (ledger.entry.post).")
            self.transfer_button.setToolTip("Your role cannot post journal entries (ledger.entry.post).")
        if not self.can_receive:
            self.receipt_button.setToolTip("Your role cannot record receipts (receivables.receipt.record).")
        if not self.can_prepay:
            self.prepay_button.setToolTip("Your role cannot pay vendors (payables.paymentrun.approve).")
        if not self.can_rule:
            self.rule_button.setToolTip("Your role cannot create bank rules (cash.account.manage).")
        self.report_button = self._button("Report PDF…", "print", "Save the reconciliation statement", self.report_pdf)

        self.filters = FilterBar()
        self.account = QComboBox()
        self.account.setMinimumContentsLength(18)
        self.statement_date = DateEdit(self.session.ctx.clock.today())
        self.balance = QLineEdit()
        self.balance.setPlaceholderText("closing balance")
        self.balance.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.threshold = QSpinBox()
        self.threshold.setRange(0, 100)
        self.threshold.setValue(80)
        self.filters.add("&Account", self.account, 2)
        self.filters.add("Statement &date", self.statement_date)
        self.filters.add("Statement &balance", self.balance)
        self.filters.add("&Threshold", self.threshold)
        self.filters.finish()
        self.filters.clear_button.hide()
        self.account.currentIndexChanged.connect(self.load)
        self.statement_date.dateChanged.connect(self.load)
        self.balance.editingFinished.connect(self.load)
        self.threshold.valueChanged.connect(lambda _v: self.model.layoutChanged.emit())
        self.body.addWidget(self.filters)

        self.table = make_table("reconLinesTable", self.model, COLUMNS, stretch="text")
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)

        self.panel = QWidget()
        self.panel.setObjectName("reconTotals")
        grid = QGridLayout(self.panel)
        grid.setContentsMargins(0, 4, 0, 0)
        self.figures: dict[str, QLabel] = {}
        for col, (key, label) in enumerate(
            (
                ("book", "Book balance"),
                ("uncleared", "Uncleared items"),
                ("cleared", "Cleared book balance"),
                ("statement", "Statement balance"),
                ("difference", "Difference"),
            )
        ):
            title = QLabel(label)
            title.setProperty("state", "muted")
            value = QLabel("–")
            value.setObjectName(f"recon_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.2)
            font.setBold(key == "difference")
            value.setFont(font)
            grid.addWidget(title, 0, col, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(value, 1, col)
        for col in range(5):
            grid.setColumnStretch(col, 1)
        self.figures = {
            key: self.panel.findChild(QLabel, f"recon_{key}")  # type: ignore[misc]
            for key in ("book", "uncleared", "cleared", "statement", "difference")
        }
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setProperty("state", "muted")
        grid.addWidget(self.note, 2, 0, 1, 3)
        self.finish_button = self._button("Finish", "", "Mark the matched lines reconciled", self.finish, grid)
        self.finish_button.setProperty("primary", True)
        self.undo_button = self._button(
            "Undo last…", "", "Undo the latest finished reconciliation (asks for a reason)", self.undo, grid
        )
        grid.addWidget(self.finish_button, 2, 4)
        grid.addWidget(self.undo_button, 2, 3)
        self.body.addWidget(self.panel)

        self._keys()
        self._update_buttons()

    def _button(
        self, text: str, icon_name: str, tip: str, slot: Callable[[], None], grid: QGridLayout | None = None
    ) -> QPushButton:
        button = QPushButton(icon(icon_name), text) if icon_name else QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        if grid is None:
            self.header.add(button)
        return button

    def _keys(self) -> None:
        """J/K, Enter, E, F, S, T, P, V and R act on the table; Ctrl+F and Ctrl+Shift+A anywhere on the screen."""
        table_keys: list[tuple[str | Qt.Key, Callable[[], None]]] = [
            ("J", lambda: self.move(+1)),
            ("K", lambda: self.move(-1)),
            (Qt.Key.Key_Return, self.accept_current),
            (Qt.Key.Key_Enter, self.accept_current),
            ("F", self.search),
            ("E", self.create_entry),
            ("S", self.split),
            ("T", self.transfer),
            ("P", self.receipt_on_account),
            ("V", self.payment_on_account),
            ("R", self.rule_from_line),
        ]
        self.shortcuts: list[QShortcut] = []
        for key, slot in table_keys:
            shortcut = QShortcut(QKeySequence(key), self.table, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            self.shortcuts.append(shortcut)
        for key, slot in (("Ctrl+F", self.search), ("Ctrl+Shift+A", self.accept_all)):
            shortcut = QShortcut(QKeySequence(key), self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.shortcuts.append(shortcut)

    def _data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and COLUMNS[index.column()].key == "score":
            return score_colour(self.model.row_at(index.row()).score, self.threshold.value())
        return RowsTableModel.data(self.model, index, role)

    # ---- loading
    def refresh(self) -> None:
        queries = bank_queries(self.session)
        self.loader.load(queries.accounts, self._accounts_loaded)

    def _accounts_loaded(self, accounts: list[BankAccountRow]) -> None:
        self.accounts = [a for a in accounts if a.is_active]
        chosen = self.account.currentData()
        self.account.blockSignals(True)
        self.account.clear()
        for a in self.accounts:
            self.account.addItem(f"{a.name} ({a.currency})", a.name)
        self.account.setCurrentIndex(max(0, self.account.findData(chosen)))
        self.account.blockSignals(False)
        self.load()

    def chosen(self) -> BankAccountRow | None:
        name = self.account.currentData()
        return next((a for a in self.accounts if a.name == name), None)

    def statement_balance(self) -> Decimal | None:
        """The balance typed (None when empty or not an amount: the difference is then not shown)."""
        text = self.balance.text().replace(",", "").strip()
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None

    def load(self) -> None:
        account = self.chosen()
        if account is None:
            self.snapshot = None
            self.model.set_rows([])
            self.note.setText("No active bank accounts yet: add one under Bank accounts and import a statement.")
            self._show_figures()
            return
        service, name, on = recon_service(self), account.name, self.statement_date.value()
        balance = self.statement_balance() or Decimal(0)

        def fetch() -> Snapshot:
            view = service.reconcile(name, on, balance)
            undoable = any(not r.undone for r in service.history(name))
            return Snapshot(service.propose(name, on), view, undoable)

        self.loader.load(fetch, self._loaded)

    def _loaded(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        account = self.chosen()
        self.exponent = currency_exponent(account.currency) if account else 2
        self.model.exponent = self.exponent
        best: dict[int, BankProposal] = {}
        for proposal in snapshot.proposals:
            for line_id in proposal.line_ids:
                if line_id not in best or proposal.score > best[line_id].score:
                    best[line_id] = proposal
        current = self.current()
        rows = [
            LineRow(i.id, i.date, i.amount, i.text, i.number, best.get(i.id)) for i in snapshot.view.unmatched_lines
        ]
        self.model.set_rows(rows)
        keep = next((n for n, r in enumerate(rows) if current and r.id == current.id), 0)
        if rows:
            self.table.selectRow(min(keep, len(rows) - 1))
        self._show_figures()
        self._update_buttons()

    def _show_figures(self) -> None:
        snap, typed = self.snapshot, self.statement_balance()
        if snap is None:
            for label in self.figures.values():
                label.setText("–")
            return
        view, exp = snap.view, self.exponent
        self.figures["book"].setText(money(view.book_balance, exp))
        uncleared = f"{money(-view.uncleared_total, exp)}  ({len(view.uncleared_gl)})"
        tip = ""
        if view.reconciled_from is not None and view.opening_difference:  # items outstanding at the opening
            uncleared = (
                f"{money(-view.uncleared_total - view.opening_difference, exp)}  ({len(view.uncleared_gl)} + opening)"
            )
            tip = (
                f"GL lines after {view.reconciled_from} not yet on the statement "
                f"({money(-view.uncleared_total, exp)}), "
                f"and the book balance on {view.reconciled_from} not in the opening reconciled balance "
                f"{money(view.opening_balance or Decimal(0), exp)} ({money(-view.opening_difference, exp)})"
            )
        self.figures["uncleared"].setText(uncleared)
        self.figures["uncleared"].setToolTip(tip)
        self.figures["cleared"].setText(money(view.cleared_balance, exp))
        if typed is None:
            self.figures["statement"].setText("–")
            self.figures["difference"].setText("–")
            self.figures["difference"].setStyleSheet("")
        else:
            self.figures["statement"].setText(money(typed, exp))
            self.figures["difference"].setText(money(view.difference, exp))
            colour = GREEN if view.difference == 0 else RED
            self.figures["difference"].setStyleSheet(f"color: {colour.name()};")
        lines = len(view.unmatched_lines)
        if typed is None:
            self.note.setText("Type the statement's closing balance to see the difference.")
        elif lines:
            what = "1 statement line is" if lines == 1 else f"{lines} statement lines are"
            self.note.setText(f"{what} not yet in the books: accept, search or post them.")
        elif view.difference:
            self.note.setText("Every line is matched, yet a difference remains: check the balance typed and the date.")
        else:
            self.note.setText("Balanced: Finish marks the matched lines reconciled.")

    def current(self) -> LineRow | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        snap = self.snapshot
        self.accept_button.setEnabled(row is not None and row.proposal is not None)
        self.accept_all_button.setEnabled(bool(snap and snap.proposals))
        self.search_button.setEnabled(row is not None)
        self.entry_button.setEnabled(row is not None and self.can_post)
        self.split_button.setEnabled(row is not None)
        self.transfer_button.setEnabled(row is not None and self.can_post)
        self.receipt_button.setEnabled(row is not None and self.can_receive and row.amount > 0)
        self.prepay_button.setEnabled(row is not None and self.can_prepay and row.amount < 0)
        self.rule_button.setEnabled(row is not None and self.can_rule)
        balanced = snap is not None and self.statement_balance() is not None and snap.view.difference == 0
        self.finish_button.setEnabled(balanced)
        self.undo_button.setEnabled(bool(snap and snap.undoable))
        self.report_button.setEnabled(snap is not None and self.statement_balance() is not None)

    def move(self, step: int) -> None:
        """J/K: the next or previous line."""
        count = self.model.rowCount()
        if not count:
            return
        row = self.table.currentIndex().row()
        self.table.selectRow(max(0, min(count - 1, (row if row >= 0 else -step) + step)))

    # ---- writes, each on a worker, then a broadcast and a reload
    def _write(self, title: str, label: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        run_with_progress(self, title, label, lambda _p, _c: work(), done, cancellable=False)

    def _accepted(self, title: str) -> Callable[[AcceptResult], None]:
        def done(result: AcceptResult) -> None:
            self.hub.broadcast(result.changes)
            self.load()
            if result.refused:
                why = "\n".join(f"• {p.describe()}: {reason}" for p, reason in result.refused)
                show_error(
                    self, ValidationError(f"{len(result.refused)} match(es) could not be booked:\n{why}"), title=title
                )

        return done

    def accept_current(self) -> None:
        row, account = self.current(), self.chosen()
        if row is None or account is None:
            return
        if row.proposal is None:
            show_error(
                self, ValidationError("This line has no proposal: search (F) or post an entry (E)."), title="Accept"
            )
            return
        service, proposal, name = recon_service(self), row.proposal, account.name
        self._write("Accept", "Booking the match…", lambda: service.accept(name, [proposal]), self._accepted("Accept"))

    def accept_all(self) -> None:
        account = self.chosen()
        if account is None:
            return
        service, name, on, threshold = (
            recon_service(self),
            account.name,
            self.statement_date.value(),
            self.threshold.value(),
        )
        self._write(
            "Accept all",
            f"Booking every proposal scoring {threshold} or more…",
            lambda: service.accept_all(name, on, threshold)[0],
            self._accepted("Accept all"),
        )

    def search(self) -> None:
        row, account = self.current(), self.chosen()
        if row is None or account is None:
            return
        dialog = CandidateSearchDialog(self, account.name, row, self.statement_date.value(), self.exponent)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        keys = dialog.chosen_keys()
        service, name, on = recon_service(self), account.name, self.statement_date.value()
        self._write(
            "Match by hand",
            "Booking the match…",
            lambda: service.accept_manual(name, row.id, keys, on),
            self._accepted("Match by hand"),
        )

    def create_entry(self) -> None:
        row = self.current()
        if row is None:
            return
        if not self.can_post:
            show_error(
                self, ValidationError("Your role cannot post journal entries (ledger.entry.post)."), title="Entry"
            )
            return
        dialog = EntryDialog(self.hub, row, self.exponent, self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        service, code, memo = recon_service(self), dialog.code or "", dialog.memo.text().strip()

        def done(result: tuple[int, Changes]) -> None:
            self.hub.broadcast(result[1])
            self.load()

        self._write("Entry", "Posting the entry…", lambda: service.create_entry(row.id, code, memo=memo), done)

    def _booked(self, result: Any) -> None:
        changes = result[1] if isinstance(result, tuple) else result
        self.hub.broadcast(changes)
        self.load()

    def split(self) -> None:
        row, account = self.current(), self.chosen()
        if row is None or account is None:
            return
        service, name, on = recon_service(self), account.name, self.statement_date.value()
        dialog = SplitDialog(self.hub, service, name, row, on, self.exponent, self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        items, parts = dialog.chosen_items, dialog.chosen_accounts
        self._write("Split", "Booking the split…", lambda: service.split(name, row.id, items, parts), self._booked)

    def transfer(self) -> None:
        row, account = self.current(), self.chosen()
        if row is None or account is None:
            return
        if not self.can_post:
            show_error(
                self, ValidationError("Your role cannot post journal entries (ledger.entry.post)."), title="Transfer"
            )
            return
        others = [a for a in self.accounts if a.name != account.name and a.currency == account.currency]
        dialog = TransferDialog(row, self.exponent, account.name, others, self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
            return
        service, other, memo = recon_service(self), dialog.chosen(), dialog.memo.text().strip()
        self._write(
            "Transfer", "Posting the transfer…", lambda: service.transfer(row.id, other, memo=memo), self._booked
        )

    def receipt_on_account(self) -> None:
        row = self.current()
        if row is None:
            return
        if not self.can_receive:
            show_error(
                self,
                ValidationError("Your role cannot record receipts (receivables.receipt.record)."),
                title="Receipt on account",
            )
            return
        if row.amount <= 0:
            show_error(
                self,
                ValidationError("A receipt on account is money in; this line is money out."),
                title="Receipt on account",
            )
            return
        customers = self.session.receivables_queries.customers(include_inactive=False)
        dialog = ReceiptOnAccountDialog(row, self.exponent, customers, self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
            return
        service, customer = recon_service(self), dialog.chosen()
        self._write(
            "Receipt on account",
            "Recording the receipt…",
            lambda: service.receipt_on_account(row.id, customer),
            self._booked,
        )

    def payment_on_account(self) -> None:
        row = self.current()
        if row is None:
            return
        title = "Payment on account"
        if not self.can_prepay:
            error = ValidationError("Your role cannot pay vendors (payables.paymentrun.approve).")
            show_error(self, error, title=title)
            return
        if row.amount >= 0:
            show_error(self, ValidationError("A payment on account is money out; this line is money in."), title=title)
            return
        vendors = [v for v in self.session.vendors.list() if v.is_active]
        dialog = PaymentOnAccountDialog(row, self.exponent, vendors, self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
            return
        service, vendor = recon_service(self), dialog.chosen()
        self._write(title, "Recording the payment…", lambda: service.payment_on_account(row.id, vendor), self._booked)

    def rule_from_line(self) -> None:
        row = self.current()
        if row is not None:
            open_rule_from_line(self, self.hub, row.id)

    def finish(self) -> None:
        account, balance = self.chosen(), self.statement_balance()
        if account is None or balance is None:
            return
        service, name, on = recon_service(self), account.name, self.statement_date.value()

        def done(result: tuple[int, Changes]) -> None:
            self.hub.broadcast(result[1])
            self.load()
            from ui.widgets.notify import notify

            notify(self, f"{name} reconciled to {on}.")

        self._write("Finish", "Reconciling…", lambda: service.finish(name, on, balance), done)

    def undo(self) -> None:
        account = self.chosen()
        if account is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            "Undo reconciliation",
            f"Why undo the latest reconciliation of {account.name}? (recorded in the audit trail)",
        )
        if not ok:
            return
        if not reason.strip():
            show_error(self, ValidationError("Give a reason to undo a reconciliation."), title="Undo reconciliation")
            return
        service, name = recon_service(self), account.name

        def done(changes: Changes) -> None:
            self.hub.broadcast(changes)
            self.load()

        self._write("Undo reconciliation", "Undoing…", lambda: service.undo(name, reason=reason), done)

    def report_pdf(self) -> None:
        account, balance = self.chosen(), self.statement_balance()
        if account is None or balance is None:
            show_error(self, ValidationError("Type the statement balance first."), title="Report PDF")
            return
        on = self.statement_date.value()
        from ui.widgets.export_button import default_export_dir

        suggested = default_export_dir() / f"reconciliation-{account.name}-{on}.pdf"
        chosen, _ = QFileDialog.getSaveFileName(self, "Save reconciliation report", str(suggested), "PDF (*.pdf)")
        if not chosen:
            return
        path = Path(chosen) if chosen.lower().endswith(".pdf") else Path(chosen + ".pdf")
        service, name, company, options = recon_service(self), account.name, self.hub.info().name, self.pdf_options()

        def work() -> Path:
            report = reconciliation_report(service.reconcile(name, on, balance), company=company)
            render_file(report, path, "pdf", pdf=options)
            return path

        self._write("Report PDF", "Writing the reconciliation report…", work, self._open_pdf)

    def _open_pdf(self, path: Path) -> None:
        self.opened.append(path)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def export_builder(self) -> ReportBuilder:  # no Export button: the Report PDF is the export
        snap = self.snapshot
        company = self.hub.info().name

        def build(_progress: Progress, _cancelled: IsCancelled) -> Any:
            assert snap is not None
            return reconciliation_report(snap.view, company=company)

        return build


class CandidateSearchDialog(QDialog):
    """The open items of every source, filtered as you type; choose one or several to match the line."""

    def __init__(self, view: BankReconciliationView, account: str, line: LineRow, on: date, exponent: int) -> None:
        super().__init__(view)
        self.setWindowTitle("Search open items")
        self.resize(820, 480)
        self.line = line
        self.exponent = exponent
        self.items: list[OpenItem] = []
        self.loader = Loader(self)
        layout = QVBoxLayout(self)
        head = QLabel(f"Bank line {line.booked}  {money(line.amount, exponent)}  {line.text}  {line.reference}".strip())
        head.setWordWrap(True)
        layout.addWidget(head)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("number, customer or amount")
        self.filter.textChanged.connect(self.apply_filter)
        layout.addWidget(self.filter)
        self.model = RowsTableModel(ITEM_COLUMNS, exponent=exponent, parent=self)
        self.table = make_table("candidatesTable", self.model, ITEM_COLUMNS, stretch="counterparty")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(self._update)
        self.table.doubleClicked.connect(lambda _i: self.accept())
        layout.addWidget(self.table, 1)
        self.total = QLabel()
        layout.addWidget(self.total)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Match")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        service = recon_service(view)
        self.loader.load(lambda: service.open_items(account, max(on, line.booked)), self._loaded)
        self._update()

    def _loaded(self, items: list[OpenItem]) -> None:
        self.items = items
        self.apply_filter()

    def apply_filter(self) -> None:
        words = self.filter.text().lower().split()

        def hit(item: OpenItem) -> bool:
            hay = f"{item.kind_label} {item.number} {item.counterparty} {item.reference} {item.amount}".lower()
            return all(w in hay for w in words)

        shown = [i for i in self.items if hit(i)]
        self.model.set_rows(shown)
        if not shown:
            self.total.setText("No open items match." if self.items else "No open items to match.")
        self._update()

    def chosen(self) -> list[OpenItem]:
        return [self.model.row_at(i.row()) for i in self.table.selectionModel().selectedRows()]

    def chosen_keys(self) -> list[tuple[str, str]]:
        return [(str(i.source), str(i.id)) for i in self.chosen()]

    def _update(self, *_args: object) -> None:
        picked = self.chosen()
        total = sum((i.amount for i in picked), Decimal(0))
        if picked:
            left, exp = self.line.amount - total, self.exponent
            self.total.setText(
                f"{len(picked)} chosen, {money(total, exp)}; the line is {money(self.line.amount, exp)}"
                + ("" if left == 0 else f", {money(left, exp)} not covered")
            )
        elif self.model.rowCount():
            self.total.setText("Choose one or several items (Ctrl+click), then Match.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(picked))


class EntryDialog(QDialog):
    """The account the money of an unmatched line came from or went to (charges, interest), and a memo."""

    def __init__(self, hub: Hub, line: LineRow, exponent: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Post an entry for the bank line")
        self.code: str | None = None
        form = QFormLayout(self)
        form.addRow("Bank line", QLabel(f"{line.booked}  {money(line.amount, exponent)}  {line.text}".strip()))
        self.account = AccountPicker(hub.account_choices(), postable_only=True)
        self.account.setMinimumWidth(320)
        form.addRow("&Account", self.account)
        self.memo = QLineEdit(line.text)
        form.addRow("&Memo", self.memo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Post")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        self.code = self.account.code()
        if self.code is None:
            text = self.account.text().strip()
            show_error(
                self,
                ValidationError(f"Account: no postable account matches '{text}'" if text else "Account: choose one"),
                title="Entry",
            )
            return
        super().accept()
