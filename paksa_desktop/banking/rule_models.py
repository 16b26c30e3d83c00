"""Bank rules (migration 0018): how a recurring bank line is coded, so nobody types it again.

A rule says "a line whose description contains PATTERN (or matches it, when it is a regular expression),
within an amount range and from a counterparty, is posted to ACCOUNT with this tax code, department,
project and memo". Amounts are signed (+ money in, - money out) and kept in units of 1/10,000 so one
rule can serve accounts in currencies with different decimals.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class BankRule(Base):
    __tablename__ = "bank_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id"), nullable=True)  # None: all
    pattern: Mapped[str] = mapped_column(String(200))
    is_regex: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_min_e4: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # signed, x 10,000
    amount_max_e4: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    counterparty: Mapped[str] = mapped_column(String(200), default="")  # "contains", case-insensitive
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    memo: Mapped[str] = mapped_column(String(200), default="")  # template: {description} {reference} ...
    priority: Mapped[int] = mapped_column(Integer, default=100)  # lower first
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
