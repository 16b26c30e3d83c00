"""`paksa ap payment-run` and `paksa ap remittances`: a whole run in one command, its dry run, its files
and its errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader

from paksa_desktop.payables.pain001 import validate_pain001
from tests.cli.conftest import Paksa
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, gl_balance, open_amounts

JUNE = date(2024, 6, 3)


def bills(books: Books) -> tuple[str, str, str]:
    ap = Payables(books)
    ap.bank()
    ap.vendor("ACME", name="Acme Supplies")
    ap.vendor("BOLT", name="Bolt & Nut GmbH")
    return (
        ap.bill("ACME", "1200.00", JUNE, due=date(2024, 6, 20), vendor_invoice="A-1"),
        ap.bill("BOLT", "99.50", JUNE, due=date(2024, 6, 25), vendor_invoice="B-7"),
        ap.bill("BOLT", "10.00", JUNE, due=date(2024, 7, 25)),  # not due yet
    )


def test_a_payment_run_in_one_command(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    acme, bolt, later = bills(company)
    out = tmp_path / "run.xml"
    dry = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out, "--dry-run")
    assert (dry.code, dry.err) == (0, "")
    assert dry.out.splitlines()[0] == "Proposal (dry run) from Operating on 2024-06-30 (bills due by 2024-06-30)"
    assert "2 vendors, 2 bills, total 1,299.50 USD" in dry.out
    assert "nothing was stored" in dry.out and not out.exists()
    assert open_amounts(company)[acme] == (120000, "posted")

    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out)
    assert (run.code, run.err) == (0, "")
    lines = run.out.splitlines()
    assert lines[0] == "Payment run 1 from Operating on 2024-06-30 (bills due by 2024-06-30)"
    assert lines[1].split()[:2] == ["ACME", "Acme"] and lines[1].endswith("1,200.00 USD")
    assert lines[2].split()[:2] == ["BOLT", "Bolt"] and lines[2].endswith("99.50 USD")
    assert lines[3].startswith("2 vendors, 2 bills, total 1,299.50 USD")
    assert lines[4] == "Posted 2 payments (PMT-2024-000001 to PMT-2024-000002) in run 1"
    assert lines[5] == f"Wrote {out} (pain.001, message id PAKSA-RUN-1-20240630, 2 transfers)"
    validate_pain001(out.read_bytes())
    states = open_amounts(company)
    assert states[acme] == (0, "paid") and states[bolt] == (0, "paid") and states[later] == (1000, "posted")
    assert gl_balance(company, "1100") == -129950

    folder = tmp_path / "advices"
    run = paksa("ap", "remittances", "--run", "1", "--output", folder)
    assert (run.code, run.out) == (0, f"Wrote 2 remittance advices of run 1 to {folder}\n")
    text = PdfReader(folder / "remittance-BOLT-2024-06-30.pdf").pages[0].extract_text()
    assert "Bolt & Nut GmbH" in text and "B-7" in text and "99.50" in text


def test_a_csv_file_when_the_output_ends_in_csv(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    bills(company)
    out = tmp_path / "run.csv"
    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out)
    assert run.code == 0 and "(CSV, message id" in run.out
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and rows[1].split(",")[6:9] == ["1200.00", "USD", "PMT-2024-000001"]


def test_errors_exit_non_zero_and_write_nothing(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    ap = Payables(company)
    ap.bank()
    out = tmp_path / "run.xml"
    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Nowhere", "--output", out)
    assert run.code == 1 and run.err_lines == ["paksa: error: unknown bank account 'Nowhere' (known: Operating)"]
    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out)
    assert run.code == 1
    assert run.err_lines == [
        "paksa: error: nothing to pay from Operating on 2024-06-30: no open USD bill is due by 2024-06-30"
    ]
    ap.vendor("NOBANK", name="No Bank Ltd", iban=None)
    ap.bill("NOBANK", "10.00", JUNE, due=date(2024, 6, 10))
    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out)
    assert run.code == 1 and "vendor NOBANK (No Bank Ltd) has no IBAN" in run.err
    assert not out.exists() and gl_balance(company, "1100") == 0
    again = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out, "--dry-run")
    assert again.code == 0  # the refused run was cancelled: its bill is proposed again
    run = paksa("ap", "remittances", "--run", "99", "--output", tmp_path)
    assert (run.code, run.err_lines) == (1, ["paksa: error: payment run 99 does not exist"])
    run = paksa("ap", "payment-run", "--date", "30.06.2024", "--bank", "Operating", "--output", out)
    assert run.code == 2


def test_the_run_nets_money_paid_on_account(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    from decimal import Decimal

    from paksa_desktop.payables.payments import PaymentInput

    acme, bolt, _later = bills(company)
    ap = Payables(company)
    deposit, _ = company.company.vendor_payments(ap.user).pay(
        PaymentInput("BOLT", "Operating", JUNE, (), amount=Decimal("40.00"))
    )
    out = tmp_path / "run.xml"
    dry = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out, "--dry-run")
    assert dry.code == 0
    [bolt_line] = [ln for ln in dry.out.splitlines() if ln.strip().startswith("BOLT")]
    assert bolt_line.endswith("59.50 USD  (less 40.00 USD paid on account)")
    assert "2 vendors, 2 bills, total 1,259.50 USD" in dry.out and "; 40.00 USD of money on account used" in dry.out
    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out)
    assert (run.code, run.err) == (0, "")
    validate_pain001(out.read_bytes())
    assert b'<InstdAmt Ccy="USD">59.50</InstdAmt>' in out.read_bytes()
    assert open_amounts(company)[bolt] == (0, "paid") and open_amounts(company)[acme] == (0, "paid")
    assert gl_balance(company, "1100") == -(4000 + 125950)
    assert deposit.number == "PMT-2024-000001"


def test_a_run_covered_by_money_on_account_writes_no_file(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    from decimal import Decimal

    from paksa_desktop.payables.payments import PaymentInput

    ap = Payables(company)
    ap.bank()
    ap.vendor("ACME", name="Acme Supplies")
    bill = ap.bill("ACME", "100.00", JUNE, due=date(2024, 6, 20))
    company.company.vendor_payments(ap.user).pay(PaymentInput("ACME", "Operating", JUNE, (), amount=Decimal("150")))
    out = tmp_path / "run.xml"
    run = paksa("ap", "payment-run", "--date", "2024-06-30", "--bank", "Operating", "--output", out)
    assert (run.code, run.err) == (0, "")
    assert "Posted run 1: money on account covered every bill; no payment, no file written" in run.out
    assert not out.exists() and open_amounts(company)[bill] == (0, "paid")
