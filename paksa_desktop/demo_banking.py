"""The demo company's bank: the operating account and a savings account, statements for the last months
built from the demo's own bank postings, matched and partly reconciled, as a real bookkeeper leaves it.

The bank sees what the books say went through the bank's GL account: customer remittances (their
reference names the invoices they pay), payments with the text Paksa sent, bank charges, transfers. On
top, the bank books a few things the books do not know yet (card terminal fees, interest, a deposit
nobody can place) in the last weeks. The statements are `ParsedStatement` values imported through
`StatementImportService`; `ReconciliationService.accept_all` matches the lines up to mid-way through the
last month, and an early month end is reconciled (`finish`), so the screens show lines in all
three states: reconciled, matched, and unmatched in the last weeks.

The savings account is in USD; it only holds the monthly transfers and its interest. The operating
account's ledger is two years older than its statements: it reconciles from an opening reconciled balance
(the day before its first statement, at that statement's opening balance), and its first month end is
reconciled. The euro account (GL 1120 "Bank EUR", in EUR) receives the euro customers' payments in the
last months; its GL lines carry their EUR amounts, its statements are in EUR, the matcher pairs their lines
with the receipts' GL lines, its first month end is reconciled in EUR, and a revaluation (`paksa fx revalue`)
revalues its EUR balance (its GL account holds the receipts at their day's rate).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine
from paksa_desktop.core.money import from_minor
from paksa_desktop.core.periods import add_months, month_end
from paksa_desktop.ledger.models import Account, JournalEntry, JournalLine
from paksa_desktop.payables.models import PaymentRun, VendorPayment
from paksa_desktop.receivables.models import Customer, Invoice, Receipt, Settlement


def euro_from(end: date) -> date:
    """The first day euro customers pay into the euro account."""
    return add_months(end.replace(day=1), -(EURO_MONTHS - 1))


OPERATING_MONTHS = 3  # the operating account's statements: its last three months (each line is one accept)
EURO_MONTHS = 3  # euro customers pay into the euro account in the demo's last three months
EURO_ACCOUNT = ("1120", "Bank EUR")
ACCOUNTS = (  # the Operating account's IBAN is the debtor of the payment runs' pain.001 files
    ("Operating", "1100", "First National Bank", "GB29 NWBK 6016 1331 9268 19", OPERATING_MONTHS),
    ("Savings", "1110", "First National Bank", None, None),  # None: every month since the demo began
)


@dataclass(frozen=True, slots=True)
class Booked:
    """One posted line on a bank's GL account, as the bank will report it."""

    day: date
    units: int
    memo: str
    reference: str
    counterparty: str


