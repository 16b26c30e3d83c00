"""Chart of accounts, dimensions, recurring entries, year-end and the audit trail on both engines."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.commands import AccountInput, RecurringInput
from paksa_desktop.ledger.models import AccountSubtype, AccountType, EntryState, Frequency, PeriodState
from paksa_desktop.ledger.queries import EntryFilter
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.ledger.helpers import entry, line


def audit_rows(books, entity: str | None = None) -> list:
    a = AuditRecord
    with UnitOfWork(books.company.engine, write=False) as uow:
        stmt = select(a.action, a.entity_id, a.username, a.before, a.after).order_by(a.id)
        if entity:
            stmt = stmt.where(a.entity == entity)
        return list(uow.session.execute(stmt).all())


def test_account_hierarchy_rules(books):
    ledger = books.ledger
    ledger.create_account(
        AccountInput("1105", "Payroll bank account", AccountType.ASSET, parent="1000", subtype=AccountSubtype.BANK)
    )
    with pytest.raises(ValidationError, match="already exists"):
        ledger.create_account(AccountInput("1105", "Again", AccountType.ASSET))
    with pytest.raises(ValidationError, match="its parent 1000 is asset"):
        ledger.create_account(AccountInput("4999", "Odd", AccountType.INCOME, parent="1000"))
    with pytest.raises(ValidationError, match="unknown currency"):
        ledger.create_account(AccountInput("1106", "Odd", AccountType.ASSET, currency="ABC"))
    ledger.post(entry("2024-01-05", ("1105", "10.00"), ("4010", "-10.00")))
    with pytest.raises(ValidationError, match="already has postings"):
        ledger.create_account(AccountInput("1105.1", "Sub", AccountType.ASSET, parent="1105"))
    accounts = {a.code: a for a in books.queries.accounts()}
    assert accounts["1105"].parent_code == "1000" and accounts["1105"].is_leaf
    assert not accounts["1000"].is_leaf
    assert accounts["1000"].balance == Decimal("10.00")  # parents roll up their children
    assert accounts["4000"].balance == Decimal("-10.00")


def test_account_update_is_audited_with_a_field_diff(books):
    books.ledger.update_account("6100", name="Office rent")
    row = audit_rows(books, "account")[-1]
    assert (row.action, row.entity_id, row.username) == ("update", "6100", "admin")
    assert json.loads(row.before) == {"name": "Rent"} and json.loads(row.after) == {"name": "Office rent"}


def test_failed_operation_leaves_no_audit_row(books):
    before = len(audit_rows(books))
    with pytest.raises(ValidationError):
        books.ledger.post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-2.00")))
    assert len(audit_rows(books)) == before


def test_every_posting_writes_an_audit_row(books):
    ref, _ = books.ledger.post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-1.00")))
    books.ledger.reverse(ref.id)
    actions = [(r.action, r.entity_id) for r in audit_rows(books, "journal_entry")]
    assert ("post", str(ref.id)) in actions and ("reverse", str(ref.id)) in actions


def test_dimensions_filter_the_trial_balance(books):
    books.ledger.create_department("SALES", "Sales")
    books.ledger.create_project("P1", "Website")
    books.ledger.post(
        entry("2024-01-10", line("1100", "100.00"), line("4010", "-100.00", department="SALES", project="P1"))
    )
    books.ledger.post(entry("2024-01-11", ("1100", "50.00"), ("4020", "-50.00")))
    by_dept = books.queries.trial_balance(department="SALES")
    assert [(r.code, r.closing) for r in by_dept.rows] == [("4010", Decimal("-100.00"))]
    assert [r.code for r in books.queries.trial_balance(project="P1").rows] == ["4010"]
    with pytest.raises(ValidationError, match="unknown department"):
        books.ledger.post(entry("2024-01-10", line("1100", "1.00"), line("4010", "-1.00", department="NOPE")))


def test_recurring_entries_generate_drafts_or_posts(books):
    rent = (line("6100", "1500.00"), line("1100", "-1500.00"))
    template_id, _ = books.ledger.save_recurring(
        RecurringInput("Office rent", Frequency.MONTHLY, date(2024, 1, 31), rent, post=True, end_date=date(2024, 4, 30))
    )
    books.ledger.save_recurring(
        RecurringInput(
            "Insurance", Frequency.QUARTERLY, date(2024, 1, 15), (line("6150", "600.00"), line("1100", "-600.00"))
        )
    )
    run, _ = books.ledger.run_recurring(date(2024, 6, 30))
    assert run.posted == 4  # Jan 31, Feb 29, Mar 31, Apr 30 (end date)
    posted = books.queries.entries(EntryFilter(state=EntryState.POSTED))
    assert sorted(e.date for e in posted) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    drafts = books.queries.entries(EntryFilter(state=EntryState.DRAFT))
    assert sorted(e.date for e in drafts) == [date(2024, 1, 15), date(2024, 4, 15)]
    templates = {t.name: t for t in books.queries.recurring()}
    assert not templates["Office rent"].is_active and templates["Insurance"].next_date == date(2024, 7, 15)
    again, _ = books.ledger.run_recurring(date(2024, 6, 30))
    assert again.created == ()
    books.ledger.delete_recurring(template_id)
    assert [t.name for t in books.queries.recurring()] == ["Insurance"]


def test_year_end_closing_moves_the_result_to_retained_earnings(books):
    books.ledger.post(entry("2024-03-10", ("1100", "1000.00"), ("4010", "-1000.00")))
    books.ledger.post(entry("2024-04-10", ("6100", "400.00"), ("1100", "-400.00")))
    year = next(fy for fy in books.queries.fiscal_years() if fy.code == "2024")
    ref, _ = books.ledger.close_year(year.id)
    assert ref is not None
    closing = books.queries.entry(ref.id)
    assert closing.date == date(2024, 12, 31)
    balances = {r.code: r.closing for r in books.queries.trial_balance(as_of=date(2024, 12, 31)).rows}
    assert balances == {"1100": Decimal("600.00"), "3200": Decimal("-600.00")}


def test_periods_and_lock_date_are_audited(books):
    books.ledger.ensure_fiscal_year(date(2024, 5, 1))
    may = next(p for p in books.queries.periods() if p.start_date == date(2024, 5, 1))
    books.ledger.close_period(may.id)
    assert next(p for p in books.queries.periods() if p.id == may.id).state is PeriodState.CLOSED
    with pytest.raises(ValidationError, match="already closed"):
        books.ledger.close_period(may.id)
    books.ledger.set_lock_date(date(2024, 2, 29))
    assert books.queries.company().lock_date == date(2024, 2, 29)
    assert [r.action for r in audit_rows(books, "period")] == ["close"]
    with UnitOfWork(books.company.engine, write=False) as uow:
        assert (
            uow.session.execute(
                select(func.count()).select_from(AuditRecord).where(AuditRecord.entity == "lock_date")
            ).scalar_one()
            == 1
        )
