"""The folder connector and `BankSyncService`: dropped statement files are imported and moved to
`imported/`, unreadable or refused ones to `failed/` with the reason; a re-sync imports nothing twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from paksa_desktop.banking.connectors.folder import FolderConnector
from paksa_desktop.banking.connectors.models import ConnectionKind
from paksa_desktop.banking.connectors.service import ConnectionInput
from paksa_desktop.banking.connectors.sync import sync_accounts
from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from tests.banking.helpers import operating
from tests.conftest import Books

FILES = Path(__file__).parent / "files"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "drop"
    path.mkdir()
    return path


@pytest.fixture
def connected(books: Books, folder: Path) -> Books:
    books.company.bank_accounts(books.ctx).add(operating(number="4433221100"))
    books.company.bank_connections(books.ctx).set(
        "Operating", ConnectionInput(ConnectionKind.FOLDER, folder=str(folder))
    )
    return books


def _lines(books: Books) -> list[str]:
    return [r.bank_id for r in books.company.bank_queries(books.ctx).lines("Operating")]


def _names(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def test_a_dropped_file_is_imported_and_moved_and_a_second_copy_only_skips(connected: Books, folder: Path) -> None:
    shutil.copy(FILES / "ofx1_sgml_cp1252.ofx", folder / "jan.ofx")
    (folder / ".hidden").write_text("not a statement")
    (folder / "feb.ofx.part").write_text("still downloading")
    (outcome,) = sync_accounts(connected.company, connected.ctx, None)
    assert (outcome.ok, outcome.imported, outcome.skipped) == (True, 3, 0)
    assert _lines(connected) == ["2024010500001", "2024011000002", "2024013100003"]
    assert _names(folder / "imported") == ["jan.ofx"]
    assert _names(folder) == [".hidden", "feb.ofx.part", "imported"]  # hidden and half-written files wait
    (row,) = connected.company.bank_connections(connected.ctx).connections()
    assert row.last_result.startswith("Operating: 3 line(s) imported") and row.last_sync_at is not None

    shutil.copy(FILES / "ofx1_sgml_cp1252.ofx", folder / "jan.ofx")  # the bank drops the same file again
    (again,) = sync_accounts(connected.company, connected.ctx, None, "Operating")
    assert (again.ok, again.imported, again.skipped) == (True, 0, 3)
    assert len(_lines(connected)) == 3
    assert len(_names(folder / "imported")) == 2  # the second copy kept under a stamped name


def test_an_unreadable_file_goes_to_failed_with_its_reason_and_nothing_is_imported(
    connected: Books, folder: Path
) -> None:
    shutil.copy(FILES / "ofx1_sgml_cp1252.ofx", folder / "a-good.ofx")
    shutil.copy(FILES / "statement.pdf", folder / "b-scan.pdf")
    (outcome,) = sync_accounts(connected.company, connected.ctx, None)
    assert not outcome.ok and "could not be read" in outcome.error and "b-scan.pdf" in outcome.error
    assert _lines(connected) == []  # all or nothing for the account
    assert _names(folder / "failed") == ["b-scan.pdf", "b-scan.pdf.error.txt"]
    assert "PDF" in (folder / "failed" / "b-scan.pdf.error.txt").read_text(encoding="utf-8")
    (row,) = connected.company.bank_connections(connected.ctx).connections()
    assert row.last_result.startswith("failed:")

    (retry,) = sync_accounts(connected.company, connected.ctx, None)  # the good file waited for this sync
    assert (retry.ok, retry.imported) == (True, 3)
    assert _names(folder / "imported") == ["a-good.ofx"]


def test_a_file_for_another_account_is_refused_and_moved_aside_naming_why(connected: Books, folder: Path) -> None:
    shutil.copy(FILES / "mt940_two_accounts.sta", folder / "other.sta")
    (outcome,) = sync_accounts(connected.company, connected.ctx, None)
    assert not outcome.ok and "nothing was imported into Operating" in outcome.error
    assert _lines(connected) == []
    assert _names(folder / "failed") == ["other.sta", "other.sta.error.txt"]
    assert "not bank account Operating" in (folder / "failed" / "other.sta.error.txt").read_text(encoding="utf-8")


def test_a_missing_folder_fails_that_account_only(connected: Books, folder: Path, tmp_path: Path) -> None:
    company, ctx = connected.company, connected.ctx
    company.bank_accounts(ctx).add(operating(name="Savings", number=None, gl_account="1110"))
    company.bank_connections(ctx).set("Savings", ConnectionInput(ConnectionKind.FOLDER, folder=str(tmp_path / "gone")))
    shutil.copy(FILES / "ofx1_sgml_cp1252.ofx", folder / "jan.ofx")
    outcomes = {o.account: o for o in sync_accounts(company, ctx, None)}
    assert outcomes["Operating"].ok and outcomes["Operating"].imported == 3
    assert not outcomes["Savings"].ok and "does not exist" in outcomes["Savings"].error


def test_a_csv_is_read_through_the_accounts_profile(sqlite_books: Books, folder: Path) -> None:
    profile = {
        "date_column": "Date",
        "description_column": "Description",
        "debit_column": "Debit",
        "credit_column": "Credit",
        "bank_id_column": "Transaction ID",
        "date_formats": ["%m/%d/%Y"],
        "thousands_separator": ",",
        "skip_footer_rows": 1,
    }
    company, ctx = sqlite_books.company, sqlite_books.ctx
    company.bank_accounts(ctx).add(operating(number=None, import_profile=profile))
    company.bank_connections(ctx).set("Operating", ConnectionInput(ConnectionKind.FOLDER, folder=str(folder)))
    shutil.copy(FILES / "csv_two_columns.csv", folder / "export.csv")
    connector = FolderConnector(folder)  # without the profile a CSV cannot be read
    with pytest.raises(Exception, match="CSV profile"):
        connector.fetch(None)
    shutil.copy(FILES / "csv_two_columns.csv", folder / "export.csv")
    (outcome,) = sync_accounts(company, ctx, None)
    assert (outcome.ok, outcome.imported) == (True, 3)
    assert _lines(sqlite_books) == ["T-1", "T-2", "T-3"]


def test_connection_settings_are_validated_audited_and_need_the_permissions(sqlite_books: Books) -> None:
    company, ctx = sqlite_books.company, sqlite_books.ctx
    company.bank_accounts(ctx).add(operating())
    service = company.bank_connections(ctx)
    with pytest.raises(ValidationError, match="must use https"):
        service.set("Operating", ConnectionInput(ConnectionKind.HTTP, base_url="http://bank.example/api"))
    with pytest.raises(ValidationError, match="client id"):
        service.set(
            "Operating",
            ConnectionInput(ConnectionKind.HTTP, base_url="https://bank.example", token_url="https://bank.example/t"),
        )
    with pytest.raises(ValidationError, match="user name or password"):
        service.set("Operating", ConnectionInput(ConnectionKind.HTTP, base_url="https://me:pw@bank.example"))
    with pytest.raises(NotFoundError, match="no connection"):
        service.connections("Operating")
    service.set("Operating", ConnectionInput(ConnectionKind.HTTP, base_url="https://bank.example/v1/"))
    (row,) = service.connections("Operating")
    assert (row.kind, row.base_url, row.cursor) == (ConnectionKind.HTTP, "https://bank.example/v1", "")
    with company.engine.connect() as conn:
        audited = conn.execute(text("SELECT action FROM audit_log WHERE entity = 'bank_connection'")).scalars().all()
    assert audited == ["create"]
    company.add_user(ctx, "clerk", "Correct-Horse-7-battery", roles=("AR clerk",))
    viewer = company.login("clerk", "Correct-Horse-7-battery")
    with pytest.raises(PermissionDenied):
        company.bank_connections(viewer).set("Operating", ConnectionInput(ConnectionKind.FOLDER, folder="/tmp"))
    with pytest.raises(PermissionDenied):
        sync_accounts(company, viewer, None)
