"""The statement layout editor: a statement's lines per group, and which accounts each line shows.

Edits stay in the dialog until Save, which makes one `save_layout` call (all or nothing). While editing,
the accounts are placed with the engine's own rules (`Layout.assign`), so what the dialog shows is what
the statement will show. The groups and totals are fixed by the engine: a statement always adds up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.ledger.layout_service import LayoutView
from paksa_desktop.ledger.statement_layout import (
    STATEMENTS,
    AccountInfo,
    Layout,
    LineSpec,
    StatementKind,
    validate_lines,
)
from ui.errors import attempt
from ui.hub import Hub
from ui.session import AppSession
from ui.style import MUTED, icon
from ui.widgets.dialogs import inline_error, note, show_inline

KIND_TITLES = {
    StatementKind.BALANCE_SHEET: "Balance sheet (and changes in equity)",
    StatementKind.INCOME_STATEMENT: "Income statement (and budget versus actual)",
    StatementKind.CASH_FLOW: "Cash flow statement",
}
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class LayoutState:
    """What the editor starts from: the layout as stored, and every account a statement may show."""

    view: LayoutView
    accounts: tuple[AccountInfo, ...]


def load_layout_state(session: AppSession, kind: StatementKind) -> LayoutState:
    """Two short reads (worker thread or a quick call); the chart's leaf accounts are the postable ones."""
    view = session.company.statement_layouts(session.ctx).layout(kind)
    rows = session.queries.accounts(with_balances=False)
    accounts = tuple(AccountInfo(a.id, a.code, a.name, a.type, a.subtype.value) for a in rows if a.is_leaf)
    return LayoutState(view, accounts)


def rule_text(rules: tuple[str, ...]) -> str:
    """('asset/bank', 'asset/cash') → 'Asset: bank, cash'; ('income/sales', 'income/') → 'Income: sales, any other'."""
    by_type: dict[str, list[str]] = {}
    for rule in rules:
        kind, _, subtype = rule.partition("/")
        by_type.setdefault(kind, []).append(subtype.replace("_", " ") if subtype else "any other")
    return "; ".join(f"{kind.capitalize()}: {', '.join(subtypes)}" for kind, subtypes in by_type.items())


def new_key(title: str, taken: set[str]) -> str:
    """A line key from its title ('Marketing costs' → 'marketing_costs'), unique in the layout."""
    base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:32] or "line"
    if base[0].isdigit():
        base = f"line_{base}"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


