"""Exchange rates: the lookup rule, CSV and ECB eurofxref imports (all or nothing, exact cross rates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from paksa_desktop.core.errors import ImportFileError, PermissionDenied
from paksa_desktop.fx.rates import NoRateError, parse_ecb_xml
from paksa_desktop.ledger.models import ExchangeRate
from tests.conftest import Books
from tests.receivables.helpers import arq, inv, login_as

D = Decimal

ECB = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2024-06-28">
      <Cube currency="USD" rate="1.0705"/>
      <Cube currency="JPY" rate="171.94"/>
      <Cube currency="GBP" rate="0.84638"/>
    </Cube>
    <Cube time="2024-06-27">
      <Cube currency="USD" rate="1.0700"/>
      <Cube currency="JPY" rate="171.5"/>
      <Cube currency="GBP" rate="0.8475"/>
    </Cube>
  </Cube>
</gesmes:Envelope>
"""


def rates(books: Books):  # type: ignore[no-untyped-def]
    return books.company.fx_rates(books.ctx)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def table(books: Books) -> dict[tuple[str, date], str]:
    return {(r.currency, r.day): str(r.rate) for r in arq(books).exchange_rates()}


def test_the_rate_on_a_day_is_the_latest_on_or_before_it(books: Books) -> None:
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    inv(books).set_rate("EUR", date(2024, 4, 1), D("1.20"))
    assert rates(books).rate("EUR", date(2024, 3, 1)) == D("1.1")
    assert rates(books).rate("eur", date(2024, 3, 31)) == D("1.1")
    assert rates(books).rate("EUR", date(2024, 4, 1)) == D("1.2")
    assert rates(books).rate("EUR", date(2030, 1, 1)) == D("1.2")
    assert rates(books).rate("USD", date(1990, 1, 1)) == 1  # the base currency
    with pytest.raises(NoRateError, match=r"no exchange rate for EUR on or before 2024-02-29"):
        rates(books).rate("EUR", date(2024, 2, 29))
    with pytest.raises(NoRateError, match=r"no exchange rate for GBP on or before 2024-03-01"):
        rates(books).rate("GBP", date(2024, 3, 1))


def test_a_csv_file_adds_and_replaces_rates(books: Books, tmp_path: Path) -> None:
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.05"))
    inv(books).set_rate("GBP", date(2024, 3, 1), D("1.25"))
    path = write(
        tmp_path / "rates.csv",
        "currency,date,rate\nEUR,2024-03-01,1.0825\ngbp,2024-03-01,1.25\nJPY,2024-03-01,0.0067\n\nEUR,2024-03-04,1.09\n",
    )
    result, _ = rates(books).import_rates_file(path)
    assert (result.added, result.replaced, result.unchanged, result.file_format) == (2, 1, 1, "csv")
    assert table(books) == {
        ("EUR", date(2024, 3, 1)): "1.0825",
        ("EUR", date(2024, 3, 4)): "1.09",
        ("GBP", date(2024, 3, 1)): "1.25",
        ("JPY", date(2024, 3, 1)): "0.0067",
    }


def test_a_bad_csv_file_writes_nothing_and_names_every_problem(books: Books, tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        "currency,date,rate\n"
        "EUR,2024-03-01,1.08\n"
        "XYZ,2024-03-01,1.0\n"
        "EUR,01/03/2024,1.0\n"
        "GBP,2024-03-01,-2\n"
        "USD,2024-03-01,1\n"
        "EUR,2024-03-01,1.09\n"
        "GBP,2024-03-02\n",
    )
    with pytest.raises(ImportFileError) as caught:
        rates(books).import_rates_file(path)
    assert str(caught.value).splitlines() == [
        "bad.csv:3: currency: 'XYZ' is not an ISO 4217 currency code",
        "bad.csv:4: date: '01/03/2024' is not a date (write YYYY-MM-DD)",
        "bad.csv:5: rate: exchange rate -2: must be a positive number",
        "bad.csv:6: currency: USD is the base currency (its rate is always 1)",
        "bad.csv:8: expected 3 columns, found 2",
        "bad.csv:7: date: EUR on 2024-03-01 is already given on row 2",
    ]
    assert table(books) == {}
    with pytest.raises(ImportFileError, match=r"wrong.csv:1: the header must be exactly: currency,date,rate"):
        rates(books).import_rates_file(write(tmp_path / "wrong.csv", "code,day,rate\nEUR,2024-03-01,1\n"))