def _bank_postings(s: Session, gl_code: str, start: date, end: date) -> list[Booked]:
    """The GL account's lines in the period; a receipt's reference names the invoices it pays, its
    counterparty is the customer (as the payer's bank sends them). The payments of a payment run are one
    debit for the whole batch (the pain.001 file asks for batch booking), quoting the file's payment
    information id (its message id and "-1")."""
    runs: dict[int, tuple[int, date, str, int]] = {}  # payment entry -> (run, pay date, payment info id, count)
    paid_in_run = aliased(VendorPayment)
    for entry_id, run_id, pay_date, message, count in s.execute(
        select(VendorPayment.entry_id, PaymentRun.id, PaymentRun.pay_date, PaymentRun.message_id,
               select(func.count(paid_in_run.id)).where(paid_in_run.run_id == PaymentRun.id,
                                                         paid_in_run.voided_on.is_(None)).scalar_subquery())
        .join(PaymentRun, PaymentRun.id == VendorPayment.run_id)
        .where(PaymentRun.pay_date >= start, PaymentRun.pay_date <= end, VendorPayment.voided_on.is_(None))
    ):  # fmt: skip
        runs[int(entry_id)] = (int(run_id), pay_date, f"{message}-1", int(count))
    rows = s.execute(
        select(JournalLine.date, JournalLine.amount, JournalLine.memo, JournalEntry.reference, JournalEntry.id)
        .join(Account, Account.id == JournalLine.account_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(Account.code == gl_code, JournalLine.date >= start, JournalLine.date <= end)
        .order_by(JournalLine.date, JournalLine.id)
    ).all()
    paid: dict[int, list[str]] = defaultdict(list)
    payers: dict[int, str] = {}
    for entry_id, number, name in s.execute(
        select(Receipt.entry_id, Invoice.number, Customer.name)
        .join(Settlement, Settlement.receipt_id == Receipt.id)
        .join(Invoice, Invoice.id == Settlement.invoice_id)
        .join(Customer, Customer.id == Receipt.customer_id)
        .where(Receipt.date >= start, Receipt.date <= end)
        .order_by(Invoice.number)
    ):
        paid[int(entry_id)].append(number or "")
        payers[int(entry_id)] = name
    found = []
    batches: dict[int, list[int]] = {}  # run -> [position in found, units so far]
    for day, units, memo, reference, entry_id in rows:
        if int(entry_id) in runs:
            run_id, pay_date, info_id, count = runs[int(entry_id)]
            if run_id not in batches:
                batches[run_id] = [len(found), 0]
                found.append(Booked(pay_date, 0, f"SEPA credit transfers, batch of {count}", info_id, ""))
            batches[run_id][1] += int(units)
            continue
        invoices = paid.get(int(entry_id))
        found.append(
            Booked(day, int(units), memo or "", " ".join(invoices) if invoices else reference or "",
                   payers.get(int(entry_id), ""))
        )  # fmt: skip
    for position, units in batches.values():
        booked = found[position]
        found[position] = Booked(booked.day, units, booked.memo, booked.reference, booked.counterparty)
    return found


def _extras(gl_code: str, end: date) -> list[StatementLine]:
    """What the bank booked and the books do not know yet, all in the last weeks (left unmatched)."""
    if gl_code != "1100":
        last = end.replace(day=min(end.day, 28))
        return [StatementLine(last, Decimal("18.42"), "Interest credit", "INT-" + f"{end:%Y%m}")]
    return [
        StatementLine(end - timedelta(days=12), Decimal("-37.80"), "Card terminal fees", "MERCH-FEES"),
        StatementLine(end - timedelta(days=9), Decimal("1250.00"), "Cash deposit, branch 042", ""),
        StatementLine(end - timedelta(days=4), Decimal("-15.00"), "Wire fee, outgoing transfer", "FEE-WIRE"),
    ]


def _statements(account: str, postings: list[Booked], opening_units: int, first: date, end: date,
                extras: list[StatementLine], currency: str = "USD") -> list[ParsedStatement]:  # fmt: skip
    """One statement a month, with opening and closing balances that agree with the lines."""
    by_month: dict[date, list[StatementLine]] = defaultdict(list)
    for n, p in enumerate(postings, 1):
        description = p.memo if not p.counterparty else f"{p.counterparty} remittance / {p.memo}"
        bank_id = f"FNB-{account[:3].upper()}-{n:05d}"
        line = StatementLine(
            p.day, from_minor(p.units, 2), description, p.reference, bank_id, counterparty=p.counterparty
        )
        by_month[p.day.replace(day=1)].append(line)
    for extra in extras:
        by_month[extra.booked.replace(day=1)].append(extra)
    balance = from_minor(opening_units, 2)
    found = []
    month = first
    while month <= end:
        lines = tuple(sorted(by_month.get(month, []), key=lambda ln: ln.booked))
        lines = tuple(StatementLine(**{**_fields(ln), "row": i}) for i, ln in enumerate(lines, 1))
        closing = balance + sum((ln.amount for ln in lines), Decimal(0))
        found.append(
            ParsedStatement(
                "camt.053", f"{account.lower()}-{month:%Y-%m}.xml", currency=currency, statement_id=f"{month:%Y%m}",
                start=month, end=month_end(month), opening=balance, closing=closing, lines=lines,
            )
        )  # fmt: skip
        balance = closing
        month = add_months(month, 1)
    return found


def _fields(line: StatementLine) -> dict[str, object]:
    return {name: getattr(line, name) for name in StatementLine.__dataclass_fields__}


def open_accounts(company: object, ctx: object) -> None:
    """The operating and savings accounts, opened before the books' history is posted (the payables year
    pays from Operating)."""
    banks = company.bank_accounts(ctx)  # type: ignore[attr-defined]
    for name, gl, bank_name, iban, _months in ACCOUNTS:
        banks.add(BankAccountInput(name, gl, "USD", bank_name, number=iban))


def add_bank(company: object, ctx: object, start: date, end: date) -> None:
    """The bank accounts and their monthly statements, matched up to mid-month (see the module docstring).

    A reconciliation clears every GL line of the account up to its date, history included, so only the
    savings account, whose statements go back to `start` (the demo's first month, a few lines a month),
    is reconciled, to the month end two months before the last. The operating account's two thousand lines of
    history would each be one accept and double the demo's build time: its statements cover the last
    months only, matched but not reconciled.
    """
    banks = company.bank_accounts(ctx)  # type: ignore[attr-defined]
    imports = company.statement_import(ctx)  # type: ignore[attr-defined]
    recon = company.bank_reconciliation(ctx)  # type: ignore[attr-defined]
    matched_to = end.replace(day=15)  # the last two weeks or so are left for the user
    reconciled_to = month_end(add_months(end.replace(day=1), -2))  # an early month end
    for name, gl, _bank_name, _iban, months in ACCOUNTS:
        first = start.replace(day=1) if months is None else add_months(end.replace(day=1), -(months - 1))
        with Session(company.engine) as s:  # type: ignore[attr-defined]
            postings = _bank_postings(s, gl, first, end)
            opening = s.execute(
                select(JournalLine.amount).join(Account, Account.id == JournalLine.account_id)
                .where(Account.code == gl, JournalLine.date < first)
            ).scalars().all()  # fmt: skip
        statements = _statements(name, postings, sum(int(v) for v in opening), first, end, _extras(gl, end))
        if months is not None:  # the ledger is older than the statements: reconcile from the first one's opening
            opening_balance = statements[0].opening
            assert opening_balance is not None
            banks.set_opening(name, first - timedelta(days=1), opening_balance)
        imports.import_statements(name, statements)
        _, left = recon.accept_all(name, matched_to)
        # what the bookkeeper confirmed one by one: the same amount on the same day, no reference to go by
        recon.accept(name, [p for p in left if p.proposal.difference == 0 and p.proposal.score >= 45])
        balance = next(st.closing for st in statements if st.end == reconciled_to)
        recon.finish(name, reconciled_to, balance)
    _add_euro(company, ctx, end, matched_to)


def _add_euro(company: object, ctx: object, end: date, matched_to: date) -> None:
    """The euro account: the euro customers' payments of the last months, statements in EUR. The receipts'
    GL lines carry their EUR amounts, so the matcher pairs the statement's lines with them itself, up to
    `matched_to`, and the first euro month end is reconciled in EUR."""
    name, (gl, _) = "Euro", EURO_ACCOUNT
    first = euro_from(end)
    company.bank_accounts(ctx).add(  # type: ignore[attr-defined]
        BankAccountInput(name, gl, "EUR", "Commerzbank Hamburg", number="DE89 3704 0044 0532 0130 00")
    )
    with Session(company.engine) as s:  # type: ignore[attr-defined]
        rows = s.execute(
            select(Receipt.id, Receipt.date, Receipt.amount, Receipt.reference, Customer.name)
            .join(Customer, Customer.id == Receipt.customer_id)
            .join(Account, Account.id == Receipt.bank_account_id)
            .where(Account.code == gl)
            .order_by(Receipt.date, Receipt.id)
        ).all()
        paid: dict[int, list[str]] = defaultdict(list)
        for receipt_id, number in s.execute(
            select(Settlement.receipt_id, Invoice.number)
            .join(Invoice, Invoice.id == Settlement.invoice_id)
            .where(Settlement.receipt_id.in_([r[0] for r in rows]))
            .order_by(Invoice.number)
        ):
            paid[int(receipt_id)].append(number or "")
    postings = [
        Booked(day, int(units), ref, " ".join(paid[int(rid)]) or ref, payer) for rid, day, units, ref, payer in rows
    ]
    fee = [StatementLine(end - timedelta(days=3), Decimal("-9.50"), "Account fee", "FEE-" + f"{end:%Y%m}")]
    statements = _statements(name, postings, 0, first, end, fee, currency="EUR")
    company.statement_import(ctx).import_statements(name, statements)  # type: ignore[attr-defined]
    recon = company.bank_reconciliation(ctx)  # type: ignore[attr-defined]
    _, left = recon.accept_all(name, matched_to)
    recon.accept(name, [p for p in left if p.proposal.difference == 0 and p.proposal.score >= 45])
    reconciled_to = month_end(first)
    recon.finish(name, reconciled_to, next(st.closing for st in statements if st.end == reconciled_to))
