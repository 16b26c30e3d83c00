"""Receivables master data: tax codes, customers (with contacts and addresses) and items.

Money is integer minor units: a customer's credit limit in the customer's currency, an item's unit
price in the company's base currency. A tax rate is kept exactly as an integer count of
ten-thousandths of a percent (`rate_e4`: 20 % is 200000, 7.125 % is 71250), not as NUMERIC, which
SQLite would carry through a float.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from paksa_desktop.ledger.models import _enum
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class AddressKind(enum.StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"


class TaxCodeRow(Base):
    """A sales tax code: its rate, whether prices with it include the tax, and the liability it posts to."""

    __tablename__ = "tax_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    rate_e4: Mapped[int] = mapped_column(Integer)  # percent x 10,000
    inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms: Mapped[str] = mapped_column(String(40))  # canonical text (PaymentTerms.text())
    credit_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # minor units; None: no limit
    credit_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    income_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    tax_number: Mapped[str] = mapped_column(String(50), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    contacts: Mapped[list[CustomerContact]] = relationship(
        cascade="all, delete-orphan", order_by="CustomerContact.position"
    )
    addresses: Mapped[list[CustomerAddress]] = relationship(
        cascade="all, delete-orphan", order_by="CustomerAddress.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CustomerContact(Base):
    __tablename__ = "customer_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AddressKind] = mapped_column(_enum(AddressKind, "address_kind"))
    lines: Mapped[str] = mapped_column(Text, default="")  # street lines, one per line
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2


class Item(Base):
    """Something sold: goods or a service, with its price in the base currency and where its sales post."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[int] = mapped_column(BigInteger)  # minor units of the base currency
    income_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
