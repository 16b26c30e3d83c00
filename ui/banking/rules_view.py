"""Bank rules: the list (in the order they are tried), the rule form, Apply rules… with a preview, and the
rules suggested from history (three lines coded alike by hand) with Create rule.

Keeping rules needs `cash.account.manage`; applying them `cash.reconcile` and `ledger.entry.post`, like
posting a line by hand. The same form opens pre-filled from a statement line ("Create rule from line", on
the reconciliation screen and the statement lines): `open_rule_from_line` below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.banking.accounts import BankAccountRow, BankLineRow
from paksa_desktop.banking.rules import ApplyResult, BankRuleService, RuleInput, RuleRow, Suggestion, pattern_problem
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.banking.base_view import BankingView, bank_queries
from ui.errors import attempt, show_error
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel
from ui.receivables.base_view import RecordListView
from ui.receivables.fields import fill_tax_codes
from ui.style import icon
from ui.widgets.account_picker import AccountPicker
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import button_box, field_grid, inline_error, note, show_inline, stack
from ui.widgets.notify import notify
from ui.widgets.tables import make_table
from ui.workers import Loader, run_with_progress

ALL_ACCOUNTS = "All bank accounts"


def rule_service(session: Any) -> BankRuleService:
    return session.company.bank_rules(session.ctx)


def amount_range(data: RuleInput) -> str:
    """The amount condition in words: 'any', 'money out', 'money in', '≥ -50.00', '-50.00 … 0.00'."""
    low, high = data.amount_min, data.amount_max
    if low is None and high is None:
        return "any"
    if low is None and high == 0:
        return "money out"
    if high is None and low == 0:
        return "money in"
    if low is None:
        return f"≤ {high}"
    if high is None:
        return f"≥ {low}"
    return f"{low} … {high}"


def dimensions(data: RuleInput) -> str:
    return " / ".join(x for x in (data.department, data.project) if x)


@dataclass(frozen=True, slots=True)
class RuleItem:
    """A rule as the record list addresses it (by `code`, its name)."""

    row: RuleRow

    @property
    def code(self) -> str:
        return self.row.data.name

    @property
    def is_active(self) -> bool:
        return self.row.data.is_active


COLUMNS = (
    Col("priority", "Priority", lambda r: r.row.data.priority, ColumnKind.INTEGER, width=70),
    Col("name", "Name", lambda r: r.row.data.name, width=170),
    Col("pattern", "Pattern", lambda r: r.row.data.pattern + ("  (regex)" if r.row.data.is_regex else ""), width=190),
    Col("amount", "Amount", lambda r: amount_range(r.row.data), width=120),
    Col("counterparty", "Counterparty", lambda r: r.row.data.counterparty, width=120),
    Col("account", "GL account", lambda r: r.row.data.account, width=104),
    Col("tax", "Tax code", lambda r: r.row.data.tax_code, width=80),
    Col("dims", "Dept / project", lambda r: dimensions(r.row.data), width=124),
    Col("scope", "Bank account", lambda r: r.row.data.bank_account or "all"),
    Col("active", "Active", lambda r: "yes" if r.row.data.is_active else "no", width=60),
)

SUGGESTION_COLUMNS = (
    Col("count", "Lines", lambda s: s.count, ColumnKind.INTEGER, width=56),
    Col("name", "Suggested rule", lambda s: s.rule.name, width=170),
    Col("pattern", "Description contains", lambda s: s.rule.pattern, width=190),
    Col("amount", "Amount", lambda s: amount_range(s.rule), width=120),
    Col("account", "GL account", lambda s: s.rule.account, width=104),
    Col("dims", "Dept / project", lambda s: dimensions(s.rule), width=124),
    Col("scope", "Bank account", lambda s: s.rule.bank_account),
)

PREVIEW_COLUMNS = (
    Col("booked", "Date", lambda r: r[0].booked, ColumnKind.DATE, width=96),
    Col("amount", "Amount", lambda r: r[0].amount, ColumnKind.MONEY, width=110),
    Col("description", "Description", lambda r: r[0].description or r[0].counterparty),
    Col("rule", "Rule", lambda r: r[1], width=170),
)


class BankRulesView(RecordListView):
    title = "Bank rules"
    subtitle = (
        "Recurring bank lines coded once: the first active rule (by priority) that fits a line posts it. "
        "Enter opens a rule, Ctrl+N creates one, Apply rules… posts what they fit."
    )
    concerns = frozenset({Kind.BANK_ACCOUNTS, Kind.BANK_LINES, Kind.ENTRIES, Kind.ACCOUNTS})
    noun = "bank rule"
    plural = "bank rules"
    columns = COLUMNS
    stretch = "scope"
    manage = Permission.CASH_ACCOUNT_MANAGE
    search_hint = "name, pattern or account"
    audit_export = BankingView.audit_export

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        self.suggestions: list[Suggestion] = []
        super().__init__(hub, parent)
        self.suggestion_loader = Loader(self)
        self.last_dialog: QDialog | None = None
        heading = QLabel("Suggested from history")
        heading.setObjectName("sectionHeading")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.suggestion_note = note("", muted=True)
        self.suggestion_model = RowsTableModel(SUGGESTION_COLUMNS, parent=self)
        self.suggestion_table = make_table(
            "ruleSuggestionsTable", self.suggestion_model, SUGGESTION_COLUMNS, stretch="scope"
        )
        self.suggestion_table.setMaximumHeight(150)
        self.suggestion_table.doubleClicked.connect(lambda _i: self.create_from_suggestion())
        self.suggestion_table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.create_button = QPushButton(icon("add"), "Create rule…")
        self.create_button.setToolTip("Open the rule form filled from the selected suggestion")
        self.create_button.clicked.connect(self.create_from_suggestion)
        row = QHBoxLayout()
        row.addWidget(heading)
        row.addWidget(self.suggestion_note, 1)
        row.addWidget(self.create_button)
        self.body.addLayout(row)
        self.body.addWidget(self.suggestion_table)
        self._update_buttons()

    # ---- the list's own buttons
    def add_actions(self) -> None:
        self.delete_button = QPushButton(icon("delete"), "Delete…")
        self.delete_button.setToolTip("Delete the selected rule (the entries it posted stay)")
        self.delete_button.clicked.connect(self.delete_current)
        self.header.add(self.delete_button)
        self.managed_buttons.append(self.delete_button)
        self.apply_button = QPushButton(icon("new-entry"), "Apply rules…")
        self.can_apply = self.session.can(Permission.CASH_RECONCILE) and self.session.can(Permission.ENTRY_POST)
        self.apply_button.setToolTip(
            "Preview, then post the unmatched lines of an account the rules fit"
            if self.can_apply
            else "Your role cannot apply rules (cash.reconcile and ledger.entry.post)."
        )
        self.apply_button.setEnabled(self.can_apply)
        self.apply_button.clicked.connect(self.apply_rules)
        self.header.add(self.apply_button)

    def update_actions(self, row: RuleItem | None) -> None:
        self.delete_button.setEnabled(self.can_manage and row is not None)
        if hasattr(self, "create_button"):
            picked = self.suggestion_table.currentIndex().isValid()
            self.create_button.setEnabled(self.can_manage and picked)

    # ---- loading
    def refresh(self) -> None:
        service = rule_service(self.session)
        self.loader.load(service.rules, self._apply)
        self.suggestion_loader.load(service.suggestions, self._suggestions_loaded)

    def show_rows(self, result: Any) -> list[RuleItem]:
        return [RuleItem(r) for r in result]

    def haystack(self, row: RuleItem) -> tuple[str, ...]:
        d = row.row.data
        return (d.name, d.pattern, d.account, d.counterparty, d.bank_account, d.tax_code)

    def report_currency(self) -> str:
        return ""

    def _suggestions_loaded(self, found: list[Suggestion]) -> None:
        self.suggestions = found
        self.suggestion_model.set_rows(found)
        if found:
            self.suggestion_note.setText(
                "Lines alike, posted by hand to one account three times or more, that no rule codes yet."
            )
        else:
            self.suggestion_note.setText(
                "None yet: when three lines alike are posted by hand to one account, a rule is suggested here."
            )
        self._update_buttons()

    # ---- actions
    def dialog(self, row: RuleItem | None) -> QDialog | None:
        if row is None:
            return RuleDialog(self.hub, None, editable=self.can_manage, parent=self)
        return RuleDialog(self.hub, row.row.data, version=row.row.version, editable=self.can_manage, parent=self)

    def set_active(self, _service: Any, code: str, active: bool) -> Changes:
        item = next(r for r in self.all_rows if r.code == code)
        return rule_service(self.session).update(
            code, replace(item.row.data, is_active=active), version=item.row.version
        )

    def delete_current(self) -> None:
        row = self.current()
        if row is None or not self.can_manage:
            return
        answer = QMessageBox.question(
            self, "Delete rule", f"Delete the rule '{row.code}'? The entries it posted stay as they are."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        changes = attempt(self, lambda: rule_service(self.session).delete(row.code), title="Delete rule")
        if changes is not None:
            self.hub.broadcast(changes)
            notify(self, f"Deleted bank rule {row.code}")

    def create_from_suggestion(self) -> None:
        index = self.suggestion_table.currentIndex()
        if not index.isValid() or not self.can_manage:
            return
        suggestion: Suggestion = self.suggestion_model.row_at(index.row())
        self._run(RuleDialog(self.hub, None, draft=suggestion.rule, editable=True, parent=self))

    def apply_rules(self) -> None:
        if not self.can_apply:
            return
        dialog = ApplyRulesDialog(self.hub, self)
        self.last_dialog = dialog
        dialog.exec()
        dialog.deleteLater()


def open_rule_from_line(view: QWidget, hub: Hub, line_id: int) -> bool:
    """'Create rule from line': the rule form filled from the line (its stable words, sign, account and how
    it was coded); saving creates the rule. True when a rule was saved."""
    session = hub.session
    if not session.can(Permission.CASH_ACCOUNT_MANAGE):
        show_error(
            view, ValidationError("Your role cannot create bank rules (cash.account.manage)."), title="Bank rule"
        )
        return False
    draft = attempt(view, lambda: rule_service(session).rule_from_line(line_id), title="Bank rule")
    if draft is None:
        return False
    dialog = RuleDialog(hub, None, draft=draft, editable=True, parent=view)
    view.last_dialog = dialog  # type: ignore[attr-defined]  # tests look here
    saved = dialog.exec() == QDialog.DialogCode.Accepted
    if saved:
        hub.broadcast(dialog.changes)
        notify(view, f"Saved bank rule {dialog.saved_code}")
    dialog.deleteLater()
    return saved


class RuleDialog(QDialog):
    """New or edit a bank rule (or a new one from a draft: a line or a suggestion). The pattern is checked as
    it is typed (a regular expression that does not compile, or could take forever, is named at once and
    Save stays off); the service checks everything again and a refusal is shown in a dialog."""

    def __init__(
        self,
        hub: Hub,
        rule: RuleInput | None,
        *,
        version: int | None = None,
        draft: RuleInput | None = None,
        editable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bankRuleDialog")
        self.hub = hub
        self.session = hub.session
        self.original = rule
        self.version = version
        self.changes = Changes()
        self.saved_code = ""
        data = rule or draft or RuleInput(name="", pattern="", account="")
        self.setWindowTitle(f"Bank rule {rule.name}" if rule else "New bank rule")
        self.name = QLineEdit(data.name)
        self.pattern = QLineEdit(data.pattern)
        self.pattern.setPlaceholderText("text the description contains, e.g. OFFICE DEPOT")
        self.regex = QCheckBox("Regular e&xpression")
        self.regex.setChecked(data.is_regex)
        self.pattern_error = inline_error()
        self.amount_min = QLineEdit("" if data.amount_min is None else str(data.amount_min))
        self.amount_max = QLineEdit("" if data.amount_max is None else str(data.amount_max))
        for field in (self.amount_min, self.amount_max):
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setPlaceholderText("any")
        self.counterparty = QLineEdit(data.counterparty)
        self.counterparty.setPlaceholderText("optional: text the counterparty contains")
        self.account = AccountPicker(hub.account_choices(), postable_only=True)
        self.account.set_code(data.account or None)
        self.tax_code = QComboBox()
        fill_tax_codes(self.tax_code, hub.tax_codes(), data.tax_code or None)
        self.department = _code_combo(self.session.queries.departments(), data.department)
        self.project = _code_combo(self.session.queries.projects(), data.project)
        self.memo = QLineEdit(data.memo)
        self.memo.setPlaceholderText("{description}")
        self.memo.setToolTip("May use {description} {reference} {counterparty} {date} {amount}")
        self.bank_account = QComboBox()
        self.bank_account.addItem(ALL_ACCOUNTS, "")
        for a in bank_queries(self.session).accounts():
            if a.is_active or a.name == data.bank_account:
                self.bank_account.addItem(f"{a.name} ({a.currency})", a.name)
        self.bank_account.setCurrentIndex(max(0, self.bank_account.findData(data.bank_account)))
        self.priority = QSpinBox()
        self.priority.setRange(0, 9999)
        self.priority.setValue(data.priority)
        self.active = QCheckBox("Acti&ve")
        self.active.setChecked(data.is_active)
        for field in (self.name, self.pattern, self.counterparty, self.account, self.memo):
            field.setMinimumWidth(260)
            field.setReadOnly(not editable)
        for widget in (self.regex, self.tax_code, self.department, self.project, self.bank_account):
            widget.setEnabled(editable)
        self.buttons = button_box(self, "Save" if editable else "", accept=self.save)
        self.editable = editable
        grid = field_grid(
            (0, 0, "&Name", self.name, 1),
            (0, 2, "&Priority", self.priority, 1),
            (1, 0, "Description &contains", self.pattern, 1),
            (1, 2, "", self.regex, 1),
            (2, 0, "Amount &from", self.amount_min, 1),
            (2, 2, "Amount &to", self.amount_max, 1),
            (3, 0, "Co&unterparty", self.counterparty, 1),
            (3, 2, "&Bank account", self.bank_account, 1),
            (4, 0, "Post to &GL account", self.account, 1),
            (4, 2, "Ta&x code", self.tax_code, 1),
            (5, 0, "&Department", self.department, 1),
            (5, 2, "Pro&ject", self.project, 1),
            (6, 0, "&Memo", self.memo, 1),
            (6, 2, "", self.active, 1),
        )
        stack(
            self,
            grid,
            self.pattern_error,
            note(
                "Amounts are signed: money out is negative, so 'to 0.00' means payments only. With a tax code "
                "the bank amount is taken as tax-inclusive. The first active rule by priority (lowest first) "
                "that fits a line posts it.",
                muted=True,
            ),
            self.buttons,
        )
        self.pattern.textChanged.connect(self.check_pattern)
        self.regex.toggled.connect(self.check_pattern)
        self.check_pattern()
        if editable:
            QShortcut(QKeySequence.StandardKey.Save, self, self.save)

    def check_pattern(self, *_args: object) -> str | None:
        """The pattern's problem (shown under the form, Save off), or None."""
        problem = pattern_problem(self.pattern.text(), self.regex.isChecked()) if self.pattern.text() else None
        show_inline(self.pattern_error, f"Description contains: {problem}" if problem else "")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(self.editable and problem is None)
        return problem

    def _amount(self, field: QLineEdit, what: str) -> Decimal | None:
        text = field.text().replace(",", "").strip()
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"{what}: '{field.text()}' is not an amount") from None
        if not value.is_finite():
            raise ValidationError(f"{what}: '{field.text()}' is not an amount")
        return value

    def data(self) -> RuleInput | None:
        """The form's values, or None after a message naming the field that is wrong."""
        try:
            problem = self.check_pattern()
            if problem:
                raise ValidationError(f"Description contains: {problem}")
            low = self._amount(self.amount_min, "Amount from")
            high = self._amount(self.amount_max, "Amount to")
            account = self.account.code()
            if account is None:
                typed = self.account.text().strip()
                raise ValidationError(
                    f"Post to GL account: no postable account matches '{typed}'"
                    if typed
                    else "Post to GL account: choose the account the lines are posted to"
                )
        except ValidationError as exc:
            show_error(self, exc, title="Bank rule")
            return None
        return RuleInput(
            name=self.name.text().strip(),
            pattern=self.pattern.text(),
            account=account,
            bank_account=self.bank_account.currentData() or "",
            is_regex=self.regex.isChecked(),
            amount_min=low,
            amount_max=high,
            counterparty=self.counterparty.text().strip(),
            tax_code=self.tax_code.currentData() or "",
            department=_code_of(self.department),
            project=_code_of(self.project),
            memo=self.memo.text().strip(),
            priority=self.priority.value(),
            is_active=self.active.isChecked(),
        )

    def save(self) -> None:
        if not self.editable:
            return
        data = self.data()
        if data is None:
            return
        service = rule_service(self.session)
        if self.original is None:
            result = attempt(self, lambda: service.add(data), title="Bank rule")
            changes = result[1] if result is not None else None
        else:
            name, version = self.original.name, self.version
            changes = attempt(self, lambda: service.update(name, data, version=version), title="Bank rule")
        if changes is None:
            return
        self.changes = changes
        self.saved_code = data.name
        self.accept()


