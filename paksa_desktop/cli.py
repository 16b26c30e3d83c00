"""The `paksa` command: the GUI launcher and the scriptable face of the same services.

Other tools rely on this interface (docs/cli.md is its reference), so its commands, options, output
formats and exit statuses change only compatibly. Every command is a thin shell over a service call:
the rules live in the services, the CLI only parses arguments, finds the password and reports.

Exit statuses: 0 success, 1 the command failed (a clear one-line reason on stderr), 2 usage error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import getpass
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paksa_desktop import __version__
from paksa_desktop.core.errors import ImportFileError, NotFoundError, PaksaError

if TYPE_CHECKING:
    from paksa_desktop.reporting.pdf import PdfOptions

PROG = "paksa"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
KEYRING_SERVICE = "paksa"

Progress = Callable[[int, int], None]


class CliError(PaksaError):
    """A problem with what the command was given (no database, no password, ...)."""


# ---------------------------------------------------------------------------------------------- helpers


def _date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


def _month(text: str) -> date:
    try:
        if len(text) != 7:
            raise ValueError
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a month in the form YYYY-MM") from None


def _fiscal_month(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise argparse.ArgumentTypeError(f"'{text}' is not a month number 1..12")
    return int(text)


def _db(args: argparse.Namespace) -> str:
    db = getattr(args, "db", None) or os.environ.get("PAKSA_DB")
    if not db:
        raise CliError("no company database given; use --db PATH_OR_URL or set PAKSA_DB")
    return str(db)


def _user(args: argparse.Namespace) -> str:
    return str(getattr(args, "user", None) or os.environ.get("PAKSA_USER") or "admin")


def _credential_store(*, create: bool = False) -> Any | None:
    """The secure OS keyring, else the encrypted credentials file if one exists (or `create`), else None.

    The composition root's explicit choice (see paksa_desktop/security/credentials.py): plaintext and
    placeholder keyrings are refused; the file needs its master password ($PAKSA_MASTER_PASSWORD or
    a prompt on a terminal).
    """
    from paksa_desktop.security import credentials

    backend = credentials.detect_keyring()
    if backend is not None:
        return credentials.KeyringStore(backend)
    path = credentials.default_credentials_file()
    if not path.exists() and not create:
        return None
    master = os.environ.get("PAKSA_MASTER_PASSWORD")
    if not master and sys.stdin.isatty():
        master = _prompt(f"Master password of {path}: ")
        if not path.exists() and _prompt("Repeat the master password: ") != master:
            raise CliError("the two master passwords differ; nothing was saved")
    if not master:
        return None
    return credentials.EncryptedFileStore(path, master)


def _keyring_password(user: str, location: str) -> str | None:
    """The stored password, or None; a store that fails is logged and its reason raised as CliError."""
    from paksa_desktop.security.credentials import CredentialError, secret_name

    try:
        store = _credential_store()
        return store.get(secret_name(user, location)) if store is not None else None
    except CredentialError as exc:
        if sys.stdin.isatty():  # the prompt still works: say why it is asked, then ask
            print(f"{PROG}: {exc}", file=sys.stderr)
            return None
        raise CliError(f"no password for user '{user}': {exc}") from None


def _prompt(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise CliError("no password given") from None


def _password(user: str, location: str) -> str:
    """PAKSA_PASSWORD, else the OS keyring, else a prompt on a terminal, else a clear error."""
    given = os.environ.get("PAKSA_PASSWORD")
    if given:
        return given
    stored = _keyring_password(user, location)
    if stored:
        return stored
    if sys.stdin.isatty():
        return _prompt(f"Password for {user} on {location}: ")
    raise CliError(
        f"no password for user '{user}': set PAKSA_PASSWORD, store it in the OS keyring, "
        "or run the command in a terminal to be asked"
    )


def cmd_credential_save(args: argparse.Namespace) -> int:
    from paksa_desktop.company import Company
    from paksa_desktop.security.credentials import CredentialError, secret_name

    user = _user(args)
    with contextlib.closing(Company.open(_db(args))) as company:
        given = os.environ.get("PAKSA_PASSWORD") or (
            _prompt(f"Password for {user} on {company.location}: ") if sys.stdin.isatty() else ""
        )
        if not given:
            raise CliError(f"no password to save for user '{user}': set PAKSA_PASSWORD or run this in a terminal")
        ctx = _login(company, args, user, given)  # only a password that works is kept
        company.own_account(ctx).logout()
        location = company.location
    try:
        store = _credential_store(create=True)
        if store is None:
            raise CliError("no secure keyring, and no master password for the encrypted credentials file")
        store.set(secret_name(user, location), given)
    except CredentialError as exc:
        raise CliError(str(exc)) from None
    _say(f"Saved the password of {user} for {location} in {store.description}")
    return EXIT_OK


def cmd_credential_forget(args: argparse.Namespace) -> int:
    from paksa_desktop.company import Company
    from paksa_desktop.security.credentials import CredentialError, secret_name

    user = _user(args)
    with contextlib.closing(Company.open(_db(args), migrate=False)) as company:
        location = company.location
    try:
        store = _credential_store()
        if store is None or store.get(secret_name(user, location)) is None:
            raise CliError(f"no saved password for {user} on {location}")
        store.delete(secret_name(user, location))
    except CredentialError as exc:
        raise CliError(str(exc)) from None
    _say(f"Forgot the password of {user} for {location} ({store.description})")
    return EXIT_OK


def _new_password(user: str) -> str:
    given = os.environ.get("PAKSA_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise CliError(
            f"no password for the administrator '{user}': set PAKSA_PASSWORD or run the command in a terminal"
        )
    first = _prompt(f"Password for the administrator '{user}': ")
    if not first:
        raise CliError("the administrator needs a password")
    if _prompt("Repeat the password: ") != first:
        raise CliError("the two passwords differ; nothing was created")
    return first


@dataclass
class Books:
    """An open company with the command's user logged in."""

    company: Any  # paksa_desktop.company.Company (imported lazily: `paksa --version` stays fast)
    ctx: Any

    @property
    def ledger(self) -> Any:
        return self.company.ledger(self.ctx)

    @property
    def queries(self) -> Any:
        return self.company.ledger_queries(self.ctx)


@contextmanager
def _books(args: argparse.Namespace) -> Iterator[Books]:
    from paksa_desktop.company import Company
    from paksa_desktop.persistence.engine import database_url, is_sqlite

    target = _db(args)
    user = _user(args)
    url = database_url(target)
    if not is_sqlite(url) and not url.username:
        # No database user in the URL: connect as the Paksa user's own login (init-server companies).
        password = _password(user, url.render_as_string(hide_password=True))
        company = Company.open(target, login=(user, password))
    else:
        company = Company.open(target)
        password = _password(user, company.location)
    if company.backup_path is not None:  # migrated on open: say where the copy from before the upgrade is
        print(
            f"{PROG}: upgraded the company to this version; its backup from before is {company.backup_path}",
            file=sys.stderr,
        )
    try:
        ctx = _login(company, args, user, password)
        yield Books(company, ctx)
    finally:
        company.close()


@contextmanager
def _progress(label: str) -> Iterator[Progress | None]:
    """A progress bar on stderr when it is a terminal; nothing at all otherwise (scripts, logs)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------------------------------------- commands


def cmd_gui(args: argparse.Namespace) -> int:
    """No subcommand: open the desktop window (on the company FILE, --db or PAKSA_DB if given)."""
    db = getattr(args, "company", None) or getattr(args, "db", None) or os.environ.get("PAKSA_DB") or None
    try:
        from ui.app import run_gui
    except ModuleNotFoundError as exc:
        if exc.name not in ("ui", "ui.app"):
            raise
        raise CliError(
            "the desktop interface is not available in this installation; use a subcommand (see 'paksa --help')"
        ) from None
    if getattr(args, "smoke_start", False):
        return int(run_gui(db, smoke_start=True) or 0)
    return int(run_gui(db) or 0)


def cmd_company_create(args: argparse.Namespace) -> int:
    from paksa_desktop.company import Company, NewCompany

    db = _db(args)
    admin = args.admin or _user(args)
    spec = NewCompany(
        name=args.name,
        currency=args.currency.upper(),
        fiscal_year_start_month=args.fiscal_year_start,
        template=args.template,
        admin=admin,
        admin_password=_new_password(admin),
    )
    with Company.create(db, spec) as company:
        _say(f"Created company '{spec.name.strip()}' ({spec.currency}) at {company.location}; administrator '{admin}'")
    return EXIT_OK


def cmd_company_logo(args: argparse.Namespace) -> int:
    if args.remove == (args.file is not None):
        args.parser.error("give an image FILE, or --remove")
    image = None
    if args.file is not None:
        try:
            image = args.file.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    with _books(args) as books:
        books.ledger.set_company_logo(image)
    _say(
        "Removed the company logo" if image is None else f"Set the company logo from {args.file} ({len(image):,} bytes)"
    )
    return EXIT_OK


def cmd_company_info(args: argparse.Namespace) -> int:
    from paksa_desktop.ledger.models import EntryState
    from paksa_desktop.ledger.queries import EntryFilter

    with _books(args) as books:
        q = books.queries
        info = q.company()
        years = q.fiscal_years()
        rows = [
            ("Company", info.name),
            ("Location", books.company.location),
            ("Currency", info.base_currency),
            ("Fiscal year starts", date(2000, info.fiscal_year_start_month, 1).strftime("%B")),
            ("Fiscal years", ", ".join(y.code for y in years) or "none yet"),
            ("Lock date", str(info.lock_date or "none")),
            ("Accounts", str(len(q.accounts()))),
            ("Posted entries", str(q.count_entries() - q.count_entries(EntryFilter(state=EntryState.DRAFT)))),
            ("Draft entries", str(q.count_entries(EntryFilter(state=EntryState.DRAFT)))),
        ]
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            _say(f"{key + ':':<{width + 1}} {value}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from paksa_desktop.demo import DEMO_PASSWORD, DEMO_USER, build_demo

    db = _db(args)
    with _progress("Building the demo company") as progress:
        company = build_demo(db, progress=progress, seed=args.seed)
    with company:
        ctx = company.login(DEMO_USER, DEMO_PASSWORD)
        q = company.ledger_queries(ctx)
        years = q.fiscal_years()
        _say(
            f"Created the demo company '{q.company().name}' at {company.location}: "
            f"{q.count_entries()} entries over {', '.join(y.code for y in years)}; "
            f"log in as '{DEMO_USER}' with password '{DEMO_PASSWORD}'"
        )
    return EXIT_OK


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def cmd_import_accounts(args: argparse.Namespace) -> int:
    from paksa_desktop.ledger.import_accounts import import_accounts_file

    with _books(args) as books:
        count, _ = import_accounts_file(books.ledger, books.queries, args.file)
    _say(f"Imported {_plural(count, 'account')} from {args.file.name}")
    return EXIT_OK


def cmd_import_journal(args: argparse.Namespace) -> int:
    from paksa_desktop.ledger.import_journal import import_journal_file

    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = import_journal_file(books.ledger, args.file, journal=args.journal, progress=progress)
    _say(
        f"Imported {_plural(result.entries, 'entry', 'entries')} ({_plural(result.lines, 'line')}) "
        f"from {args.file.name} into journal {args.journal}"
    )
    return EXIT_OK


def _audit_export(books: Books, what: str, path: Path, count: int) -> None:
    from paksa_desktop.audit.service import AuditService
    from paksa_desktop.security.permissions import Permission

    AuditService(books.company.engine, books.ctx).record_export(what, path, count, permission=Permission.LEDGER_EXPORT)


def _printed(books: Any, page_size: str = "A4") -> PdfOptions:
    """Who printed a PDF and when, for its footer; the company's logo for its header."""
    from paksa_desktop.reporting.pdf import PdfOptions

    logo = books.queries.company_logo()
    return PdfOptions(page_size, logo=logo, printed_at=books.ctx.clock.now(), printed_by=books.ctx.username)


def _report_format(args: argparse.Namespace, default: str = "table") -> str:
    """--format, else the --output file's extension, else `default` (for standard output)."""
    if args.format is None:
        suffix = args.output.suffix.lower().lstrip(".") if args.output is not None else ""
        args.format = suffix if suffix in ("csv", "xlsx", "pdf") else default
    if args.format in ("xlsx", "pdf") and args.output is None:
        args.parser.error(f"--format {args.format} needs --output FILE")
    return str(args.format)


def _write_report(
    args: argparse.Namespace, books: Books, report: Any, what: str, *, csv_report: Any = None, chart: Any = None
) -> None:
    """Print or save a report in the chosen format; a report leaving the system as a file is audited."""
    from paksa_desktop.reporting import renderers

    fmt = args.format
    if fmt == "table":
        text = renderers.to_text(report)
        if args.output is None:
            sys.stdout.write(text)
        else:
            args.output.write_text(text, encoding="utf-8")
    elif fmt == "csv" and args.output is None:
        with tempfile.TemporaryDirectory(prefix="paksa-") as tmp:
            path = Path(tmp) / "report.csv"
            renderers.to_csv(csv_report or report, path)
            sys.stdout.write(path.read_text(encoding="utf-8"))
    else:
        options = replace(_printed(books, page_size=getattr(args, "page_size", "A4")), chart=chart)
        renderers.render_file(csv_report if fmt == "csv" and csv_report else report, args.output, fmt, pdf=options)
    if args.output is not None:
        _audit_export(books, what, args.output, len(report.rows))
        _say(f"Wrote the {report.title.lower()} ({_plural(len(report.rows), 'row')}) to {args.output}")


def cmd_report_trial_balance(args: argparse.Namespace) -> int:
    from paksa_desktop.ledger.reports import TRIAL_BALANCE_CSV, trial_balance_report

    if args.as_of is not None and (args.start is not None or args.end is not None):
        args.parser.error("give either --as-of or --from/--to, not both")
    _report_format(args)
    as_of, start, end = args.as_of, args.start, args.end
    if start is None and end is not None:
        as_of, end = end, None  # --to alone is the balance as of that day
    with _books(args) as books:
        q = books.queries
        info = q.company()
        tb = q.trial_balance(as_of=as_of, start=start, end=end, department=args.department, project=args.project)
        report = trial_balance_report(tb, info.name, info.exponent)
        _write_report(args, books, report, "trial_balance", csv_report=report.select(TRIAL_BALANCE_CSV))
    return EXIT_OK


