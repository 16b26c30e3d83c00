"""The journal entry editor: header, keyboard-first lines grid, live balance; draft, post, reverse.

Posted entries open read-only (they are immutable; corrections are reversals). A save that meets
someone else's change shows who changed it and offers to reload.

Foreign amounts: the Currency and Foreign amount columns appear when the company deals in foreign money
(a currency with an exchange rate, or an active bank account in a foreign currency) and whenever the
entry already has a foreign line; a base-only company never sees them. No toggle: a bookkeeper in a
company with foreign money expects the columns every time, in the same place, and one in a base-only
company should not have to think about currencies at all. See ui/models/entry_lines_model.py for what
typing a foreign amount does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, ValidationError
from paksa_desktop.ledger.commands import EntryInput, EntryRef
from paksa_desktop.ledger.models import EntryState
from paksa_desktop.ledger.queries import EntryDetail, ForeignSetup
from paksa_desktop.security.permissions import Permission
from ui.audit.hooks import add_entry_buttons, update_entry_buttons
from ui.errors import attempt, show_error
from ui.hub import Hub
from ui.models.entry_lines_model import ACCOUNT, EntryLinesModel
from ui.style import set_state
from ui.widgets.balance_bar import BalanceBar
from ui.widgets.choices import fill_codes
from ui.widgets.conflict_dialog import ConflictDialog
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import button_box, field_grid, form, note, stack
from ui.widgets.entry_grid import EntryGrid
from ui.widgets.notify import notify

FOREIGN_WIDTH = 1180  # the editor's width with the Currency and Foreign amount columns


class ReverseDialog(QDialog):
    """When to post the reversal, and its memo."""

    def __init__(self, detail: EntryDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reverse {detail.number}")
        self.date = DateEdit(detail.date)
        self.memo = QLineEdit(f"Reversal of {detail.number}")
        stack(
            self,
            form(("Reversal &date", self.date), ("&Memo", self.memo)),
            note(
                "A reversing entry with every debit and credit swapped is posted on this date; "
                f"{detail.number} stays as it is and both are linked."
            ),
            button_box(self, "Post reversal"),
        )
        self.setMinimumWidth(420)


class EntryEditor(QDialog):
    """One window per entry; several can be open at once (non-modal)."""

    entryChanged = Signal(object)  # the entry id after a save/post/delete

    def __init__(self, hub: Hub, entry_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("entryEditor")
        self.hub = hub
        self.entry_id = entry_id
        self.version: int | None = None
        self.detail: EntryDetail | None = None
        self.dirty = False
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1060, 620)

        # ---- header fields
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.linkActivated.connect(self._link)
        self.banner.hide()
        self.date = DateEdit(hub.session.today())
        self.journal = QComboBox()
        fill_codes(self.journal, hub.journals(), active_only=True)
        self.journal.setCurrentIndex(max(0, self.journal.findData("GEN")))
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("invoice, contract, …")
        self.memo = QLineEdit()
        self.memo.setPlaceholderText("what this entry records")
        self.auto_reverse = QCheckBox("Reverse automatically on the first day of the next period")
        self.auto_reverse.setToolTip("For accruals: the reversal is posted together with the entry.")
        fields = field_grid(
            (0, 0, "&Date", self.date, 1),
            (0, 2, "&Journal", self.journal, 1),
            (0, 4, "&Reference", self.reference, 1),
            (1, 0, "&Memo", self.memo, 5),
            (2, 0, "", self.auto_reverse, 5),
        )
        fields.setColumnStretch(5, 1)

        # ---- lines
        self.model = EntryLinesModel(hub.account_choices(), hub.exponent, self)
        self.grid = EntryGrid()
        self.grid.setModel(self.model)
        self.fill_dimensions()
        self.fx_note = QLabel()  # why a foreign amount could not be converted
        self.fx_note.setObjectName("fxNote")
        self.fx_note.setWordWrap(True)
        set_state(self.fx_note, "bad")
        self.fx_note.hide()
        self.model.fxNotice.connect(self._show_fx_note)
        self.foreign_setup: ForeignSetup | None = None
        self.fill_currencies()
        self.balance = BalanceBar(self.model)
        self.hint = QLabel(
            "Tab moves across cells · Enter goes to the next line · Ctrl+Del removes a line · "
            "Ctrl+S saves a draft · Ctrl+Enter posts"
        )
        self.hint.setProperty("state", "muted")

        # ---- buttons
        self.delete_button = QPushButton("Delete draft")
        self.reverse_button = QPushButton("Reverse…")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("A new entry with this entry's lines and amounts, dated today")
        self.save_button = QPushButton("Save draft")
        self.save_button.setToolTip("Save as a draft (Ctrl+S); drafts may be out of balance")
        self.post_button = QPushButton("Post")
        self.post_button.setProperty("primary", True)
        self.post_button.setToolTip("Post to the ledger (Ctrl+Enter); posted entries cannot change")
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.reverse_button)
        buttons.addWidget(self.copy_button)
        add_entry_buttons(self, buttons)  # History, Attachments (ui/audit)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.post_button)
        for button in (self.delete_button, self.reverse_button, self.copy_button, self.save_button, self.post_button):
            button.setAutoDefault(False)
        self.close_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addWidget(self.banner)
        layout.addLayout(fields)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.fx_note)
        layout.addWidget(self.balance)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(self.save_draft)
        self.post_button.clicked.connect(self.post)
        self.delete_button.clicked.connect(self.delete_draft)
        self.reverse_button.clicked.connect(lambda: self.reverse())
        self.copy_button.clicked.connect(lambda: self.hub.copy_entry(self.entry_id or 0))
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_draft)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.post)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.post)

        for signal in (
            self.date.dateChanged,
            self.journal.currentIndexChanged,
            self.reference.textEdited,
            self.memo.textEdited,
            self.auto_reverse.toggled,
            self.model.dataChanged,
            self.model.rowsInserted,
            self.model.rowsRemoved,
        ):
            signal.connect(self._mark_dirty)

        hub.changed.connect(self._on_changes)
        self.date.dateChanged.connect(lambda *_args: self.model.reconvert())

        if entry_id is None:
            self._set_editable(True)
            self._update_title()
        else:
            self.load()
        self.dirty = False
        (self.date if not self.is_posted else self.close_button).setFocus()

    # ---- choices that change elsewhere
    def fill_dimensions(self) -> None:
        """Offer the active departments and projects as completions in the grid."""
        queries = self.hub.session.queries
        self.grid.set_dimensions(
            [d.code for d in queries.departments() if d.is_active], [p.code for p in queries.projects() if p.is_active]
        )

    def fill_currencies(self) -> None:
        """Foreign amounts: which currencies to offer, the foreign bank accounts' currencies, the rate look-up."""
        setup = attempt(self, self.hub.session.queries.foreign_setup)
        if setup is None:
            return
        self.foreign_setup = setup
        self.model.base_currency = setup.base_currency
        self.model.bank_currency = dict(setup.bank_currency)
        self.model.converter = self.to_base
        self.grid.delegate.currencies = sorted(set(setup.rated) | set(setup.bank_currency.values()))
        self.model.set_foreign(setup.in_use)
        self._fit_foreign()

    def _fit_foreign(self) -> None:
        if self.model.foreign and self.width() < FOREIGN_WIDTH:
            self.resize(FOREIGN_WIDTH, self.height())  # room for the two more columns

    def to_base(self, currency: str, amount: Decimal) -> Decimal:
        """`amount` of `currency` in the base currency at the rate on or before the entry date, rounded
        half-even to the base currency's decimals (raises NoRateError naming currency and date)."""
        rate = self.hub.session.company.fx_rates(self.hub.session.ctx).rate(currency, self.date.value())
        return (amount * rate).quantize(Decimal(1).scaleb(-self.hub.exponent), ROUND_HALF_EVEN)

    def _show_fx_note(self, text: str) -> None:
        self.fx_note.setText(text)
        self.fx_note.setVisible(bool(text))

    def _on_changes(self, changes: Changes) -> None:
        """A department, project or journal added or deactivated while this editor is open is offered at once."""
        if Kind.RATES in changes or Kind.BANK_ACCOUNTS in changes:
            self.fill_currencies()
        if Kind.DIMENSIONS in changes:
            self.fill_dimensions()
        if Kind.JOURNALS in changes:
            fill_codes(self.journal, self.hub.journals(), active_only=True)

    # ---- state
    @property
    def is_posted(self) -> bool:
        return self.detail is not None and self.detail.state is not EntryState.DRAFT

    def _mark_dirty(self, *_args: object) -> None:
        if not self.is_posted:
            self.dirty = True

    def _update_title(self) -> None:
        if self.detail is None:
            text = "New journal entry"
        elif self.detail.state is EntryState.DRAFT:
            text = f"Draft entry of {self.detail.date}"
        else:
            text = f"Journal entry {self.detail.number} ({self.detail.state.value})"
        self.setWindowTitle(text)

    def _set_editable(self, editable: bool) -> None:
        session = self.hub.session
        for line in (self.reference, self.memo):
            line.setReadOnly(not editable)
        self.date.setReadOnly(not editable)
        self.journal.setEnabled(editable)
        self.auto_reverse.setEnabled(editable)
        self.model.read_only = not editable
        self.hint.setVisible(editable)
        if not editable:
            self.grid.setCurrentIndex(QModelIndex())
        self.save_button.setVisible(editable)
        self.post_button.setVisible(editable)
        self.save_button.setEnabled(session.can(Permission.ENTRY_CREATE))
        self.post_button.setEnabled(session.can(Permission.ENTRY_POST))
        self.delete_button.setVisible(editable and self.entry_id is not None)
        can_reverse = (
            self.detail is not None
            and self.detail.state is EntryState.POSTED
            and self.detail.reversal_of is None
            and session.can(Permission.ENTRY_REVERSE)
        )
        self.reverse_button.setVisible(can_reverse)
        self.copy_button.setVisible(self.entry_id is not None and session.can(Permission.ENTRY_CREATE))
        update_entry_buttons(self)

    def load(self) -> None:
        """Read the entry afresh (after opening, posting, or a conflict)."""
        assert self.entry_id is not None
        detail = attempt(self, lambda: self.hub.session.queries.entry(self.entry_id or 0))
        if detail is None:
            return
        self.detail = detail
        self.version = detail.version
        for widget in (self.date, self.journal, self.auto_reverse):
            widget.blockSignals(True)
        self.date.set_value(detail.date)
        index = self.journal.findData(detail.journal)
        if index < 0:
            self.journal.addItem(detail.journal, detail.journal)
            index = self.journal.count() - 1
        self.journal.setCurrentIndex(index)
        self.auto_reverse.setChecked(detail.auto_reverse)
        for widget in (self.date, self.journal, self.auto_reverse):
            widget.blockSignals(False)
        self.reference.setText(detail.reference)
        self.memo.setText(detail.memo)
        self.model.set_lines(detail.lines)
        self._fit_foreign()
        self._set_editable(detail.state is EntryState.DRAFT)
        self._show_banner(detail)
        self._update_title()
        self.dirty = False

    def copy_from(self, entry_id: int) -> None:
        """Fill this new entry from another: journal, reference, memo and lines (foreign amounts too)."""
        detail = attempt(self, lambda: self.hub.session.queries.entry(entry_id))
        if detail is None:
            return
        index = self.journal.findData(detail.journal)
        if index >= 0:
            self.journal.setCurrentIndex(index)
        self.reference.setText(detail.reference)
        self.memo.setText(detail.memo)
        self.auto_reverse.setChecked(detail.auto_reverse)
        self.model.set_lines(detail.lines)
        self._fit_foreign()
        self.dirty = True

    def _show_banner(self, d: EntryDetail) -> None:
        if d.state is EntryState.DRAFT:
            self.banner.setText(f"Draft created by {d.created_by} on {d.created_at:%Y-%m-%d %H:%M}. Not yet posted.")
        else:
            parts = [
                f"<b>{d.number}</b> posted by {d.posted_by or d.created_by}"
                + (f" on {d.posted_at:%Y-%m-%d %H:%M}" if d.posted_at else "")
                + ". Posted entries cannot change; reverse them to correct."
            ]
            if d.reversal_of is not None:
                parts.append(f"Reverses <a href='entry:{d.reversal_of[0]}'>{d.reversal_of[1]}</a>.")
            if d.reversed_by is not None:
                parts.append(f"Reversed by <a href='entry:{d.reversed_by[0]}'>{d.reversed_by[1]}</a>.")
            self.banner.setText(" ".join(parts))
        self.banner.show()

    def _link(self, href: str) -> None:
        if href.startswith("entry:"):
            self.hub.open_entry(int(href.split(":", 1)[1]))

    # ---- actions
    def entry_input(self) -> EntryInput:
        return EntryInput(
            date=self.date.value(),
            lines=self.model.lines(),
            memo=self.memo.text().strip(),
            reference=self.reference.text().strip(),
            journal=self.journal.currentData() or "GEN",
            auto_reverse=self.auto_reverse.isChecked(),
        )

    def _commit_grid(self) -> None:
        """Finish the cell being typed in, so Ctrl+S saves what the user sees."""
        editor = self.grid.current_editor()
        if editor is not None:
            self.grid.delegate.commitData.emit(editor)

    def _run(self, action: Callable[[], Any]) -> Any:
        """Call the service; a conflict offers to reload, any other refusal shows its reason."""
        try:
            return action()
        except ConflictError as exc:
            if exc.verb == "deleted":  # nothing to reload: say so, keep the window and its text
                show_error(self, exc, title="Deleted by someone else")
            elif ConflictDialog(exc, self, fallback="This entry").wants_reload() and self.entry_id is not None:
                self.load()
            return None
        except Exception as exc:  # shown, never raised into Qt
            row = self._refused_row(exc)
            if row is not None and type(exc) is ValidationError:
                exc = ValidationError(f"line {row + 1}: {exc}")  # the poster names the account; say which line
            show_error(self, exc, title=self.windowTitle())
            if row is not None:
                self.grid.go_to(row, ACCOUNT)
            return None

    def _refused_row(self, error: BaseException) -> int | None:
        """The line a refusal is about: the first line on the account its message starts with."""
        match = re.match(r"account (\S+?)(?: \(|:| is|$)", str(error))
        if match is None or self.model.read_only:
            return None
        code = match.group(1)
        return next((i for i, line in enumerate(self.model.edit_lines()) if line.account == code), None)

    def save_draft(self) -> bool:
        if self.is_posted or not self.save_button.isEnabled():
            return False
        self._commit_grid()
        data = self.entry_input()
        ledger = self.hub.session.ledger
        result = self._run(lambda: ledger.save_draft(data, self.entry_id, self.version))
        if result is None:
            return False
        ref, changes = result
        self._after_write(ref, changes, f"Draft saved ({data.date})")
        return True

    def post(self) -> bool:
        if self.is_posted or not self.post_button.isEnabled():
            return False
        self._commit_grid()
        ledger = self.hub.session.ledger
        if self.entry_id is None:
            data = self.entry_input()
            result = self._run(lambda: ledger.post(data))
        else:
            if self.dirty and not self.save_draft():
                return False
            result = self._run(lambda: ledger.post_draft(self.entry_id or 0, self.version))
        if result is None:
            return False
        ref, changes = result
        self._after_write(ref, changes, f"Posted {ref.number}")
        return True

    def _after_write(self, ref: EntryRef, changes: Changes, message: str) -> None:
        self.entry_id, self.version = ref.id, ref.version
        self.dirty = False
        self.load()
        self.hub.broadcast(changes)
        self.entryChanged.emit(ref.id)
        notify(self.parentWidget(), message)

    def delete_draft(self) -> None:
        if self.entry_id is None or self.is_posted:
            return
        answer = QMessageBox.question(self, "Delete draft", "Delete this draft entry? This cannot be undone.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        ledger = self.hub.session.ledger
        changes = self._run(lambda: ledger.delete_draft(self.entry_id or 0, self.version))
        if changes is None:
            return
        deleted = self.entry_id
        self.dirty = False
        self.hub.broadcast(changes)
        self.entryChanged.emit(deleted)
        notify(self.parentWidget(), "Draft deleted")
        super().reject()

    def reverse(self, on: date | None = None) -> None:
        if self.detail is None or self.detail.state is not EntryState.POSTED:
            return
        if on is None:
            dialog = ReverseDialog(self.detail, self)
            if not dialog.exec():
                return
            on, memo = dialog.date.value(), dialog.memo.text().strip() or None
        else:
            memo = None
        ledger = self.hub.session.ledger
        entry_id = self.detail.id
        result = self._run(lambda: ledger.reverse(entry_id, on, memo))
        if result is None:
            return
        ref, changes = result
        self.load()
        self.hub.broadcast(changes)
        notify(self.parentWidget(), f"Posted reversal {ref.number}")

    # ---- closing
    def reject(self) -> None:
        """Esc, Close and the window's close button all come here: ask before losing typed work."""
        if self.dirty and not self.is_posted:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "This entry has changes that are not saved. Discard them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()