def test_an_ecb_file_is_converted_to_the_base_currency_exactly(books: Books, tmp_path: Path) -> None:
    result, _ = rates(books).import_rates_file(write(tmp_path / "eurofxref-hist.xml", ECB))
    assert (result.added, result.file_format) == (6, "ecb")
    stored = table(books)
    # USD company: EUR = USD per EUR; JPY = 1.0705 / 171.94 = 0.006226009072932...: 12 significant digits
    assert stored[("EUR", date(2024, 6, 28))] == "1.0705"
    assert stored[("JPY", date(2024, 6, 28))] == "0.00622600907293"
    assert stored[("GBP", date(2024, 6, 28))] == "1.26479831754"  # 1.0705 / 0.84638 = 1.264798317540584...
    assert stored[("EUR", date(2024, 6, 27))] == "1.07"
    assert stored[("GBP", date(2024, 6, 27))] == "1.26253687316"  # 1.07 / 0.8475 = 1.262536873156342...
    assert rates(books).rate("JPY", date(2024, 6, 30)) == D("0.00622600907293")


def test_an_ecb_file_for_a_euro_company_inverts_nothing_but_the_base() -> None:
    rows, errors = parse_ecb_xml(ECB.encode(), "f.xml", "EUR")
    assert errors == []
    found = {(r.currency, r.day): r.rate for r in rows}
    assert found[("USD", date(2024, 6, 28))] == D("0.934142923867")  # 1 / 1.0705 = 0.93414292386735...
    assert found[("GBP", date(2024, 6, 28))] == D("1.18150239845")  # 1 / 0.84638 = 1.181502398449...
    assert ("EUR", date(2024, 6, 28)) not in found


def test_a_bad_ecb_file_names_lines(books: Books, tmp_path: Path) -> None:
    text = ECB.replace('currency="JPY" rate="171.94"', 'currency="QQQ" rate="171.94"').replace(
        'rate="0.8475"', 'rate="abc"'
    )
    with pytest.raises(ImportFileError) as caught:
        rates(books).import_rates_file(write(tmp_path / "ecb.xml", text))
    assert str(caught.value).splitlines() == [
        "ecb.xml:7: currency: 'QQQ' is not an ISO 4217 currency code",
        "ecb.xml:13: rate: 'abc' is not an exchange rate (write e.g. 1.0825)",
    ]
    no_usd = ECB.replace('<Cube currency="USD" rate="1.0700"/>', "")
    with pytest.raises(ImportFileError, match=r"ecb2.xml:10: currency: 2024-06-27: no USD rate"):
        rates(books).import_rates_file(write(tmp_path / "ecb2.xml", no_usd))
    with pytest.raises(ImportFileError, match=r"ecb3.xml: not a readable XML file"):
        rates(books).import_rates_file(write(tmp_path / "ecb3.xml", "<Cube><Cube time="))
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(ImportFileError, match=r"ecb4.xml: not a readable XML file"):
        rates(books).import_rates_file(write(tmp_path / "ecb4.xml", bomb))
    assert table(books) == {}


def test_importing_rates_needs_the_rate_permission(books: Books, tmp_path: Path) -> None:
    ctx = login_as(books, "clerk", "Viewer")
    with pytest.raises(PermissionDenied):
        books.company.fx_rates(ctx).import_rates_file(
            write(tmp_path / "r.csv", "currency,date,rate\nEUR,2024-03-01,1\n")
        )
    with books.company.engine.connect() as conn:
        assert conn.execute(ExchangeRate.__table__.select()).all() == []
