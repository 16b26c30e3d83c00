"""The application flow: start screen → open or create a company → log in → main window, and back."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThreadPool
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from sqlalchemy.engine import make_url

from paksa_desktop.company import Company, NewCompany, default_company_dir
from paksa_desktop.core.errors import AuthenticationError, CompanyError, MfaRequired
from paksa_desktop.security.context import UserContext
from ui.company_dialogs import COMPANY_FILTER, CreateCompanyDialog, PostgresDialog
from ui.errors import message_for, show_error
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.session import AppSession
from ui.settings import RecentCompanies, needs_password, strip_password
from ui.start_screen import StartScreen
from ui.workers import Job, run_with_progress


def company_label(company: Company) -> str:
    """What to call a company before anyone has logged in: its file name or database name."""
    if company.is_sqlite:
        return Path(company.location).stem
    return company.url.database or company.location


def _locked(company: Company) -> Company:
    """A company this program just created: it holds the file's single-writer lock from the start."""
    company.take_lock()
    return company


def read_only_notice(company: Company) -> str:
    """'acme.paksa is opened by anna on pc-7 since 2025-01-31 09:12 — opening read-only.' (the file's own case)"""
    reason = company.read_only_reason
    return f"{reason} — opening read-only." if reason else ""


def remembered_location(company: Company) -> str:
    if company.is_sqlite:
        return company.location
    return strip_password(company.url.render_as_string(hide_password=False))


