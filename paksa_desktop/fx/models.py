"""Tables of the foreign-currency module: its settings and the record of each revaluation run."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class FxSettings(Base):
    """One row: where unrealised exchange differences post. Missing (or a null column): the standard
    chart's accounts 4120 / 7020 and the general journal GEN are used."""

    __tablename__ = "fx_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unrealised_gain_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    unrealised_loss_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FxRevaluation(Base):
    """A posted revaluation: its entry dated `day` and the reversal dated the next day (one per day)."""

    __tablename__ = "fx_revaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    reversal_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