COMPARISONS = ("previous-period", "previous-year", "budget")  # = statements.Compare (not imported: fast --help)
STATEMENT_REPORTS = {
    "balance-sheet": ("statements", "balance_sheet"),
    "income-statement": ("statements", "income_statement"),
    "cash-flow": ("statements", "cash_flow"),
    "equity": ("statements", "changes_in_equity"),
    "budget-vs-actual": ("statements", "budget_vs_actual"),
    "general-ledger": ("detail_reports", "general_ledger"),
    "journal": ("detail_reports", "journal"),
}


def cmd_report_statement(args: argparse.Namespace) -> int:
    from paksa_desktop.ledger.statements import By, Compare, Detail, StatementOptions

    if args.as_of is not None and (args.start is not None or args.end is not None):
        args.parser.error("give either --as-of or --from/--to, not both")
    _report_format(args)
    options = StatementOptions(
        as_of=args.as_of,
        start=args.start,
        end=args.end,
        compare=Compare(args.compare) if getattr(args, "compare", None) else None,
        budget=getattr(args, "budget", None),
        by=By(args.by) if getattr(args, "by", None) else None,
        department=args.department,
        project=args.project,
        show_zero=getattr(args, "show_zero", False),
        detail=Detail(getattr(args, "detail", None) or "accounts"),
    )
    service_name, method = STATEMENT_REPORTS[args.report]
    with _books(args) as books:
        service = getattr(books.company, service_name)(books.ctx)
        if args.report == "general-ledger":
            report = service.general_ledger(options, tuple(args.account or ()))
        elif args.report == "journal":
            report = service.journal(options, args.journal)
        else:
            report = getattr(service, method)(options)
        chart = service.monthly_chart(options) if getattr(args, "chart", False) else None
        _write_report(args, books, report, args.report.replace("-", "_"), chart=chart)
    return EXIT_OK


def _report_options(p: argparse.ArgumentParser, *, statement: bool) -> None:
    """The options every report shares; statements add comparisons, columns and detail."""
    p.add_argument("--as-of", type=_date, metavar="DATE", help="balances at the end of this day")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day of a period")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day of a period")
    if statement:
        p.add_argument("--compare", choices=COMPARISONS, help="a comparison column, with variance and variance %%")
        p.add_argument("--budget", metavar="NAME", help="the budget --compare budget uses (default: the only one)")
        p.add_argument("--by", choices=("month", "quarter"), help="one column per month or quarter")
        p.add_argument("--show-zero", action="store_true", help="also show lines whose figures are all zero")
        p.add_argument(
            "--detail", choices=("accounts", "lines"), help="accounts under each line (default) or lines only"
        )
    p.add_argument("--department", metavar="CODE", help="only lines of this department")
    p.add_argument("--project", metavar="CODE", help="only lines of this project")
    p.add_argument(
        "--format",
        choices=("table", "csv", "xlsx", "pdf"),
        help="output format (default: from the --output file's extension, else table)",
    )
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size of a PDF (default: A4)")
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")


def cmd_export_journal(args: argparse.Namespace) -> int:
    from paksa_desktop.ledger.export_journal import export_journal_file

    with _books(args) as books, _progress(f"Exporting to {args.output.name}") as progress:
        count = export_journal_file(books.company.engine, books.ctx, args.output, fmt=args.format, progress=progress)
    _say(f"Exported {count} journal lines to {args.output}")
    return EXIT_OK


ACCOUNT_COLUMNS = ("code", "name", "type", "parent", "subtype", "currency")


