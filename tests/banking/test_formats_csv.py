"""Bank CSV through a profile: separators, skipped lines, two amount columns, profile storage, and a
property: any statement written with any profile reads back as the same lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paksa_desktop.banking.formats import AmountSign, CsvProfile, StatementFileError, read_statement_file
from paksa_desktop.banking.statement_data import StatementLine
from paksa_desktop.core.errors import ValidationError
from tests.banking.formats_helpers import FILES

GERMAN = CsvProfile(
    name="Nordbank",
    delimiter=";",
    encoding="cp1252",
    skip_rows=3,
    date_column="Buchungstag",
    value_date_column="Valuta",
    counterparty_column="Empfänger",
    description_column="Verwendungszweck",
    reference_column="Referenz",
    amount_column="Betrag",
    date_formats=("%d.%m.%Y",),
    decimal_comma=True,
    thousands_separator=".",
)


def test_decimal_comma_skipped_lines_cp1252() -> None:
    (st_,) = read_statement_file(FILES / "csv_decimal_comma.csv", GERMAN)
    assert (st_.format, st_.account, st_.start, st_.end) == ("csv", "", date(2024, 1, 31), date(2024, 2, 2))
    first, second, third = st_.lines
    assert (first.amount, first.booked, first.value_date, first.row) == (
        Decimal("1250.00"),
        date(2024, 1, 31),
        date(2024, 2, 1),
        5,
    )
    assert (first.counterparty, first.description, first.reference) == (
        "Müller GmbH",
        "Rechnung INV-1001",
        "E2E-INV-1001",
    )
    assert (second.amount, second.description) == (Decimal("-45.10"), "Strom; Januar")
    assert (third.amount, third.counterparty) == (Decimal("-3.80"), 'Bäckerei "Zum Korn"')


def test_two_amount_columns_and_a_footer() -> None:
    profile = CsvProfile(
        date_column="Date",
        description_column="Description",
        debit_column="Debit",
        credit_column="Credit",
        bank_id_column="Transaction ID",
        date_formats=("%m/%d/%Y",),
        thousands_separator=",",
        skip_footer_rows=1,
    )
    (st_,) = read_statement_file(FILES / "csv_two_columns.csv", profile)
    assert [(x.booked, x.amount, x.bank_id) for x in st_.lines] == [
        (date(2024, 1, 5), Decimal("5000.00"), "T-1"),
        (date(2024, 1, 9), Decimal("-310.45"), "T-2"),
        (date(2024, 1, 31), Decimal("0.37"), "T-3"),
    ]


def test_indicator_column_without_header() -> None:
    profile = CsvProfile(
        delimiter="\t",
        header=False,
        date_column=1,
        description_column=2,
        amount_column=3,
        direction_column=4,
        sign=AmountSign.INDICATOR,
    )
    (st_,) = read_statement_file(FILES / "csv_indicator_no_header.txt", profile)
    assert [(x.amount, x.kind, x.row) for x in st_.lines] == [(Decimal("-19.99"), "D", 1), (Decimal("5.00"), "C", 2)]


def test_bad_date_amount_and_short_row_all_reported() -> None:
    profile = CsvProfile(date_column="Date", description_column="Description", amount_column="Amount")
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(FILES / "csv_bad_values.csv", profile)
    assert str(caught.value).splitlines() == [
        "csv_bad_values.csv:3: Date: '2024-02-30' is not a date in the form %Y-%m-%d",
        "csv_bad_values.csv:4: Amount: '1,000.00' is not an amount (this profile expects amounts like 1234.56)",
        "csv_bad_values.csv:5: the row has 2 columns, the profile needs 3 (cut short?)",
    ]


def test_unknown_header_and_malformed_quoting(tmp_path) -> None:
    wrong = CsvProfile(date_column="Datum", amount_column="Betrag")
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(FILES / "csv_two_columns.csv", wrong)
    assert str(caught.value).startswith("csv_two_columns.csv:1: date_column: no column named 'Datum' in the header")
    broken = tmp_path / "broken.csv"
    broken.write_text('Date,Amount\n2024-01-01,1.00\n2024-01-02,"2.00\n')
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(broken, CsvProfile(date_column="Date", amount_column="Amount"))
    assert str(caught.value).startswith("broken.csv:3: malformed CSV: ")


def test_amount_variants() -> None:
    read = CsvProfile(amount_column=2, decimal_comma=True, thousands_separator=" ").amount_reader()
    assert read("1 234,5") == Decimal("1234.5")
    assert read("12,50-") == Decimal("-12.50")
    assert read("(7,00)") == Decimal("-7.00")
    assert read("1.234,50") is None  # '.' is neither this profile's decimal nor its thousands separator
    assert read("1e3") is None and read("") is None and read("-(5)") is None


def test_profile_round_trips_as_json() -> None:
    stored = json.dumps(GERMAN.to_dict())
    assert CsvProfile.from_dict(json.loads(stored)) == GERMAN
    assert json.loads(stored)["sign"] == "signed" and json.loads(stored)["date_formats"] == ["%d.%m.%Y"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"delimiter": ";;"}, "CSV profile: delimiter: must be one character"),
        ({"encoding": "klingon"}, "CSV profile: encoding: unknown text encoding 'klingon'"),
        ({"skip_rows": -1}, "CSV profile: skip_rows: must be a whole number from 0 to 1000"),
        ({"date_column": 0}, "CSV profile: date_column: column numbers start at 1"),
        ({"debit_column": 3}, "CSV profile: amount_column: give either an amount column or debit and credit"),
        ({"amount_column": None, "debit_column": 3}, "CSV profile: credit_column: needed with the other one"),
        ({"sign": "backwards"}, "CSV profile: sign: must be one of signed, inverted, indicator"),
        ({"sign": "indicator"}, "CSV profile: direction_column: needed when the sign is 'indicator'"),
        ({"date_formats": []}, "CSV profile: date_formats: give at least one date format"),
        ({"thousands_separator": "."}, "CSV profile: thousands_separator: is the same character as the decimal"),
        ({"header": False, "date_column": "Date"}, "CSV profile: date_column: 'Date' is a header name, but"),
        ({"colour": "red"}, "CSV profile: colour: not a profile setting"),
        ({"date_formats": "%d.%m.%Y"}, "CSV profile: date_formats: expected a list of texts"),
    ],
)
def test_profile_validation_names_the_field(changes: dict, message: str) -> None:
    data = CsvProfile(amount_column=2).to_dict() | changes
    with pytest.raises(ValidationError) as caught:
        CsvProfile.from_dict(data)
    assert str(caught.value).startswith(message)


# -- property: written with a random profile, read back the same ------------------------------------------------

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%d.%m.%y"]
FIELDS = ["date", "value_date", "description", "reference", "bank_id", "counterparty", "counterparty_account"]
text = st.text(st.characters(codec="cp1252", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20).map(str.strip)


@st.composite
def statements(draw: st.DrawFn) -> tuple[CsvProfile, list[StatementLine], str]:
    decimal_comma = draw(st.booleans())
    thousands = draw(st.sampled_from(["", " ", "'", "." if decimal_comma else ","]))
    mode = draw(st.sampled_from(["signed", "inverted", "indicator", "two"]))
    header = draw(st.booleans())
    columns = [*FIELDS, *(["debit", "credit"] if mode == "two" else ["amount"])]
    if mode == "indicator":
        columns.append("direction")
    columns = draw(st.permutations(columns))
    position = {name: i + 1 for i, name in enumerate(columns)}

    def ref(name: str) -> int | str:
        return f"Col {name}" if header else position[name]

    amounts = (
        {"debit_column": ref("debit"), "credit_column": ref("credit")}
        if mode == "two"
        else {"amount_column": ref("amount")}
    )
    profile = CsvProfile(
        delimiter=draw(st.sampled_from([",", ";", "\t", "|"])),
        encoding=draw(st.sampled_from(["utf-8", "cp1252"])),
        skip_rows=draw(st.integers(0, 3)),
        header=header,
        skip_footer_rows=draw(st.integers(0, 2)),
        date_column=ref("date"),
        value_date_column=ref("value_date"),
        description_column=ref("description"),
        reference_column=ref("reference"),
        bank_id_column=ref("bank_id"),
        counterparty_column=ref("counterparty"),
        counterparty_account_column=ref("counterparty_account"),
        direction_column=ref("direction") if mode == "indicator" else None,
        sign=AmountSign.SIGNED if mode == "two" else AmountSign(mode),
        date_formats=(draw(st.sampled_from(DATE_FORMATS)),),
        decimal_comma=decimal_comma,
        thousands_separator=thousands,
        **amounts,
    )
    days = st.dates(date(2000, 1, 1), date(2068, 12, 31))
    line = st.builds(
        StatementLine,
        booked=days,
        amount=st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-2)),
        description=text,
        reference=text,
        bank_id=text,
        value_date=st.one_of(st.none(), days),
        counterparty=text,
        counterparty_account=text,
    )
    lines = draw(st.lists(line, min_size=1, max_size=15))
    return profile, lines, _write(profile, lines, columns, mode)


def _amount_text(value: Decimal, profile: CsvProfile) -> str:
    plain = f"{abs(value):,.2f}".replace(",", "T").replace(".", "D")
    plain = plain.replace("T", profile.thousands_separator).replace("D", "," if profile.decimal_comma else ".")
    return f"-{plain}" if value < 0 else plain


def _write(profile: CsvProfile, lines: list[StatementLine], columns: list[str], mode: str) -> str:
    out = io.StringIO()
    for i in range(profile.skip_rows):
        out.write(f'Preamble line {i}: account 123, "quoted\n')
    writer = csv.writer(out, delimiter=profile.delimiter, lineterminator="\n")
    if profile.header:
        writer.writerow([f"Col {name}" for name in columns])
    fmt = profile.date_formats[0]
    for x in lines:
        amount = -x.amount if mode == "inverted" else x.amount
        cells = {
            "date": x.booked.strftime(fmt),
            "value_date": x.value_date.strftime(fmt) if x.value_date else "",
            "description": x.description,
            "reference": x.reference,
            "bank_id": x.bank_id,
            "counterparty": x.counterparty,
            "counterparty_account": x.counterparty_account,
            "amount": _amount_text(abs(amount) if mode == "indicator" else amount, profile),
            "direction": "D" if amount < 0 else "C",
            "debit": _amount_text(-amount, profile) if amount < 0 else "",
            "credit": _amount_text(amount, profile) if amount >= 0 else "",
        }
        writer.writerow([cells[name] for name in columns])
    for _ in range(profile.skip_footer_rows):
        writer.writerow(["Total"] + [""] * (len(columns) - 1))
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statements())
def test_any_profile_reads_back_what_it_wrote(tmp_path, case: tuple[CsvProfile, list[StatementLine], str]) -> None:
    profile, lines, content = case
    path = tmp_path / "generated.csv"
    path.write_bytes(content.encode(profile.encoding))
    (read,) = read_statement_file(path, profile)

    def key(x: StatementLine) -> tuple:
        return (
            x.booked,
            x.amount,
            x.description,
            x.reference,
            x.bank_id,
            x.value_date,
            x.counterparty,
            x.counterparty_account,
        )

    assert [key(x) for x in read.lines] == [key(x) for x in lines]