class AppController(QObject):
    """Owns the windows and the open company; nothing here touches a database session."""

    def __init__(
        self,
        recent: RecentCompanies | None = None,
        *,
        demo_path: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.recent = recent or RecentCompanies()
        self.demo_path = demo_path or default_company_dir() / "demo.paksa"
        self.env = os.environ if env is None else env
        self.start_screen: StartScreen | None = None
        self.window: MainWindow | None = None
        self.login_dialog: LoginDialog | None = None
        self.last_job: Job | None = None

    def parent_widget(self) -> QWidget | None:
        if self.window is not None and self.window.isVisible():
            return self.window
        return self.start_screen

    # ---- start screen
    def show_start(self) -> StartScreen:
        if self.start_screen is None:
            screen = StartScreen(self.recent)
            screen.createRequested.connect(self.create_company)
            screen.openFileRequested.connect(self.open_file)
            screen.connectRequested.connect(self.connect_postgres)
            screen.demoRequested.connect(self.open_demo)
            screen.recentRequested.connect(self.open_recent)
            self.start_screen = screen
        self.start_screen.refresh_recent()
        self.start_screen.show()
        self.start_screen.raise_()
        self.start_screen.activateWindow()
        return self.start_screen

    # ---- creating and opening
    def create_company(self) -> None:
        dialog = CreateCompanyDialog(self.parent_widget())
        if dialog.exec():
            self.create_with(dialog.target(), dialog.spec())

    def create_with(self, target: str, spec: NewCompany) -> Job:
        """Create the company in the background, then log its administrator in."""
        self.last_job = run_with_progress(
            self.parent_widget(),
            "Create company",
            f"Creating {spec.name}: schema, journals, chart of accounts, administrator…",
            lambda _p, _c: _locked(Company.create(target, spec)),
            lambda company: self.log_in_as(company, spec.admin, spec.admin_password),
            cancellable=False,
        )
        return self.last_job

    def open_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self.parent_widget(), "Open a company file", str(default_company_dir()), COMPANY_FILTER
        )
        if chosen:
            self.open_target(chosen)

    def connect_postgres(self, url: str | None = None) -> None:
        dialog = PostgresDialog(self.parent_widget(), url)
        if dialog.exec():
            self.open_target(dialog.url(), login=dialog.login())

    def open_recent(self, location: str) -> None:
        if needs_password(location):
            self.connect_postgres(location)
        else:
            self.open_target(location, from_recent=True)

    def open_target(self, target: str, *, from_recent: bool = False, login: tuple[str, str] | None = None) -> Job:
        """Open (and migrate if needed) in the background; a cancelled open closes what it opened.

        `login`: the user's own database login on a prepared PostgreSQL server; the same user name and
        password then log in to the company without asking again.
        """
        shown = target if "://" not in target else make_url(target).render_as_string(hide_password=True)

        def failed(error: BaseException) -> bool:
            if from_recent and isinstance(error, CompanyError) and "no company file" in str(error):
                answer = QMessageBox.question(
                    self.parent_widget(),
                    "Open company",
                    f"{message_for(error)}.\n\nRemove it from the recent companies?",
                )
                if answer == QMessageBox.StandardButton.Yes:
                    self.recent.remove(target)
                    if self.start_screen is not None:
                        self.start_screen.refresh_recent()
                self._ensure_a_window()
                return True
            show_error(self.parent_widget(), error, title="Open company")
            self._ensure_a_window()
            return True

        self.last_job = run_with_progress(
            self.parent_widget(),
            "Open company",
            f"Opening {shown}…",
            lambda _p, _c: Company.open(target, lock=True, login=login),  # another program has it: read-only
            self.log_in if login is None else (lambda company: self.log_in_as(company, *login)),
            on_failure=failed,
            on_cancelled_result=lambda company: company.close(),
        )
        return self.last_job

    def open_demo(self) -> Job | None:
        """Build the demo company (or reuse the one built before) and log in as its demo user."""
        try:
            from paksa_desktop import demo
        except ImportError:
            QMessageBox.warning(self.parent_widget(), "Demo company", "The demo company is not part of this version.")
            return None
        path = self.demo_path
        if path.exists():
            box = QMessageBox(self.parent_widget())
            box.setWindowTitle("Demo company")
            box.setText(f"A demo company already exists at {path}.")
            reuse = box.addButton("Open it", QMessageBox.ButtonRole.AcceptRole)
            rebuild = box.addButton("Build a fresh one", QMessageBox.ButtonRole.DestructiveRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is reuse:
                return self.open_target(str(path))
            if box.clickedButton() is not rebuild:
                return None
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)

        def discard(company: Company) -> None:
            company.close()
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)

        self.last_job = run_with_progress(
            self.parent_widget(),
            "Demo company",
            "Building the demo company: chart of accounts, two years of entries…",
            lambda progress, cancelled: _locked(demo.build_demo(path, progress=progress, cancelled=cancelled)),
            lambda company: self.log_in_as(company, demo.DEMO_USER, demo.DEMO_PASSWORD),
            on_cancelled_result=discard,
        )
        return self.last_job

    # ---- logging in
    def log_in(self, company: Company, known_user: str | None = None) -> LoginDialog | None:
        """PAKSA_USER (or `known_user`) prefills the user; with PAKSA_PASSWORD too, log in without asking."""
        user = known_user or self.env.get("PAKSA_USER", "")
        password = "" if known_user else self.env.get("PAKSA_PASSWORD", "")
        message = ""
        if user and password:
            try:
                ctx = company.login(user, password)
            except AuthenticationError as exc:
                message = str(exc)
            else:
                self.show_main(company, ctx)
                return None
        dialog = LoginDialog(company, company_label(company), user, self.parent_widget())
        if message:
            dialog.show_message(message[:1].upper() + message[1:])
        elif company.read_only:
            dialog.show_message(read_only_notice(company), "muted")
        self.login_dialog = dialog

        def finished(result: int) -> None:
            self.login_dialog = None
            if result and dialog.ctx is not None:
                self.show_main(company, dialog.ctx)
            else:
                company.close()
                self._ensure_a_window()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def log_in_as(self, company: Company, user: str, password: str) -> None:
        """After creating a company or the demo, or signing in to the server as oneself: no need to ask."""
        try:
            ctx = company.login(user, password)
        except MfaRequired:
            self.log_in(company, user)  # the dialog asks for the code (and the password once more)
            return
        except Exception as exc:
            company.close()
            show_error(self.parent_widget(), exc)
            self._ensure_a_window()
            return
        self.show_main(company, ctx)

    # ---- the main window
    def show_main(self, company: Company, ctx: UserContext) -> MainWindow | None:
        old = self.window
        if old is not None and not old.close_editors():
            company.close()
            return None
        session = AppSession(company, ctx)
        window = MainWindow(session, self.recent)
        self.recent.add(remembered_location(company), window.hub.info().name)
        window.newCompanyRequested.connect(self.create_company)
        window.openFileRequested.connect(self.open_file)
        window.connectRequested.connect(self.connect_postgres)
        window.openRecentRequested.connect(self.open_recent)
        window.closeCompanyRequested.connect(self.close_company)
        window.closed.connect(lambda w=window: self._window_closed(w))
        self.window = window
        if company.backup_path is not None:  # migrated on open (Company.open): say where the old copy is
            window.statusBar().showMessage(
                f"Upgraded the company to this version; its backup from before is {company.backup_path}"
            )
        window.show()
        if old is not None:
            old.close()
        if self.start_screen is not None:
            self.start_screen.hide()
        return window

    def close_company(self) -> None:
        window = self.window
        if window is None or not window.close_editors():
            return
        self.show_start()
        window.close()

    def _window_closed(self, window: MainWindow) -> None:
        window.session.company.close()
        if self.window is window:
            self.window = None
        window.deleteLater()

    def _ensure_a_window(self) -> None:
        """Never leave the user with no window at all (e.g. a failed open from the command line)."""
        if (self.window is None or not self.window.isVisible()) and (
            self.start_screen is None or not self.start_screen.isVisible()
        ):
            self.show_start()

    def shutdown(self) -> None:
        """Close the company and delete every window now, while the QApplication still exists:
        widgets left for Python's garbage collector at interpreter exit can crash it."""
        QThreadPool.globalInstance().waitForDone()
        if self.window is not None:
            self.window.session.company.close()
            self.window.deleteLater()
            self.window = None
        for widget in (self.login_dialog, self.start_screen):
            if widget is not None:
                widget.close()
                widget.deleteLater()
        self.login_dialog = None
        self.start_screen = None
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
