"""Create a company, or describe a PostgreSQL connection. Neither stores a password anywhere."""

from __future__ import annotations

import calendar
import re
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from paksa_desktop.company import NewCompany, default_company_dir
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import is_currency
from paksa_desktop.security.profiles import ConnectionProfile, ProfileStore, SslMode
from ui.widgets.dialogs import button_box, form, inline_error, note, show_inline, stack

COMMON_CURRENCIES = ("USD", "EUR", "GBP", "PHP", "JPY", "CHF", "CAD", "AUD", "SGD", "INR", "CNY", "KWD")
COMPANY_FILTER = "Paksa company (*.paksa);;All files (*)"


def slug(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9]+", "-", name.strip()).strip("-").lower()
    return text or "company"


class PostgresDialog(QDialog):
    """Host, port, database, user and password → a URL; the password lives only in that URL."""

    def __init__(
        self, parent: QWidget | None = None, url: str | None = None, profiles: ProfileStore | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("postgresDialog")
        # saved connection profiles (security/profiles.py): never a password, only where to connect
        self.profiles = profiles if profiles is not None else ProfileStore()
        self.profile = QComboBox()
        self.profile.addItem("(none)", "")
        try:
            for saved in self.profiles.list():
                self.profile.addItem(saved.name, saved.name)
        except ValidationError:
            pass  # a damaged profiles file: the form still works; saving rewrites it
        self.profile.currentIndexChanged.connect(self._load_profile)
        self.ssl_mode = QComboBox()
        for mode in SslMode:
            self.ssl_mode.addItem(mode.value, mode.value)
        self.ssl_mode.setCurrentIndex(self.ssl_mode.findData(SslMode.PREFER.value))
        self.save_as = QLineEdit()
        self.save_as.setPlaceholderText("profile name (the password is never saved)")
        self.setWindowTitle("Connect to PostgreSQL")
        self.setMinimumWidth(440)
        self.host = QLineEdit("localhost")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit()
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        # A server prepared with `paksa admin init-server`: the user signs in as themselves (NAME@DATABASE),
        # with their Paksa user name and password, once for the database and the company.
        self.own_login = QCheckBox("Sign in with my &Paksa user (each user has their own database login)")
        self.message = inline_error()
        stack(
            self,
            form(
                ("Pro&file", self.profile),
                ("&Host", self.host),
                ("P&ort", self.port),
                ("&Database", self.database),
                ("&User", self.user),
                ("&Password", self.password),
                ("&SSL mode", self.ssl_mode),
                ("Sa&ve as", self.save_as),
            ),
            self.own_login,
            note(
                "The database user logs in to the server; you then log in to the company as a Paksa user. On a "
                "server prepared with 'paksa admin init-server', tick the box: your Paksa user name and "
                "password do both.",
                muted=True,
            ),
            self.message,
            button_box(self, "Connect"),
        )
        if url:
            self.prefill(url)

    def prefill(self, text: str) -> None:
        try:
            url = make_url(text)
        except ArgumentError:
            return
        self.host.setText(url.host or "localhost")
        self.port.setValue(url.port or 5432)
        self.database.setText(url.database or "")
        self.user.setText(url.username or "")
        self.own_login.setChecked(bool(url.database) and not url.username)
        (self.password if url.username else self.database).setFocus()

    def _load_profile(self, *_args: object) -> None:
        saved = self.profiles.get(str(self.profile.currentData() or ""))
        if saved is None:
            return
        self.host.setText(saved.host)
        self.port.setValue(saved.port or 5432)
        self.database.setText(saved.database)
        self.user.setText(saved.user)
        self.ssl_mode.setCurrentIndex(self.ssl_mode.findData(saved.ssl_mode.value))
        self.password.setFocus()

    def connection_profile(self, name: str) -> ConnectionProfile:
        return ConnectionProfile(
            name=name,
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            ssl_mode=SslMode(self.ssl_mode.currentData()),
        )

    def login(self) -> tuple[str, str] | None:
        """(Paksa user, password) when signing in with one's own database login; else None."""
        if not self.own_login.isChecked():
            return None
        return self.user.text().strip(), self.password.text()

    def url(self) -> str:
        ssl = str(self.ssl_mode.currentData())
        own = self.own_login.isChecked()  # the user and password go separately, as `login()`
        return URL.create(
            "postgresql+psycopg",
            username=None if own else self.user.text().strip() or None,
            password=None if own else self.password.text() or None,
            host=self.host.text().strip() or None,
            port=self.port.value(),
            database=self.database.text().strip() or None,
            query={} if ssl == SslMode.PREFER.value else {"sslmode": ssl},
        ).render_as_string(hide_password=False)

    def accept(self) -> None:
        if not self.database.text().strip() or not self.host.text().strip():
            show_inline(self.message, "Enter at least the host and the database name.")
            return
        if self.save_as.text().strip():
            try:
                self.profiles.save(self.connection_profile(self.save_as.text().strip()))
            except (ValidationError, OSError) as exc:
                show_inline(self.message, f"The profile was not saved: {exc}")
                return
        super().accept()


class CreateCompanyDialog(QDialog):
    """Everything Company.create needs; checked here first so mistakes are named next to the field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("createCompanyDialog")
        self.setWindowTitle("Create a company")
        self.setMinimumWidth(660)
        self._path_edited = False

        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Northwind Trading Ltd")
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(COMMON_CURRENCIES)
        self.currency.setToolTip("The ISO 4217 code of the currency the books are kept in")
        self.fiscal_start = QComboBox()
        for month in range(1, 13):
            self.fiscal_start.addItem(calendar.month_name[month], month)
        self.template = QComboBox()
        self.template.addItem("Standard chart of accounts (about 75 accounts)", "standard")
        self.template.addItem("Empty: I will import or create my own", "empty")
        self.admin = QLineEdit("admin")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)

        self.sqlite_choice = QRadioButton("A company file on this computer (SQLite, one user)")
        self.postgres_choice = QRadioButton("A PostgreSQL database (shared by several users)")
        self.sqlite_choice.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.sqlite_choice)
        group.addButton(self.postgres_choice)
        self.path = QLineEdit(str(default_company_dir() / "company.paksa"))
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        self.pg_url = QLineEdit()
        self.pg_url.setPlaceholderText("postgresql://user:password@host:5432/database (an empty database)")

        self.message = inline_error()
        heading = QLabel("New company")
        heading.setObjectName("viewTitle")
        explain = note(
            "The books are kept in one currency; the fiscal year decides the periods. "
            "You log in as the administrator and can add other users later."
        )
        explain.setObjectName("viewSubtitle")
        layout = stack(
            self,
            heading,
            explain,
            form(
                ("Company &name", self.name),
                ("&Currency", self.currency),
                ("&Fiscal year starts in", self.fiscal_start),
                ("C&hart of accounts", self.template),
                ("&Administrator", self.admin),
                ("&Password", self.password),
                ("Con&firm password", self.confirm),
                ("Store in", self.sqlite_choice),
                ("", path_row),
                ("", self.postgres_choice),
                ("", self.pg_url),
            ),
            self.message,
            button_box(self, "Create company"),
        )
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)

        self.name.textEdited.connect(self._suggest_path)
        self.path.textEdited.connect(lambda _t: setattr(self, "_path_edited", True))
        self.sqlite_choice.toggled.connect(self._storage_changed)
        self._storage_changed()

    def _storage_changed(self, *_args: object) -> None:
        sqlite = self.sqlite_choice.isChecked()
        self.path.setEnabled(sqlite)
        self.browse.setEnabled(sqlite)
        self.pg_url.setEnabled(not sqlite)

    def _suggest_path(self, name: str) -> None:
        if not self._path_edited:
            self.path.setText(str(default_company_dir() / f"{slug(name)}.paksa"))

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Company file", self.path.text(), COMPANY_FILTER)
        if chosen:
            if not chosen.endswith(".paksa"):
                chosen += ".paksa"
            self.path.setText(chosen)
            self._path_edited = True

    # ---- results
    def target(self) -> str:
        return self.path.text().strip() if self.sqlite_choice.isChecked() else self.pg_url.text().strip()

    def spec(self) -> NewCompany:
        return NewCompany(
            name=self.name.text().strip(),
            currency=self.currency.currentText().strip().upper(),
            fiscal_year_start_month=self.fiscal_start.currentData(),
            template=self.template.currentData(),
            admin=self.admin.text().strip(),
            admin_password=self.password.text(),
        )

    def problem(self) -> str | None:
        """The first thing that must be fixed before creating, in plain words."""
        spec = self.spec()
        if not spec.name:
            return "Enter the company's name."
        if not is_currency(spec.currency):
            return f"'{spec.currency}' is not an ISO 4217 currency code (for example USD, EUR, PHP)."
        if not spec.admin:
            return "Enter the administrator's user name."
        if not spec.admin_password:
            return "Choose the administrator's password."
        if spec.admin_password != self.confirm.text():
            return "The two passwords differ; type the same password twice."
        target = self.target()
        if not target:
            return "Choose where to store the company."
        if self.sqlite_choice.isChecked():
            if "://" in target:
                return "A company file is a path on this computer, not a URL."
            if Path(target).expanduser().exists():
                return f"{target} already exists; choose another file name."
        elif not target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            return "A PostgreSQL URL starts with postgresql://"
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            show_inline(self.message, problem)
            return
        super().accept()