def cmd_export_accounts(args: argparse.Namespace) -> int:
    """The chart in the columns `paksa import accounts` reads, so it can move to another company.

    The currency column is left empty for accounts in the company's base currency, so the chart
    takes the base currency of the company it is imported into.
    """
    from paksa_desktop.integration.tabular import write_table
    from paksa_desktop.security.permissions import Permission

    with _books(args) as books:
        books.ctx.require(Permission.LEDGER_EXPORT)
        q = books.queries
        base = q.company().base_currency
        rows = [
            [
                a.code,
                a.name,
                a.type.value,
                a.parent_code or "",
                a.subtype.value,
                "" if a.currency == base else a.currency,
            ]
            for a in q.accounts()
        ]
        count = write_table(args.output, ACCOUNT_COLUMNS, rows, fmt=args.format, sheet="Accounts")
        _audit_export(books, "accounts", args.output, count)
    _say(f"Exported {count} accounts to {args.output}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------- budgets
# `paksa import budget`, `paksa export budget`, `paksa budget list`: thin shells over BudgetService.


def cmd_import_budget(args: argparse.Namespace) -> int:
    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = books.company.budgets(books.ctx).import_file(args.file, progress=progress)
    created = set(result.created)

    def named(name: str, rows: int | None = None) -> str:
        count = "" if rows is None else f" {rows:,}"
        return f"'{name}'{count}{' (new)' if name in created else ''}"

    amounts = _plural(result.amounts, "budget amount")
    if len(result.budgets) == 1:
        _say(f"Imported {amounts} from {args.file.name} into budget {named(result.budgets[0][0])}")
    else:
        listed = ", ".join(named(name, rows) for name, rows in result.budgets)
        _say(f"Imported {amounts} from {args.file.name} into {len(result.budgets)} budgets: {listed}")
    return EXIT_OK


def cmd_export_budget(args: argparse.Namespace) -> int:
    with _books(args) as books:
        count = books.company.budgets(books.ctx).export_file(args.output, args.budget, fmt=args.format)
    _say(f"Exported {_plural(count, 'amount')} of budget '{args.budget}' to {args.output}")
    return EXIT_OK


def cmd_budget_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        rows = books.company.budget_queries(books.ctx).budgets()
    if not rows:
        _say("No budgets yet (import one with 'paksa import budget FILE').")
        return EXIT_OK
    width = max(len("Budget"), *(len(r.name) for r in rows))
    _say(f"{'Budget':<{width}}  {'Amounts':>8}  {'Months':<16}  Description")
    for r in rows:
        months = f"{r.first_month:%Y-%m}..{r.last_month:%Y-%m}" if r.first_month and r.last_month else "none"
        _say(f"{r.name:<{width}}  {r.amounts:>8,}  {months:<16}  {r.description}".rstrip())
    return EXIT_OK


def _add_budget_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    budgets = group("budget", "budgets: monthly amounts per account (import and export them with those commands)")
    leaf(budgets, "list", cmd_budget_list, "list the budgets with how many amounts and which months they hold")


# ---------------------------------------------------------------------------------------------- receivables
# `paksa import|export customers|items`, `paksa tax-code list|add`: thin shells over ReceivablesService.


def _import_summary(kind: str, file: Path, result: Any) -> str:
    return (
        f"Imported {_plural(result.rows, kind[:-1], kind)} from {file.name}: "
        f"{result.created:,} created, {result.updated:,} updated, {result.unchanged:,} unchanged"
    )


def cmd_import_customers(args: argparse.Namespace) -> int:
    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = books.company.receivables(books.ctx).import_customers(args.file, progress=progress)
    _say(_import_summary("customers", args.file, result))
    return EXIT_OK


def cmd_import_invoices(args: argparse.Namespace) -> int:
    from paksa_desktop.receivables.invoice_files import import_invoices_file

    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = import_invoices_file(books.company.invoicing(books.ctx), args.file, progress=progress)
    numbers = result.first if result.invoices == 1 else f"{result.first} to {result.last}"
    _say(
        f"Imported and posted {_plural(result.invoices, 'invoice')} ({_plural(result.lines, 'line')}) "
        f"from {args.file.name}: {numbers}"
    )
    return EXIT_OK


def cmd_import_bills(args: argparse.Namespace) -> int:
    from paksa_desktop.payables.bill_files import import_bills_file

    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = import_bills_file(books.company.bills(books.ctx), args.file, post=args.post, progress=progress)
    for warning in result.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    if result.posted:
        numbers = result.first if result.bills == 1 else f"{result.first} to {result.last}"
        _say(
            f"Imported, approved and posted {_plural(result.bills, 'bill')} ({_plural(result.lines, 'line')}) "
            f"from {args.file.name}: {numbers}"
        )
    else:
        _say(
            f"Imported {_plural(result.bills, 'bill')} ({_plural(result.lines, 'line')}) from {args.file.name} "
            "as drafts, to submit for approval"
        )
    return EXIT_OK


def cmd_import_items(args: argparse.Namespace) -> int:
    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = books.company.receivables(books.ctx).import_items(args.file, progress=progress)
    _say(_import_summary("items", args.file, result))
    return EXIT_OK


def cmd_export_customers(args: argparse.Namespace) -> int:
    with _books(args) as books:
        count = books.company.receivables(books.ctx).export_customers(args.output, fmt=args.format)
    _say(f"Exported {_plural(count, 'customer')} to {args.output}")
    return EXIT_OK


def cmd_export_items(args: argparse.Namespace) -> int:
    with _books(args) as books:
        count = books.company.receivables(books.ctx).export_items(args.output, fmt=args.format)
    _say(f"Exported {_plural(count, 'item')} to {args.output}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------- payables
# `paksa import|export vendors`: thin shells over VendorService.


def cmd_import_vendors(args: argparse.Namespace) -> int:
    with _books(args) as books, _progress(f"Importing {args.file.name}") as progress:
        result, _ = books.company.vendors(books.ctx).import_file(args.file, update=args.update, progress=progress)
    _say(_import_summary("vendors", args.file, result))
    return EXIT_OK


def cmd_export_vendors(args: argparse.Namespace) -> int:
    output = args.output or args.file
    if output is None or (args.output and args.file and args.output != args.file):
        args.parser.error("name one file to write: 'paksa export vendors FILE' (or --output FILE)")
    with _books(args) as books:
        count = books.company.vendors(books.ctx).export_file(output, fmt=args.format)
    _say(f"Exported {_plural(count, 'vendor')} to {output}")
    return EXIT_OK


def cmd_tax_code_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        queries = books.company.receivables_queries(books.ctx)
        rows, rounding = queries.tax_codes(), queries.tax_rounding()
    if not rows:
        _say("No tax codes yet (add one with 'paksa tax-code add CODE --rate PERCENT --account CODE').")
        return EXIT_OK
    width = max(len("Code"), *(len(r.code) for r in rows))
    _say(f"{'Code':<{width}}  {'Rate %':>8}  {'Prices':<9}  {'Account':<8}  {'Active':<6}  Name")
    for r in rows:
        prices = "inclusive" if r.inclusive else "exclusive"
        _say(
            f"{r.code:<{width}}  {r.rate:>8}  {prices:<9}  {r.account:<8}  "
            f"{'yes' if r.is_active else 'no':<6}  {r.name}"
        )
    _say(f"Tax is rounded per {rounding.value}.")
    return EXIT_OK


def cmd_tax_code_add(args: argparse.Namespace) -> int:
    from paksa_desktop.receivables.commands import TaxCodeInput
    from paksa_desktop.receivables.rules import parse_rate

    rate = parse_rate(args.rate)
    with _books(args) as books:
        books.company.receivables(books.ctx).create_tax_code(
            TaxCodeInput(args.code, args.name or args.code, rate, args.account, inclusive=args.inclusive)
        )
    _say(
        f"Added tax code {args.code} ({rate} %, {'inclusive' if args.inclusive else 'exclusive'}, "
        f"account {args.account})"
    )
    return EXIT_OK


def _add_receivables_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    taxes = group("tax-code", "sales tax codes: rate, inclusive or exclusive prices, the account the tax posts to")
    leaf(taxes, "list", cmd_tax_code_list, "list the tax codes and how tax is rounded")
    p = leaf(taxes, "add", cmd_tax_code_add, "add a tax code")
    p.add_argument("code", metavar="CODE", help="short code printed on invoices, e.g. VAT20")
    p.add_argument(
        "--rate", required=True, metavar="PERCENT", help="rate in percent, up to 4 decimals (e.g. 20 or 7.5)"
    )
    p.add_argument("--account", required=True, metavar="CODE", help="the liability account the tax posts to")
    p.add_argument("--name", metavar="TEXT", help="description (default: the code)")
    p.add_argument("--inclusive", action="store_true", help="prices with this code include the tax")


# ---------------------------------------------------------------------------------------------- foreign currencies
# `paksa fx import FILE`, `paksa fx revalue --date D`


def cmd_fx_import(args: argparse.Namespace) -> int:
    with _books(args) as books:
        result, _ = books.company.fx_rates(books.ctx).import_rates_file(args.file)
    kind = "ECB eurofxref XML" if result.file_format == "ecb" else "CSV"
    _say(
        f"Imported {_plural(result.total, 'rate')} from {args.file.name} ({kind}): {result.added} added, "
        f"{result.replaced} replaced, {result.unchanged} unchanged"
    )
    return EXIT_OK


def cmd_fx_revalue(args: argparse.Namespace) -> int:
    from paksa_desktop.reporting import renderers

    with _books(args) as books:
        service = books.company.fx_revaluation(books.ctx)
        if args.dry_run:
            plan = service.preview(args.date)
            report = service.revaluation_report(args.date, plan)
            _say(f"Dry run: nothing was posted. The revaluation of {args.date} would post {plan.total_text()}.")
        else:
            result, _ = service.revalue(args.date)
            report = service.revaluation_report(args.date, result.revaluation)
            if result.entry_number is None:
                _say(f"Nothing to post: no open foreign balance changes value at the rates of {args.date}.")
            else:
                _say(
                    f"Posted {result.entry_number} dated {args.date} and its reversal {result.reversal_number} "
                    f"dated {result.day + timedelta(days=1)}"
                )
    sys.stdout.write(renderers.to_text(report))
    return EXIT_OK


def _add_fx_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    fx = group("fx", "foreign currencies: import exchange rates, revalue open foreign balances at a period end")
    p = leaf(fx, "import", cmd_fx_import, "import exchange rates from a CSV or ECB eurofxref XML file (all or nothing)")
    p.add_argument(
        "file", type=Path, metavar="FILE", help="currency,date,rate CSV or eurofxref-daily/hist.xml (told by content)"
    )
    p = leaf(fx, "revalue", cmd_fx_revalue, "post the revaluation of open foreign balances and its next-day reversal")
    p.add_argument("--date", required=True, type=_date, metavar="DATE", help="the period end to revalue at")
    p.add_argument("--dry-run", action="store_true", help="show the revaluation without posting it")


# ---------------------------------------------------------------------------------------------- bank accounts
# `paksa bank account add|list` and `paksa bank lines` (docs/cli.md#bank-accounts-and-statement-lines).

BANK_LINE_COLUMNS = ("date", "amount", "currency", "description", "reference", "bank_id", "status")


def cmd_bank_account_add(args: argparse.Namespace) -> int:
    from paksa_desktop.banking.accounts import BankAccountInput

    profile = None
    if args.profile is not None:
        try:
            profile = json.loads(args.profile.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CliError(f"{args.profile}: not a JSON import profile ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(profile, dict):
            raise CliError(f"{args.profile}: an import profile is a JSON object")
    data = BankAccountInput(
        args.name, args.gl_account, args.currency, bank_name=args.bank or "", number=args.iban, import_profile=profile
    )
    with _books(args) as books:
        books.company.bank_accounts(books.ctx).add(data)
        row = books.company.bank_queries(books.ctx).account(data.name.strip())
    number = f", {row.number_masked}" if row.number_masked else ""
    _say(f"Added bank account {row.name} ({row.currency}, GL account {row.gl_account}{number})")
    return EXIT_OK


def cmd_bank_account_set_opening(args: argparse.Namespace) -> int:
    """Where the account's reconciliation starts: the bank balance at the end of a day (or --clear)."""
    given = args.date is not None or args.balance is not None
    if args.clear and given:
        args.parser.error("--clear removes the opening: give it without --date and --balance")
    if not args.clear and (args.date is None or args.balance is None):
        args.parser.error("give both --date and --balance (or --clear)")
    with _books(args) as books:
        books.company.bank_accounts(books.ctx).set_opening(args.account, args.date, args.balance)
        row = books.company.bank_queries(books.ctx).account(args.account)
    if row.reconciled_from is None:
        _say(f"{row.name} reconciles from its first GL line again (no opening reconciled balance)")
    else:
        _say(
            f"{row.name} reconciles from {row.reconciled_from}: opening reconciled balance "
            f"{row.opening_reconciled} {row.currency}; only GL lines after that day count as uncleared"
        )
    return EXIT_OK


def cmd_bank_account_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        rows = books.company.bank_queries(books.ctx).accounts()
    if not rows:
        _say(
            "No bank accounts yet (add one with 'paksa bank account add --name NAME --gl-account CODE --currency CUR')."
        )
        return EXIT_OK
    width = max(len("Name"), *(len(r.name) for r in rows))
    _say(f"{'Name':<{width}}  {'Currency':<8}  {'GL':<8}  {'Number':<9}  {'Active':<6}  Bank")
    for r in rows:
        _say(
            f"{r.name:<{width}}  {r.currency:<8}  {r.gl_account:<8}  {r.number_masked:<9}  "
            f"{'yes' if r.is_active else 'no':<6}  {r.bank_name}"
        )
    return EXIT_OK


def cmd_bank_import(args: argparse.Namespace) -> int:
    """Read the file (format told by its content; a CSV through the account's saved profile), then import
    every new line of it, or nothing."""
    from paksa_desktop.banking.formats import read_statement_file
    from paksa_desktop.banking.formats.csv_profile import CsvProfile

    with _books(args) as books:
        account = books.company.bank_queries(books.ctx).account(args.account)
        profile = CsvProfile.from_dict(account.import_profile) if account.import_profile else None
        statements = read_statement_file(args.file, profile)
        service = books.company.statement_import(books.ctx)
        result = service.preview(account.name, statements) if args.dry_run else None
        if result is not None and result.errors:
            raise CliError(f"{args.file.name}: nothing would be imported:\n" + "\n".join(result.errors))
        if result is None:
            result = service.import_statements(account.name, statements)
    from paksa_desktop.core.money import currency_exponent, format_amount

    verb = "Would import" if args.dry_run else "Imported"
    total = format_amount(result.total, currency_exponent(result.currency), grouping=True)
    _say(
        f"{verb} {_plural(result.imported, 'line')} into {account.name} from {args.file.name} "
        f"(total {total} {result.currency}); skipped {_plural(len(result.skipped), 'line')} already there"
    )
    for line in result.skipped:
        ref = line.bank_id or line.reference
        _say(f"  skipped {line.source}:{line.row}: {line.booked} {line.amount:f} {ref} ({line.reason})")
    for warning in result.warnings:
        _say(f"warning: {warning}")
    return EXIT_OK


def cmd_bank_lines(args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        args.parser.error("--from is after --to")
    with _books(args) as books:
        rows = books.company.bank_queries(books.ctx).lines(
            args.account, start=args.start, end=args.end, status=args.status
        )
    if args.format == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(BANK_LINE_COLUMNS)
        for r in rows:
            out.writerow(
                (
                    r.booked.isoformat(),
                    f"{r.amount:f}",
                    r.currency,
                    r.description,
                    r.reference,
                    r.bank_id,
                    r.status.value,
                )
            )
        sys.stdout.flush()
        return EXIT_OK
    if not rows:
        _say(f"No bank lines in {args.account} for these dates.")
        return EXIT_OK
    amounts = [f"{r.amount:,f}" for r in rows]
    width = max(len("Amount"), *(len(a) for a in amounts))
    _say(f"{'Date':<10}  {'Amount':>{width}}  {'Status':<10}  {'Reference':<20}  {'Bank id':<16}  Description")
    for r, amount in zip(rows, amounts, strict=True):
        _say(
            f"{r.booked.isoformat():<10}  {amount:>{width}}  {r.status.value:<10}  {r.reference[:20]:<20}  "
            f"{r.bank_id[:16]:<16}  {r.description[:60]}"
        )
    total = sum((r.amount for r in rows), Decimal(0))
    _say(f"{len(rows)} line(s), net {total:,f} {rows[0].currency}")
    return EXIT_OK


def cmd_bank_reconcile(args: argparse.Namespace) -> int:
    if not args.auto:
        args.parser.error("say --auto to book the proposals at or above the threshold")
    if not 0 <= args.threshold <= 100:
        args.parser.error("--threshold must be between 0 and 100")
    with _books(args) as books:
        service = books.company.bank_reconciliation(books.ctx)
        as_of = args.as_of or books.ctx.clock.now().date()
        result, left = service.accept_all(args.account, as_of, args.threshold)
        remaining = books.company.bank_queries(books.ctx).lines(args.account, end=as_of, status="unmatched")
    for p in result.accepted:
        _say(f"matched  {p.describe()}")
    for p, reason in result.refused:
        _say(f"refused  {p.describe()}: {reason}")
    for p in left:
        _say(f"proposed {p.describe()} (below {args.threshold}, not booked)")
    _say(
        f"{len(result.accepted)} proposal(s) booked, {len(result.refused)} refused, {len(left)} below the threshold; "
        f"{len(remaining)} line(s) of {args.account} still unmatched"
    )
    return EXIT_OK


def cmd_bank_connect(args: argparse.Namespace) -> int:
    """Connect a bank account to a folder or an API; the secret (if asked for) goes to the keyring only."""
    from paksa_desktop.banking.connectors.models import ConnectionKind
    from paksa_desktop.banking.connectors.service import ConnectionInput, secret_label
    from paksa_desktop.security.credentials import CredentialError

    if bool(args.folder) == bool(args.url):
        args.parser.error("give exactly one of --folder DIR and --url URL")
    if args.folder:
        data = ConnectionInput(ConnectionKind.FOLDER, folder=str(Path(args.folder).expanduser().resolve()))
    else:
        data = ConnectionInput(
            ConnectionKind.HTTP,
            base_url=args.url,
            token_url=args.token_url or "",
            client_id=args.client_id or "",
            account_ref=args.account_ref or "",
        )
    secret = ""
    if args.secret:
        what = "client secret" if args.token_url else "API token"
        secret = os.environ.get("PAKSA_BANK_SECRET") or (
            _prompt(f"The bank's {what} for {args.account}: ") if sys.stdin.isatty() else ""
        )
        if not secret:
            raise CliError(f"no {what} given: set PAKSA_BANK_SECRET or run this in a terminal")
    with _books(args) as books:
        books.company.bank_connections(books.ctx).set(args.account, data)
        location = books.company.location
    where = data.folder or data.base_url
    _say(f"Connected bank account {args.account} to {where}")
    if secret:
        try:
            store = _credential_store(create=True)
            if store is None:
                raise CliError("no secure keyring, and no master password for the encrypted credentials file")
            store.set(secret_label(args.account, location), secret)
        except CredentialError as exc:
            raise CliError(str(exc)) from None
        _say(f"Saved the secret in {store.description}")
    return EXIT_OK


def cmd_bank_sync(args: argparse.Namespace) -> int:
    """Sync every connected account (or one); each all or nothing, the others go on after a failure."""
    from paksa_desktop.banking.connectors.sync import sync_accounts
    from paksa_desktop.security.credentials import CredentialError

    try:
        store = _credential_store()
    except CredentialError as exc:
        _say(f"warning: {exc}; API connections have no secret")
        store = None
    with _books(args) as books:
        outcomes = sync_accounts(books.company, books.ctx, store, args.account)
    if not outcomes:
        _say("No bank account has a connection (set one with 'paksa bank connect ACCOUNT --folder DIR|--url URL').")
        return EXIT_OK
    failed = 0
    for o in outcomes:
        if o.ok:
            _say(f"{o.account}: {_plural(o.imported, 'line')} imported, {o.skipped} already there and skipped")
            for warning in o.warnings:
                _say(f"  warning: {warning}")
        else:
            failed += 1
            print(f"{o.account}: FAILED, nothing imported: {o.error}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _signed_amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount such as -500.00") from None
    return value


def cmd_bank_rules_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        rows = books.company.bank_rules(books.ctx).rules()
    if not rows:
        _say("no bank rules yet; add one with `paksa bank rules add`")
    for r in rows:
        d = r.data
        pattern = f"/{d.pattern}/" if d.is_regex else f"'{d.pattern}'"
        low, high = ("" if v is None else str(v) for v in (d.amount_min, d.amount_max))
        amounts = f" {low}..{high}" if low or high else ""
        extra = " ".join(
            f"{k}={v}"
            for k, v in (
                ("counterparty", d.counterparty),
                ("tax", d.tax_code),
                ("dept", d.department),
                ("project", d.project),
            )
            if v
        )
        _say(
            f"{d.priority:>4} {d.name} [{d.bank_account or 'all accounts'}] {pattern}{amounts} -> {d.account}"
            f"{' ' + extra if extra else ''}{'' if d.is_active else ' (inactive)'}"
        )
    return EXIT_OK


def cmd_bank_rules_add(args: argparse.Namespace) -> int:
    from paksa_desktop.banking.rules import RuleInput

    data = RuleInput(
        name=args.name,
        pattern=args.pattern,
        account=args.gl_account,
        bank_account=args.account or "",
        is_regex=args.regex,
        amount_min=args.min,
        amount_max=args.max,
        counterparty=args.counterparty or "",
        tax_code=args.tax_code or "",
        department=args.department or "",
        project=args.project or "",
        memo=args.memo or "",
        priority=args.priority,
    )
    with _books(args) as books:
        books.company.bank_rules(books.ctx).add(data)
    _say(f"bank rule {data.name} added")
    return EXIT_OK


def cmd_bank_rules_apply(args: argparse.Namespace) -> int:
    with _books(args) as books:
        result = books.company.bank_rules(books.ctx).apply(args.account, args.as_of)
        lines = {r.id: r for r in books.company.bank_queries(books.ctx).lines(args.account)}
    for line_id, rule, _ in result.posted:
        ln = lines[line_id]
        _say(f"posted   {ln.booked} {ln.amount} {ln.description} -> {rule}")
    for line_id, rule, why in result.refused:
        ln = lines[line_id]
        _say(f"refused  {ln.booked} {ln.amount} {ln.description} ({rule}): {why}")
    _say(f"{len(result.posted)} line(s) posted, {len(result.refused)} refused")
    return EXIT_FAILED if result.refused else EXIT_OK


def _add_bank_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    bank = group("bank", "bank accounts and their imported statement lines")
    accounts = bank.add_parser(
        "account", help="add or list bank accounts", description="add or list bank accounts"
    ).add_subparsers(title="commands", metavar="COMMAND", required=True)
    p = leaf(accounts, "add", cmd_bank_account_add, "add a bank account")
    p.add_argument("--name", required=True, metavar="NAME", help="the account's name, e.g. Operating")
    p.add_argument("--gl-account", required=True, metavar="CODE", help="its postable asset account in the ledger")
    p.add_argument("--currency", required=True, metavar="CUR", help="ISO 4217 code of the account's currency")
    p.add_argument(
        "--iban", metavar="IBAN", help="IBAN or account number (validated; stored encrypted, needs the data key)"
    )
    p.add_argument("--bank", metavar="TEXT", help="the bank's name")
    p.add_argument("--profile", type=Path, metavar="FILE", help="import profile as JSON (CSV columns and formats)")
    leaf(accounts, "list", cmd_bank_account_list, "list the bank accounts (numbers masked)")
    p = leaf(
        accounts,
        "set-opening",
        cmd_bank_account_set_opening,
        "set where a bank account's reconciliation starts (for a ledger older than the first statement)",
    )
    p.add_argument("--account", required=True, metavar="NAME", help="the bank account's name")
    p.add_argument("--date", type=_date, metavar="D", help="the last day the bank and the books agree")
    p.add_argument("--balance", type=_signed_amount, metavar="AMOUNT", help="the bank's balance at the end of that day")
    p.add_argument("--clear", action="store_true", help="remove the opening: reconcile from the first GL line")
    p = leaf(bank, "import", cmd_bank_import, "import a statement file (OFX, camt.05x, MT940, CSV), all or nothing")
    p.add_argument("file", type=Path, metavar="FILE", help="the statement file; its format is told by its content")
    p.add_argument("--account", required=True, metavar="NAME", help="the bank account to import into")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported and skipped, write nothing")
    p = leaf(bank, "connect", cmd_bank_connect, "connect a bank account to a statement folder or a bank API")
    p.add_argument("account", metavar="ACCOUNT", help="the bank account's name")
    p.add_argument("--folder", metavar="DIR", help="a folder statement files are dropped in")
    p.add_argument("--url", metavar="URL", help="the bank API's base URL (https)")
    p.add_argument("--token-url", metavar="URL", help="OAuth2 client-credentials token URL (else a static token)")
    p.add_argument("--client-id", metavar="ID", help="the OAuth2 client id")
    p.add_argument("--account-ref", metavar="REF", help="the bank's id of the account, sent as ?account=REF")
    p.add_argument(
        "--secret",
        action="store_true",
        help="store the client secret or API token in the keyring ($PAKSA_BANK_SECRET, else asked)",
    )
    p = leaf(bank, "sync", cmd_bank_sync, "import new statements of every connected bank account (or one)")
    p.add_argument("--account", metavar="ACCOUNT", help="only this bank account")
    p = leaf(bank, "lines", cmd_bank_lines, "list a bank account's imported statement lines")
    p.add_argument("--account", required=True, metavar="ACCOUNT", help="the bank account's name")
    p.add_argument("--from", dest="start", type=_date, metavar="D", help="booked on or after this date")
    p.add_argument("--to", dest="end", type=_date, metavar="D", help="booked on or before this date")
    p.add_argument("--status", choices=("unmatched", "matched", "reconciled"), help="only lines in this state")
    p.add_argument(
        "--format",
        choices=("table", "csv"),
        default="table",
        help="table (default) or CSV with the columns " + ",".join(BANK_LINE_COLUMNS),
    )
    p = leaf(bank, "reconcile", cmd_bank_reconcile, "match a bank account's unmatched lines and book the sure ones")
    p.add_argument("--account", required=True, metavar="ACCOUNT", help="the bank account's name")
    p.add_argument("--auto", action="store_true", help="book every proposal scoring at least the threshold")
    p.add_argument("--threshold", type=int, default=80, metavar="N", help="lowest score booked (0-100, default 80)")
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="D", help="lines booked and items open by (today)")
    rules = bank.add_parser(
        "rules", help="list, add or apply bank rules", description="list, add or apply bank rules"
    ).add_subparsers(title="commands", metavar="COMMAND", required=True)
    leaf(rules, "list", cmd_bank_rules_list, "list the bank rules in the order they are tried")
    p = leaf(rules, "add", cmd_bank_rules_add, "add a rule: lines whose description matches are posted to an account")
    p.add_argument("--name", required=True, metavar="NAME", help="the rule's name (unique)")
    p.add_argument("--pattern", required=True, metavar="TEXT", help="text the description contains (any case)")
    p.add_argument("--regex", action="store_true", help="the pattern is a regular expression (checked, kept simple)")
    p.add_argument("--gl-account", required=True, metavar="CODE", help="the account the line is posted against")
    p.add_argument("--account", metavar="NAME", help="only lines of this bank account (else every account)")
    p.add_argument("--min", type=_signed_amount, metavar="AMOUNT", help="smallest signed amount (money out < 0)")
    p.add_argument("--max", type=_signed_amount, metavar="AMOUNT", help="largest signed amount (--max 0: money out)")
    p.add_argument("--counterparty", metavar="TEXT", help="text the counterparty contains (any case)")
    p.add_argument("--tax-code", metavar="CODE", help="split the tax out of the amount (taken as tax-inclusive)")
    p.add_argument("--department", metavar="CODE", help="department of the posted line")
    p.add_argument("--project", metavar="CODE", help="project of the posted line")
    p.add_argument("--memo", metavar="TEXT", help="entry memo; may use {description} {reference} {counterparty} {date}")
    p.add_argument("--priority", type=int, default=100, metavar="N", help="lower is tried first (default 100)")
    p = leaf(rules, "apply", cmd_bank_rules_apply, "post every unmatched line of an account a rule fits")
    p.add_argument("--account", required=True, metavar="ACCOUNT", help="the bank account's name")
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="D", help="only lines booked by this date")


# ---------------------------------------------------------------------------------------------- cash
# `paksa cash position`, `paksa cash forecast`: banking/cash_position.py and banking/forecast.py.


def _one_off(text: str) -> Any:
    """DATE:AMOUNT:LABEL (positive: money in, negative: money out) -> a forecast one-off item."""
    from paksa_desktop.banking.forecast import OneOff

    parts = text.split(":", 2)
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"'{text}' is not DATE:AMOUNT[:LABEL], e.g. 2024-07-20:-3000:Tax")
    day = _date(parts[0])
    try:
        amount = Decimal(parts[1])
        if not amount.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        raise argparse.ArgumentTypeError(f"'{parts[1]}' in '{text}' is not an amount such as -3000.00") from None
    return OneOff(day, amount, parts[2].strip() if len(parts) > 2 and parts[2].strip() else "one-off")


def cmd_cash_position(args: argparse.Namespace) -> int:
    _report_format(args)
    with _books(args) as books:
        report = books.company.cash_position(books.ctx).report(args.as_of)
        _write_report(args, books, report, "cash position")
    return EXIT_OK


def cmd_cash_forecast(args: argparse.Namespace) -> int:
    from paksa_desktop.banking.forecast import Scenario, flows_report, forecast_report

    _report_format(args)
    scenario = Scenario(args.delay_receipts, tuple(args.one_off or ()))
    with _books(args) as books:
        service = books.company.cash_forecast(books.ctx)
        forecast = service.forecast(args.start, args.weeks, scenario)
        company = books.queries.company().name
        if args.items:  # the items behind the weeks, one per row
            _write_report(args, books, flows_report(forecast, company), "cash forecast items")
        else:
            _write_report(args, books, forecast_report(forecast, company), "cash forecast", chart=forecast.chart())
    return EXIT_OK


def _add_cash_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    cash = group("cash", "cash position and the cash forecast")

    def output(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--format",
            choices=("table", "csv", "xlsx", "pdf"),
            help="output format (default: from the --output file's extension, else table)",
        )
        p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size of a PDF (default: A4)")
        p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")

    p = leaf(cash, "position", cmd_cash_position, "each bank account's balance, last statement and uncleared items")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="balances at the end of this day (default: today)")
    output(p)
    p = leaf(cash, "forecast", cmd_cash_forecast, "week-by-week cash forecast (direct method) with what-ifs")
    p.add_argument("--weeks", type=int, default=13, metavar="N", help="number of weeks (default: 13)")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day of week 1 (default: today)")
    p.add_argument(
        "--delay-receipts", type=int, default=0, metavar="N", help="what-if: every expected receipt N days later"
    )
    p.add_argument(
        "--one-off",
        type=_one_off,
        action="append",
        metavar="DATE:AMOUNT:LABEL",
        help="what-if: add an item (positive: money in, negative: out); repeat for more",
    )
    p.add_argument(
        "--items", action="store_true", help="list the items behind the weeks (invoices, bills, runs, recurring)"
    )
    output(p)


# ---------------------------------------------------------------------------------------------- printed documents
# `paksa invoice pdf`, `paksa ar statements`, `paksa ar dunning-run`: printed receivables documents.


def _pdf_target(output: Path) -> bool:
    """True: one PDF file (the name ends in .pdf); False: a folder receiving one PDF per document."""
    return output.suffix.lower() == ".pdf" and not output.is_dir()


def cmd_invoice_pdf(args: argparse.Namespace) -> int:
    numbers = list(args.numbers or ())
    ranged = args.start is not None or args.end is not None or args.customer is not None
    if numbers and ranged:
        args.parser.error("give invoice numbers or --from/--to/--customer, not both")
    if not numbers and not ranged:
        args.parser.error("give invoice NUMBERs, or --from/--to (and --customer) to print a batch")
    one_file = _pdf_target(args.output)
    with _books(args) as books:
        pdfs = books.company.invoice_pdfs(books.ctx)
        if not numbers:
            numbers = pdfs.find(date_from=args.start, date_to=args.end, customer=args.customer)
            if not numbers:
                raise CliError("no posted invoices or credit notes match: nothing was written")
        with _progress("Printing invoices"):
            written = pdfs.write(numbers, args.output, size=args.page_size, one_file=one_file)
    what = numbers[0] if len(numbers) == 1 else _plural(len(numbers), "document")
    where = args.output if one_file else f"{args.output} ({_plural(len(written), 'file')})"
    _say(f"Wrote {what} to {where}")
    return EXIT_OK


def cmd_ar_statements(args: argparse.Namespace) -> int:
    as_of = args.as_of
    with _books(args) as books:
        service = books.company.customer_statements(books.ctx)
        as_of = as_of or books.ctx.clock.today()
        if args.customer:
            statements = [service.statement(args.customer, as_of, args.start)]
        else:
            statements = service.statements(as_of, args.start)
        if not statements:
            _say(f"No customer has anything open on {as_of}: no statement written")
            return EXIT_OK
        with _progress("Printing statements"):
            service.write_pdfs(statements, args.output, size=args.page_size)
    kind = "activity statement" if args.start else "statement"
    _say(f"Wrote {_plural(len(statements), kind)} as of {as_of} to {args.output}")
    return EXIT_OK


def _proposed(letter: Any, currency: str, *, charge: bool) -> str:
    """One line of a dunning proposal: customer, level, how many invoices, the charges."""
    from paksa_desktop.core.money import currency_exponent, from_minor

    dunned = sum(1 for ln in letter.lines if ln.dunned)
    text = (
        f"{letter.customer}: level {letter.level}, {_plural(dunned, 'invoice')} dunned of {len(letter.lines)} overdue"
    )
    if charge and letter.charges:
        text += f", charges {from_minor(letter.charges, currency_exponent(currency))} {currency}"
    return text


def cmd_ar_dunning_run(args: argparse.Namespace) -> int:
    with _books(args) as books:
        for code in args.skip_customer or ():  # a mistyped code must not let a letter through
            books.company.receivables_queries(books.ctx).customer(code)
        for number in args.skip_invoice or ():
            books.company.documents_queries(books.ctx).invoice(number)
        service = books.company.dunning(books.ctx)
        created = service.create_standard_procedure() if not args.dry_run else None
        if created:
            _say(f"No dunning procedure yet: created the standard one ({created}: 7, 21 and 35 days, no fees)")
        as_of = args.as_of or books.ctx.clock.today()
        proposal = service.propose(as_of).without(customers=args.skip_customer or (), invoices=args.skip_invoice or ())
        for letter in proposal.letters:
            _say(_proposed(letter, proposal.base_currency, charge=not args.no_charges))
        if not proposal.letters:
            _say(f"Nothing to dun on {as_of}")
            return EXIT_OK
        if args.dry_run:
            _say(f"Dry run: {_plural(len(proposal.letters), 'letter')} proposed, none issued")
            return EXIT_OK
        issued, _ = service.issue(proposal, charge=not args.no_charges)
        with _progress("Printing letters"):
            service.write_pdfs(issued, args.output, size=args.page_size)
    charged = [i.charge_invoice for i in issued if i.charge_invoice]
    tail = f"; charges invoiced on {', '.join(charged)}" if charged else ""
    _say(f"Issued {_plural(len(issued), 'letter')} as of {as_of} to {args.output}{tail}")
    return EXIT_OK


def cmd_ar_payment_instructions(args: argparse.Namespace) -> int:
    text = args.text
    if args.file is not None:
        if text is not None:
            args.parser.error("give the TEXT or --file, not both")
        text = args.file.read_text(encoding="utf-8")
    with _books(args) as books:
        invoicing = books.company.invoicing(books.ctx)
        settings = invoicing.settings()
        if settings is None:
            from paksa_desktop.receivables.settings import NOT_SET_UP

            raise CliError(NOT_SET_UP)
        if text is None:
            _say(settings.payment_instructions or "No payment instructions yet (they are printed on invoices).")
            return EXIT_OK
        invoicing.update_settings(replace(settings, payment_instructions=text))
    _say("Removed the payment instructions" if not text.strip() else "Set the payment instructions")
    return EXIT_OK


def _add_invoice_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> Any:
    """`paksa invoice pdf` and the printing half of `paksa ar`; returns the `ar` group for the reports."""
    invoices = group("invoice", "posted invoices and credit notes")
    p = leaf(invoices, "pdf", cmd_invoice_pdf, "print invoices and credit notes to PDF (one file, or one per document)")
    p.add_argument("numbers", nargs="*", metavar="NUMBER", help="document numbers, e.g. INV-2024-000001")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="batch: documents dated on or after")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="batch: documents dated on or before")
    p.add_argument("--customer", metavar="CODE", help="batch: only this customer's documents")
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size (default: A4)")
    p.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar="FILE|DIR",
        help="a FILE ending in .pdf gets every document; anything else is a folder with one PDF per document",
    )
    receivables = group("ar", "receivables: aging, reconciliation, statements, dunning runs, payment instructions")
    p = leaf(
        receivables,
        "payment-instructions",
        cmd_ar_payment_instructions,
        "show or set the payment instructions printed on invoices, statements and reminders",
    )
    p.add_argument("text", nargs="?", metavar="TEXT", help="the new instructions ('' removes them)")
    p.add_argument("--file", type=Path, metavar="FILE", help="read the instructions from a UTF-8 text file")
    p = leaf(receivables, "statements", cmd_ar_statements, "one PDF statement per customer with anything open")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the statement's day (default: today)")
    p.add_argument(
        "--from",
        dest="start",
        type=_date,
        metavar="DATE",
        help="an activity statement from this day (default: open items)",
    )
    p.add_argument("--customer", metavar="CODE", help="only this customer (printed even with nothing open)")
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size (default: A4)")
    p.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder receiving the PDFs")
    p = leaf(receivables, "dunning-run", cmd_ar_dunning_run, "propose and issue dunning letters, one PDF per customer")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the letters' day (default: today)")
    p.add_argument("--skip-customer", action="append", metavar="CODE", help="send this customer nothing (repeatable)")
    p.add_argument("--skip-invoice", action="append", metavar="NUMBER", help="leave this invoice out (repeatable)")
    p.add_argument("--no-charges", action="store_true", help="issue the letters without their fees and interest")
    p.add_argument("--dry-run", action="store_true", help="show the proposal only; issue nothing")
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size (default: A4)")
    p.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder receiving the PDFs")
    return receivables


