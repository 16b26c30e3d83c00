"""How Paksa reaches a bank account's statements on its own (migration 0016): a folder or a bank API.

One row per connected bank account. Only settings that are not secret live here (folder path, URLs,
client id); the client secret or API token is kept in the OS keyring (or the encrypted credentials
file) under `secret_label`. `cursor` is where the next incremental sync starts; it moves in the same
transaction as the lines it covers, so a failed sync leaves it where it was.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.ledger.models import _enum
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class ConnectionKind(enum.StrEnum):
    FOLDER = "folder"
    HTTP = "http"


class BankConnection(Base):
    """A bank account's connection: where statements come from and where the last sync stopped."""

    __tablename__ = "bank_connections"

    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), primary_key=True)
    kind: Mapped[ConnectionKind] = mapped_column(_enum(ConnectionKind, "bank_connection_kind"))
    folder: Mapped[str] = mapped_column(Text, default="")  # folder connector: the watched folder
    base_url: Mapped[str] = mapped_column(String(500), default="")  # http: the API's base URL
    token_url: Mapped[str] = mapped_column(String(500), default="")  # http: OAuth2 token endpoint ("" = static token)
    client_id: Mapped[str] = mapped_column(String(200), default="")
    account_ref: Mapped[str] = mapped_column(String(200), default="")  # http: the bank's id of the account
    cursor: Mapped[str] = mapped_column(Text, default="")  # where the next sync starts ("" = from the beginning)
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_result: Mapped[str] = mapped_column(Text, default="")  # what the last sync did, or why it failed
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
