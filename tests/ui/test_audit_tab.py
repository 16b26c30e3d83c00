"""The Audit tab, per-record History and Attachments, driven on the real widgets over a real company."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QFileDialog

from tests.conftest import Books, tamper
from tests.ledger.helpers import entry
from tests.ui.conftest import wait_idle
from ui.audit.attachments import AttachmentsDialog
from ui.audit.audit_tab import AuditTab
from ui.audit.history import HistoryDialog
from ui.main_window import MainWindow
from ui.session import AppSession

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def snap(widget: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SCREENSHOTS / name))


@pytest.fixture
def busy(sqlite_books: Books) -> Books:
    ledger = sqlite_books.ledger
    ledger.update_account("6100", name="Office rent", description="Head office, 3rd floor")
    ledger.post(entry("2024-03-01", ("6100", "1250.00"), ("1100", "-1250.00"), memo="March rent"))
    return sqlite_books


def audit_tab(qtbot: Any, window: MainWindow) -> AuditTab:
    tab = window.audit_tab
    assert isinstance(tab, AuditTab)
    window.tabs.setCurrentWidget(tab)
    wait_idle(qtbot, tab)
    return tab


def test_admin_sees_the_tab_a_viewer_does_not(qtbot: Any, window: MainWindow, busy: Books, recent: Any) -> None:
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs[:5] == [
        "General Ledger",
        "Receivables",
        "Payables",
        "Cash && Banking",
        "Audit",
    ]  # then Administration (ui/admin)
    busy.company.add_user(busy.ctx, "vera", "vera-password-12", roles=("Viewer",))
    viewer = MainWindow(AppSession(busy.company, busy.company.login("vera", "vera-password-12")), recent)
    qtbot.addWidget(viewer)
    assert viewer.audit_tab is None
    assert [viewer.tabs.tabText(i) for i in range(viewer.tabs.count())] == [
        "General Ledger",
        "Receivables",
        "Payables",
        "Cash && Banking",
    ]


def test_filter_rows_and_see_the_field_diff(qtbot: Any, qtmodeltester: Any, window: MainWindow, busy: Books) -> None:
    tab = audit_tab(qtbot, window)
    qtmodeltester.check(tab.model)
    assert tab.model.rowCount() >= 5 and "audit rows, newest first" in tab.status.text()
    assert {tab.entity_box.itemText(i) for i in range(tab.entity_box.count())} >= {"(all)", "account", "journal_entry"}
    tab.entity_box.setCurrentText("account")
    tab.action_box.setCurrentText("update")
    tab.apply_button.click()
    wait_idle(qtbot, tab)
    assert [(r.action, r.entity, r.entity_id) for r in tab.model.rows] == [("update", "account", "6100")]
    tab.table.selectRow(0)
    qtmodeltester.check(tab.diff_model)
    assert [(c.field, c.before, c.after) for c in tab.diff_model.rows] == [
        ("description", "", "Head office, 3rd floor"),
        ("name", "Rent", "Office rent"),
    ]
    assert "update account 6100 by admin" in tab.diff_title.text()
    tab.set_filter(type(tab.current_filter())())
    tab.reload()
    wait_idle(qtbot, tab)
    tab.table.selectRow(0)
    window.resize(1280, 760)
    snap(window, "audit-tab.png")


def test_dates_and_record_filters(qtbot: Any, window: MainWindow, busy: Books) -> None:
    from datetime import date

    tab = audit_tab(qtbot, window)
    tab.start_edit.set_value(date(2024, 7, 1))
    tab.reload()
    wait_idle(qtbot, tab)
    assert tab.model.rowCount() == 0
    tab.start_edit.set_value(date(2024, 6, 30))
    tab.end_edit.set_value(date(2024, 6, 30))
    tab.record_edit.setText("6100")
    tab.reload()
    wait_idle(qtbot, tab)
    assert [r.entity_id for r in tab.model.rows] == ["6100"]


def test_export_excel_and_csv_through_the_audited_service(
    qtbot: Any, window: MainWindow, busy: Books, tmp_path: Path
) -> None:
    tab = audit_tab(qtbot, window)
    tab.entity_box.setCurrentText("account")
    xlsx = tmp_path / "audit.xlsx"
    job = tab.export_to(xlsx)
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    sheet = openpyxl.load_workbook(xlsx, read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[3][:6] == ["Seq", "Time (UTC)", "User", "Host", "Action", "Entity"]
    assert {row[5] for row in values[4:]} == {"account"}
    wait_idle(qtbot, tab)
    tab.entity_box.setCurrentText("audit_log")
    csv_path = tmp_path / "audit.csv"
    job = tab.export_to(csv_path)
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["action"] for r in rows] == ["export"] and "audit.xlsx" in rows[0]["after"]  # the first export


def test_export_pdf_from_the_menu(
    qtbot: Any, window: MainWindow, busy: Books, tmp_path: Path, monkeypatch: Any
) -> None:
    tab = audit_tab(qtbot, window)
    tab.entity_box.setCurrentText("account")
    path = tmp_path / "chosen"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    action = tab.export_button.menu().findChild(QAction, "export-pdf")
    action.trigger()
    qtbot.waitUntil(lambda: tab.last_job is not None and tab.last_job.done, timeout=10_000)
    pages = [page.extract_text() for page in PdfReader(tmp_path / "chosen.pdf").pages]
    assert "Audit trail" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "by admin" in pages[0]


def test_verify_reports_intact_then_broken(qtbot: Any, window: MainWindow, busy: Books) -> None:
    tab = audit_tab(qtbot, window)
    job = tab.verify()
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    assert tab.last_verify is not None and tab.last_verify.ok
    assert tab.status.text().startswith("Audit trail intact")
    tamper(busy.company.engine, "DELETE FROM audit_log WHERE seq = 2")
    job = tab.verify()
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    assert tab.status.text() == "Audit trail BROKEN at seq 3, id 3: row(s) missing before it (seq 2: deleted)"


def test_entry_history_and_attachments(
    qtbot: Any, qtmodeltester: Any, window: MainWindow, busy: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, _ = busy.ledger.post(entry("2024-04-01", ("6100", "99.00"), ("1100", "-99.00"), memo="Paper"))
    editor = window.ledger_tab.open_entry(ref.id)
    assert editor.history_button.isVisible() and editor.attachments_button.isVisible()
    editor.history_button.click()
    history = next(w for w in editor.findChildren(HistoryDialog))
    qtmodeltester.check(history.model)
    assert [r.action for r in history.model.rows] == ["post"]
    history.close()

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    editor.attachments_button.click()
    dialog = next(w for w in editor.findChildren(AttachmentsDialog))
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 first")
    assert dialog.attach(receipt) is not None
    receipt.write_bytes(b"%PDF-1.4 second, corrected")
    assert dialog.attach(receipt) is not None
    qtmodeltester.check(dialog.model)
    assert [(d.name, v.number, v.is_current) for d, v in dialog.model.rows] == [
        ("receipt.pdf", 2, True),
        ("receipt.pdf", 1, False),
    ]
    dialog.table.selectRow(1)
    path = dialog.open_selected()
    assert path is not None and path.read_bytes() == b"%PDF-1.4 first" and path.name == "receipt (v1).pdf"
    assert opened == [QUrl.fromLocalFile(str(path))]
    assert dialog.restore_button.isEnabled()
    restored = dialog.restore_selected()
    assert restored is not None and (restored.number, restored.restored_from) == (3, 1)
    assert dialog.model.rows[0][1].number == 3 and not dialog.restore_button.isEnabled()
    snap(dialog, "attachments-dialog.png")
    dialog.close()


def test_new_entry_has_no_history_yet(qtbot: Any, window: MainWindow) -> None:
    editor = window.ledger_tab.new_entry()
    assert not editor.history_button.isVisible() and not editor.attachments_button.isVisible()


def test_oversized_file_gets_a_clear_message(
    qtbot: Any, window: MainWindow, busy: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: Any
) -> None:
    monkeypatch.setenv("PAKSA_DOCUMENT_MAX_MB", "0.001")
    dialog = AttachmentsDialog(window.session, "account", "1100", "Account 1100", window)
    qtbot.addWidget(dialog)
    big = tmp_path / "scan.png"
    big.write_bytes(b"x" * 5000)
    assert dialog.attach(big) is None
    assert "Scan.png is 0.0 MB; documents may be at most 0.0 MB" in messages.last()
    assert dialog.model.rowCount() == 0


def test_account_history_from_the_chart(qtbot: Any, window: MainWindow, busy: Books) -> None:
    view = window.ledger_tab.accounts
    wait_idle(qtbot, view)
    window.show_ledger_view(0)
    wait_idle(qtbot, view)
    view.select_account(next(a.id for a in busy.queries.accounts() if a.code == "6100"))
    assert view.history_button.isEnabled()
    view.history_button.click()
    history = next(w for w in view.findChildren(HistoryDialog))
    assert [(r.action, r.entity_id) for r in history.model.rows] == [("update", "6100")]
    history.table.selectRow(0)
    assert [c.field for c in history.diff_model.rows] == ["description", "name"]
    snap(history, "history-dialog.png")
    history.close()


def test_list_exports_are_audited(qtbot: Any, window: MainWindow, busy: Books, tmp_path: Path) -> None:
    """Export on any ledger list writes an audit row naming the file, in the trail like any change."""
    from paksa_desktop.audit.service import AuditFilter, AuditService

    view = window.ledger_tab.accounts
    wait_idle(qtbot, view)
    job = view.export_button.export_to(tmp_path / "chart.xlsx")
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    (row,) = AuditService(busy.company.engine, busy.ctx).rows(AuditFilter(action="export"))
    assert row.entity == view.file_stem() and '"file": "chart.xlsx"' in (row.after or "")