def _code_combo(choices: list[Any], chosen: str) -> QComboBox:
    """'(none)' and each active code with its name; a code no longer offered stays if it is the rule's."""
    combo = QComboBox()
    combo.addItem("(none)", "")
    for c in choices:
        if getattr(c, "is_active", True) or c.code == chosen:
            combo.addItem(f"{c.code} — {c.name}", c.code)
    if chosen and combo.findData(chosen) < 0:
        combo.addItem(chosen, chosen)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    return combo


def _code_of(combo: QComboBox) -> str:
    return str(combo.currentData() or "")


class ApplyRulesDialog(QDialog):
    """Apply rules…: choose the account (and the last booking date), see which lines each rule would post,
    then Apply posts them, each line on its own; lines that cannot be posted are listed with why."""

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("applyRulesDialog")
        self.setWindowTitle("Apply bank rules")
        self.resize(760, 440)
        self.hub = hub
        self.session = hub.session
        self.loader = Loader(self)
        self.result: ApplyResult | None = None
        self.accounts: list[BankAccountRow] = [a for a in bank_queries(self.session).accounts() if a.is_active]
        self.account = QComboBox()
        for a in self.accounts:
            self.account.addItem(f"{a.name} ({a.currency})", a.name)
        self.as_of = DateEdit(self.session.ctx.clock.today())
        self.model = RowsTableModel(PREVIEW_COLUMNS, parent=self)
        self.table = make_table("rulePreviewTable", self.model, PREVIEW_COLUMNS, stretch="description")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = button_box(self, "Apply", accept=self.apply)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        layout = QVBoxLayout(self)
        layout.addLayout(field_grid((0, 0, "&Account", self.account, 1), (0, 2, "Lines booked &by", self.as_of, 1)))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.account.currentIndexChanged.connect(self.preview)
        self.as_of.dateChanged.connect(self.preview)
        self.preview()

    def chosen(self) -> tuple[str, date] | None:
        name = self.account.currentData()
        return (name, self.as_of.value()) if name else None

    def preview(self, *_args: object) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        chosen = self.chosen()
        if chosen is None:
            self.model.set_rows([])
            self.summary.setText("No active bank accounts: add one under Bank accounts first.")
            return
        name, on = chosen
        service, queries = rule_service(self.session), bank_queries(self.session)
        self.model.exponent = next((_exp(a) for a in self.accounts if a.name == name), 2)

        def fetch() -> list[tuple[BankLineRow, str]]:
            plan = dict(service.preview(name, on))
            lines = queries.lines(name, end=on, status="unmatched")
            return [(ln, plan[ln.id]) for ln in lines if ln.id in plan]

        self.summary.setText("Looking for lines the rules fit…")
        self.loader.load(fetch, self._previewed)

    def _previewed(self, rows: list[tuple[BankLineRow, str]]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.summary.setText(f"{len(rows)} unmatched line(s) would be posted. Apply posts them.")
        else:
            self.summary.setText("No unmatched line of this account is fitted by an active rule.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(rows))

    def apply(self) -> None:
        chosen = self.chosen()
        if chosen is None or not self.model.rows:
            return
        name, on = chosen
        service = rule_service(self.session)

        def done(result: ApplyResult) -> None:
            self.result = result
            self.hub.broadcast(result.changes)
            text = f"{len(result.posted)} line(s) posted."
            if result.refused:
                text += f" {len(result.refused)} could not be posted:\n" + "\n".join(
                    f"• line {line_id} ({rule}): {why}" for line_id, rule, why in result.refused
                )
            self.summary.setText(text)
            self.model.set_rows([r for r in self.model.rows if any(r[0].id == x[0] for x in result.refused)])
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            notify(self.parentWidget(), f"Bank rules posted {len(result.posted)} line(s) of {name}")

        run_with_progress(
            self, "Apply bank rules", "Posting the lines…", lambda _p, _c: service.apply(name, on), done,
            cancellable=False,
        )  # fmt: skip


def _exp(account: BankAccountRow) -> int:
    from paksa_desktop.core.money import currency_exponent

    return currency_exponent(account.currency)
