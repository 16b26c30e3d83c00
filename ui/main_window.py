"""The main window: one tab per module, menus, toolbar, shortcuts and a status bar that says where you are."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTabWidget, QToolBar, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.ledger.models import PeriodState
from paksa_desktop.security.permissions import Permission
from ui.about import AboutDialog
from ui.admin.hooks import install_security
from ui.audit.hooks import add_audit_tab
from ui.banking.banking_tab import add_banking_tab
from ui.hub import Hub
from ui.ledger import import_export
from ui.ledger.ledger_tab import ACCOUNT_LEDGER, ENTRIES, RECURRING, TRIAL_BALANCE, LedgerTab
from ui.live_refresh import install_live_refresh
from ui.payables.payables_tab import add_payables_tab
from ui.receivables.receivables_tab import add_receivables_tab
from ui.session import AppSession
from ui.settings import RecentCompanies
from ui.style import APP_NAME, icon, set_state
from ui.updates import UpdateChecks


class MainWindow(QMainWindow):
    """Company-level actions (new, open, close) are requests the application controller answers."""

    newCompanyRequested = Signal()
    openFileRequested = Signal()
    connectRequested = Signal()
    openRecentRequested = Signal(str)
    closeCompanyRequested = Signal()
    closed = Signal()

    def __init__(self, session: AppSession, recent: RecentCompanies | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.session = session
        self.recent = recent or RecentCompanies()
        self.about_dialog: AboutDialog | None = None
        self.hub = Hub(session, self)
        self.hub.changed.connect(self._on_changes)
        info = self.hub.info()
        read_only = " (read-only)" if session.company.read_only else ""
        self.setWindowTitle(f"{info.name}{read_only} — {APP_NAME}")
        self.resize(1280, 800)  # the layouts set the minimum, so no field is ever squeezed under another

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.ledger_tab = LedgerTab(self.hub)
        self.tabs.addTab(self.ledger_tab, icon("ledger"), "General Ledger")
        self.receivables_tab = add_receivables_tab(self)  # ui/receivables: users holding receivables.view
        self.payables_tab = add_payables_tab(self)  # ui/payables: users holding payables.view (after Receivables)
        self.banking_tab = add_banking_tab(self)  # ui/banking: users holding cash.view
        self.audit_tab = add_audit_tab(self)  # ui/audit: users holding audit.view
        self.setCentralWidget(self.tabs)

        self._build_actions()
        self.updates = UpdateChecks(self)  # ui/updates: Help > Check for updates, the start-up check
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.update_status()
        install_security(self)  # ui/admin: Administration tab, Account menu, idle lock
        self.live_refresh = install_live_refresh(self, self.hub)  # PostgreSQL: other users' changes, lost link
        self.updates.start_up()  # only when the user turned it on (off by default)

    # ---- actions, menus, toolbar
    def _action(
        self, text: str, slot: object, shortcut: str | QKeySequence | None = None, icon_name: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)  # type: ignore[arg-type]
        return action

    def _build_actions(self) -> None:
        can = self.session.can
        tab = self.ledger_tab
        self.new_company_action = self._action("&New company…", self.newCompanyRequested.emit)
        self.open_company_action = self._action(
            "&Open company file…", self.openFileRequested.emit, QKeySequence.StandardKey.Open
        )
        self.connect_action = self._action("Connect to &PostgreSQL…", self.connectRequested.emit)
        self.import_accounts_action = self._action(
            "Import &accounts…", lambda: import_export.choose_and_import_accounts(self, self.hub), icon_name="import"
        )
        self.import_accounts_action.setEnabled(can(Permission.ACCOUNT_MANAGE))
        self.import_journal_action = self._action(
            "Import &journal entries…",
            lambda: import_export.choose_and_import_journal(self, self.hub),
            "Ctrl+I",
            "import",
        )
        self.import_journal_action.setEnabled(can(Permission.LEDGER_IMPORT))
        self.export_journal_action = self._action(
            "&Export journal…", lambda: import_export.choose_and_export_journal(self, self.hub), "Ctrl+E", "export"
        )
        self.export_journal_action.setEnabled(can(Permission.LEDGER_EXPORT))
        self.close_company_action = self._action("&Close company", self.closeCompanyRequested.emit, "Ctrl+W")
        self.quit_action = self._action("&Quit", self._quit, QKeySequence.StandardKey.Quit)

        self.new_entry_action = self._action(
            "&New journal entry", tab.new_entry, QKeySequence.StandardKey.New, "new-entry"
        )
        self.new_entry_action.setEnabled(can(Permission.ENTRY_CREATE))
        self.view_actions = []
        for index, (text, icon_name) in enumerate(
            (
                ("Chart of &accounts", "accounts"),
                ("&Journal entries", "journal"),
                ("&Trial balance", "trial-balance"),
                ("Account &ledger", "ledger"),
                ("&Periods", "periods"),
                ("&Recurring entries", "recurring"),
                ("D&imensions && journals", "dimensions"),
                ("Financial &statements", "statements"),
                ("&Budgets", "budgets"),
            )
        ):
            action = self._action(
                text, lambda _=False, i=index: self.show_ledger_view(i), f"Ctrl+{index + 1}", icon_name
            )
            self.view_actions.append(action)
        self.run_recurring_action = self._action("Run &due recurring entries…", self._run_recurring)
        self.run_recurring_action.setEnabled(can(Permission.RECURRING_MANAGE))
        self.refresh_action = self._action("&Refresh", self.refresh, QKeySequence.StandardKey.Refresh, "refresh")
        self.about_action = self._action("&About Paksa Desktop", self.about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_company_action)
        file_menu.addAction(self.open_company_action)
        file_menu.addAction(self.connect_action)
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.import_accounts_action)
        file_menu.addAction(self.import_journal_action)
        file_menu.addAction(self.export_journal_action)
        file_menu.addSeparator()
        file_menu.addAction(self.close_company_action)
        file_menu.addAction(self.quit_action)

        ledger_menu = bar.addMenu("&Ledger")
        ledger_menu.addAction(self.new_entry_action)
        ledger_menu.addSeparator()
        for action in self.view_actions:
            ledger_menu.addAction(action)
        ledger_menu.addSeparator()
        ledger_menu.addAction(self.run_recurring_action)
        ledger_menu.addAction(self.refresh_action)
        if self.receivables_tab is not None:
            self.receivables_tab.add_menu(bar, self.show_receivables_view)
        if self.payables_tab is not None:
            self.payables_tab.add_menu(bar, self.show_payables_view)
        if self.banking_tab is not None:
            self.banking_tab.add_menu(bar, self.show_banking_view)

        help_menu = bar.addMenu("&Help")
        self.updates.add_to(help_menu)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.new_entry_action)
        toolbar.addSeparator()
        for index in (ENTRIES, TRIAL_BALANCE, ACCOUNT_LEDGER):
            toolbar.addAction(self.view_actions[index])
        toolbar.addSeparator()
        toolbar.addAction(self.import_journal_action)
        toolbar.addAction(self.refresh_action)
        self.addToolBar(toolbar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.company_label = QLabel()
        self.company_label.setObjectName("statusCompany")
        self.user_label = QLabel()
        self.user_label.setObjectName("statusUser")
        self.period_label = QLabel()
        self.period_label.setObjectName("statusPeriod")
        self.lock_label = QLabel()
        self.lock_label.setObjectName("statusLock")
        self.read_only_label = QLabel()
        self.read_only_label.setObjectName("statusReadOnly")
        company = self.session.company
        if company.read_only:  # another program has the file: say so for as long as the window is open
            self.read_only_label.setText("<b>Read-only</b>")
            self.read_only_label.setToolTip(f"{company.read_only_reason}; close it there to make changes here")
            set_state(self.read_only_label, "bad")
        elif company.lock is not None and company.lock.replaced is not None:
            status.showMessage(f"Took over a lock left by a program that stopped ({company.lock.replaced.describe()})")
        self.read_only_label.setVisible(company.read_only)
        labels = (self.read_only_label, self.company_label, self.user_label, self.period_label, self.lock_label)
        for label in labels:
            status.addPermanentWidget(label)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent.items()
        for item in items:
            action = self.recent_menu.addAction(f"{item.name}  ({item.location})")
            action.triggered.connect(lambda _=False, loc=item.location: self.openRecentRequested.emit(loc))
        if not items:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # ---- status
    def update_status(self) -> None:
        """Company, user, the period today falls in and whether it is open, the lock date."""
        info = self.hub.info()
        ctx = self.session.ctx
        today = self.session.today()
        self.company_label.setText(f"<b>{info.name}</b> · {info.base_currency}")
        self.company_label.setToolTip(self.session.company.location)
        self.user_label.setText(f"User: {ctx.username}" + (f" ({ctx.full_name})" if ctx.full_name else ""))
        period = self.session.queries.open_period(today)
        if period is None:
            self.period_label.setText(f"No fiscal year for {today:%Y-%m} yet")
            set_state(self.period_label, "muted")
        else:
            self.period_label.setText(f"Period {period.start_date:%Y-%m} {period.state.value}")
            set_state(self.period_label, "bad" if period.state is PeriodState.CLOSED else "ok")
        self.lock_label.setText(f"Lock date {info.lock_date}" if info.lock_date else "No lock date")

    def _on_changes(self, changes: Changes) -> None:
        if Kind.PERIODS in changes or Kind.COMPANY in changes or Kind.ENTRIES in changes:
            self.update_status()

    # ---- commands
    def show_ledger_view(self, index: int) -> None:
        self.tabs.setCurrentWidget(self.ledger_tab)
        self.ledger_tab.show_view(index)

    def show_banking_view(self, key: str) -> None:
        if self.banking_tab is not None:
            self.tabs.setCurrentWidget(self.banking_tab)
            self.banking_tab.show_view(key)

    def show_receivables_view(self, key: str) -> None:
        if self.receivables_tab is not None:
            self.tabs.setCurrentWidget(self.receivables_tab)
            self.receivables_tab.show_view(key)

    def show_payables_view(self, key: str) -> None:
        if self.payables_tab is not None:
            self.tabs.setCurrentWidget(self.payables_tab)
            self.payables_tab.show_view(key)

    def refresh(self) -> None:
        self.hub.forget()
        tab = self.tabs.currentWidget()
        modules = (self.receivables_tab, self.payables_tab, self.banking_tab)
        (tab if tab in modules else self.ledger_tab).current_view().reload()
        self.update_status()

    def _run_recurring(self) -> None:
        self.show_ledger_view(RECURRING)
        self.ledger_tab.recurring.run_due()

    def about(self) -> AboutDialog:
        """Non-blocking: the versions can be copied while the window stays usable."""
        company = self.session.company
        try:
            database = company.database_version()
        except Exception:  # a lost server must not stop the About box: say so instead of a version
            database = "PostgreSQL (not reachable now)" if not company.is_sqlite else "SQLite"
        dialog = AboutDialog(database, company.location, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.about_dialog = dialog
        return dialog

    def _quit(self) -> None:
        if self.close():
            from PySide6.QtWidgets import QApplication

            QApplication.quit()

    # ---- closing
    def close_editors(self) -> bool:
        """Close every entry editor; False if one (or a view, such as an edited budget) has unsaved work to keep."""
        if not self.ledger_tab.confirm_leave():
            return False
        if self.receivables_tab is not None and not self.receivables_tab.confirm_leave():
            return False
        if self.payables_tab is not None and not self.payables_tab.confirm_leave():
            return False
        for editor in self.ledger_tab.open_editors():
            editor.reject()
            if editor.isVisible():
                return False
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_editors():
            event.ignore()
            return
        if self.live_refresh is not None:
            self.live_refresh.stop()
        QThreadPool.globalInstance().waitForDone()
        super().closeEvent(event)
        self.closed.emit()
