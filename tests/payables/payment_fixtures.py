"""Vendors and posted bills for the payment tests, written straight to the tables.

The bill service is built in parallel; until it lands, a posted bill here is what posting will make:
a Bill row (state posted, number from the BILL/VCN series, open amount = total, discount date and percent
from the vendor's terms) with its real GL entry posted through the ledger's Poster (source `ap_bill`
or `ap_credit_note`: Dr expense, Cr payable 2010, or the reverse), so the GL and the subledger agree
and PostgreSQL's backstop (every ap_ entry referred to by a payables row) holds. The lead switches
these helpers to the bill service on merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.money import currency_exponent, to_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.ledger.models import Account, JournalLine
from paksa_desktop.ledger.posting import Poster, PreparedEntry, PreparedLine
from paksa_desktop.payables.models import Bill, BillKind, BillState, Vendor
from paksa_desktop.payables.settings import load_settings
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.amounts import rate_text, to_base
from paksa_desktop.receivables.numbering import document_number, take_numbers
from paksa_desktop.security import field_crypto
from paksa_desktop.security.context import UserContext
from tests.conftest import Books

VENDOR_IBANS = (
    "FR14 2004 1010 0505 0001 3M02 606",
    "GB82 WEST 1234 5698 7654 32",
    "NL91 ABNA 0417 1643 00",
    "BE68 5390 0754 7034",
    "AT61 1904 3002 3457 3201",
    "ES91 2100 0418 4502 0005 1332",
)
COMPANY_IBAN = "DE89 3704 0044 0532 0130 00"


@dataclass
class Payables:
    """Vendors, posted bills and bank accounts in a test company (admin's context)."""

    books: Books
    ctx: UserContext | None = None
    _vendors: int = field(default=0)

    @property
    def user(self) -> UserContext:
        return self.ctx or self.books.ctx

    def bank(self, name: str = "Operating", gl_account: str = "1100", currency: str = "USD") -> str:
        self.books.company.bank_accounts(self.books.ctx).add(
            BankAccountInput(name, gl_account, currency, bank_name="Commerzbank", number=COMPANY_IBAN)
        )
        return name

    def vendor(
        self,
        code: str,
        name: str = "",
        *,
        currency: str = "USD",
        iban: str | None = "",
        terms: str = "net 30",
        withholding_percent: str = "0",
        active: bool = True,
        country: str = "FR",
    ) -> str:
        """A vendor; `iban=""` takes a valid one, None leaves it without bank details."""
        if iban == "":
            iban = VENDOR_IBANS[self._vendors % len(VENDOR_IBANS)]
        self._vendors += 1
        key = field_crypto.require_key(self.books.ctx) if iban else None
        rate_e4 = int(Decimal(withholding_percent) * 10_000)
        with UnitOfWork(self.books.company.engine) as uow:
            compact = "".join(iban.split()).upper() if iban else ""
            uow.session.add(
                Vendor(
                    code=code,
                    name=name or f"Vendor {code}",
                    currency=currency,
                    payment_terms=PaymentTerms.parse(terms).text(),
                    iban=field_crypto.encrypt(key, compact, "vendors.iban") if key else None,
                    bank_last4=compact[-4:],
                    address_lines="12 rue de la Paix",
                    city="Paris",
                    postal_code="75002",
                    country=country,
                    withholding=rate_e4 > 0,
                    withholding_rate_e4=rate_e4,
                    is_active=active,
                    created_at=self.books.clock.now(),
                )
            )
            uow.commit()
        return code

    def bill(
        self,
        vendor: str,
        total: str,
        day: date,
        *,
        due: date | None = None,
        rate: str = "1",
        kind: BillKind = BillKind.BILL,
        vendor_invoice: str = "",
        on_hold: bool = False,
        expense_account: str = "6130",
    ) -> str:
        """A posted bill (or credit note) of `total` in the vendor's currency; returns its number."""
        with UnitOfWork(self.books.company.engine) as uow:
            s = uow.session
            poster = Poster(s, self.books.ctx, day=day)
            settings = load_settings(s)
            row = s.execute(select(Vendor).where(Vendor.code == vendor)).scalar_one()
            terms = PaymentTerms.parse(row.payment_terms)
            units = to_minor(Decimal(total), currency_exponent(row.currency))
            base = to_base(units, Decimal(rate), row.currency, poster.base_currency)
            credit = kind is BillKind.CREDIT_NOTE
            series = settings.credit_note_series if credit else settings.bill_series
            period = poster.period(day)
            sequence = take_numbers(s, series, period.fiscal_year_id, 1)
            number = document_number(series, period.fiscal_year_name, sequence)
            expense = s.execute(select(Account.id).where(Account.code == expense_account)).scalar_one()
            sign = -1 if credit else 1
            entry = PreparedEntry(
                journal_id=settings.purchases_journal_id,
                date=day,
                lines=[
                    PreparedLine(expense, sign * base, number),
                    PreparedLine(settings.payable_account_id, -sign * base, number),
                ],
                memo=f"{number} {row.name}",
                reference=vendor_invoice or number,
                source="ap_credit_note" if credit else "ap_bill",
            )
            poster.check(entry)
            poster.write([entry])
            s.add(
                Bill(
                    kind=kind,
                    state=BillState.POSTED,
                    vendor_id=row.id,
                    number=number,
                    series=series,
                    fiscal_year_id=period.fiscal_year_id,
                    sequence=sequence,
                    vendor_invoice=vendor_invoice or f"INV-{number[-4:]}",
                    date=day,
                    due_date=due or terms.due_date(day),
                    terms=terms.text(),
                    discount_date=None if credit else terms.discount_date(day),
                    discount_e4=0 if credit else int(terms.discount_percent * 10_000),
                    currency=row.currency,
                    rate=rate_text(Decimal(rate)),
                    control_account_id=settings.payable_account_id,
                    net_total=units,
                    tax_total=0,
                    total=units,
                    base_total=base,
                    open_amount=units,
                    withholding_e4=row.withholding_rate_e4 if row.withholding else 0,
                    on_hold=on_hold,
                    entry_id=entry.id,
                    created_by=self.books.ctx.user_id,
                    created_at=self.books.clock.now(),
                    posted_by=self.books.ctx.user_id,
                    posted_at=self.books.clock.now(),
                )
            )
            uow.commit()
        return number

    def credit_note(self, vendor: str, total: str, day: date, **kw: object) -> str:
        return self.bill(vendor, total, day, kind=BillKind.CREDIT_NOTE, **kw)  # type: ignore[arg-type]


def gl_balance(books: Books, code: str, upto: date | None = None) -> int:
    """An account's GL balance in base minor units (debit positive)."""
    with UnitOfWork(books.company.engine, write=False) as uow:
        stmt = (
            select(func.coalesce(func.sum(JournalLine.amount), 0))
            .join(Account, Account.id == JournalLine.account_id)
            .where(Account.code == code)
        )
        if upto is not None:
            stmt = stmt.where(JournalLine.date <= upto)
        return int(uow.session.execute(stmt).scalar_one())


def entry_lines(books: Books, entry_id: int) -> list[tuple[str, str]]:
    """An entry's lines as (account code, signed amount in base units), sorted: what tests compare."""
    with UnitOfWork(books.company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(Account.code, JournalLine.amount)
            .join(Account, Account.id == JournalLine.account_id)
            .where(JournalLine.entry_id == entry_id)
        ).all()
    exponent = 2
    return sorted((code, f"{Decimal(amount).scaleb(-exponent):.2f}") for code, amount in rows)


def open_amounts(books: Books) -> dict[str, tuple[int, str]]:
    """Every bill's open amount and state by number."""
    with UnitOfWork(books.company.engine, write=False) as uow:
        return {
            str(n): (int(o), st.value)
            for n, o, st in uow.session.execute(select(Bill.number, Bill.open_amount, Bill.state))
        }


def days(n: int, start: date = date(2024, 6, 1)) -> date:
    return start + timedelta(days=n)
