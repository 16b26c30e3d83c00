"""Books for the statements screen: half a year of trading in 2024, posted through the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime

from paksa_desktop.ledger.statement_models import Budget, BudgetAmount
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.ledger.helpers import entry, line


def post_half_year(books: Books) -> None:
    """Capital and a loan; January to June: a sale of 1,000 × month (OPS department), rent 800, fees 150;
    equipment bought on credit in April. Net income for the half year: 21,000 − 4,800 − 900 = 15,300."""
    ledger = books.ledger
    ledger.create_department("OPS", "Operations")
    ledger.post(entry("2024-01-02", ("1100", "10000.00"), ("3100", "-10000.00"), memo="Owner's capital"))
    ledger.post(entry("2024-03-05", ("1100", "5000.00"), ("2710", "-5000.00"), memo="Bank loan"))
    ledger.post(entry("2024-04-10", ("1540", "2000.00"), ("2010", "-2000.00"), memo="Laptops on credit"))
    for month in range(1, 7):
        day = f"2024-{month:02d}"
        amount = f"{1000 * month}.00"
        ledger.post(
            entry(
                f"{day}-15",
                line("1200", amount, department="OPS"),
                line("4010", f"-{amount}", department="OPS"),
                memo=f"Sales {day}",
            )
        )
        ledger.post(entry(f"{day}-01", ("6100", "800.00"), ("1100", "-800.00"), memo=f"Rent {day}"))
        ledger.post(entry(f"{day}-28", ("6200", "150.00"), ("1100", "-150.00"), memo=f"Accountant {day}"))


def add_budget(books: Books, name: str, amounts: dict[tuple[str, int], str]) -> None:
    """A budget written straight into its tables (the budgets service is built alongside this screen).

    `amounts`: (account code, month of 2024) → amount in ledger sign (income negative), e.g. '-1500.00'.
    """
    from sqlalchemy import select

    from paksa_desktop.ledger.models import Account

    with UnitOfWork(books.company.engine) as uow:
        s = uow.session
        budget = Budget(name=name, description="", created_at=datetime(2024, 1, 1, tzinfo=UTC), created_by="admin")
        s.add(budget)
        s.flush()
        for (code, month), amount in amounts.items():
            account_id = s.execute(select(Account.id).where(Account.code == code)).scalar_one()
            minor = int(amount.replace(".", ""))
            s.add(BudgetAmount(budget_id=budget.id, account_id=account_id, month=date(2024, month, 1), amount=minor))
        uow.commit()