# ---------------------------------------------------------------------------------------------- payables payments
# `paksa ap payment-run` and `paksa ap remittances`: thin shells over PaymentRunService.


def _money(amount: Decimal, currency: str) -> str:
    from paksa_desktop.core.money import currency_exponent, format_amount

    return f"{format_amount(amount, currency_exponent(currency), grouping=True)} {currency}"


def _say_proposal(proposal: Any, *, dry_run: bool = False) -> None:
    currency = proposal.currency
    title = "Proposal (dry run)" if dry_run else f"Payment run {proposal.run_id}"
    _say(f"{title} from {proposal.bank_account} on {proposal.pay_date} (bills due by {proposal.cutoff_date})")
    for vendor in proposal.vendors:
        if not vendor.included:
            continue
        bills = sum(1 for ln in vendor.lines if ln.included and ln.kind not in ("credit_note", "on_account"))
        amount = _money(vendor.total, currency)
        used = sum((ln.amount for ln in vendor.lines if ln.included and ln.kind == "on_account"), Decimal(0))
        netted = f"  (less {_money(used, currency)} paid on account)" if used else ""
        _say(f"  {vendor.code:<12} {vendor.name[:36]:<36} {_plural(bills, 'bill'):>9} {amount:>20}{netted}")
    for reason in proposal.dropped:
        _say(f"  left out: {reason}")
    used = proposal.on_account_used
    _say(
        f"{_plural(proposal.vendor_count, 'vendor')}, {_plural(proposal.bill_count, 'bill')}, total "
        f"{_money(proposal.total, currency)} (bank balance {_money(proposal.bank_balance, currency)}, "
        f"after the run {_money(proposal.balance_after, currency)})"
        + (f"; {_money(used, currency)} of money on account used" if used else "")
    )


