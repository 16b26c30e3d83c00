"""Departments, projects and journals: the codes lines are tagged with, and the books entries are numbered in.

The three lists work the same way, so one panel serves all three; a `CodeList` says what differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.ledger.queries import CodeName, LedgerQueries
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.reporting.model import Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.style import MUTED, icon
from ui.widgets.dialogs import button_box, form, note, stack
from ui.widgets.export_button import ExportButton, ReportBuilder
from ui.widgets.notify import notify
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Loader, Progress

JOURNAL_KINDS = ("general", "sales", "purchases", "cash", "payroll")

CODE = Col("code", "Code", lambda r: r.code, width=66)
NAME = Col("name", "Name", lambda r: r.name)
KIND = Col("kind", "Kind", lambda r: r.kind.capitalize(), width=92)
ACTIVE = Col("active", "Active", lambda r: "yes" if r.is_active else "no", width=58)


def inactive_look(row: CodeName) -> tuple[QColor | None, bool]:
    """Inactive codes grey and italic, like inactive accounts: their history stays, new lines cannot use them."""
    return (None, False) if row.is_active else (MUTED, True)


@dataclass(frozen=True)
class CodeList:
    """What differs between the three lists: words, columns, the permission and the service calls."""

    key: str  # object names and export file names
    title: str
    noun: str
    columns: tuple[Col, ...]
    permission: Permission
    fetch: Callable[[LedgerQueries], list[CodeName]]
    create: Callable[[LedgerService, str, str, str], Changes]  # (service, code, name, kind)
    set_active: Callable[[LedgerService, str, bool], Changes]
    code_length: int
    name_length: int
    example: str
    explanation: str
    kinds: tuple[str, ...] = ()  # journals only


DEPARTMENTS = CodeList(
    key="departments",
    title="Departments",
    noun="department",
    columns=(CODE, NAME, ACTIVE),
    permission=Permission.DIMENSION_MANAGE,
    fetch=lambda q: q.departments(),
    create=lambda s, code, name, _kind: s.create_department(code, name),
    set_active=lambda s, code, active: s.set_department_active(code, active),
    code_length=32,
    name_length=200,
    example="e.g. OPS",
    explanation="Journal lines can carry the department; the trial balance can then be filtered by it.",
)
PROJECTS = CodeList(
    key="projects",
    title="Projects",
    noun="project",
    columns=(CODE, NAME, ACTIVE),
    permission=Permission.DIMENSION_MANAGE,
    fetch=lambda q: q.projects(),
    create=lambda s, code, name, _kind: s.create_project(code, name),
    set_active=lambda s, code, active: s.set_project_active(code, active),
    code_length=32,
    name_length=200,
    example="e.g. EXPO25",
    explanation="Journal lines can carry the project; the trial balance can then be filtered by it.",
)
JOURNALS = CodeList(
    key="journals",
    title="Journals",
    noun="journal",
    columns=(CODE, NAME, KIND, ACTIVE),
    permission=Permission.JOURNAL_MANAGE,
    fetch=lambda q: q.journals(),
    create=lambda s, code, name, kind: s.create_journal(code, name, kind),
    set_active=lambda s, code, active: s.set_journal_active(code, active),
    code_length=16,
    name_length=100,
    example="e.g. BNK2",
    explanation="Entries in a journal are numbered CODE-YEAR-000001 onwards, so keep the code short.",
    kinds=JOURNAL_KINDS,
)
CODE_LISTS = (DEPARTMENTS, PROJECTS, JOURNALS)


class AddCodeDialog(QDialog):
    """Code and name (and a journal's kind); a refusal is shown and the dialog stays open to fix it."""

    def __init__(self, spec: CodeList, ledger: LedgerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.ledger = ledger
        self.changes = Changes()
        self.setObjectName("addCodeDialog")
        self.setWindowTitle(f"Add {spec.noun}")
        self.setMinimumWidth(400)
        self.code = QLineEdit()
        self.code.setMaxLength(spec.code_length)
        self.code.setPlaceholderText(spec.example)
        self.name = QLineEdit()
        self.name.setMaxLength(spec.name_length)
        self.kind = QComboBox()
        for kind in spec.kinds:
            self.kind.addItem(kind.capitalize(), kind)
        rows: list[tuple[str, QWidget]] = [("&Code", self.code), ("&Name", self.name)]
        if spec.kinds:
            rows.append(("&Kind", self.kind))
        stack(self, form(*rows), note(spec.explanation, muted=True), button_box(self, "Add"))

    def accept(self) -> None:
        spec, ledger = self.spec, self.ledger
        code, name, kind = self.code.text().strip(), self.name.text().strip(), self.kind.currentData() or ""
        changes = attempt(self, lambda: spec.create(ledger, code, name, kind), title=self.windowTitle())
        if changes is not None:
            self.changes = changes
            super().accept()


class CodeListPanel(QWidget):
    """One list with its own Add, Deactivate/Activate and Export; rows come from the view's loader."""

    def __init__(self, spec: CodeList, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.hub = hub
        self.can_manage = hub.session.can(spec.permission)
        self._select_after_load: str | None = None

        heading = QLabel(spec.title)
        heading.setObjectName("panelTitle")
        self.model = RowsTableModel(spec.columns, look=inactive_look, parent=self)
        self.add_button = QPushButton(icon("add"), "Add…")
        self.toggle_button = QPushButton("Deactivate")
        self.export_button = ExportButton(self.export_builder, lambda: spec.key, self)
        if not self.can_manage:
            why = f"Your role cannot change {spec.title.lower()} ({spec.permission.value})."
            self.add_button.setToolTip(why)
            self.toggle_button.setToolTip(why)
        self.add_button.clicked.connect(self.add)
        self.toggle_button.clicked.connect(self.toggle_active)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.toggle_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)

        self.table = make_table(f"{spec.key}Table", self.model, spec.columns, stretch="name")
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.empty = QLabel(f"No {spec.noun}s yet.")
        self.empty.setProperty("state", "muted")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self._update_buttons()

    # ---- rows
    def set_rows(self, rows: Sequence[CodeName]) -> None:
        """Show fresh rows; the selected code (or the one just added) stays selected."""
        current = self.current()
        wanted = self._select_after_load or (current.code if current else None)
        self._select_after_load = None
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        if wanted is not None:
            self.select(wanted)
        self._update_buttons()

    def current(self) -> CodeName | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def select(self, code: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).code == code:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        self.add_button.setEnabled(self.can_manage)
        self.toggle_button.setEnabled(self.can_manage and row is not None)
        self.toggle_button.setText("Activate" if row is not None and not row.is_active else "Deactivate")

    # ---- actions
    def add_dialog(self) -> AddCodeDialog:
        return AddCodeDialog(self.spec, self.hub.session.ledger, self)

    def add(self) -> None:
        dialog = self.add_dialog()
        if dialog.exec():
            code = dialog.code.text().strip()
            self._select_after_load = code
            self.hub.broadcast(dialog.changes)
            notify(self, f"Added {self.spec.noun} {code}")

    def toggle_active(self) -> None:
        row = self.current()
        if row is None:
            return
        spec, ledger, active = self.spec, self.hub.session.ledger, not row.is_active
        changes = attempt(self, lambda: spec.set_active(ledger, row.code, active))
        if changes is not None:
            self.hub.broadcast(changes)
            notify(self, f"{spec.noun.capitalize()} {row.code} is now {'active' if active else 'inactive'}")

    def export_builder(self) -> ReportBuilder:
        rows, spec, info = self.model.rows, self.spec, self.hub.info()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(spec.title, spec.columns, rows, company=info.name)

        return build


class DimensionsView(LedgerView):
    title = "Dimensions & journals"
    subtitle = (
        "Departments and projects tag journal lines; journals number the entries. "
        "Deactivate what is no longer used: its history stays."
    )
    concerns = frozenset({Kind.DIMENSIONS, Kind.JOURNALS})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.departments = CodeListPanel(DEPARTMENTS, hub)
        self.projects = CodeListPanel(PROJECTS, hub)
        self.journals = CodeListPanel(JOURNALS, hub)
        self.panels = (self.departments, self.projects, self.journals)
        # departments over projects on the left, journals on the right: every name has room to show
        dimensions = QVBoxLayout()
        dimensions.setSpacing(14)
        dimensions.addWidget(self.departments, 1)
        dimensions.addWidget(self.projects, 1)
        lists = QHBoxLayout()
        lists.setSpacing(16)
        lists.addLayout(dimensions, 1)
        lists.addWidget(self.journals, 1)
        self.body.addLayout(lists, 1)

    def refresh(self) -> None:
        """The three lists in one background read; each is short, but the database may be across a network."""
        queries = self.session.queries
        specs = [panel.spec for panel in self.panels]
        self.loader.load(lambda: [spec.fetch(queries) for spec in specs], self._apply)

    def _apply(self, lists: list[list[CodeName]]) -> None:
        for panel, rows in zip(self.panels, lists, strict=True):
            panel.set_rows(rows)
