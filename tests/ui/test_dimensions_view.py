"""Dimensions & journals: add, deactivate and reactivate through the view; the pickers elsewhere follow."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QLineEdit

from paksa_desktop.core.changes import Kind
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.ledger.dimensions_view import DEPARTMENTS, JOURNALS, AddCodeDialog, CodeListPanel, DimensionsView, inactive_look
from ui.ledger.ledger_tab import DIMENSIONS, ENTRIES, TRIAL_BALANCE
from ui.main_window import MainWindow
from ui.models.entry_lines_model import DEPARTMENT, MEMO
from ui.models.rows_model import RowsTableModel
from ui.session import AppSession
from ui.settings import RecentCompanies
from ui.style import MUTED

CASES = [
    # panel, query, code, name, kind, label in messages
    ("departments", "departments", "LAB", "Laboratory", "", "Department"),
    ("projects", "projects", "P-ALPHA", "Project Alpha", "", "Project"),
    ("journals", "journals", "BNK2", "Second bank account", "cash", "Journal"),
]


def open_view(qtbot, window: MainWindow) -> DimensionsView:
    """Through Ledger → Dimensions & journals (Ctrl+7), as a user would."""
    action = window.view_actions[DIMENSIONS]
    assert action.shortcut().toString() == "Ctrl+7"
    action.trigger()
    view = window.ledger_tab.current_view()
    assert isinstance(view, DimensionsView) and view.isVisible()
    wait_idle(qtbot, view)
    return view


def add_through_dialog(qtbot, view: DimensionsView, panel: CodeListPanel, code: str, name: str, kind: str) -> None:
    def fill(dialog: AddCodeDialog) -> None:
        qtbot.keyClicks(dialog.code, code)
        qtbot.keyClicks(dialog.name, name)
        assert dialog.kind.isVisibleTo(dialog) == bool(kind)
        if kind:
            dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
        dialog.accept()

    keep = handle_dialog(AddCodeDialog, fill)
    panel.add_button.click()
    del keep
    wait_idle(qtbot, view)


def row_of(panel: CodeListPanel, code: str) -> int:
    return next(r for r in range(panel.model.rowCount()) if panel.model.row_at(r).code == code)


@pytest.mark.parametrize(("key", "query", "code", "name", "kind", "label"), CASES, ids=[c[0] for c in CASES])
def test_add_deactivate_and_activate(qtbot, window, sqlite_books, key, query, code, name, kind, label):
    view = open_view(qtbot, window)
    panel: CodeListPanel = getattr(view, key)
    assert panel.add_button.isEnabled() and not panel.toggle_button.isEnabled()  # nothing selected yet

    add_through_dialog(qtbot, view, panel, code, name, kind)
    stored = {r.code: r for r in getattr(sqlite_books.queries, query)()}
    assert stored[code].name == name and stored[code].is_active
    if kind:
        assert stored[code].kind == kind
        assert panel.model.index(row_of(panel, code), 2).data() == kind.capitalize()
    assert panel.current().code == code  # the new row is selected, ready to act on
    assert window.statusBar().currentMessage() == f"Added {label.lower()} {code}"
    assert panel.toggle_button.isEnabled() and panel.toggle_button.text() == "Deactivate"

    panel.toggle_button.click()
    wait_idle(qtbot, view)
    assert not {r.code: r for r in getattr(sqlite_books.queries, query)()}[code].is_active
    index = panel.model.index(row_of(panel, code), 0)
    assert index.data(Qt.ItemDataRole.ForegroundRole) == MUTED  # greyed
    assert panel.model.index(index.row(), len(panel.spec.columns) - 1).data() == "no"
    assert panel.current().code == code and panel.toggle_button.text() == "Activate"
    assert window.statusBar().currentMessage() == f"{label} {code} is now inactive"

    panel.toggle_button.click()
    wait_idle(qtbot, view)
    assert {r.code: r for r in getattr(sqlite_books.queries, query)()}[code].is_active
    assert panel.model.index(row_of(panel, code), 0).data(Qt.ItemDataRole.ForegroundRole) is None
    assert panel.toggle_button.text() == "Deactivate"


@pytest.mark.parametrize(
    ("key", "code", "name", "message"),
    [
        ("journals", "GEN", "Another general journal", "Journal code GEN already exists"),
        ("departments", "OPS", "Operations again", "Department code OPS already exists"),
        ("projects", "", "Nameless", "A project needs a code and a name"),
    ],
    ids=["duplicate journal", "duplicate department", "no code"],
)
def test_a_refusal_is_shown_and_the_dialog_stays_open(
    qtbot, window, sqlite_books, messages: Messages, key, code, name, message
):
    sqlite_books.ledger.create_department("OPS", "Operations")
    view = open_view(qtbot, window)
    panel: CodeListPanel = getattr(view, key)
    dialog = panel.add_dialog()
    qtbot.keyClicks(dialog.code, code)
    qtbot.keyClicks(dialog.name, name)
    dialog.accept()
    assert dialog.result() == 0  # still open: the user fixes the code and tries again
    assert messages.shown[-1][0] == "warning" and messages.last() == message
    dialog.reject()


def department_completions(qtbot, editor) -> list[str]:
    """Open the department cell of the first line, as a user tabbing there would, and read its completer."""
    editor.grid.setFocus()
    editor.grid.go_to(0, MEMO)  # from the cell before, so the department cell opens afresh
    editor.grid.go_to(0, DEPARTMENT)
    qtbot.waitUntil(lambda: editor.grid.current_editor() is not None)
    cell = editor.grid.current_editor()
    assert isinstance(cell, QLineEdit)
    model = cell.completer().model()
    assert isinstance(model, QStringListModel)
    return model.stringList()


def test_pickers_elsewhere_follow(qtbot, window, sqlite_books):
    tab = window.ledger_tab
    open_before = tab.new_entry()  # an editor already open when the department is added
    view = open_view(qtbot, window)
    add_through_dialog(qtbot, view, view.departments, "LAB", "Laboratory", "")
    add_through_dialog(qtbot, view, view.journals, "BNK2", "Second bank account", "cash")

    opened_after = tab.new_entry()
    for editor in (open_before, opened_after):
        assert "LAB" in department_completions(qtbot, editor)
        assert editor.journal.findData("BNK2") >= 0
    tb = tab.show_view(TRIAL_BALANCE)
    wait_idle(qtbot, tb)
    assert tb.department.findData("LAB") >= 0
    entries = tab.show_view(ENTRIES)
    wait_idle(qtbot, entries)
    assert entries.journal.findData("BNK2") >= 0

    # deactivated: no longer offered for new lines or entries, still in the filters (its history is there)
    view = open_view(qtbot, window)
    for panel, code in ((view.departments, "LAB"), (view.journals, "BNK2")):
        panel.select(code)
        panel.toggle_button.click()
        wait_idle(qtbot, view)
    assert "LAB" not in department_completions(qtbot, open_before)
    assert open_before.journal.findData("BNK2") < 0
    tb = tab.show_view(TRIAL_BALANCE)
    wait_idle(qtbot, tb)
    assert tb.department.findData("LAB") >= 0


def test_an_open_draft_keeps_its_deactivated_journal(qtbot, window, sqlite_books):
    editor = window.ledger_tab.new_entry()
    editor.journal.setCurrentIndex(editor.journal.findData("SAL"))
    editor.dirty = False
    window.hub.broadcast(sqlite_books.ledger.set_journal_active("SAL", False))
    assert editor.journal.currentData() == "SAL"  # still shown as chosen: nothing changes behind the user's back
    assert not editor.dirty


def test_export_writes_the_list(qtbot, window, tmp_path: Path):
    view = open_view(qtbot, window)
    job = view.journals.export_button.export_to(tmp_path / "journals.csv")
    qtbot.waitUntil(lambda: job.done)
    with (tmp_path / "journals.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["code"] for r in rows] == [view.journals.model.row_at(i).code for i in range(len(rows))]
    gen = next(r for r in rows if r["code"] == "GEN")
    assert (gen["name"], gen["kind"], gen["active"]) == ("General journal", "General", "yes")


@pytest.fixture
def viewer_window(qtbot, sqlite_books, recent: RecentCompanies, messages: Messages) -> Iterator[MainWindow]:
    company = sqlite_books.company
    company.add_user(sqlite_books.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    ctx = company.login("viewer", "viewer-password-1")
    win = MainWindow(AppSession(company, ctx), recent)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_a_viewer_sees_the_lists_but_cannot_change_them(qtbot, viewer_window):
    view = open_view(qtbot, viewer_window)
    for panel in view.panels:
        assert panel.model.rowCount() or panel.empty.isVisible()
        assert not panel.add_button.isEnabled()
        assert panel.spec.permission.value in panel.add_button.toolTip()
        assert panel.export_button.isEnabled()  # reading and exporting stay open
    view.journals.select("GEN")
    assert view.journals.current().code == "GEN"
    assert not view.journals.toggle_button.isEnabled()


def test_view_refreshes_on_its_kinds_only(qtbot, window, sqlite_books):
    view = open_view(qtbot, window)
    assert view.concerns == {Kind.DIMENSIONS, Kind.JOURNALS}
    sqlite_books.ledger.create_project("BEHIND", "Added by another client")
    window.hub.broadcast(sqlite_books.ledger.set_project_active("BEHIND", True))
    wait_idle(qtbot, view)
    assert any(view.projects.model.row_at(r).code == "BEHIND" for r in range(view.projects.model.rowCount()))


def test_code_list_models(qtmodeltester, sqlite_books):
    sqlite_books.ledger.create_department("OPS", "Operations")
    sqlite_books.ledger.create_department("OLD", "Closed branch")
    sqlite_books.ledger.set_department_active("OLD", False)
    for spec, rows in ((DEPARTMENTS, sqlite_books.queries.departments()), (JOURNALS, sqlite_books.queries.journals())):
        model = RowsTableModel(spec.columns, look=inactive_look)
        model.set_rows(rows)
        qtmodeltester.check(model)
        assert model.rowCount() == len(rows)