def cmd_ap_payment_run(args: argparse.Namespace) -> int:
    with _books(args) as books:
        runs = books.company.payment_runs(books.ctx)
        if args.dry_run:
            _say_proposal(runs.preview(args.date, args.bank, args.date), dry_run=True)
            _say("Dry run: nothing was stored, approved, posted or written")
            return EXIT_OK
        if not books.ctx.can("payables.paymentrun.approve"):  # refuse before anything is stored
            books.ctx.require("payables.paymentrun.approve")
        proposal, _ = runs.propose(args.date, args.bank, args.date)
        _say_proposal(proposal)
        try:
            runs.approve(proposal.run_id)
        except PaksaError:
            runs.cancel(proposal.run_id)  # a run that cannot be released does not stay in the way
            raise
        numbers, _ = runs.post(proposal.run_id)
        if not numbers:  # money on account covered every bill: no payment, nothing for the bank
            _say(f"Posted run {proposal.run_id}: money on account covered every bill; no payment, no file written")
            return EXIT_OK
        batch, _ = runs.write_file(proposal.run_id, args.output)
    kind = "CSV" if args.output.suffix.lower() == ".csv" else "pain.001"
    span = numbers[0] if len(numbers) == 1 else f"{numbers[0]} to {numbers[-1]}"
    _say(f"Posted {_plural(len(numbers), 'payment')} ({span}) in run {proposal.run_id}")
    _say(f"Wrote {args.output} ({kind}, message id {batch.message_id}, {_plural(batch.count, 'transfer')})")
    return EXIT_OK


def cmd_ap_remittances(args: argparse.Namespace) -> int:
    with _books(args) as books:
        paths = books.company.payment_runs(books.ctx).write_remittances(args.run, args.output)
    _say(f"Wrote {_plural(len(paths), 'remittance advice', 'remittance advices')} of run {args.run} to {args.output}")
    return EXIT_OK


def _add_ap_payment_commands(payables: Any, leaf: Callable[..., Any]) -> None:
    p = leaf(
        payables,
        "payment-run",
        cmd_ap_payment_run,
        "pay every posted bill due by a date from a bank account: propose, approve, post, write the bank file",
    )
    p.add_argument("--date", type=_date, required=True, metavar="DATE", help="pay date and cut-off (bills due by it)")
    p.add_argument("--bank", required=True, metavar="NAME", help="the bank account paid from")
    p.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="the bank file: pain.001.001.03 XML, or CSV when the name ends in .csv",
    )
    p.add_argument("--dry-run", action="store_true", help="show the proposal only; store, post and write nothing")
    p = leaf(payables, "remittances", cmd_ap_remittances, "one remittance advice PDF per vendor paid by a run")
    p.add_argument("--run", type=int, required=True, metavar="ID", help="the payment run (its number)")
    p.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder receiving the PDFs")


# ---------------------------------------------------------------------------------------------- receivables reports
# `paksa ar aging|reconcile` and `paksa report ar-...`: thin shells over ARReports and DocumentQueries.reconcile.


def cmd_ar_aging(args: argparse.Namespace) -> int:
    return _aging_command(args, "customer")


def _aging_command(args: argparse.Namespace, party: str) -> int:
    """`paksa ar aging` (party customer) and `paksa ap aging` (vendor): the same options and file columns."""
    from paksa_desktop.receivables.aging import AgeBasis, Buckets
    from paksa_desktop.reporting.subledger import aging_csv_columns, flat

    buckets = Buckets.parse(args.buckets) if args.buckets else Buckets()
    _report_format(args)
    with _books(args) as books:
        service: Any = (
            books.company.ar_reports(books.ctx) if party == "customer" else books.company.ap_reports(books.ctx)
        )
        basis = AgeBasis(args.age_from)
        who = {party: getattr(args, party)}
        if args.detail:
            report = service.aging_detail(args.as_of, buckets, basis=basis, **who)
            csv_report = flat(report)
        else:
            report = service.aging(args.as_of, buckets, basis=basis, **who)
            csv_report = report.select(aging_csv_columns(buckets, party))
        _write_report(args, books, report, "ar_aging" if party == "customer" else "ap_aging", csv_report=csv_report)
    return EXIT_OK


def cmd_report_ar(args: argparse.Namespace) -> int:
    """`paksa report ar-open-items|ar-customer-ledger|ar-sales|ar-tax|ar-dso`."""
    from paksa_desktop.receivables.ar_reports import flat

    _report_format(args)
    with _books(args) as books:
        service = books.company.ar_reports(books.ctx)
        if args.report == "ar-open-items":
            report = service.open_items(args.as_of, customer=args.customer)
        elif args.report == "ar-customer-ledger":
            report = service.customer_ledger(args.start, args.end, customer=args.customer)
        elif args.report == "ar-sales":
            report = service.sales(args.start, args.end, by=args.by)
        elif args.report == "ar-tax":
            report = service.tax(args.start, args.end)
        else:
            report = service.dso(args.start, args.end)
        _write_report(args, books, report, args.report.replace("-", "_"), csv_report=flat(report))
    return EXIT_OK


def cmd_ar_reconcile(args: argparse.Namespace) -> int:
    with _books(args) as books:
        as_of = args.as_of or books.company.today()
        result = books.company.documents_queries(books.ctx).reconcile(as_of)
        currency = books.queries.company().base_currency
    rows = (
        ("Subledger (open items)", result.subledger),
        *((("Unrealised revaluation", result.revaluation),) if result.revaluation else ()),
        (f"Control account {result.account}", result.control),
        ("Difference", result.difference),
    )
    width = max(len(label) for label, _ in rows)
    figures = max(len(str(value)) for _, value in rows)
    _say(f"Receivables as of {as_of} ({currency})")
    for label, value in rows:
        _say(f"{label:<{width}}  {value!s:>{figures}}")
    if result.difference:
        raise CliError(
            f"the receivables subledger and control account {result.account} differ by {result.difference} {currency}"
        )
    return EXIT_OK


def _ar_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("table", "csv", "xlsx", "pdf"),
        help="output format (default: from the --output file's extension, else table)",
    )
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size of a PDF (default: A4)")
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")


def _aging_options(p: argparse.ArgumentParser, party: str = "customer") -> None:
    p.add_argument("--as-of", type=_date, metavar="DATE", help="what was open at the end of this day (default: today)")
    p.add_argument(
        "--buckets", metavar="DAYS,...", help="upper limits of the overdue buckets in days (default: 30,60,90)"
    )
    p.add_argument(
        "--age-from",
        choices=("due", "date"),
        default="due",
        help=f"age {'invoices' if party == 'customer' else 'bills'} from their due date (default) or document date",
    )
    p.add_argument("--detail", action="store_true", help=f"one row per open document, grouped by {party}")
    p.add_argument(f"--{party}", metavar="CODE", help=f"only this {party}")
    _ar_output_options(p)


def _add_ar_commands(receivables: Any, leaf: Callable[..., Any], reports: Any) -> None:
    p = leaf(receivables, "aging", cmd_ar_aging, "open receivables per customer by age (current, 1-30, ... days)")
    _aging_options(p)
    p = leaf(receivables, "reconcile", cmd_ar_reconcile, "the open items against the receivable control account")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="at the end of this day (default: today)")

    p = leaf(reports, "ar-aging", cmd_ar_aging, "receivables aging (the same as 'paksa ar aging')")
    _aging_options(p)
    for name, help_text in (
        ("ar-open-items", "every invoice, credit note and receipt with something open on a day"),
        ("ar-customer-ledger", "customers' documents and settlements of a period with running balances"),
        ("ar-sales", "net sales of a period by customer, item or month (credit notes negative)"),
        ("ar-tax", "taxable amounts and tax of a period by tax code, invoices and credit notes"),
        ("ar-dso", "days sales outstanding per month and for the period"),
    ):
        p = leaf(reports, name, cmd_report_ar, help_text)
        p.set_defaults(report=name)
        if name == "ar-open-items":
            p.add_argument("--as-of", type=_date, metavar="DATE", help="at the end of this day (default: today)")
        else:
            p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day (default: fiscal year)")
            p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day (default: fiscal year end)")
        if name in ("ar-open-items", "ar-customer-ledger"):
            p.add_argument("--customer", metavar="CODE", help="only this customer")
        if name == "ar-sales":
            p.add_argument(
                "--by", choices=("customer", "item", "month"), default="customer", help="rows (default: customer)"
            )
        _ar_output_options(p)


# ---------------------------------------------------------------------------------------------- payables reports
# `paksa ap aging|reconcile|withholding` and `paksa report ap-...`: thin shells over APReports.


def cmd_ap_aging(args: argparse.Namespace) -> int:
    return _aging_command(args, "vendor")


def cmd_ap_reconcile(args: argparse.Namespace) -> int:
    """Print the subledger against each payable control account; exit non-zero when they differ."""
    with _books(args) as books:
        as_of = args.as_of or books.company.today()
        result = books.company.ap_reports(books.ctx).reconcile(as_of)
    rows: list[tuple[str, Decimal]] = []
    for a in result.accounts:
        rows += [(f"{a.account} {a.name}: subledger", a.subledger)]
        if a.revaluation:
            rows += [(f"{a.account} {a.name}: unrealised revaluation", a.revaluation)]
        rows += [
            (f"{a.account} {a.name}: GL credit balance", a.control),
            (f"{a.account} {a.name}: difference", a.difference),
        ]
    width = max(len(label) for label, _ in rows)
    figures = max(len(str(value)) for _, value in rows)
    _say(f"Payables as of {as_of} ({result.currency})")
    for label, value in rows:
        _say(f"{label:<{width}}  {value!s:>{figures}}")
    if result.by_hand:
        _say("Posted to a control account by hand (not by payables):")
        for ln in result.by_hand:
            _say(f"  {ln.date} {ln.entry:<16} {ln.account}  {ln.amount!s:>{figures}}  {ln.memo}")
    if not result.reconciled:
        raise CliError(
            f"the payables subledger and its control accounts differ by {result.difference} {result.currency}"
        )
    return EXIT_OK


def cmd_ap_withholding(args: argparse.Namespace) -> int:
    with _books(args) as books:
        year = args.year or books.company.today().year
        count = books.company.ap_reports(books.ctx).write_withholding(year, args.output, size=args.page_size)
        _audit_export(books, "ap_withholding", args.output, count)
    _say(f"Wrote the withholding report for {year} ({_plural(count, 'vendor')}) to {args.output}")
    return EXIT_OK


def cmd_report_ap(args: argparse.Namespace) -> int:
    """`paksa report ap-open-bills|ap-vendor-ledger|ap-payments|ap-cash-requirements|ap-expenses|ap-reconcile`."""
    from paksa_desktop.reporting.subledger import flat

    _report_format(args)
    with _books(args) as books:
        service = books.company.ap_reports(books.ctx)
        if args.report == "ap-open-bills":
            report = service.open_bills(args.as_of, vendor=args.vendor)
        elif args.report == "ap-vendor-ledger":
            report = service.vendor_ledger(args.start, args.end, vendor=args.vendor)
        elif args.report == "ap-payments":
            report = service.payments_made(args.start, args.end, vendor=args.vendor, bank=args.bank)
        elif args.report == "ap-cash-requirements":
            report = service.cash_requirements(args.as_of, args.weeks)
        elif args.report == "ap-expenses":
            report = service.expenses(args.start, args.end, by=args.by)
        elif args.report == "ap-withholding":
            report = service.withholding(args.year)
        else:
            report = service.reconcile_report(args.as_of)
        _write_report(args, books, report, args.report.replace("-", "_"), csv_report=flat(report))
    return EXIT_OK


AP_REPORTS = (
    ("ap-open-bills", "every bill, expense claim and credit note with something open on a day"),
    ("ap-vendor-ledger", "vendors' bills, credit notes, payments and voids of a period with running balances"),
    ("ap-payments", "the vendor payments of a period, by vendor or bank account"),
    ("ap-cash-requirements", "open bills by the week they fall due, less the discounts still to earn"),
    ("ap-expenses", "expenses of posted claims of a period by category, employee or project"),
    ("ap-withholding", "per withholding vendor for a calendar year: gross paid, tax withheld, net"),
    ("ap-reconcile", "the payables subledger against its control accounts (as a report)"),
)


