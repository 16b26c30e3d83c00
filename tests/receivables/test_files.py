"""Customer and item files on both engines: the contract columns, all or nothing, exact messages, round trips."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paksa_desktop.core.errors import Cancelled, ImportFileError
from paksa_desktop.receivables.service import ImportResult
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, arq, customer, item, vat

CUSTOMERS = "code,name,currency,payment_terms_days,credit_limit,email,tax_number,income_account\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_and_updates_customers(books: Books, tmp_path: Path) -> None:
    ar(books).create_customer(customer("C001", "Old name", phone="555", notes="keep me"))
    path = write(
        tmp_path / "customers.csv",
        CUSTOMERS
        + "C001,Acme Ltd,USD,45,1000,ap@acme.example,GB123,4010\n"
        + "C002,Globex,EUR,2/10 net 30,,,,\n"
        + "C003,Initech,JPY,0,50000,,,\n",
    )
    result, changes = ar(books).import_customers(path)
    assert result == ImportResult(created=2, updated=1, unchanged=0)
    assert "customers" in changes
    c1, c2, c3 = arq(books).customers()
    assert (c1.name, c1.payment_terms, c1.credit_limit, c1.email, c1.tax_number, c1.income_account) == (
        "Acme Ltd",
        "net 45",
        D("1000.00"),
        "ap@acme.example",
        "GB123",
        "4010",
    )
    assert (c1.phone, c1.notes) == ("555", "keep me")  # fields the file has no column for stay
    assert (c2.currency, c2.payment_terms, c2.credit_limit) == ("EUR", "2/10 net 30", None)
    assert (c3.payment_terms, c3.credit_limit) == ("due on receipt", D("50000"))
    actions = [(a, k) for a, k, _b, _c in audit_rows(books, "customer")]
    assert actions == [("create", "C001"), ("update", "C001"), ("create", "C002"), ("create", "C003")]
    again, _ = ar(books).import_customers(path)
    assert again == ImportResult(0, 0, 3)
    assert len(audit_rows(books, "customer")) == 4  # nothing changed, nothing audited


def test_a_cancelled_import_writes_nothing_and_progress_is_reported(sqlite_books: Books, tmp_path: Path) -> None:
    rows = "".join(f"K{i:05d},Customer {i},usd,30,\n" for i in range(4500))
    path = write(tmp_path / "many.csv", "code,name,currency,payment_terms_days,credit_limit\n" + rows)
    seen: list[tuple[int, int]] = []
    with pytest.raises(Cancelled):
        ar(sqlite_books).import_customers(
            path, progress=lambda d, t: seen.append((d, t)), cancelled=lambda: len(seen) > 1
        )
    assert len(seen) == 2 and 0 < seen[0][0] < seen[1][0] <= seen[1][1] == path.stat().st_size
    assert arq(sqlite_books).customers() == []
    assert ar(sqlite_books).import_customers(path)[0] == ImportResult(4500, 0, 0)
    assert arq(sqlite_books).customer("K04499").currency == "USD"  # lower case is read as the ISO code


def test_optional_columns_left_out_keep_their_fields(books: Books, tmp_path: Path) -> None:
    ar(books).create_customer(customer(email="a@b.example", income_account="4020"))
    path = write(tmp_path / "c.csv", "code,name,currency,payment_terms_days,credit_limit\nC001,Acme Ltd,USD,30,\n")
    assert ar(books).import_customers(path)[0] == ImportResult(0, 0, 1)
    path = write(
        tmp_path / "c.csv", "code,name,currency,payment_terms_days,credit_limit,email\nC001,Acme Ltd,USD,30,,\n"
    )
    assert ar(books).import_customers(path)[0] == ImportResult(0, 1, 0)
    got = arq(books).customer("C001")
    assert (got.email, got.income_account) == ("", "4020")  # present and empty clears; absent keeps


def test_a_bad_customer_file_names_every_problem_and_writes_nothing(books: Books, tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        CUSTOMERS
        + "C001,Acme,USD,30,100,,,\n"
        + ",No code,USD,30,,,,\n"
        + "C003,,EURO,sometimes,-5,not-an-email,,2200\n"
        + "C001,Again,USD,30,1.234,,,4000\n"
        + "C005,Yen,JPY,30,1.5,,,9999\n"
        + "C006,No terms,USD,,,,,\n",
    )
    with pytest.raises(ImportFileError) as caught:
        ar(books).import_customers(path)
    assert str(caught.value).splitlines() == [
        "bad.csv:3: code: required",
        "bad.csv:4: name: required",
        "bad.csv:4: currency: 'EURO' is not an ISO 4217 currency code",
        "bad.csv:4: payment_terms_days: 'sometimes' is not payment terms; write e.g. 'net 30', '30 EOM', "
        "'due on receipt' or '2/10 net 30'",
        "bad.csv:4: email: 'not-an-email' is not an e-mail address",
        "bad.csv:4: income_account: account 2200 is liability; the income account must be an income account",
        "bad.csv:5: code: duplicate of row 2",
        "bad.csv:5: credit_limit: '1.234' has more than 2 decimal places",
        "bad.csv:5: income_account: account 4000 has sub-accounts; choose one of them",
        "bad.csv:6: credit_limit: '1.5' has more than 0 decimal places",
        "bad.csv:6: income_account: unknown account '9999'",
        "bad.csv:7: payment_terms_days: required (days, e.g. 30, or terms such as '2/10 net 30')",
    ]
    assert arq(books).customers() == []
    assert audit_rows(books, "customer") == []


def test_negative_credit_limit_and_header_problems(books: Books, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"^n\.csv:2: credit_limit: the credit limit must not be negative$"):
        ar(books).import_customers(write(tmp_path / "n.csv", CUSTOMERS + "C1,A,USD,30,-5,,,\n"))
    with pytest.raises(ImportFileError) as caught:
        ar(books).import_customers(write(tmp_path / "h.csv", "code,name,currency,terms\nC1,A,USD,30\n"))
    assert str(caught.value).splitlines() == [
        "h.csv:1: terms: unknown column; expected code, name, currency, payment_terms_days, credit_limit "
        "and optionally email, tax_number, income_account",
        "h.csv:1: payment_terms_days: required column is missing",
        "h.csv:1: credit_limit: required column is missing",
    ]
    with pytest.raises(ImportFileError, match=r"^e\.csv: the file has no customers$"):
        ar(books).import_customers(write(tmp_path / "e.csv", CUSTOMERS))


def test_xlsx_errors_name_the_sheet(books: Books, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["code", "description", "unit_price", "income_account", "tax_code"])
    ws.append(["SVC", "Consulting hour", 150, "4020", "VAT99"])
    ws.append(["KIT", "Kit", 9.99, "", ""])
    wb.save(tmp_path / "items.xlsx")
    with pytest.raises(ImportFileError) as caught:
        ar(books).import_items(tmp_path / "items.xlsx")
    assert str(caught.value).splitlines() == [
        "items.xlsx[Clients]:2: tax_code: unknown tax code 'VAT99'",
        "items.xlsx[Clients]:3: income_account: required for a new item (where its sales post)",
    ]
    assert arq(books).items() == []


def test_items_import_update_and_errors(books: Books, tmp_path: Path) -> None:
    vat(books)
    ar(books).create_item(item("WIDGET", "1.00", tax_code="VAT20"))
    path = write(
        tmp_path / "items.csv",
        "code,description,unit_price\nWIDGET,Blue widget v2,2.50\nGADGET,Gadget,0\n",
    )
    with pytest.raises(ImportFileError, match=r"^items\.csv:3: income_account: required for a new item"):
        ar(books).import_items(path)
    path = write(
        tmp_path / "items.csv",
        "code,description,unit_price,income_account,tax_code\n"
        "WIDGET,Blue widget v2,2.50,,\nGADGET,Gadget,0,4020,VAT5I\n",
    )
    assert ar(books).import_items(path)[0] == ImportResult(1, 1, 0)
    widget, gadget = arq(books).item("WIDGET"), arq(books).item("GADGET")
    assert (widget.unit_price, widget.income_account, widget.tax_code) == (D("2.50"), "4010", None)
    assert (gadget.unit_price, gadget.tax_code) == (D("0.00"), "VAT5I")
    bad = write(tmp_path / "bad.csv", "code,description,unit_price\nX,X,abc\nY,Y,\n")
    with pytest.raises(ImportFileError) as caught:
        ar(books).import_items(bad)
    assert str(caught.value).splitlines() == [
        "bad.csv:2: unit_price: 'abc' is not a decimal amount (use digits and '.', e.g. 1234.50)",
        "bad.csv:2: income_account: required for a new item (where its sales post)",
        "bad.csv:3: unit_price: required",
        "bad.csv:3: income_account: required for a new item (where its sales post)",
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_restores_the_state(books: Books, tmp_path: Path, suffix: str) -> None:
    vat(books)
    service = ar(books)
    for c in (
        customer("C001", "=cmd|' /C calc'!A0", currency="EUR", payment_terms="30 EOM", credit_limit=D("1234.56")),
        customer("C002", "Globex, Inc.", payment_terms="2/10 net 30", email="x@y.example", income_account="4020"),
        customer(
            "C003", "Yen Co", currency="JPY", payment_terms="due on receipt", credit_limit=D("0"), tax_number="-1"
        ),
        customer("C004", "Plain", payment_terms="net 60"),
    ):
        service.create_customer(c)
    service.create_item(item("A", "0.10", tax_code="VAT20"))
    service.create_item(item("B", "99999999.99", account="4020", description='He said "hi"\nnext line'))
    before = (arq(books).customers(), arq(books).items())
    customers_file, items_file = tmp_path / f"customers.{suffix}", tmp_path / f"items.{suffix}"
    assert service.export_customers(customers_file) == 4
    assert service.export_items(items_file) == 2
    for c in before[0]:
        service.update_customer(c.code, customer(c.code, "changed", credit_limit=D(7), email="z@z.example"))
    service.update_item("A", item("A", "5", account="4030"))
    assert service.import_customers(customers_file)[0] == ImportResult(0, 4, 0)
    assert service.import_items(items_file)[0] == ImportResult(0, 1, 1)
    after = (arq(books).customers(), arq(books).items())
    strip = lambda rows: [r.__class__(**{**{f: getattr(r, f) for f in r.__slots__}, "version": 0}) for r in rows]  # noqa: E731
    assert strip(after[0]) == strip(before[0]) and strip(after[1]) == strip(before[1])
    assert [r[0] for r in audit_rows(books, "customers")] == ["export"]


_code = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_", min_size=1, max_size=8)
_name = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and s
)
_terms = st.sampled_from(["net 30", "net 7", "due on receipt", "EOM", "net 30 EOM", "2/10 net 30", "1.5/15 net 45"])
_limit = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.dictionaries(_code, st.tuples(_name, _terms, _limit), min_size=1, max_size=6),
    suffix=st.sampled_from(["csv", "xlsx"]),
)
def test_round_trip_property(
    sqlite_books: Books, tmp_path: Path, rows: dict[str, tuple[str, str, object]], suffix: str
) -> None:
    """Any customers exported and re-imported into an empty set of customers come back the same."""
    books = sqlite_books
    service = ar(books)
    from paksa_desktop.persistence.unit_of_work import UnitOfWork
    from paksa_desktop.receivables.models import Customer

    with UnitOfWork(books.company.engine) as uow:  # start each example from no customers
        uow.session.query(Customer).delete()
        uow.commit()
    for code, (name, terms, limit) in rows.items():
        service.create_customer(customer(code, name, payment_terms=terms, credit_limit=limit))
    before = [(c.code, c.name, c.currency, c.payment_terms, c.credit_limit) for c in arq(books).customers()]
    path = tmp_path / f"round.{suffix}"
    service.export_customers(path)
    with UnitOfWork(books.company.engine) as uow:
        uow.session.query(Customer).delete()
        uow.commit()
    assert service.import_customers(path)[0].created == len(rows)
    after = [(c.code, c.name, c.currency, c.payment_terms, c.credit_limit) for c in arq(books).customers()]
    assert after == before
