"""The Audit tab: filter the trail by user, record kind, action and date; see each row's field diff;
verify the hash chain; export to Excel, CSV or PDF (through the service, so the export is audited too)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.audit.chain import VerifyResult
from paksa_desktop.audit.service import AuditFilter, AuditRow, AuditService, FieldChange
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel
from ui.session import AppSession
from ui.style import icon
from ui.widgets.date_edit import OptionalDateEdit
from ui.widgets.export_button import ask_export_path, format_menu
from ui.widgets.notify import notify
from ui.workers import Job, Loader, run_with_progress

ALL = "(all)"
PAGE = 2000  # newest rows first; filters narrow the rest

AUDIT_COLUMNS = (
    Col("seq", "Seq", lambda r: r.seq, ColumnKind.INTEGER, width=70),
    Col("time", "Time (UTC)", lambda r: r.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), width=175),
    Col("user", "User", lambda r: r.username, width=100),
    Col("host", "Host", lambda r: r.host, width=110),
    Col("action", "Action", lambda r: r.action, width=80),
    Col("entity", "Record kind", lambda r: r.entity, width=110),
    Col("entity_id", "Record", lambda r: r.entity_id, width=130),
    Col("changes", "Changes", lambda r: r.summary()),
)
DIFF_COLUMNS = (
    Col("field", "Field", lambda c: c.field, width=160),
    Col("before", "Before", lambda c: c.before, width=260),
    Col("after", "After", lambda c: c.after),
)


def audit_table(parent: QWidget | None = None) -> tuple[QTableView, RowsTableModel]:
    model = RowsTableModel(AUDIT_COLUMNS, parent=parent)
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    for i, col in enumerate(AUDIT_COLUMNS):
        if col.width:
            view.setColumnWidth(i, col.width)
    return view, model


def diff_table(parent: QWidget | None = None) -> tuple[QTableView, RowsTableModel]:
    model = RowsTableModel(DIFF_COLUMNS, parent=parent)
    view = QTableView(parent)
    view.setModel(model)
    view.setWordWrap(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
    for i, col in enumerate(DIFF_COLUMNS):
        if col.width:
            view.setColumnWidth(i, col.width)
    return view, model


class AuditTab(QWidget):
    """Shown only to users holding `audit.view` (the main window decides)."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditTab")
        self.session = session
        self.loader = Loader(self)
        self.last_job: Job | None = None
        self.last_verify: VerifyResult | None = None

        self.user_box = self._combo("Filter by user")
        self.entity_box = self._combo("Filter by kind of record")
        self.action_box = self._combo("Filter by action")
        self.record_edit = QLineEdit()
        self.record_edit.setPlaceholderText("record id or code")
        self.record_edit.setClearButtonEnabled(True)
        self.record_edit.setMaximumWidth(160)
        self.start_edit = OptionalDateEdit("from any day")
        self.end_edit = OptionalDateEdit("to any day")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.reload)
        self.record_edit.returnPressed.connect(self.reload)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setToolTip("Recompute the hash chain and report the first broken or missing row")
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export")
        self.export_button.setIcon(icon("export"))
        self.export_button.setEnabled(session.can(Permission.AUDIT_EXPORT))
        self.export_button.setMenu(format_menu(self.export_button, self.choose_and_export))

        bar = QHBoxLayout()
        for label, widget in (
            ("User", self.user_box),
            ("Record", self.entity_box),
            ("", self.record_edit),
            ("Action", self.action_box),
            ("From", self.start_edit),
            ("To", self.end_edit),
        ):
            if label:
                bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addWidget(self.apply_button)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)

        self.table, self.model = audit_table(self)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.diff, self.diff_model = diff_table(self)
        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        self.diff_title = QLabel("Select a row to see its before and after values")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.diff_title)
        lower_layout.addWidget(self.diff)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([460, 200])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

    def _combo(self, tip: str) -> QComboBox:
        box = QComboBox()
        box.setToolTip(tip)
        box.setMinimumWidth(110)
        box.addItem(ALL)
        return box

    def service(self) -> AuditService:
        return AuditService(self.session.company.engine, self.session.ctx)

    # ---- filters
    def current_filter(self) -> AuditFilter:
        def pick(box: QComboBox) -> str:
            text = box.currentText()
            return "" if text == ALL else text

        return AuditFilter(
            username=pick(self.user_box),
            entity=pick(self.entity_box),
            entity_id=self.record_edit.text().strip(),
            action=pick(self.action_box),
            start=self.start_edit.value(),
            end=self.end_edit.value(),
        )

    def set_filter(self, f: AuditFilter) -> None:
        for box, value in ((self.user_box, f.username), (self.entity_box, f.entity), (self.action_box, f.action)):
            if value and box.findText(value) < 0:
                box.addItem(value)
            box.setCurrentText(value or ALL)
        self.record_edit.setText(f.entity_id)
        self.start_edit.set_value(f.start)
        self.end_edit.set_value(f.end)

    # ---- loading
    def reload(self) -> Job:
        service = self.service()
        f = self.current_filter()

        def fetch() -> tuple[list[AuditRow], int, dict[str, list[str]]]:
            return service.rows(f, limit=PAGE), service.count(f), service.choices()

        return self.loader.load(fetch, self._apply)

    def _apply(self, result: tuple[list[AuditRow], int, dict[str, list[str]]]) -> None:
        rows, total, choices = result
        for box, key in ((self.user_box, "users"), (self.entity_box, "entities"), (self.action_box, "actions")):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems([ALL, *choices[key]])
            box.setCurrentText(current if box.findText(current) >= 0 else ALL)
            box.blockSignals(False)
        self.model.set_rows(rows)
        self.diff_model.set_rows([])
        shown = f"{len(rows):,} of {total:,}" if total > len(rows) else f"{total:,}"
        self.status.setText(f"{shown} audit rows, newest first")
        if rows:
            self.table.selectRow(0)

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.diff_model.set_rows([])
            return
        row: AuditRow = self.model.row_at(rows[0].row())
        changes: list[FieldChange] = row.changes()
        self.diff_model.set_rows(changes)
        self.diff_title.setText(
            f"{row.action} {row.entity} {row.entity_id} by {row.username} on {row.host} — "
            f"{len(changes)} field{'s' if len(changes) != 1 else ''}"
        )

    # ---- verify and export
    def verify(self) -> Job:
        service = self.service()

        def work(progress: Any, _cancelled: Any) -> VerifyResult:
            return service.verify(progress)

        def done(result: VerifyResult) -> None:
            self.last_verify = result
            if result.ok:
                text = f"Audit trail intact: {result.rows:,} rows, head {result.last_hash[:16]}…"
            else:
                text = f"Audit trail BROKEN at {result.problem}"
            self.status.setText(text)
            notify(self, text)

        self.last_job = run_with_progress(self, "Verify", "Recomputing the hash chain…", work, done, cancellable=False)
        return self.last_job

    def choose_and_export(self, fmt: str) -> Job | None:
        path = ask_export_path(self, "audit-trail", fmt)
        return None if path is None else self.export_to(path)

    def export_to(self, path: Path) -> Job:
        """Export the filtered rows (all of them, not only the page shown); the service audits it."""
        service = self.service()
        f = self.current_filter()
        fmt = path.suffix.lower().lstrip(".")

        def work(_progress: Any, _cancelled: Any) -> int:
            return service.export(path, f, fmt=fmt)

        def done(count: int) -> None:
            notify(self, f"Exported {count:,} audit rows to {path}")
            self.reload()

        self.last_job = run_with_progress(self, "Export", f"Writing {path.name}…", work, done, cancellable=False)
        return self.last_job