def _add_ap_report_commands(payables: Any, leaf: Callable[..., Any], reports: Any) -> None:
    p = leaf(payables, "aging", cmd_ap_aging, "open payables per vendor by age (current, 1-30, ... days)")
    _aging_options(p, "vendor")
    p = leaf(payables, "reconcile", cmd_ap_reconcile, "the open bills against the payable control accounts")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="at the end of this day (default: today)")
    p = leaf(payables, "withholding", cmd_ap_withholding, "the year's withholding report (1099-style), PDF or Excel")
    p.add_argument("--year", type=int, metavar="YYYY", help="the calendar year (default: this year)")
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4", help="paper size of a PDF (default: A4)")
    p.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="FILE.pdf: one statement page per vendor; FILE.xlsx: the report as a workbook",
    )
    p = leaf(reports, "ap-aging", cmd_ap_aging, "payables aging (the same as 'paksa ap aging')")
    _aging_options(p, "vendor")
    for name, help_text in AP_REPORTS:
        p = leaf(reports, name, cmd_report_ap, help_text)
        p.set_defaults(report=name)
        if name in ("ap-open-bills", "ap-cash-requirements", "ap-reconcile"):
            p.add_argument("--as-of", type=_date, metavar="DATE", help="at the end of this day (default: today)")
        elif name == "ap-withholding":
            p.add_argument("--year", type=int, metavar="YYYY", help="the calendar year (default: this year)")
        else:
            p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day (default: fiscal year)")
            p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day (default: fiscal year end)")
        if name in ("ap-open-bills", "ap-vendor-ledger", "ap-payments"):
            p.add_argument("--vendor", metavar="CODE", help="only this vendor")
        if name == "ap-payments":
            p.add_argument("--bank", metavar="NAME", help="only payments from this bank account")
        if name == "ap-cash-requirements":
            p.add_argument("--weeks", type=int, default=8, metavar="N", help="weeks shown one by one (default: 8)")
        if name == "ap-expenses":
            p.add_argument(
                "--by", choices=("category", "employee", "project"), default="category", help="rows (default: category)"
            )
        _ar_output_options(p)


def _period(books: Books, month: date) -> Any:
    for period in books.queries.periods():
        if period.start_date <= month <= period.end_date:
            return period
    raise NotFoundError(f"no period {month:%Y-%m}: no fiscal year covers it yet")


def cmd_period_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        periods = books.queries.periods()
        lock = books.queries.company().lock_date
    if not periods:
        _say("No fiscal years yet (posting the first entry creates one).")
    else:
        _say(f"{'Period':<8}  {'Year':<7}  {'From':<10}  {'To':<10}  State")
        for p in periods:
            _say(f"{p.start_date:%Y-%m}   {p.fiscal_year:<7}  {p.start_date}  {p.end_date}  {p.state.value}")
    _say(f"Lock date: {lock or 'none'}")
    return EXIT_OK


