"""Dunning: propose a run as of a day, untick the customers or invoices not to remind, issue the letters.

The proposal is read on a worker and shown as a tree: a customer's letter (level, procedure, how many
invoices, fee, interest, charges) over the overdue invoices it lists (due date, days overdue, open amount,
the level reached). Issuing asks for a folder, issues what is still ticked in one unit of work (the
service checks every invoice still stands as proposed, and invoices the charges when the procedure has
any and "Charge fees and interest" is ticked), then writes one PDF per customer there and says what was
issued and where. The side panel shows the selected letter, or the selected invoice's dunning history.
Proposing and issuing need `receivables.dunning.run`; others see why the buttons are off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStandardPaths, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.receivables.dunning import (
    DunningProposal,
    DunningQueries,
    DunningService,
    HistoryRow,
    IssuedLetter,
    ProposedLetter,
    ProposedLine,
)
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt, message_for
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import RowsTableModel
from ui.receivables.base_view import ReceivablesView
from ui.style import MUTED, NEGATIVE, icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table
from ui.workers import IsCancelled, Loader, Progress, run_with_progress

LETTER_ROLE = Qt.ItemDataRole.UserRole + 1  # a customer row's ProposedLetter
LINE_ROLE = Qt.ItemDataRole.UserRole + 2  # an invoice row's ProposedLine

# (title, width, numeric); the first column takes the spare width
TREE_COLUMNS = (
    ("Customer / invoice", 0, False),
    ("Due date", 100, False),
    ("Days", 46, True),
    ("Open", 134, True),
    ("Level", 58, True),
    ("Inv.", 42, True),
    ("Fee", 58, True),
    ("Interest", 70, True),
    ("Charges", 76, True),
)
NAME, DUE, DAYS, OPEN, LEVEL, COUNT, FEE, INTEREST, CHARGES = range(len(TREE_COLUMNS))


def dunning_service(hub: Hub) -> DunningService:
    return hub.session.company.dunning(hub.session.ctx)


def dunning_queries(hub: Hub) -> DunningQueries:
    return hub.session.company.dunning_queries(hub.session.ctx)


def money_text(amount: Decimal, places: int) -> str:
    return f"{amount:,.{places}f}"


def history_look(row: HistoryRow) -> tuple[QColor | None, bool]:
    """A letter that only listed the invoice (it was not dunned again) is grey and italic."""
    return (None, False) if row.dunned else (MUTED, True)


HISTORY_COLUMNS = (
    Col("issued", "Issued", lambda r: r.issued_on, ColumnKind.DATE, width=98),
    Col("level", "Level", lambda r: r.level, ColumnKind.INTEGER, width=50),
    Col("open", "Open then", lambda r: r.open_amount, ColumnKind.MONEY, width=80),
)


@dataclass(frozen=True, slots=True)
class Totals:
    letters: int
    invoices: int
    charges: int  # base minor units


class DunningView(ReceivablesView):
    title = "Dunning"
    subtitle = (
        "Payment reminders for overdue invoices. Propose a run, untick the customers or invoices that should "
        "not be reminded, then issue the letters."
    )
    concerns = frozenset({Kind.INVOICES, Kind.RECEIPTS, Kind.CUSTOMERS, Kind.COLLECTIONS})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.history_loader = Loader(self)
        self.can_run = self.session.can(Permission.AR_DUNNING_RUN)
        self.proposal: DunningProposal | None = None
        self.dropped_customers: set[str] = set()
        self.dropped_invoices: set[str] = set()
        self.last_issued: list[IssuedLetter] = []
        self.last_paths: list[Path] = []
        base = hub.info().base_currency
        self.base, self.base_places = base, currency_exponent(base)

        self.procedures_button = QPushButton("Procedures…")
        self.procedures_button.setToolTip("The dunning procedures: their levels, days overdue, fees and interest")
        self.issue_button = QPushButton(icon("print"), "Issue letters…")
        self.issue_button.setProperty("primary", True)
        self.issue_button.setToolTip("Issue the ticked letters and write one PDF per customer")
        self.header.add(self.procedures_button)
        self.header.add(self.issue_button)
        self.header.add(self.add_export_button())

        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setDate(QDate(self.session.today()))
        self.as_of.setToolTip("Invoices overdue on this day are proposed; it is the letters' date")
        self.propose_button = QPushButton(icon("refresh"), "&Propose")
        self.propose_button.setToolTip("Work out the letters due on the day (nothing is written)")
        self.charge = QCheckBox("Charge &fees and interest")
        self.charge.setChecked(True)
        self.charge.setToolTip(
            "Invoice each letter's fee and interest, as its procedure sets them; untick to waive them this run"
        )
        bar = QHBoxLayout()
        label = QLabel("&As of")
        label.setBuddy(self.as_of)
        bar.addWidget(label)
        bar.addWidget(self.as_of)
        bar.addWidget(self.propose_button)
        bar.addSpacing(16)
        bar.addWidget(self.charge)
        bar.addStretch(1)
        self.body.addLayout(bar)

        self.tree = QTreeWidget()
        self.tree.setObjectName("dunningProposal")
        self.tree.setColumnCount(len(TREE_COLUMNS))
        self.tree.setHeaderLabels([title for title, _w, _n in TREE_COLUMNS])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setIndentation(14)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        for column, (_title, width, numeric) in enumerate(TREE_COLUMNS):
            if width:
                self.tree.setColumnWidth(column, width)
            if numeric:
                self.tree.headerItem().setTextAlignment(
                    column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )

        self.detail_title = QLabel()
        self.detail_title.setObjectName("dunningDetailTitle")
        bold = QFont(self.detail_title.font())
        bold.setBold(True)
        self.detail_title.setFont(bold)
        self.detail = QLabel()
        self.detail.setObjectName("dunningDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_model = RowsTableModel(HISTORY_COLUMNS, exponent=hub.exponent, look=history_look, parent=self)
        self.history = make_table("dunningHistory", self.history_model, HISTORY_COLUMNS)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history_note = QLabel()
        self.history_note.setWordWrap(True)
        self.history_note.setProperty("state", "muted")
        side = QWidget()
        side.setObjectName("dunningSide")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        side_layout.addWidget(self.detail_title)
        side_layout.addWidget(self.detail)
        side_layout.addWidget(self.history, 1)
        side_layout.addWidget(self.history_note)
        side_layout.addStretch(0)  # keeps the text at the top while the history is hidden
        side.setMinimumWidth(250)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([790, 250])
        self.body.addWidget(self.splitter, 1)
        self.count = count_label()
        self.body.addWidget(self.count)

        self.propose_button.clicked.connect(self.propose)
        self.issue_button.clicked.connect(self.issue)
        self.procedures_button.clicked.connect(self.open_procedures)
        self.tree.itemChanged.connect(self._ticked)
        self.tree.currentItemChanged.connect(self._show_detail)
        self.charge.toggled.connect(self._update)
        if not self.can_run:
            why = f"Your role cannot run dunning ({Permission.AR_DUNNING_RUN.value})."
            for button in (self.propose_button, self.issue_button):
                button.setEnabled(False)
                button.setToolTip(why)
            self.charge.setEnabled(False)
        self._show_detail(None)
        self._update()

    # ---- proposing
    def day(self) -> date:
        return self.as_of.date().toPython()  # type: ignore[no-any-return]

    def refresh(self) -> None:
        """After a change elsewhere, an open proposal is worked out again (keeping what was unticked)."""
        if self.proposal is not None and self.can_run:
            self.propose(keep=True)
        else:
            self._update()

    def propose(self, *_args: object, keep: bool = False) -> None:
        if not self.can_run:
            return
        if not keep:
            self.dropped_customers, self.dropped_invoices = set(), set()
        service, queries, on = dunning_service(self.hub), dunning_queries(self.hub), self.day()
        self.count.setText(f"Working out the letters due on {on}…")
        self.loader.load(lambda: _propose(service, queries, on), self._proposed)

    def _proposed(self, result: DunningProposal | None) -> None:
        if result is None:  # the company has no procedure yet
            self.proposal = None
            self._fill()
            self._offer_standard_procedure()
            return
        self.proposal = result
        self._fill()

    def _offer_standard_procedure(self) -> None:
        answer = QMessageBox.question(
            self,
            "Dunning",
            "The company has no dunning procedure yet.\n\nCreate the standard one (reminders 7, 21 and 35 days "
            "after the due day, no fee, no interest)? Procedures… changes it later.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            service = dunning_service(self.hub)
            if attempt(self, service.create_standard_procedure, title="Dunning") is not None:
                self.hub.broadcast(Changes.of(Kind.COLLECTIONS))
                self.propose()

    def _fill(self) -> None:
        """The proposal as a tree; what the clerk unticked before stays unticked."""
        self.tree.blockSignals(True)
        self.tree.clear()
        for letter in self.proposal.letters if self.proposal else ():
            parent = self._letter_item(letter)
            self.tree.addTopLevelItem(parent)
            for line in letter.lines:
                parent.addChild(self._line_item(line))
            parent.setExpanded(True)
        self.tree.blockSignals(False)
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        else:
            self._show_detail(None)
        self._update()

    def _letter_item(self, letter: ProposedLetter) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(0, LETTER_ROLE, letter)
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
        item.setFlags(flags if self.can_run else flags & ~Qt.ItemFlag.ItemIsUserCheckable)
        item.setText(NAME, f"{letter.customer} — {letter.name}")
        item.setToolTip(NAME, f"{letter.customer} — {letter.name}, procedure {letter.procedure}")
        item.setText(LEVEL, str(letter.level))
        item.setToolTip(LEVEL, letter.letter_text or f"Level {letter.level} of {letter.procedure}")
        item.setText(COUNT, str(len(letter.lines)))
        for column, minor in ((FEE, letter.fee), (INTEREST, letter.interest), (CHARGES, letter.charges)):
            item.setText(column, money_text(from_minor(minor, self.base_places), self.base_places) if minor else "")
        currencies = {ln.currency for ln in letter.lines}
        if len(currencies) == 1:
            (currency,) = currencies
            places = currency_exponent(currency)
            total = from_minor(sum(ln.open_amount for ln in letter.lines), places)
            item.setText(OPEN, f"{money_text(total, places)} {currency}")
        font = QFont(item.font(NAME))
        font.setBold(True)
        for column in range(len(TREE_COLUMNS)):
            item.setFont(column, font)
        self._align(item)
        dropped = letter.customer in self.dropped_customers
        item.setCheckState(0, Qt.CheckState.Unchecked if dropped else Qt.CheckState.Checked)
        return item

    def _line_item(self, line: ProposedLine) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(0, LINE_ROLE, line)
        if self.can_run:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        places = currency_exponent(line.currency)
        item.setText(NAME, line.number)
        item.setText(DUE, line.due_date.isoformat())
        item.setText(DAYS, str(line.days_overdue))
        item.setText(OPEN, f"{money_text(from_minor(line.open_amount, places), places)} {line.currency}")
        if line.dunned:
            item.setText(LEVEL, f"{line.current_level} → {line.level}")
            item.setToolTip(LEVEL, f"Reminded at level {line.level} by this letter (was {line.current_level})")
        else:
            item.setText(LEVEL, str(line.level))
            item.setToolTip(LEVEL, "Listed as overdue; not reminded again yet (its next level is not due)")
            for column in range(len(TREE_COLUMNS)):
                item.setForeground(column, MUTED)
        if line.interest:
            item.setText(INTEREST, money_text(from_minor(line.interest, self.base_places), self.base_places))
            item.setToolTip(INTEREST, f"{line.interest_days} days of interest")
        if line.days_overdue > 60:
            item.setForeground(DAYS, NEGATIVE)
        self._align(item)
        unticked = line.number in self.dropped_invoices
        item.setCheckState(0, Qt.CheckState.Unchecked if unticked else Qt.CheckState.Checked)
        return item

    @staticmethod
    def _align(item: QTreeWidgetItem) -> None:
        for column, (_t, _w, numeric) in enumerate(TREE_COLUMNS):
            if numeric:
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    # ---- the clerk's review
    def _ticked(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        self._remember_drops()
        self._update()

    def _remember_drops(self) -> None:
        customers, invoices = set(), set()
        for k in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(k)
            letter: ProposedLetter = parent.data(0, LETTER_ROLE)
            if parent.checkState(0) == Qt.CheckState.Unchecked:
                customers.add(letter.customer)
                continue
            for j in range(parent.childCount()):
                child = parent.child(j)
                if child.checkState(0) == Qt.CheckState.Unchecked:
                    invoices.add(child.data(0, LINE_ROLE).number)
        self.dropped_customers, self.dropped_invoices = customers, invoices

    def reviewed(self) -> DunningProposal | None:
        """The proposal less what the clerk unticked."""
        if self.proposal is None:
            return None
        return self.proposal.without(self.dropped_customers, self.dropped_invoices)

    def totals(self) -> Totals:
        kept = self.reviewed()
        letters = kept.letters if kept else ()
        return Totals(len(letters), sum(len(lt.lines) for lt in letters), sum(lt.charges for lt in letters))

    def _update(self, *_args: object) -> None:
        totals = self.totals()
        self.issue_button.setEnabled(self.can_run and totals.letters > 0)
        if not self.can_run:
            self.count.setText(
                f"Your role cannot run dunning ({Permission.AR_DUNNING_RUN.value}); Procedures… shows the procedures."
            )
        elif self.proposal is None:
            self.count.setText("Choose the day and press Propose to see the letters due.")
        elif not self.proposal.letters:
            self.count.setText(f"No letters are due on {self.proposal.as_of}: no invoice has reached its next level.")
        else:
            total = len(self.proposal.letters)
            charges = money_text(from_minor(totals.charges, self.base_places), self.base_places)
            self.count.setText(
                f"{totals.letters} of {total} letter{'s' if total != 1 else ''} ticked, listing {totals.invoices} "
                f"invoice{'s' if totals.invoices != 1 else ''}; charges {self.base} {charges}"
                + ("" if self.charge.isChecked() else " (waived this run)")
            )

    # ---- the side panel
    def _show_detail(self, item: QTreeWidgetItem | None, *_args: object) -> None:
        self.history_model.set_rows([])
        line = item.data(0, LINE_ROLE) if item is not None else None
        letter = item.data(0, LETTER_ROLE) if item is not None else None
        if isinstance(line, ProposedLine):
            self.detail_title.setText(f"Invoice {line.number}")
            now = f"now at level {line.current_level}" if line.current_level else "not reminded yet"
            self.detail.setText(
                f"Dated {line.date}, due {line.due_date}: {line.days_overdue} days overdue, {now}. Its dunning history:"
            )
            self.history_note.setText("Loading…")
            queries, number = dunning_queries(self.hub), line.number
            self.history_loader.load(lambda: queries.history(number), self._show_history)
            self.history.show()
        elif isinstance(letter, ProposedLetter):
            self.detail_title.setText(f"Letter to {letter.name}")
            dunned = sum(1 for ln in letter.lines if ln.dunned)
            listed = len(letter.lines) - dunned
            text = f"Level {letter.level} of procedure {letter.procedure}. It reminds of {dunned} invoice" + (
                "s" if dunned != 1 else ""
            )
            text += f" and lists {listed} more as overdue.\n\n" if listed else ".\n\n"
            charges = [(word, minor) for word, minor in (("fee", letter.fee), ("interest", letter.interest)) if minor]
            text += (
                "Charges: "
                + ", ".join(
                    f"{w} {self.base} {money_text(from_minor(m, self.base_places), self.base_places)}"
                    for w, m in charges
                )
                + ".\n\n"
                if charges
                else "No fee, no interest.\n\n"
            )
            self.detail.setText(text + (f"“{letter.letter_text}”" if letter.letter_text else "No letter text."))
            self.history.hide()
            self.history_note.setText("Select an invoice to see its dunning history.")
        else:
            self.detail_title.setText("Letter and history")
            self.detail.setText("Select a customer to see the letter, or an invoice to see its dunning history.")
            self.history.hide()
            self.history_note.setText("")

    def _show_history(self, rows: list[HistoryRow]) -> None:
        self.history_model.set_rows(rows)
        if not rows:
            self.history_note.setText("Never reminded yet.")
        else:
            last, interest = rows[-1], sum((r.interest for r in rows), Decimal(0))
            text = f"{len(rows)} letter{'s' if len(rows) != 1 else ''}; the last on {last.issued_on}"
            text += f" at level {last.level}."
            if interest:
                text += f" Interest charged: {self.base} {money_text(interest, self.base_places)}."
            if not all(r.dunned for r in rows):
                text += " Grey: listed only, not reminded again."
            self.history_note.setText(text)

    # ---- issuing
    def issue(self) -> None:
        proposal = self.reviewed()
        if not self.can_run or proposal is None or not proposal.letters:
            return
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        folder = QFileDialog.getExistingDirectory(self, "Folder for the reminder letters (PDF)", start)
        if not folder:
            return
        charge = self.charge.isChecked()
        count = len(proposal.letters)
        charges = sum(lt.charges for lt in proposal.letters)
        money = money_text(from_minor(charges, self.base_places), self.base_places)
        if charge and charges:
            charged = f"Charges of {self.base} {money} are invoiced to the customers."
        else:
            charged = "No charges are invoiced."
        answer = QMessageBox.question(
            self,
            "Issue letters",
            f"Issue {count} reminder letter{'s' if count != 1 else ''} dated {proposal.as_of}?\n\n{charged} The "
            f"invoices' dunning levels are raised, and one PDF per customer is written to\n{folder}",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        service, target = dunning_service(self.hub), Path(folder)

        def work(_progress: Progress, _cancelled: IsCancelled) -> tuple[list[IssuedLetter], Changes, Any]:
            issued, changes = service.issue(proposal, charge=charge)
            try:
                paths: Any = service.write_pdfs(issued, target)
            except Exception as exc:  # the letters stand; the files are what failed, and the report says so
                paths = exc
            return issued, changes, paths

        self.issue_job = run_with_progress(
            self,
            "Issue letters",
            f"Issuing {count} letter{'s' if count != 1 else ''} and writing the PDFs…",
            work,
            lambda result: self._issued(result, target),
            cancellable=False,
        )

    def _issued(self, result: tuple[list[IssuedLetter], Changes, Any], folder: Path) -> None:
        issued, changes, paths = result
        self.last_issued = issued
        self.last_paths = paths if isinstance(paths, list) else []
        lines = []
        for k, one in enumerate(issued):
            letter = one.letter
            text = f"• {letter.customer} — {letter.name}: level {letter.level}"
            if one.charge_invoice:
                money = money_text(from_minor(letter.charges, self.base_places), self.base_places)
                text += f", charges {self.base} {money} invoiced on {one.charge_invoice}"
            if k < len(self.last_paths):
                text += f"\n   {self.last_paths[k].name}"
            lines.append(text)
        count = len(issued)
        day = issued[0].issued_on if issued else self.day()
        head = f"Issued {count} reminder letter{'s' if count != 1 else ''} dated {day}:"
        if isinstance(paths, Exception):
            QMessageBox.warning(
                self,
                "Issue letters",
                head + "\n\n" + "\n".join(lines) + f"\n\nThe letters are issued, but their PDFs could not be "
                f"written to {folder}: {message_for(paths)}",
            )
        else:
            QMessageBox.information(
                self, "Issue letters", head + "\n\n" + "\n".join(lines) + f"\n\nThe PDFs are in {folder}"
            )
        notify(self, f"Issued {count} reminder letter{'s' if count != 1 else ''} into {folder}")
        self.dropped_customers, self.dropped_invoices = set(), set()
        self.hub.broadcast(changes)  # the proposal is worked out again: what was issued is no longer due

    # ---- procedures
    def open_procedures(self) -> None:
        from ui.receivables.dunning_procedures import ProceduresDialog

        dialog = ProceduresDialog(self.hub, self)
        self.last_dialog = dialog
        dialog.exec()
        if dialog.changes:
            self.hub.broadcast(dialog.changes)
        dialog.deleteLater()

    # ---- export: the proposal as shown, a row per invoice
    def export_builder(self) -> ReportBuilder:
        kept = self.reviewed()
        title, company, base = f"Dunning proposal {self.day()}", self.hub.info().name, self.base
        rows = [(lt, ln) for lt in (kept.letters if kept else ()) for ln in lt.lines]
        places = self.base_places
        columns = (
            Col("customer", "Customer", lambda r: f"{r[0].customer} — {r[0].name}"),
            Col("letter", "Letter level", lambda r: r[0].level, ColumnKind.INTEGER),
            Col("invoice", "Invoice", lambda r: r[1].number),
            Col("due", "Due date", lambda r: r[1].due_date, ColumnKind.DATE),
            Col("days", "Days overdue", lambda r: r[1].days_overdue, ColumnKind.INTEGER),
            Col("currency", "Cur.", lambda r: r[1].currency),
            Col("open", "Open amount", _open_amount, ColumnKind.MONEY, places=_open_places),
            Col("level", "Level", lambda r: r[1].level, ColumnKind.INTEGER),
            Col("reminded", "Reminded", lambda r: "yes" if r[1].dunned else "listed"),
            Col("interest", "Interest", lambda r: from_minor(r[1].interest, places), ColumnKind.MONEY),
        )

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, columns, rows, company=company, currency=base, exponent=places)

        return build

    def file_stem(self) -> str:
        return "dunning-proposal"


def _propose(service: DunningService, queries: DunningQueries, on: date) -> DunningProposal | None:
    """The proposal; None when the company has no procedure yet (the view offers the standard one)."""
    if not queries.procedures():
        return None
    return service.propose(on)


def _open_places(row: tuple[ProposedLetter, ProposedLine]) -> int:
    return currency_exponent(row[1].currency)


def _open_amount(row: tuple[ProposedLetter, ProposedLine]) -> Decimal:
    return from_minor(row[1].open_amount, _open_places(row))
