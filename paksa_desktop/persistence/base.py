"""Declarative base shared by every module's tables, with stable constraint names for migrations."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def all_metadata() -> MetaData:
    """Metadata with every module's tables registered (importing the model modules registers them)."""
    import paksa_desktop.audit.models
    import paksa_desktop.banking.connectors.models
    import paksa_desktop.banking.models
    import paksa_desktop.banking.recon_models
    import paksa_desktop.banking.rule_models
    import paksa_desktop.documents.models
    import paksa_desktop.fx.models
    import paksa_desktop.ledger.models
    import paksa_desktop.ledger.statement_models
    import paksa_desktop.payables.models
    import paksa_desktop.receivables.models
    import paksa_desktop.security.crypto_models
    import paksa_desktop.security.models  # noqa: F401

    return Base.metadata
