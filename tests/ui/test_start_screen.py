"""Start screen and login: create a company, open one, log in (and fail to), the demo, run_gui."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_PASSWORD
from tests.security.secured import PASSWORD
from tests.ui.conftest import handle_dialog
from ui.company_dialogs import CreateCompanyDialog, PostgresDialog
from ui.controller import AppController
from ui.main_window import MainWindow
from ui.settings import RecentCompanies, app_settings, strip_password


@pytest.fixture
def controller(qtbot, messages, tmp_path):
    ctl = AppController(RecentCompanies(app_settings()), demo_path=tmp_path / "demo" / "demo.paksa", env={})
    yield ctl
    if ctl.window is not None:
        ctl.window.close()
    ctl.shutdown()


def test_create_company_from_the_start_screen(qtbot, controller, tmp_path):
    screen = controller.show_start()
    qtbot.addWidget(screen)
    target = tmp_path / "acme.paksa"

    def fill(dialog: CreateCompanyDialog) -> None:
        qtbot.keyClicks(dialog.name, "Acme Holdings Inc")
        assert dialog.path.text().endswith("acme-holdings-inc.paksa")  # suggested from the name
        dialog.currency.setCurrentText("XYZ")
        dialog.password.setText("s3cret-passphrase")
        dialog.confirm.setText("s3cret-passphrase")
        dialog.path.setText(str(target))
        dialog.accept()
        assert "'XYZ' is not an ISO 4217 currency code" in dialog.message.text()
        dialog.currency.setCurrentText("eur")
        dialog.confirm.setText("typo")
        dialog.accept()
        assert dialog.message.text() == "The two passwords differ; type the same password twice."
        dialog.confirm.setText("s3cret-passphrase")
        dialog.fiscal_start.setCurrentIndex(3)  # April
        dialog.accept()

    keep = handle_dialog(CreateCompanyDialog, fill)
    screen.create_button.click()
    del keep
    qtbot.waitUntil(lambda: controller.window is not None, timeout=30_000)
    window = controller.window
    assert window.windowTitle() == "Acme Holdings Inc — Paksa Desktop"
    info = window.hub.info()
    assert (info.base_currency, info.fiscal_year_start_month) == ("EUR", 4)
    assert target.exists() and not screen.isVisible()
    assert [r.name for r in controller.recent.items()] == ["Acme Holdings Inc"]
    assert "User: admin" in window.user_label.text()

    controller.close_company()
    assert controller.window is None and screen.isVisible()
    assert screen.recent_list.count() == 1


def test_login_failure_then_success(qtbot, controller, sqlite_books):
    controller.show_start()
    job = controller.open_target(sqlite_books.url)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=20_000)
    assert job.done
    dialog = controller.login_dialog
    qtbot.keyClicks(dialog.user, "admin")
    qtbot.keyClicks(dialog.password, "wrong password")
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.job is None)
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Wrong user name or password, or the user is disabled"
    assert dialog.isVisible() and controller.window is None
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.try_login()
    qtbot.waitUntil(lambda: controller.window is not None)
    assert controller.window.hub.info().name == "Test Company Ltd"


def test_env_password_logs_in_without_asking(qtbot, controller, sqlite_books):
    controller.env = {"PAKSA_USER": "admin", "PAKSA_PASSWORD": ADMIN_PASSWORD}
    job = controller.open_target(sqlite_books.url)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20_000)
    assert job.done and controller.login_dialog is None


def test_env_user_only_prefills(qtbot, controller, sqlite_books):
    controller.env = {"PAKSA_USER": "admin"}
    controller.open_target(sqlite_books.url)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=20_000)
    assert controller.login_dialog.user.text() == "admin"
    controller.login_dialog.reject()
    assert controller.start_screen is not None and controller.start_screen.isVisible()


def test_missing_file_is_a_clear_message_and_leaves_the_recent_list(qtbot, controller, messages, tmp_path):
    gone = str(tmp_path / "gone.paksa")
    controller.recent.add(gone, "Gone Ltd")
    screen = controller.show_start()
    screen.recent_list.setCurrentRow(0)
    screen.open_recent_button.click()
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=20_000)
    kind, _title, text = messages.shown[-1]
    assert kind == "question" and text.startswith(f"No company file at {gone}")
    assert controller.recent.items() == [] and screen.recent_list.count() == 0


def test_postgres_dialog_builds_the_url_and_recent_drops_the_password(qtbot):
    dialog = PostgresDialog(url="postgresql+psycopg://ana@db.example:5433/books")
    qtbot.addWidget(dialog)
    assert (dialog.host.text(), dialog.port.value(), dialog.user.text()) == ("db.example", 5433, "ana")
    dialog.password.setText("p@ss word")
    url = make_url(dialog.url())
    assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg", "ana", "p@ss word", "db.example", 5433, "books",
    )  # fmt: skip
    assert strip_password(dialog.url()) == "postgresql+psycopg://ana@db.example:5433/books"


def test_demo_company_from_the_start_screen(qtbot, controller):
    pytest.importorskip("paksa_desktop.demo", reason="the demo company module is not there yet")
    screen = controller.show_start()
    job = None

    def start() -> None:
        nonlocal job
        job = controller.open_demo()

    screen.demoRequested.disconnect()
    screen.demoRequested.connect(start)
    screen.demo_button.click()
    assert job is not None
    qtbot.waitUntil(lambda: controller.window is not None, timeout=90_000)
    window = controller.window
    assert window.hub.info().name == "Northwind Trading Ltd"
    assert controller.demo_path.exists()
    assert window.session.queries.count_entries() > 1000


def test_cancelling_the_demo_leaves_nothing(qtbot, controller):
    pytest.importorskip("paksa_desktop.demo", reason="the demo company module is not there yet")
    controller.show_start()
    job = controller.open_demo()
    job.dialog.cancel_button.click()
    qtbot.waitUntil(lambda: job.done, timeout=60_000)
    assert controller.window is None and not controller.demo_path.exists()


def test_run_gui_opens_the_given_company(qtbot, sqlite_books, monkeypatch):
    from ui.app import run_gui

    monkeypatch.setenv("PAKSA_USER", "admin")
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    seen: list[str] = []

    def close_when_open() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget.windowTitle())
                widget.close()
                return
        QTimer.singleShot(50, close_when_open)

    QTimer.singleShot(50, close_when_open)
    assert run_gui(sqlite_books.url) == 0
    assert seen == ["Test Company Ltd — Paksa Desktop"]


def test_recent_companies_never_store_a_password(qtbot, recent):
    recent.add("postgresql://ana:secret@db:5432/books", "Books")
    recent.add("/home/ana/books.paksa", "Local")
    stored = app_settings().value(RecentCompanies.KEY)
    assert "secret" not in str(stored)
    assert [r.location for r in recent.items()] == ["/home/ana/books.paksa", "postgresql://ana@db:5432/books"]


def test_signing_in_to_a_prepared_server_with_ones_own_login(qtbot, controller, secured_server, tmp_path):
    """Connect dialog with "Sign in with my Paksa user": the same name and password open the database
    as NAME@DB and the company, without a second login dialog."""
    url = make_url(secured_server.admin_url)
    dialog = PostgresDialog(url=f"postgresql://{url.host}:{url.port}/{url.database}")
    qtbot.addWidget(dialog)
    assert dialog.own_login.isChecked()  # a URL naming no database user
    dialog.user.setText("acct")
    dialog.password.setText(PASSWORD)
    assert make_url(dialog.url()).username is None
    dialog.show()
    dialog.grab().save(str(tmp_path / "connect-own-login.png"))
    controller.open_target(dialog.url(), login=dialog.login())
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20_000)
    session = controller.window.session
    assert session.ctx.username == "acct"
    assert session.company.url.username == f"acct@{url.database}"
    assert controller.login_dialog is None