def cmd_period_close(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.ledger.close_period(_period(books, args.month).id)
    _say(f"Closed period {args.month:%Y-%m}")
    return EXIT_OK


def cmd_period_reopen(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.ledger.reopen_period(_period(books, args.month).id)
    _say(f"Reopened period {args.month:%Y-%m}")
    return EXIT_OK


def cmd_period_lock(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.ledger.set_lock_date(args.date)
    _say(f"Lock date set to {args.date}: nothing can be posted on or before it")
    return EXIT_OK


def cmd_period_unlock(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.ledger.set_lock_date(None)
    _say("Lock date removed")
    return EXIT_OK


def cmd_period_close_year(args: argparse.Namespace) -> int:
    with _books(args) as books:
        years = {y.code: y for y in books.queries.fiscal_years()}
        if args.year not in years:
            known = ", ".join(years) or "none"
            raise NotFoundError(f"no fiscal year '{args.year}' (fiscal years: {known})")
        ref, _ = books.ledger.close_year(years[args.year].id, journal=args.journal)
    if ref is None:
        _say(f"Fiscal year {args.year} has no income or expense to close")
    else:
        _say(f"Posted the closing entry {ref.number} for fiscal year {args.year}")
    return EXIT_OK


def cmd_recurring_run(args: argparse.Namespace) -> int:
    with _books(args) as books:
        as_of = args.as_of or books.company.today()
        run, _ = books.ledger.run_recurring(as_of)
    drafts = len(run.created) - run.posted
    _say(f"Recurring entries due by {as_of}: {run.posted} posted, {drafts} saved as drafts")
    return EXIT_OK


def _entry_id(books: Books, number: str) -> int:
    from paksa_desktop.ledger.queries import EntryFilter

    for row in books.queries.entries(EntryFilter(text=number), limit=1000):
        if row.number == number:
            return int(row.id)
    raise NotFoundError(f"no posted entry numbered '{number}'")


def cmd_entry_reverse(args: argparse.Namespace) -> int:
    with _books(args) as books:
        ref, _ = books.ledger.reverse(_entry_id(books, args.number), on=args.date, memo=args.memo)
    _say(f"Posted {ref.number}, reversing {args.number}")
    return EXIT_OK


def cmd_entry_show(args: argparse.Namespace) -> int:
    from paksa_desktop.reporting.formatting import money_text

    with _books(args) as books:
        detail = books.queries.entry(_entry_id(books, args.number))
        exponent = books.queries.company().exponent
    _say(f"{detail.number}  {detail.date}  journal {detail.journal}  {detail.state.value}")
    if detail.memo:
        _say(f"Memo: {detail.memo}")
    if detail.reference:
        _say(f"Reference: {detail.reference}")
    if detail.reversal_of:
        _say(f"Reverses: {detail.reversal_of[1]}")
    if detail.reversed_by:
        _say(f"Reversed by: {detail.reversed_by[1]}")
    table = [("Account", "Name", "Debit", "Credit", "Dept", "Project", "Memo")]
    for ln in detail.lines:
        table.append(
            (
                ln.account_code,
                ln.account_name,
                money_text(ln.debit, exponent, blank_zero=True),
                money_text(ln.credit, exponent, blank_zero=True),
                ln.department,
                ln.project,
                ln.memo.replace("\n", " "),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(7)]
    for row in table:
        cells = [c.rjust(w) if i in (2, 3) else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        _say("  ".join(cells).rstrip())
    return EXIT_OK


def cmd_dimension_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        groups = (("department", books.queries.departments()), ("project", books.queries.projects()))
    for label, rows in groups:
        _say(f"{label.capitalize()}s:" if rows else f"No {label}s.")
        for row in rows:
            _say(f"  {row.code:<12} {row.name}{'' if row.is_active else '  (inactive)'}")
    return EXIT_OK


def cmd_dimension_add(args: argparse.Namespace) -> int:
    with _books(args) as books:
        create = books.ledger.create_department if args.kind == "department" else books.ledger.create_project
        create(args.code, args.name)
    _say(f"Added {args.kind} {args.code} ({args.name})")
    return EXIT_OK


def cmd_dimension_set_active(args: argparse.Namespace) -> int:
    with _books(args) as books:
        setter = books.ledger.set_department_active if args.kind == "department" else books.ledger.set_project_active
        setter(args.code, args.active)
    _say(f"{args.kind.capitalize()} {args.code} is now {'active' if args.active else 'inactive'}")
    return EXIT_OK


def cmd_journal_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        rows = books.queries.journals()
    for row in rows:
        _say(f"{row.code:<8} {row.name}{'' if row.is_active else '  (inactive)'}")
    return EXIT_OK


def cmd_journal_add(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.ledger.create_journal(args.code, args.name, args.kind)
    _say(f"Added journal {args.code} ({args.name}); its entries are numbered {args.code}-YEAR-000001 onwards")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------- admin: keys, network
# Credentials and encryption: `paksa admin rotate-key`, `paksa admin pg-hba`, `paksa admin ip-allowlist`.


def cmd_admin_rotate_key(args: argparse.Namespace) -> int:
    from paksa_desktop.security.field_crypto import DataKeyService

    with _books(args) as books:
        _, values, holders = DataKeyService(books.company.engine, books.ctx).rotate()
    _say(f"Rotated the data key: {_plural(values, 'value')} re-encrypted, {_plural(holders, 'key holder')}")
    return EXIT_OK


def cmd_admin_ip_allowlist(args: argparse.Namespace) -> int:
    from paksa_desktop.security.ip_allowlist import IpAllowlistService

    with _books(args) as books:
        service = IpAllowlistService(books.company.engine, books.ctx)
        if args.set is not None:
            service.set_ranges(args.set)
        ranges = service.ranges()
        sqlite = books.company.is_sqlite
    _say("\n".join(ranges) if ranges else "No IP allowlist: logins from any address")
    if sqlite:
        _say("(a local SQLite file has no network clients: the list applies to PostgreSQL companies only)")
    return EXIT_OK


def cmd_admin_pg_hba(args: argparse.Namespace) -> int:
    from paksa_desktop.security.ip_allowlist import IpAllowlistService, pg_hba_lines

    with _books(args) as books:
        if books.company.is_sqlite:
            raise CliError("pg_hba.conf concerns PostgreSQL companies; a SQLite file has no network clients")
        ranges = IpAllowlistService(books.company.engine, books.ctx).ranges()
        database = books.company.url.database or ""
    if not ranges:
        raise CliError("the company has no IP allowlist; set one with 'paksa admin ip-allowlist --set CIDR ...'")
    _say("\n".join(pg_hba_lines(ranges, database, args.method)))
    return EXIT_OK


def cmd_admin_init_server(args: argparse.Namespace) -> int:
    """Prepare a PostgreSQL database (schema, owner, roles, grants); give the Paksa admin a login there."""
    from paksa_desktop.company import Company
    from paksa_desktop.persistence import migrations
    from paksa_desktop.persistence.engine import database_url, is_sqlite, make_engine
    from paksa_desktop.security import database_roles

    url = database_url(_db(args))
    if is_sqlite(url):
        raise CliError("init-server prepares a PostgreSQL database; a SQLite company file needs no preparing")
    engine = make_engine(url)
    try:
        if not migrations.is_empty(engine) and migrations.current_revision(engine) is None:
            raise CliError(f"{url.database} holds tables that are not a Paksa company; use an empty database")
        migrations.upgrade(engine, backup=False)
        with engine.begin() as conn:
            database_roles.secure(conn)
            db = database_roles.database_name(conn)
            users = conn.exec_driver_sql("SELECT username, db_login FROM users ORDER BY username").all()
    finally:
        engine.dispose()
    _say(f"Prepared {db}: owner role {database_roles.owner_role(db)}, one role per Paksa role and permission, grants")
    if not users:
        _say(f"No company yet: create it with 'paksa company create --db {url.render_as_string()}'")
        return EXIT_OK
    user = _user(args)
    with Company.open(url) as company:
        password = _password(user, company.location)
        _login(company, args, user, password)
        company.give_database_login(user, password)
    _say(f"User '{user}' logs in to the database as {database_roles.login_role(db, user)}")
    waiting = [name for name, login in users if login is None and name != user]
    if waiting:
        _say(
            f"Without a database login yet: {', '.join(waiting)} "
            "(reset their password with 'paksa user reset-password NAME' to create one)"
        )
    return EXIT_OK


def _add_admin_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    admin = group("admin", "administration: data key rotation, IP allowlist, pg_hba.conf lines")
    leaf(admin, "rotate-key", cmd_admin_rotate_key, "new data key; re-encrypt every sensitive value in one transaction")
    p = leaf(admin, "ip-allowlist", cmd_admin_ip_allowlist, "show or replace the CIDR ranges logins may come from")
    p.add_argument("--set", nargs="*", metavar="CIDR", help="replace the list (no ranges: remove it)")
    leaf(
        admin,
        "init-server",
        cmd_admin_init_server,
        "prepare a PostgreSQL database: schema, owner and group roles, grants, triggers (safe to repeat)",
    )
    p = leaf(admin, "pg-hba", cmd_admin_pg_hba, "print the pg_hba.conf lines matching the IP allowlist")
    p.add_argument("--method", default="scram-sha-256", help="authentication method (default: scram-sha-256)")
    credential = group("credential", "keep a password in the OS keyring (or the encrypted file) for later commands")
    leaf(credential, "save", cmd_credential_save, "check the password by logging in, then keep it for this company")
    leaf(credential, "forget", cmd_credential_forget, "remove the kept password of the user for this company")


# ---------------------------------------------------------------------------------------------- audit and documents
# `paksa audit verify|export` and `paksa document list|attach|get|restore`.


def _audit(books: Books) -> Any:
    from paksa_desktop.audit.service import AuditService

    return AuditService(books.company.engine, books.ctx)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken or missing row."""
    with _books(args) as books, _progress("Verifying the audit trail") as progress:
        result = _audit(books).verify(progress)
    if result.problem is not None:
        raise CliError(f"the audit trail is broken at {result.problem} ({result.rows} rows checked)")
    _say(f"Audit trail intact: {_plural(result.rows, 'row')}, last seq {result.last_seq}, head {result.last_hash}")
    return EXIT_OK


def cmd_audit_export(args: argparse.Namespace) -> int:
    from paksa_desktop.audit.service import AuditFilter

    _report_format(args, default="csv")
    if args.start and args.end and args.start > args.end:
        args.parser.error("--from is after --to")
    rows_filter = AuditFilter(
        username=args.user_name or "",
        entity=args.entity or "",
        action=args.action or "",
        start=args.start,
        end=args.end,
    )
    with _books(args) as books:
        if args.output is None:
            with tempfile.TemporaryDirectory(prefix="paksa-") as tmp:
                path = Path(tmp) / "audit.csv"
                _audit(books).export(path, rows_filter, fmt="csv")
                sys.stdout.write(path.read_text(encoding="utf-8"))
            return EXIT_OK
        count = _audit(books).export(args.output, rows_filter, fmt=args.format)
    _say(f"Exported {_plural(count, 'audit row')} to {args.output}")
    return EXIT_OK


_DOCUMENT_KINDS = {"entry": "journal_entry", "account": "account", "invoice": "invoice", "bill": "bill"}
_DOCUMENT_KINDS |= {"asset": "asset", "employee": "employee", "customer": "customer"}


def _documents(books: Books) -> Any:
    from paksa_desktop.documents.service import DocumentService

    return DocumentService(books.company.engine, books.ctx)


def _owner(books: Books, kind: str, key: str) -> tuple[str, str]:
    """Entries are named by number (GEN-2024-000012) or id; the others by their code."""
    owner_kind = _DOCUMENT_KINDS[kind]
    if owner_kind == "journal_entry" and not key.isdigit():
        key = str(_entry_id(books, key))
    return owner_kind, key


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1048576:.1f} MiB"


def cmd_document_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        documents = _documents(books).documents(*_owner(books, args.kind, args.owner))
    if not documents:
        _say(f"No documents on {args.kind} {args.owner}")
    for doc in documents:
        _say(f"{doc.id:>6}  {doc.name}  (version {doc.current_version})")
        for v in doc.versions:
            restored = f", restored from v{v.restored_from}" if v.restored_from else ""
            _say(
                f"{'':>8}v{v.number:<3} {v.uploaded_at:%Y-%m-%d %H:%M} UTC  {v.uploaded_by:<12} {_size(v.size):>10}  "
                f"sha256 {v.sha256[:16]}…  {v.filename}{restored}"
            )
    return EXIT_OK


def cmd_document_attach(args: argparse.Namespace) -> int:
    with _books(args) as books:
        v = _documents(books).attach(*_owner(books, args.kind, args.owner), args.file, name=args.name)
    _say(
        f"Attached {args.file.name} as document {v.document_id} version {v.number} ({_size(v.size)}, sha256 {v.sha256})"
    )
    return EXIT_OK


def cmd_document_get(args: argparse.Namespace) -> int:
    with _books(args) as books:
        v, content = _documents(books).content(args.document, args.version)
    output = args.output if args.output is not None else Path(v.filename)
    if output.is_dir():
        output = output / v.filename
    output.write_bytes(content)
    _say(f"Wrote version {v.number} of document {v.document_id} ({_size(v.size)}) to {output}")
    return EXIT_OK


def cmd_document_restore(args: argparse.Namespace) -> int:
    with _books(args) as books:
        v = _documents(books).restore(args.document, args.version)
    _say(f"Restored version {args.version} of document {v.document_id} as version {v.number}")
    return EXIT_OK


def _add_audit_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    audit = group("audit", "check and export the hash-chained audit trail")
    leaf(audit, "verify", cmd_audit_verify, "recompute the hash chain; exit 1 naming the first broken or missing row")
    p = leaf(audit, "export", cmd_audit_export, "write audit rows to CSV, Excel or PDF (the export is audited too)")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day (UTC), inclusive")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day (UTC), inclusive")
    p.add_argument("--format", choices=("csv", "xlsx", "pdf"), help="file format (default: from --output, else csv)")
    p.add_argument("--output", type=Path, metavar="FILE", help="file to write (default: CSV on standard output)")
    p.add_argument("--by", dest="user_name", metavar="NAME", help="only rows of this user")
    p.add_argument("--entity", metavar="KIND", help="only rows about this kind of record (account, journal_entry, ...)")
    p.add_argument("--action", metavar="ACTION", help="only this action (create, update, post, login, export, ...)")

    documents = group("document", "files attached to entries and accounts, with every version kept")
    kinds = sorted(_DOCUMENT_KINDS)
    p = leaf(documents, "list", cmd_document_list, "list a record's documents and their versions")
    p.add_argument("kind", choices=kinds)
    p.add_argument("owner", metavar="NUMBER_OR_CODE", help="entry number (or id), account code, ...")
    p = leaf(documents, "attach", cmd_document_attach, "attach a file; the same name again adds a version")
    p.add_argument("kind", choices=kinds)
    p.add_argument("owner", metavar="NUMBER_OR_CODE", help="entry number (or id), account code, ...")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--name", help="document name (default: the file name)")
    p = leaf(documents, "get", cmd_document_get, "write a version of a document to a file")
    p.add_argument("document", type=int, metavar="DOCUMENT_ID")
    p.add_argument("--version", type=int, metavar="N", help="version number (default: the current one)")
    p.add_argument("--output", type=Path, metavar="FILE", help="file or folder (default: the stored file name)")
    p = leaf(documents, "restore", cmd_document_restore, "make an earlier version current again, as a new version")
    p.add_argument("document", type=int, metavar="DOCUMENT_ID")
    p.add_argument("version", type=int, metavar="N")


# ---------------------------------------------------------------------------------------------- users and roles
# `paksa user add|list|enable|disable|reset-password|unlock`, `paksa role list|grant|revoke`, and --otp.


def _otp(args: argparse.Namespace) -> str | None:
    """--otp, else $PAKSA_OTP; None when neither is given (a prompt follows on a terminal if MFA asks)."""
    return getattr(args, "otp", None) or os.environ.get("PAKSA_OTP") or None


def _login(company: Any, args: argparse.Namespace, user: str, password: str) -> Any:
    """Log in; a user with MFA gives --otp/$PAKSA_OTP, or types the code on a terminal."""
    from paksa_desktop.core.errors import MfaRequired

    try:
        return company.login(user, password, _otp(args), client="cli")
    except MfaRequired:
        if _otp(args) is None and sys.stdin.isatty():
            return company.login(user, password, _prompt_text(f"One-time code for {user}: "), client="cli")
        raise CliError(
            f"user '{user}' has two-factor authentication: give --otp CODE (or set PAKSA_OTP) with the code "
            "from the authenticator app, or a recovery code"
        ) from None


def _prompt_text(prompt: str) -> str:
    try:
        return input(prompt).strip()
    except EOFError:
        raise CliError("no one-time code given") from None


def _user_password(name: str) -> str:
    """A new user's password: $PAKSA_NEW_PASSWORD, else typed twice on a terminal."""
    given = os.environ.get("PAKSA_NEW_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise CliError(f"no password for '{name}': set PAKSA_NEW_PASSWORD or run the command in a terminal")
    first = _prompt(f"New password for '{name}': ")
    if _prompt("Repeat the password: ") != first:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from paksa_desktop.security.service import NewUser

    password = _user_password(args.name)
    with _books(args) as books:
        roles = tuple(args.role or ["Accountant"])
        books.company.users(books.ctx).add_user(NewUser(args.name, password, args.full_name, args.email, roles))
    _say(f"Added user '{args.name}' ({', '.join(roles)})")
    return EXIT_OK


def cmd_user_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        users = books.company.security_queries(books.ctx).users()
        now = books.company.clock.now()
    rows = [("USER", "NAME", "E-MAIL", "STATE", "MFA", "ROLES")]
    for u in users:
        state = "locked" if u.is_locked(now) else ("active" if u.is_active else "disabled")
        rows.append((u.username, u.full_name, u.email, state, "on" if u.mfa_enabled else "off", ", ".join(u.roles)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        _say("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return EXIT_OK


def cmd_user_set_active(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.company.users(books.ctx).set_active(args.name, args.active)
    _say(f"{'Enabled' if args.active else 'Disabled'} user '{args.name}'")
    return EXIT_OK


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    password = _user_password(args.name)
    with _books(args) as books:
        books.company.users(books.ctx).reset_password(args.name, password, must_change=not args.keep)
    _say(f"New password set for '{args.name}'" + ("" if args.keep else "; they choose their own at the next login"))
    return EXIT_OK


def cmd_user_unlock(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.company.users(books.ctx).unlock(args.name)
    _say(f"Unlocked user '{args.name}'")
    return EXIT_OK


def cmd_user_reset_mfa(args: argparse.Namespace) -> int:
    with _books(args) as books:
        books.company.users(books.ctx).reset_mfa(args.name)
    _say(f"Two-factor authentication removed for '{args.name}'; they enrol again in the desktop app")
    return EXIT_OK


def cmd_role_list(args: argparse.Namespace) -> int:
    with _books(args) as books:
        roles = books.company.security_queries(books.ctx).roles()
    width = max(len(r.name) for r in roles)
    for r in roles:
        flags = ", ".join(f for f, on in (("built-in", r.is_builtin), ("MFA required", r.mfa_required)) if on)
        _say(
            f"{r.name.ljust(width)}  {_plural(r.users, 'user'):>8}  {_plural(len(r.permissions), 'permission'):>15}  "
            f"{r.description}" + (f" [{flags}]" if flags else "")
        )
        if args.permissions:
            for permission in sorted(r.permissions):
                _say(f"{'':{width}}    {permission}")
    return EXIT_OK


def cmd_role_grant(args: argparse.Namespace) -> int:
    with _books(args) as books:
        users = books.company.users(books.ctx)
        (users.grant_role if args.grant else users.revoke_role)(args.user_name, args.role)
    done, where = ("Granted", "to") if args.grant else ("Revoked", "from")
    _say(f"{done} role '{args.role}' {where} '{args.user_name}'")
    return EXIT_OK


def _add_user_commands(group: Callable[[str, str], Any], leaf: Callable[..., Any]) -> None:
    users = group("user", "users of the company: add, list, enable or disable, reset passwords, unlock")
    p = leaf(users, "add", cmd_user_add, "add a user (password from $PAKSA_NEW_PASSWORD or typed twice)")
    p.add_argument("name", metavar="NAME", help="user name (no spaces)")
    p.add_argument("--full-name", default="", metavar="TEXT")
    p.add_argument("--email", default="", metavar="ADDRESS")
    p.add_argument(
        "--role", action="append", metavar="ROLE", help="a role to hold; repeat for more (default: Accountant)"
    )
    leaf(users, "list", cmd_user_list, "list users with their state, MFA and roles")
    for name, active, help_text in (
        ("disable", False, "refuse every login of a user (history kept)"),
        ("enable", True, "let a disabled user log in again"),
    ):
        p = leaf(users, name, cmd_user_set_active, help_text)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(active=active)
    p = leaf(users, "reset-password", cmd_user_reset_password, "set a new password ($PAKSA_NEW_PASSWORD or typed)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--keep", action="store_true", help="do not ask the user to change it at the next login")
    p = leaf(users, "unlock", cmd_user_unlock, "lift the lock after too many failed logins")
    p.add_argument("name", metavar="NAME")
    p = leaf(users, "reset-mfa", cmd_user_reset_mfa, "remove a user's two-factor authentication (lost phone)")
    p.add_argument("name", metavar="NAME")

    roles = group("role", "roles: what each grants, and who holds them")
    p = leaf(roles, "list", cmd_role_list, "list the roles")
    p.add_argument("--permissions", action="store_true", help="also list each role's permissions")
    for name, grant, help_text in (
        ("grant", True, "give a user a role (segregation-of-duties rules are checked)"),
        ("revoke", False, "take a role from a user"),
    ):
        p = leaf(roles, name, cmd_role_grant, help_text)
        p.add_argument("role", metavar="ROLE")
        p.add_argument("user_name", metavar="USER")
        p.set_defaults(grant=grant)


# ---------------------------------------------------------------------------------------------- parser


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=34)


def _common() -> argparse.ArgumentParser:
    """--db and --user, accepted after any subcommand; SUPPRESS keeps a value given before it."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=argparse.SUPPRESS,
        help="company file or database URL (default: $PAKSA_DB)",
    )
    common.add_argument(
        "--user",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="user to log in as (default: $PAKSA_USER, else admin)",
    )
    common.add_argument(
        "--otp",
        metavar="CODE",
        default=argparse.SUPPRESS,
        help="one-time code of a user with two-factor authentication (default: $PAKSA_OTP)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_Formatter,
        description=(
            "Paksa Desktop: double-entry accounting. Without a command, opens the desktop window\n"
            "(`paksa FILE.paksa` opens it on that company, as a double-click on the file does)."
        ),
        epilog=(
            "The password comes from $PAKSA_PASSWORD, else the OS keyring, else a prompt;\n"
            "users with two-factor authentication add --otp CODE or $PAKSA_OTP.\n"
            "Exit status: 0 done, 1 failed (reason on stderr), 2 usage error, 130 interrupted.\n"
            "Reference: docs/cli.md"
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", metavar="PATH_OR_URL", help="company file or database URL (default: $PAKSA_DB)")
    parser.add_argument("--user", metavar="NAME", help="user to log in as (default: $PAKSA_USER, else admin)")
    parser.add_argument("--otp", metavar="CODE", help="one-time code for a user with MFA (default: $PAKSA_OTP)")
    parser.add_argument(
        "--smoke-start",
        action="store_true",
        help="open the window, print the seconds from launch until it is shown, then quit (installer checks)",
    )
    parser.set_defaults(func=cmd_gui, parser=parser, company=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def group(name: str, help_text: str) -> Any:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(parser=sub)
        actions = sub.add_subparsers(title="commands", metavar="COMMAND", required=True)
        return actions

    def leaf(actions: Any, name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> Any:
        sub = actions.add_parser(
            name, parents=[common], help=help_text, description=help_text, formatter_class=_Formatter
        )
        sub.set_defaults(func=func, parser=sub)
        return sub

    # company
    company = group("company", "create a company or show what one holds")
    p = leaf(company, "create", cmd_company_create, "create a company in a new SQLite file or an empty database")
    p.add_argument("--name", required=True, help="the company's name")
    p.add_argument("--currency", required=True, metavar="CODE", help="base currency, an ISO 4217 code such as USD")
    p.add_argument(
        "--fiscal-year-start",
        type=_fiscal_month,
        default=1,
        metavar="MONTH",
        help="first month of the fiscal year, 1..12 (default: 1, January)",
    )
    p.add_argument(
        "--template",
        choices=("standard", "empty"),
        default="standard",
        help="chart of accounts to start from (default: standard)",
    )
    p.add_argument("--admin", metavar="NAME", help="administrator's user name (default: --user, else admin)")
    leaf(company, "info", cmd_company_info, "show the company's settings and how much it holds")
    p = leaf(company, "logo", cmd_company_logo, "set (or remove) the logo printed at the top of reports")
    p.add_argument("file", nargs="?", type=Path, metavar="FILE", help="a PNG or JPEG image, up to 2 MB")
    p.add_argument("--remove", action="store_true", help="remove the logo")

    # demo
    p = commands.add_parser(
        "demo",
        parents=[common],
        help="create a demo company with two years of activity",
        description="Create 'Northwind Trading Ltd' with two years of realistic activity "
        "(log in as admin, password paksa-demo-2024).",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=7,
        help="random seed: the same seed in the same month gives the same books (default: 7)",
    )
    p.set_defaults(func=cmd_demo, parser=p)

    # import
    imports = group(
        "import",
        "import accounts, journal entries, budgets, customers, items, invoices, vendors or bills from CSV or Excel "
        "(all or nothing)",
    )
    p = leaf(imports, "accounts", cmd_import_accounts, "import a chart of accounts (.csv or .xlsx)")
    p.add_argument("file", type=Path, metavar="FILE", help="columns code,name,type[,parent,subtype,currency]")
    p = leaf(imports, "journal", cmd_import_journal, "import and post journal entries (.csv or .xlsx)")
    p.add_argument(
        "file", type=Path, metavar="FILE", help="columns entry,date,account,debit,credit[,memo,department,project]"
    )
    p.add_argument("--journal", default="GEN", metavar="CODE", help="journal to post into (default: GEN)")
    p = leaf(imports, "budget", cmd_import_budget, "import budget amounts (.csv or .xlsx); new budgets are created")
    p.add_argument("file", type=Path, metavar="FILE", help="columns budget,account,month,department,project,amount")
    p = leaf(imports, "customers", cmd_import_customers, "create or update customers (.csv or .xlsx)")
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="columns code,name,currency,payment_terms_days,credit_limit[,email,tax_number,income_account]",
    )
    p = leaf(imports, "invoices", cmd_import_invoices, "import and post customer invoices (.csv or .xlsx)")
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="columns invoice,customer,date,due_date,description,quantity,unit_price"
        "[,account,tax_code,department,project]; one row per line",
    )
    p = leaf(imports, "bills", cmd_import_bills, "import vendor bills as drafts, or approve and post them")
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="columns bill,vendor,vendor_invoice,date,due_date,description,quantity,unit_price"
        "[,account,tax_code,department,project]; one row per line",
    )
    p.add_argument(
        "--post",
        action="store_true",
        help="approve and post the bills (needs payables.bill.create and payables.bill.approve)",
    )
    p = leaf(imports, "items", cmd_import_items, "create or update items and services (.csv or .xlsx)")
    p.add_argument(
        "file", type=Path, metavar="FILE", help="columns code,description,unit_price[,income_account,tax_code]"
    )
    p = leaf(imports, "vendors", cmd_import_vendors, "create (or with --update, update) vendors (.csv or .xlsx)")
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="columns code,name,currency,payment_terms_days,iban,bic[,tax_number,expense_account,withholding_rate]",
    )
    p.add_argument("--update", action="store_true", help="update vendors already in the company (else an error)")

    # report
    reports = group("report", "print or save reports")
    p = leaf(reports, "trial-balance", cmd_report_trial_balance, "trial balance as of a date or for a date range")
    _report_options(p, statement=False)
    for name, help_text in (
        ("balance-sheet", "assets, liabilities and equity as of a date"),
        ("income-statement", "revenue, costs and net income for a period"),
        ("cash-flow", "cash flow statement (indirect method) for a period"),
        ("equity", "statement of changes in equity for a period"),
        ("budget-vs-actual", "income statement against a budget, with variances"),
        ("general-ledger", "every line of a period by account, with running balances"),
        ("journal", "every posted entry of a period with its lines"),
    ):
        p = leaf(reports, name, cmd_report_statement, help_text)
        p.set_defaults(report=name)
        _report_options(p, statement=name not in ("general-ledger", "journal"))
        if name == "general-ledger":
            p.add_argument("--account", action="append", metavar="CODE", help="only this account (repeatable)")
        if name == "journal":
            p.add_argument("--journal", metavar="CODE", help="only entries of this journal")
        if name == "income-statement":
            p.add_argument("--chart", action="store_true", help="PDF: a chart of the months above the table")

    # export
    exports = group(
        "export", "export the journal, the chart of accounts, a budget, customers, items or vendors to CSV or Excel"
    )
    for name, func, help_text in (
        ("journal", cmd_export_journal, "every posted line, in the columns 'paksa import journal' reads"),
        ("accounts", cmd_export_accounts, "the chart of accounts, in the columns 'paksa import accounts' reads"),
    ):
        p = leaf(exports, name, func, help_text)
        p.add_argument("--format", choices=("csv", "xlsx"), help="file format (default: from the file name)")
        p.add_argument("--output", type=Path, required=True, metavar="FILE", help="file to write")
    p = leaf(exports, "budget", cmd_export_budget, "a budget's amounts, in the columns 'paksa import budget' reads")
    p.add_argument("--budget", required=True, metavar="NAME", help="the budget to export")
    p.add_argument("--format", choices=("csv", "xlsx"), help="file format (default: from the file name)")
    p.add_argument("--output", type=Path, required=True, metavar="FILE", help="file to write")
    for name, func, help_text in (
        ("customers", cmd_export_customers, "every customer, in the columns 'paksa import customers' reads"),
        ("items", cmd_export_items, "every item, in the columns 'paksa import items' reads"),
    ):
        p = leaf(exports, name, func, help_text)
        p.add_argument("--format", choices=("csv", "xlsx"), help="file format (default: from the file name)")
        p.add_argument("--output", type=Path, required=True, metavar="FILE", help="file to write")
    p = leaf(exports, "vendors", cmd_export_vendors, "every vendor, in the columns 'paksa import vendors' reads")
    p.add_argument("file", type=Path, nargs="?", metavar="FILE", help="file to write (.csv or .xlsx)")
    p.add_argument("--output", type=Path, metavar="FILE", help="the same, as the other exports name it")
    p.add_argument("--format", choices=("csv", "xlsx"), help="file format (default: from the file name)")
    _add_budget_commands(group, leaf)  # budgets block: `paksa budget list`
    _add_receivables_commands(group, leaf)  # receivables block: `paksa tax-code list|add`
    _add_fx_commands(group, leaf)  # `paksa fx import|revalue`
    receivables = _add_invoice_commands(group, leaf)  # printed receivables block: `paksa invoice pdf`
    _add_ar_commands(receivables, leaf, reports)  # receivables reports block: `paksa ar ...`, `paksa report ar-...`
    _add_bank_commands(group, leaf)  # bank accounts block: `paksa bank account add|list`, `paksa bank lines`
    _add_cash_commands(group, leaf)  # `paksa cash position`, `paksa cash forecast`
    payables = group("ap", "payables: aging, reconciliation, withholding, payment runs and remittance advices")
    _add_ap_payment_commands(payables, leaf)  # payables payments block: `paksa ap payment-run|remittances`
    _add_ap_report_commands(payables, leaf, reports)  # payables reports block: `paksa ap aging|...`, `report ap-...`

    # period
    periods = group("period", "list, close and reopen periods; set the lock date; close a fiscal year")
    leaf(periods, "list", cmd_period_list, "list the periods with their state, and the lock date")
    p = leaf(periods, "close", cmd_period_close, "close a month: nothing more can be posted in it")
    p.add_argument("month", type=_month, metavar="YYYY-MM")
    p = leaf(periods, "reopen", cmd_period_reopen, "reopen a closed month")
    p.add_argument("month", type=_month, metavar="YYYY-MM")
    p = leaf(periods, "lock", cmd_period_lock, "refuse postings on or before DATE, whatever the period states")
    p.add_argument("date", type=_date, metavar="DATE")
    leaf(periods, "unlock", cmd_period_unlock, "remove the lock date")
    p = leaf(periods, "close-year", cmd_period_close_year, "post the closing entry of a fiscal year")
    p.add_argument("year", metavar="YEAR", help="fiscal year name, e.g. 2024 or 2024/25")
    p.add_argument("--journal", default="GEN", metavar="CODE", help="journal of the closing entry (default: GEN)")

    # recurring
    recurring = group("recurring", "recurring entries")
    p = leaf(recurring, "run", cmd_recurring_run, "create every recurring entry due on or before a date")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="default: today")

    # dimension
    dimensions = group("dimension", "departments and projects that journal lines can be tagged with")
    leaf(dimensions, "list", cmd_dimension_list, "list departments and projects")
    p = leaf(dimensions, "add", cmd_dimension_add, "add a department or a project")
    p.add_argument("kind", choices=("department", "project"))
    p.add_argument("code", metavar="CODE")
    p.add_argument("name", metavar="NAME")
    for name, active, help_text in (
        ("deactivate", False, "refuse new lines tagged with a department or project (history kept)"),
        ("activate", True, "accept lines tagged with it again"),
    ):
        p = leaf(dimensions, name, cmd_dimension_set_active, help_text)
        p.add_argument("kind", choices=("department", "project"))
        p.add_argument("code", metavar="CODE")
        p.set_defaults(active=active)

    # journal
    journals = group("journal", "journals: books of entries, each with its own numbering")
    leaf(journals, "list", cmd_journal_list, "list the journals")
    p = leaf(journals, "add", cmd_journal_add, "add a journal")
    p.add_argument("code", metavar="CODE", help="short code, the prefix of its entry numbers (e.g. BNK2)")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--kind",
        default="general",
        choices=("general", "sales", "purchases", "cash", "payroll"),
        help="what the journal is for (default: general)",
    )

    # entry
    entries = group("entry", "look at or reverse a posted entry")
    p = leaf(entries, "show", cmd_entry_show, "show an entry and its lines")
    p.add_argument("number", metavar="NUMBER", help="entry number, e.g. GEN-2024-000012")
    p = leaf(entries, "reverse", cmd_entry_reverse, "post the mirror image of an entry (corrections are reversals)")
    p.add_argument("number", metavar="NUMBER", help="entry number, e.g. GEN-2024-000012")
    p.add_argument("--date", type=_date, metavar="DATE", help="date of the reversal (default: the entry's date)")
    p.add_argument("--memo", help="memo of the reversal (default: 'Reversal of NUMBER')")
    _add_admin_commands(group, leaf)  # credentials and encryption block
    _add_audit_commands(group, leaf)  # audit and documents block
    _add_user_commands(group, leaf)  # users and roles block
    _add_backup_commands(commands, common)  # backup and restore block
    return parser


# ---------------------------------------------------------------------------------------------- backup and restore
# `paksa backup --output FILE` and `paksa restore FILE --db DB` (docs/administration.md#backup-and-restore).


def cmd_backup(args: argparse.Namespace) -> int:
    from paksa_desktop.backups import backup_company

    with _books(args) as books:
        name, made = backup_company(books.company, books.ctx, args.output)
    _say(f"Backed up '{name}' to {args.output} ({made.kind.title}, {_size(made.size)}, sha256 {made.sha256})")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from paksa_desktop.backups import restore_company

    user = _user(args)
    company, _ctx, found = restore_company(
        args.file, _db(args), lambda c: _login(c, args, user, _password(user, c.location))
    )
    with contextlib.closing(company):
        _say(f"Restored {args.file} ({found.kind.title}, {_size(found.size)}) into {company.location}")
    return EXIT_OK


def _add_backup_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    text = "write a consistent backup of the company (also while it is in use) to a new file"
    p = commands.add_parser("backup", parents=[common], help=text, description=text, formatter_class=_Formatter)
    p.add_argument("--output", type=Path, required=True, metavar="FILE", help="the backup file to create")
    p.set_defaults(func=cmd_backup, parser=p)
    text = "restore a backup into a new SQLite file or an empty PostgreSQL database (--db)"
    p = commands.add_parser("restore", parents=[common], help=text, description=text, formatter_class=_Formatter)
    p.add_argument("file", type=Path, metavar="FILE", help="a file written by 'paksa backup'")
    p.set_defaults(func=cmd_restore, parser=p)


# ---------------------------------------------------------------------------------------------- main


def _error(message: str) -> None:
    lines = str(message).strip().splitlines() or ["failed"]
    for line in lines:
        print(f"{PROG}: error: {line}", file=sys.stderr)


def _company_file_first(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple[list[str], str | None]:
    """`paksa FILE [options]` (a double-click on a .paksa file, the desktop's `Exec=paksa %f`): the company
    to open in the window. A first argument that is not an option or a command name is that FILE."""
    args = list(argv)
    if not args or args[0].startswith("-"):
        return args, None
    commands = next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)),
        {},
    )
    first = args[0]
    looks_like_company = "://" in first or first.endswith(".paksa") or os.sep in first or Path(first).is_file()
    if first in commands or not looks_like_company:  # a mistyped command keeps argparse's "invalid choice"
        return args, None
    return args[1:], first


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status (never raise, never print a traceback unless asked)."""
    parser = build_parser()
    try:
        rest, company = _company_file_first(parser, sys.argv[1:] if argv is None else argv)
        args = parser.parse_args(rest)
        if company is not None:
            if args.func is not cmd_gui:
                parser.error(f"'{company}' is not a command; a company FILE opens the window and takes no command")
            args.company = company
        return int(args.func(args))
    except SystemExit as exc:  # argparse: --help, --version (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except ImportFileError as exc:
        for row_error in str(exc).splitlines():  # the contract: bare `FILE:ROW: column: reason` lines
            print(row_error, file=sys.stderr)
        problems = len(exc.errors)
        more = "+" if exc.truncated else ""
        print(
            f"{PROG}: error: {problems}{more} problem{'s' if problems != 1 else ''} found; nothing was written",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except PaksaError as exc:
        _error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `paksa report ... | head`: the reader left; say nothing
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit-time flush quiet
        return EXIT_FAILED
    except OSError as exc:  # unreadable input, unwritable output, full disk
        name = f"{exc.filename}: " if exc.filename else ""
        _error(f"{name}{exc.strerror or exc}")
        return EXIT_FAILED
    except Exception as exc:
        if os.environ.get("PAKSA_DEBUG") == "1":
            traceback.print_exc()
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _error(f"unexpected {type(exc).__name__}{': ' + reason if reason else ''}")
        if os.environ.get("PAKSA_DEBUG") != "1":
            print(f"{PROG}: rerun with PAKSA_DEBUG=1 to see the traceback", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