class LayoutEditor(QDialog):
    def __init__(self, hub: Hub, state: LayoutState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layoutEditor")
        self.setWindowTitle("Statement layout")
        self.resize(1240, 720)
        self.hub = hub
        self.dirty = False

        self.kind_choice = QComboBox()
        for kind, text in KIND_TITLES.items():
            self.kind_choice.addItem(text, kind)
        self.kind_choice.activated.connect(self._kind_chosen)
        self.state_label = QLabel()
        self.state_label.setProperty("state", "muted")
        top = QHBoxLayout()
        kind_label = QLabel("&Statement:")
        kind_label.setBuddy(self.kind_choice)
        top.addWidget(kind_label)
        top.addWidget(self.kind_choice)
        top.addSpacing(12)
        top.addWidget(self.state_label, 1)

        # ---- left: the lines of each group
        self.lines_tree = QTreeWidget()
        self.lines_tree.setObjectName("layoutLines")
        self.lines_tree.setHeaderLabels(["Line", "Accounts", "Takes accounts of"])
        self.lines_tree.setRootIsDecorated(False)
        self.lines_tree.setItemsExpandable(False)
        self.lines_tree.setAlternatingRowColors(True)
        self.lines_tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.lines_tree.header()
        header.setStretchLastSection(True)
        header.resizeSection(0, 290)
        header.resizeSection(1, 86)
        self.lines_tree.currentItemChanged.connect(lambda *_: self._line_selected())
        self.lines_tree.itemDoubleClicked.connect(lambda *_: self.ask_rename())
        self.add_button = QPushButton(icon("add"), "Add line…")
        self.rename_button = QPushButton(icon("edit"), "Rename…")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.delete_button = QPushButton(icon("delete"), "Delete")
        self.add_button.clicked.connect(self.ask_add)
        self.rename_button.clicked.connect(self.ask_rename)
        self.up_button.clicked.connect(lambda: self.move_line(-1))
        self.down_button.clicked.connect(lambda: self.move_line(+1))
        self.delete_button.clicked.connect(self.delete_line)
        line_buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.up_button, self.down_button, self.delete_button):
            line_buttons.addWidget(button)
        line_buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(_title("Lines"))
        left.addWidget(self.lines_tree, 1)
        left.addLayout(line_buttons)

        # ---- right: the accounts of the chosen line
        self.accounts_title = _title("Accounts")
        self.accounts_tree = QTreeWidget()
        self.accounts_tree.setObjectName("layoutAccounts")
        self.accounts_tree.setHeaderLabels(["Code", "Account", "Shown here"])
        self.accounts_tree.setRootIsDecorated(False)
        self.accounts_tree.setAlternatingRowColors(True)
        self.accounts_tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.accounts_tree.header().resizeSection(0, 64)
        self.accounts_tree.header().resizeSection(1, 230)
        self.accounts_tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.accounts_tree.itemSelectionChanged.connect(self._update_buttons)
        self.target = QComboBox()
        self.target.setMinimumWidth(240)
        self.move_button = QPushButton("Move to line")
        self.move_button.setToolTip("Place the selected accounts on the chosen line, whatever their subtype")
        self.move_button.clicked.connect(self.move_selected_accounts)
        self.unplace_button = QPushButton("Undo placement")
        self.unplace_button.setToolTip("Let the line rules place the selected accounts again")
        self.unplace_button.clicked.connect(self.unplace_selected_accounts)
        account_buttons = QGridLayout()
        account_buttons.addWidget(self.move_button, 0, 0)
        account_buttons.addWidget(self.target, 0, 1)
        account_buttons.addWidget(self.unplace_button, 1, 0)
        account_buttons.setColumnStretch(1, 1)
        right = QVBoxLayout()
        right.addWidget(self.accounts_title)
        right.addWidget(self.accounts_tree, 1)
        right.addLayout(account_buttons)

        panes = QHBoxLayout()
        panes.setSpacing(16)
        panes.addLayout(left, 3)
        panes.addLayout(right, 2)

        self.error = inline_error()
        explanation = note(
            "Groups, their totals and the order of the groups are fixed, so the statement always adds up. "
            "An account shows on the first line whose rule matches its type and subtype, unless you move it "
            "to a line by hand. A new line has no rule: move accounts onto it.",
            muted=True,
        )
        self.reset_button = QPushButton("Reset to default…")
        self.reset_button.clicked.connect(self.reset)
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.reset_button)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(panes, 1)
        layout.addWidget(explanation)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self.set_state(state)

    # ---- state
    def set_state(self, state: LayoutState) -> None:
        view = state.view
        self.kind = view.kind
        self.spec = STATEMENTS[view.kind]
        self.accounts = {a.code: a for a in state.accounts}
        self.lines: dict[str, list[LineSpec]] = {g.key: [] for g in self.spec.groups()}
        self.placed: dict[str, str] = {}
        for line in view.lines:
            self.lines[line.group_key].append(LineSpec(line.key, line.title, line.rules))
            self.placed.update({code: line.key for code in line.placed})
        self.customised = view.customised
        self.kind_choice.setCurrentIndex(self.kind_choice.findData(view.kind))
        self.dirty = False
        show_inline(self.error, "")
        self._refill(select=None)

    def assignment(self) -> dict[str, list[AccountInfo]]:
        """Line key → accounts, exactly as the engine will place them with the edited layout."""
        ids = {a.code: a.id for a in self.accounts.values()}
        placed = {ids[code]: key for code, key in self.placed.items() if code in ids}
        return Layout(self.spec, {g: list(v) for g, v in self.lines.items()}, placed).assign(self.accounts.values())

    def line(self, key: str) -> tuple[str, int, LineSpec]:
        for group, lines in self.lines.items():
            for i, line in enumerate(lines):
                if line.key == key:
                    return group, i, line
        raise KeyError(key)

    def current_key(self) -> str | None:
        item = self.lines_tree.currentItem()
        return item.data(0, KEY_ROLE) if item is not None else None

    def _changed(self, select: str | None) -> None:
        self.dirty = True
        show_inline(self.error, "")
        self._refill(select)

    # ---- filling the panes
    def _refill(self, select: str | None) -> None:
        select = select or self.current_key()
        assigned = self.assignment()
        self.lines_tree.clear()
        bold = QFont(self.lines_tree.font())
        bold.setBold(True)
        chosen: QTreeWidgetItem | None = None
        for group in self.spec.groups():
            heading = QTreeWidgetItem([group.title])
            heading.setFont(0, bold)
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            heading.setData(0, KEY_ROLE, None)
            self.lines_tree.addTopLevelItem(heading)
            for line in self.lines[group.key]:
                rules = rule_text(line.rules) or "none: accounts moved here by hand"
                item = QTreeWidgetItem(["    " + line.title, str(len(assigned.get(line.key, []))), rules])
                item.setData(0, KEY_ROLE, line.key)
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(2, rules)
                if not line.rules:
                    item.setForeground(2, MUTED)
                self.lines_tree.addTopLevelItem(item)
                if line.key == select or (chosen is None and select is None):
                    chosen = item
        self.target.clear()
        for group in self.spec.groups():
            for line in self.lines[group.key]:
                self.target.addItem(f"{group.title} › {line.title}", line.key)
        if chosen is not None:
            self.lines_tree.setCurrentItem(chosen)
        self._line_selected()
        state = "customised" if self.customised else "the default"
        self.state_label.setText(f"This statement uses {state} layout." + (" Unsaved changes." if self.dirty else ""))

    def _line_selected(self) -> None:
        key = self.current_key()
        self.accounts_tree.clear()
        if key is None:
            self.accounts_title.setText("Accounts")
            self._update_buttons()
            return
        _group, _i, line = self.line(key)
        self.accounts_title.setText(f"Accounts on “{line.title}”")
        italic = QFont(self.accounts_tree.font())
        italic.setItalic(True)
        for account in self.assignment().get(key, []):
            by_hand = self.placed.get(account.code) == key
            subtype = account.subtype.replace("_", " ")
            how = "placed by hand" if by_hand else (f"by rule ({subtype})" if subtype else "by rule (no subtype)")
            item = QTreeWidgetItem([account.code, account.name, how])
            item.setData(0, KEY_ROLE, account.code)
            if by_hand:
                for column in range(3):
                    item.setFont(column, italic)
            self.accounts_tree.addTopLevelItem(item)
        other = next((i for i in range(self.target.count()) if self.target.itemData(i) != key), 0)
        self.target.setCurrentIndex(other)  # moving an account onto its own line would do nothing
        self._update_buttons()

    def _update_buttons(self) -> None:
        key = self.current_key()
        for button in (self.rename_button, self.up_button, self.down_button, self.delete_button):
            button.setEnabled(key is not None)
        if key is not None:
            group, i, _line = self.line(key)
            self.up_button.setEnabled(i > 0)
            self.down_button.setEnabled(i < len(self.lines[group]) - 1)
        codes = self.selected_accounts()
        self.move_button.setEnabled(bool(codes))
        self.unplace_button.setEnabled(any(code in self.placed for code in codes))

    def selected_accounts(self) -> list[str]:
        return [item.data(0, KEY_ROLE) for item in self.accounts_tree.selectedItems()]

    def select_line(self, key: str) -> None:
        for i in range(self.lines_tree.topLevelItemCount()):
            item = self.lines_tree.topLevelItem(i)
            if item.data(0, KEY_ROLE) == key:
                self.lines_tree.setCurrentItem(item)
                return

    def select_accounts(self, *codes: str) -> None:
        for i in range(self.accounts_tree.topLevelItemCount()):
            item = self.accounts_tree.topLevelItem(i)
            item.setSelected(item.data(0, KEY_ROLE) in codes)

    # ---- editing lines
    def ask_add(self) -> None:
        title, ok = QInputDialog.getText(self, "Add line", "Title of the new line:")
        if ok and title.strip():
            self.add_line(title.strip())

    def add_line(self, title: str) -> str:
        """A new line after the selected one (in its group), or at the end of the first group."""
        key = self.current_key()
        taken = {line.key for lines in self.lines.values() for line in lines}
        new = LineSpec(new_key(title, taken), title)
        if key is None:
            self.lines[self.spec.groups()[0].key].append(new)
        else:
            group, i, _line = self.line(key)
            self.lines[group].insert(i + 1, new)
        self._changed(new.key)
        return new.key

    def ask_rename(self) -> None:
        key = self.current_key()
        if key is None:
            return
        _group, _i, line = self.line(key)
        title, ok = QInputDialog.getText(self, "Rename line", "Title of the line:", text=line.title)
        if ok and title.strip():
            self.rename_line(key, title.strip())

    def rename_line(self, key: str, title: str) -> None:
        group, i, line = self.line(key)
        self.lines[group][i] = LineSpec(line.key, title, line.rules)
        self._changed(key)

    def move_line(self, step: int) -> None:
        key = self.current_key()
        if key is None:
            return
        group, i, _line = self.line(key)
        j = i + step
        if 0 <= j < len(self.lines[group]):
            lines = self.lines[group]
            lines[i], lines[j] = lines[j], lines[i]
            self._changed(key)

    def delete_line(self) -> None:
        """Refused, with the engine's own reason, for a line the statement computes."""
        key = self.current_key()
        if key is None:
            return
        group, i, line = self.line(key)
        remaining = {g: [x for x in v if x.key != key] for g, v in self.lines.items()}
        refusal = [p for p in validate_lines(self.spec, remaining) if f"'{key}'" in p and "cannot be removed" in p]
        if refusal:
            QMessageBox.warning(self, "Delete line", f"“{line.title}” cannot be deleted: {refusal[0]}.")
            return
        self.lines = remaining
        self.placed = {code: k for code, k in self.placed.items() if k != key}  # they go back to their rules
        neighbours = self.lines[group]
        self._changed(neighbours[min(i, len(neighbours) - 1)].key if neighbours else None)

    # ---- placing accounts
    def move_selected_accounts(self) -> None:
        target = self.target.currentData()
        codes = self.selected_accounts()
        if target is None or not codes:
            return
        for code in codes:
            self.placed[code] = target
        self._changed(self.current_key())

    def unplace_selected_accounts(self) -> None:
        codes = [c for c in self.selected_accounts() if c in self.placed]
        for code in codes:
            del self.placed[code]
        if codes:
            self._changed(self.current_key())

    # ---- saving, resetting, leaving
    def save(self) -> None:
        problems = validate_lines(self.spec, self.lines)
        if problems:
            show_inline(self.error, "The layout cannot be saved: " + "; ".join(problems))
            return
        service = self.hub.session.company.statement_layouts(self.hub.session.ctx)
        changes = attempt(self, lambda: service.save_layout(self.kind, self.lines, self.placed), title="Save layout")
        if changes is None:
            return
        self.dirty = False
        self.hub.broadcast(changes)
        self.accept()

    def reset(self) -> None:
        title = KIND_TITLES[self.kind].split(" (")[0].lower()
        answer = QMessageBox.question(
            self,
            "Reset to default",
            f"Put back the default lines of the {title}? Your own lines and the accounts moved by hand on this "
            "statement are removed.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        service = self.hub.session.company.statement_layouts(self.hub.session.ctx)
        changes = attempt(self, lambda: service.reset_layout(self.kind), title="Reset layout")
        if changes is None:
            return
        self.hub.broadcast(changes)
        self._load(self.kind)

    def _load(self, kind: StatementKind) -> None:
        state = attempt(self, lambda: load_layout_state(self.hub.session, kind), title="Statement layout")
        if state is not None:
            self.set_state(state)

    def _kind_chosen(self, *_args: object) -> None:
        kind = StatementKind(self.kind_choice.currentData())
        if kind is self.kind:
            return
        if not self._may_discard():
            self.kind_choice.setCurrentIndex(self.kind_choice.findData(self.kind))
            return
        self._load(kind)

    def _may_discard(self) -> bool:
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Statement layout",
            "Discard your changes to this layout?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def reject(self) -> None:
        if self._may_discard():
            self.dirty = False
            super().reject()


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("panelTitle")
    return label
