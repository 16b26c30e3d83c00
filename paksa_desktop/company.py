"""Composition root: open or create a company database, log a user in, hand out services.

Nothing here is global: the GUI, the CLI and the tests each build a `Company` and pass it on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import BankAccountService, BankQueries
from paksa_desktop.banking.cash_position import CashPositionQueries
from paksa_desktop.banking.connectors.service import BankConnectionService
from paksa_desktop.banking.forecast import CashForecastService
from paksa_desktop.banking.reconciliation import ReconciliationService
from paksa_desktop.banking.rules import BankRuleService
from paksa_desktop.banking.statement_import import StatementImportService
from paksa_desktop.core.clock import Clock, SystemClock
from paksa_desktop.core.errors import CompanyError, ConnectionLost, ValidationError
from paksa_desktop.core.money import is_currency
from paksa_desktop.fx.rates import RateService
from paksa_desktop.fx.revaluation import RevaluationService
from paksa_desktop.ledger.budgets import BudgetQueries, BudgetService
from paksa_desktop.ledger.detail_reports import DetailReports
from paksa_desktop.ledger.import_accounts import read_accounts_file
from paksa_desktop.ledger.layout_service import LayoutService
from paksa_desktop.ledger.models import CompanySettings, Journal
from paksa_desktop.ledger.posting import PostingFacts
from paksa_desktop.ledger.queries import LedgerQueries
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.ledger.statement_structure import StructureCache
from paksa_desktop.ledger.statements import StatementQueries
from paksa_desktop.payables.ap_reports import APReports
from paksa_desktop.payables.bill_flags import BillFlagQueries
from paksa_desktop.payables.bill_queries import BillQueries
from paksa_desktop.payables.bills import BillService
from paksa_desktop.payables.expense_queries import ExpenseQueries
from paksa_desktop.payables.expenses import ExpenseService
from paksa_desktop.payables.payment_queries import PaymentQueries
from paksa_desktop.payables.payment_runs import PaymentRunService
from paksa_desktop.payables.payments import PaymentService
from paksa_desktop.payables.settings import PayablesSetup
from paksa_desktop.payables.vendor_credit import VendorCreditService
from paksa_desktop.payables.vendors import VendorService
from paksa_desktop.persistence import file_lock, migrations
from paksa_desktop.persistence.engine import database_url, is_sqlite, make_engine, sqlite_path
from paksa_desktop.persistence.notifications import ChangeListener, OnEvent, start_listener
from paksa_desktop.persistence.read_only import make_read_only
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.ar_reports import ARReports
from paksa_desktop.receivables.collections import CollectionService
from paksa_desktop.receivables.credit_standing import CreditStandingQueries
from paksa_desktop.receivables.document_queries import DocumentQueries
from paksa_desktop.receivables.dunning import DunningQueries, DunningService
from paksa_desktop.receivables.invoice_pdf import InvoicePdfs
from paksa_desktop.receivables.invoicing import InvoicingService
from paksa_desktop.receivables.queries import ReceivablesQueries
from paksa_desktop.receivables.receipts import ReceiptService
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.receivables.statements import CustomerStatements
from paksa_desktop.security import database_roles, field_crypto
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.models import Role, User, UserRole
from paksa_desktop.security.passwords import hash_password
from paksa_desktop.security.policy import check_password
from paksa_desktop.security.service import (
    Authenticator,
    NewUser,
    OwnAccount,
    PolicyService,
    RoleService,
    SecurityQueries,
    UserService,
    user_context,
)

TEMPLATES = ("standard", "empty")
DEFAULT_JOURNALS = (
    ("GEN", "General journal", "general"),
    ("SAL", "Sales journal", "sales"),
    ("PUR", "Purchases journal", "purchases"),
    ("CSH", "Cash and bank journal", "cash"),
    ("PAY", "Payroll journal", "payroll"),
    ("ADJ", "Adjustments journal", "general"),
)


def default_company_dir() -> Path:
    """Where company files go unless the user says otherwise (XDG data folder on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paksa"


def template_path(name: str) -> Path:
    if name not in TEMPLATES:
        raise ValidationError(f"unknown chart template '{name}' (choose {', '.join(TEMPLATES)})")
    return Path(str(files("resources.templates").joinpath(f"{name}.csv")))


@dataclass(frozen=True, slots=True)
class NewCompany:
    name: str
    currency: str
    fiscal_year_start_month: int = 1
    template: str = "standard"
    admin: str = "admin"
    admin_password: str = ""
    admin_full_name: str = "Administrator"


def _prepared_for_a_company(engine: Engine) -> bool:
    """A database `paksa admin init-server` prepared: the schema and roles are there, no company yet."""
    with engine.connect() as conn:
        if not database_roles.is_secured(conn):
            return False
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.execute(select(CompanySettings.id)).first() is None


def _connect_error(url: URL, exc: Exception) -> CompanyError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    return CompanyError(f"cannot open {url.render_as_string(hide_password=True)}: {reason}")


class Company:
    """An open company database."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.backup_path: Path | None = None
        self._listeners: list[ChangeListener] = []
        self.lock: file_lock.CompanyLock | None = None  # a SQLite file this program holds for writing
        self.opened_by: file_lock.LockHolder | None = None  # who else has it, when this one is read-only
        self.structure = StructureCache()  # chart, layouts, closings: shared by this company's statements
        self.posting_facts = PostingFacts()  # chart and journals between postings, checked by the same counter

    @property
    def read_only(self) -> bool:
        """Another desktop program has this company file: the books can be read, not changed, here."""
        return self.opened_by is not None

    @property
    def read_only_reason(self) -> str:
        """'acme.paksa is opened by anna on pc-7 since 2025-01-31 09:12' (empty when not read-only)."""
        if self.opened_by is None:
            return ""
        return f"{Path(self.location).name} is {self.opened_by.describe()}"

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def location(self) -> str:
        """What to show the user: a file path or a URL without its password."""
        path = sqlite_path(self.engine.url)
        return str(path) if path else self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine.url)

    def database_version(self) -> str:
        """'SQLite 3.40.1' or 'PostgreSQL 15.8': the engine and the server's own version (About box,
        support requests). Read from the dialect after the first connection; no query once known."""
        dialect = self.engine.dialect
        if dialect.server_version_info is None:
            with self.engine.connect():
                pass
        numbers = ".".join(str(n) for n in (dialect.server_version_info or ()) if isinstance(n, int))
        name = "SQLite" if self.is_sqlite else "PostgreSQL" if dialect.name == "postgresql" else dialect.name
        return f"{name} {numbers}".strip()

    # ------------------------------------------------------------------ open / create
    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        lock: bool = False,
        login: tuple[str, str] | None = None,
    ) -> Company:
        """Open a company. A SQLite file that another desktop program holds opens read-only.

        `lock`: take the file's single-writer lock (the desktop program does; commands do not, they
        only respect it), released by `close()`. `login` (user name, password): on a PostgreSQL URL that
        names no database user, connect as that user's own login role (`paksa admin init-server`).
        """
        url = database_url(target)
        if login is not None and not is_sqlite(url) and not url.username and url.database:
            url = url.set(username=database_roles.login_role(url.database, login[0]), password=login[1])
        path = sqlite_path(url)
        if path is not None and not path.exists():
            raise CompanyError(f"no company file at {path}")
        held: file_lock.CompanyLock | None = None
        holder: file_lock.LockHolder | None = None
        if path is not None:
            try:
                if lock:
                    result = file_lock.acquire(path)
                    held, holder = result.lock, result.holder
                else:
                    holder = file_lock.current_holder(path)
            except OSError as exc:
                raise CompanyError(f"cannot lock {path}: {exc.strerror or exc}") from None
        engine = make_engine(url)
        company = cls(engine, clock)
        company.lock, company.opened_by = held, holder
        if holder is not None:
            make_read_only(
                engine, f"{company.read_only_reason}, so it is read-only here: close it there to make changes"
            )
        try:
            revision = migrations.current_revision(engine)
            if revision is None:
                raise CompanyError(
                    f"{path or url.render_as_string(hide_password=True)} is not a Paksa company "
                    "(create one with 'paksa company create')"
                )
            if holder is not None and revision != migrations.head_revision():
                raise CompanyError(
                    f"{company.read_only_reason} with another version of Paksa; close it there, then open it here"
                )
            if migrate:
                company.backup_path = company._upgrade()
            with UnitOfWork(engine, write=False) as uow:
                if uow.session.execute(select(CompanySettings.id)).first() is None:
                    raise CompanyError("the database has the Paksa schema but no company in it")
            return company
        except (OperationalError, SQLAlchemyError, ConnectionLost) as exc:
            company.close()
            raise _connect_error(url, exc) from None
        except CompanyError:
            company.close()
            raise

    def take_lock(self) -> None:
        """Hold the single-writer lock of a SQLite company created by this program (nobody else has it)."""
        path = sqlite_path(self.engine.url)
        if path is None or self.lock is not None or self.read_only:
            return
        try:
            self.lock = file_lock.acquire(path).lock
        except OSError:  # a file system that refuses lock files: carry on without one
            self.lock = None

    @classmethod
    def create(cls, target: str | Path, spec: NewCompany, *, clock: Clock | None = None) -> Company:
        """Create the schema, the company, its journals, its chart and its administrator."""
        if not spec.name.strip():
            raise ValidationError("the company needs a name")
        if not is_currency(spec.currency):
            raise ValidationError(f"unknown currency '{spec.currency}' (expected an ISO 4217 code such as USD)")
        if not 1 <= spec.fiscal_year_start_month <= 12:
            raise ValidationError("the fiscal year start month must be between 1 and 12")
        if not spec.admin.strip():
            raise ValidationError("the administrator needs a user name")
        if not spec.admin_password:
            raise ValidationError("the administrator needs a password")
        check_password(spec.admin_password, spec.admin.strip())
        chart = template_path(spec.template)
        url = database_url(target)
        path = sqlite_path(url)
        if path is not None and path.exists() and path.stat().st_size > 0:
            raise CompanyError(f"{path} already exists; choose another file name")
        engine = make_engine(url)
        try:
            if not migrations.is_empty(engine) and not _prepared_for_a_company(engine):
                raise CompanyError(
                    f"{url.render_as_string(hide_password=True)} is not empty; a company needs an empty database"
                )
            migrations.upgrade(engine, backup=False)
        except (SQLAlchemyError, ConnectionLost) as exc:
            engine.dispose()
            raise _connect_error(url, exc) from None
        except CompanyError:
            engine.dispose()
            raise
        company = cls(engine, clock)
        try:
            company._seed(spec)
            company.give_database_login(spec.admin, spec.admin_password)
            ctx = company.login(spec.admin, spec.admin_password)
            rows = read_accounts_file(chart)
            if rows:
                company.ledger(ctx).import_accounts(rows)
            company.invoicing(ctx).use_standard_settings()
            company.payables_setup(ctx).use_standard_settings()
        except BaseException:
            engine.dispose()
            if path is not None:
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
            raise
        return company

    def _upgrade(self) -> Path | None:
        """Migrate to this version's schema; on a secured server, then re-apply the grants (new tables)."""
        before = migrations.current_revision(self.engine)
        if before == migrations.head_revision():
            return None
        try:
            saved = migrations.upgrade(self.engine)
        except SQLAlchemyError as exc:
            if "permission denied" in str(exc) or "must be owner" in str(exc):
                raise CompanyError(
                    "this company database must be upgraded to this Paksa version by its administrator: "
                    "paksa admin init-server --db URL (connected as the server administrator)"
                ) from None
            raise
        self.secure_server()
        return saved

    def secure_server(self) -> bool:
        """Re-apply roles and grants on a PostgreSQL database prepared by init-server; False elsewhere."""
        with self.engine.begin() as conn:
            if not database_roles.is_secured(conn):
                return False
            database_roles.secure(conn)
        return True

    def give_database_login(self, username: str, password: str) -> bool:
        """On a secured server, the user's own login role with this password (the user's Paksa password)."""
        with self.engine.begin() as conn:
            if not database_roles.is_secured(conn):
                return False
            database_roles.create_login(conn, username, password)
            database_roles.sync_logins(conn, username)
        return True

    def _seed(self, spec: NewCompany) -> None:
        now = self.clock.now()
        password_hash = hash_password(spec.admin_password)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            s.add(
                CompanySettings(
                    name=spec.name.strip(),
                    base_currency=spec.currency.upper(),
                    fiscal_year_start_month=spec.fiscal_year_start_month,
                    created_at=now,
                )
            )
            for code, name, kind in DEFAULT_JOURNALS:
                s.add(Journal(code=code, name=name, kind=kind, is_active=True))
            # the built-in roles, the security policy and the SoD rules come from migration 0003
            administrator = s.execute(select(Role).where(Role.name == "Administrator")).scalar_one()
            admin = User(
                username=spec.admin.strip(),
                full_name=spec.admin_full_name,
                password_hash=password_hash,
                is_active=True,
                created_at=now,
                password_changed_at=now,
                failed_logins=0,
                must_change_password=False,
                mfa_enabled=False,
            )
            s.add(admin)
            s.flush()
            s.add(UserRole(user_id=admin.id, role_id=administrator.id))
            s.flush()
            ctx = user_context(s, admin, self.clock)
            trail.record(
                s,
                ctx,
                "create",
                "company",
                spec.name,
                after={
                    "currency": spec.currency.upper(),
                    "fiscal_year_start_month": spec.fiscal_year_start_month,
                    "template": spec.template,
                    "admin": spec.admin,
                },
            )
            uow.commit()

    # ------------------------------------------------------------------ users
    def login(self, username: str, password: str, otp: str | None = None, *, client: str = "") -> UserContext:
        """Check the password (and the one-time code of a user with MFA); return the user's context.

        Raises AuthenticationError (wrong password, disabled user, wrong or replayed code), AccountLocked
        or MfaRequired (right password, now ask for the code). Every failure is logged and counted.
        """
        ctx = Authenticator(self.engine, self.clock).login(username, password, otp, client=client)
        if self.lock is not None:
            self.lock.set_user(ctx.username)  # the lock file now says who, for the next program
        return field_crypto.unwrap_in_transaction(self.engine, ctx, password)  # the data key, for its holders

    def add_user(
        self,
        ctx: UserContext,
        username: str,
        password: str,
        *,
        roles: tuple[str, ...] = ("Accountant",),
        full_name: str = "",
        email: str = "",
    ) -> None:
        """A user holding named roles (shorthand for `users(ctx).add_user`)."""
        self.users(ctx).add_user(NewUser(username, password, full_name, email, roles))

    # ------------------------------------------------------------------ services
    def ledger(self, ctx: UserContext) -> LedgerService:
        return LedgerService(self.engine, ctx, self.posting_facts)

    def ledger_queries(self, ctx: UserContext) -> LedgerQueries:
        return LedgerQueries(self.engine, ctx, self.structure)

    def statements(self, ctx: UserContext) -> StatementQueries:
        return StatementQueries(self.engine, ctx, self.structure)

    def detail_reports(self, ctx: UserContext) -> DetailReports:
        return DetailReports(self.engine, ctx)

    def statement_layouts(self, ctx: UserContext) -> LayoutService:
        return LayoutService(self.engine, ctx)

    def budgets(self, ctx: UserContext) -> BudgetService:
        return BudgetService(self.engine, ctx)

    def budget_queries(self, ctx: UserContext) -> BudgetQueries:
        return BudgetQueries(self.engine, ctx)

    def receivables(self, ctx: UserContext) -> ReceivablesService:
        return ReceivablesService(self.engine, ctx)

    def receivables_queries(self, ctx: UserContext) -> ReceivablesQueries:
        return ReceivablesQueries(self.engine, ctx)

    def invoicing(self, ctx: UserContext) -> InvoicingService:
        return InvoicingService(self.engine, ctx, self.posting_facts)

    def payables_setup(self, ctx: UserContext) -> PayablesSetup:
        return PayablesSetup(self.engine, ctx, self.posting_facts)

    def expenses(self, ctx: UserContext) -> ExpenseService:
        return ExpenseService(self.engine, ctx, self.posting_facts)

    def expense_queries(self, ctx: UserContext) -> ExpenseQueries:
        return ExpenseQueries(self.engine, ctx)

    def vendors(self, ctx: UserContext) -> VendorService:
        return VendorService(self.engine, ctx)

    def bills(self, ctx: UserContext) -> BillService:
        return BillService(self.engine, ctx, self.posting_facts)

    def bill_queries(self, ctx: UserContext) -> BillQueries:
        return BillQueries(self.engine, ctx)

    def bill_flags(self, ctx: UserContext) -> BillFlagQueries:
        return BillFlagQueries(self.engine, ctx)

    def vendor_payments(self, ctx: UserContext) -> PaymentService:
        return PaymentService(self.engine, ctx, self.posting_facts)

    def vendor_credit(self, ctx: UserContext) -> VendorCreditService:
        return VendorCreditService(self.engine, ctx, self.posting_facts)

    def payment_runs(self, ctx: UserContext) -> PaymentRunService:
        return PaymentRunService(self.engine, ctx, self.posting_facts)

    def payment_queries(self, ctx: UserContext) -> PaymentQueries:
        return PaymentQueries(self.engine, ctx)

    def receipts(self, ctx: UserContext) -> ReceiptService:
        return ReceiptService(self.engine, ctx, self.posting_facts)

    def documents_queries(self, ctx: UserContext) -> DocumentQueries:
        return DocumentQueries(self.engine, ctx)

    def invoice_pdfs(self, ctx: UserContext) -> InvoicePdfs:
        return InvoicePdfs(self.engine, ctx)

    def customer_statements(self, ctx: UserContext) -> CustomerStatements:
        return CustomerStatements(self.engine, ctx)

    def dunning(self, ctx: UserContext) -> DunningService:
        return DunningService(self.engine, ctx, self.posting_facts)

    def dunning_queries(self, ctx: UserContext) -> DunningQueries:
        return DunningQueries(self.engine, ctx)

    def collections(self, ctx: UserContext) -> CollectionService:
        return CollectionService(self.engine, ctx)

    def ar_reports(self, ctx: UserContext) -> ARReports:
        return ARReports(self.engine, ctx)

    def ap_reports(self, ctx: UserContext) -> APReports:
        return APReports(self.engine, ctx)

    def credit_standing(self, ctx: UserContext) -> CreditStandingQueries:
        return CreditStandingQueries(self.engine, ctx)

    def fx_rates(self, ctx: UserContext) -> RateService:
        return RateService(self.engine, ctx)

    def fx_revaluation(self, ctx: UserContext) -> RevaluationService:
        return RevaluationService(self.engine, ctx, self.posting_facts)

    def bank_accounts(self, ctx: UserContext) -> BankAccountService:
        return BankAccountService(self.engine, ctx)

    def bank_queries(self, ctx: UserContext) -> BankQueries:
        return BankQueries(self.engine, ctx)

    def statement_import(self, ctx: UserContext) -> StatementImportService:
        return StatementImportService(self.engine, ctx)

    def bank_reconciliation(self, ctx: UserContext) -> ReconciliationService:
        return ReconciliationService(self.engine, ctx, self.posting_facts)

    def bank_rules(self, ctx: UserContext) -> BankRuleService:
        return BankRuleService(self.engine, ctx, self.posting_facts)

    def cash_position(self, ctx: UserContext) -> CashPositionQueries:
        return CashPositionQueries(self.engine, ctx)

    def cash_forecast(self, ctx: UserContext) -> CashForecastService:
        return CashForecastService(self.engine, ctx)

    def bank_connections(self, ctx: UserContext) -> BankConnectionService:
        return BankConnectionService(self.engine, ctx)

    def users(self, ctx: UserContext) -> UserService:
        return UserService(self.engine, ctx)

    def roles(self, ctx: UserContext) -> RoleService:
        return RoleService(self.engine, ctx)

    def security_policy(self, ctx: UserContext) -> PolicyService:
        return PolicyService(self.engine, ctx)

    def security_queries(self, ctx: UserContext) -> SecurityQueries:
        return SecurityQueries(self.engine, ctx)

    def own_account(self, ctx: UserContext) -> OwnAccount:
        return OwnAccount(self.engine, ctx)

    def listen(self, on_event: OnEvent, **options: object) -> ChangeListener | None:
        """Hear other clients' changes (PostgreSQL; None for a SQLite file). Stopped by close()."""
        listener = start_listener(self.engine, on_event, **options)
        if listener is not None:
            self._listeners.append(listener)
        return listener

    def today(self) -> date:
        return self.clock.today()

    def close(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners.clear()
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> Company:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
