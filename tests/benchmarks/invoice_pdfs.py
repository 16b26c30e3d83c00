"""Invoice PDFs at scale: 1,000 realistic five-line invoices, one PDF each, against bare reportlab.

    python tests/benchmarks/invoice_pdfs.py [N]          # N invoices, default 1,000

A generated company (standard chart, two tax codes, 50 customers with billing addresses, a logo and
payment instructions) posts N invoices of five lines each through `InvoicingService.issue_many`. Then:

(a) `InvoicePdfs.write(numbers, folder, one_file=False)`: reading every invoice from the database and
    rendering one PDF per invoice into a folder, the way `paksa invoice pdf --from --to --output DIR`
    does. Target: under 20 s for 1,000.
(b) the same N invoices into one file (a print batch).
(c) the baseline, measured in the same run: for each invoice, a bare reportlab document (no header,
    footer, logo, styling or page numbering) holding a table of the same cells (the lines, the totals,
    the tax summary) in the same fonts: the floor for rendering these figures with reportlab.

Prints wall-clock and CPU seconds (CPU time tells the work done when the machine is shared and the
wall clock only our share of it; the load average is printed too), milliseconds per invoice, and the
ratio of (a) to (c). The target is judged on CPU time. Not part of the test run (pyproject ignores
tests/benchmarks).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.core.clock import FixedClock  # noqa: E402
from paksa_desktop.receivables.commands import (  # noqa: E402
    AddressInput,
    CustomerInput,
    InvoiceInput,
    InvoiceLineInput,
    TaxCodeInput,
)
from paksa_desktop.receivables.invoice_pdf import InvoicePrint, load_prints  # noqa: E402
from paksa_desktop.receivables.models import Invoice  # noqa: E402
from paksa_desktop.receivables.printing import money  # noqa: E402
from paksa_desktop.reporting.pdf import FONT, register_fonts  # noqa: E402

TARGET_SECONDS = 20.0
PASSWORD = "benchmark-password-1"
PRODUCTS = (
    ("Consulting hour, senior", "150.00"),
    ("Blue widget, boxed", "12.40"),
    ("Installation and setup on site", "480.00"),
    ("Annual support subscription", "1200.00"),
    ("Replacement filter cartridge", "8.75"),
    ("Training day for up to 8 people", "950.00"),
    ("Shipping and handling", "25.00"),
)


def say(text: str) -> None:
    print(text, flush=True)


def build(folder: Path, count: int) -> tuple[Company, object, list[str]]:
    clock = FixedClock(datetime(2024, 12, 31, 12, 0, tzinfo=UTC))
    spec = NewCompany("Northwind Trading Ltd", "USD", admin_password=PASSWORD)
    company = Company.create(str(folder / "bench.paksa"), spec, clock=clock)
    ctx = company.login("admin", PASSWORD)
    ar = company.receivables(ctx)
    ar.create_tax_code(TaxCodeInput("VAT20", "Standard rate", Decimal(20), "2200"))
    ar.create_tax_code(TaxCodeInput("VAT5", "Reduced rate", Decimal(5), "2200"))
    rng = random.Random(7)
    for k in range(50):
        address = AddressInput("billing", f"{k + 1} Market Street\nSuite {100 + k}", "Springfield", f"{10000 + k}",
                               "Illinois", "US")  # fmt: skip
        ar.create_customer(CustomerInput(f"C{k:03d}", f"Customer {k:03d} Trading Company", addresses=(address,)))
    invoicing = company.invoicing(ctx)
    settings = invoicing.settings()
    assert settings is not None
    invoicing.update_settings(replace(settings, payment_instructions="Bank transfer to Northwind Trading Ltd\n"
                                      "Account 12345678, routing 021000021"))  # fmt: skip
    company.ledger(ctx).set_company_logo(_logo())
    documents = []
    start = date(2024, 1, 2)
    for k in range(count):
        lines = []
        for _ in range(5):
            text, price = rng.choice(PRODUCTS)
            lines.append(
                InvoiceLineInput(text, Decimal(rng.randint(1, 12)), Decimal(price),
                                 discount_percent=Decimal(rng.choice((0, 0, 0, 5, 10))),
                                 tax_code=rng.choice(("VAT20", "VAT20", "VAT5", "")))
            )  # fmt: skip
        documents.append(
            InvoiceInput(
                f"C{k % 50:03d}", start + timedelta(days=k * 360 // count), tuple(lines), reference=f"PO-{5000 + k}"
            )
        )
    refs = invoicing.issue_many(documents)
    return company, ctx, [r.number or "" for r in refs]


def _logo() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x1f\x6f\xdf" * 120 for _ in range(40))
    header = struct.pack(">IIBBBBB", 120, 40, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def bare(doc: InvoicePrint, folder: Path) -> None:
    """The baseline: the invoice's cells in one plain reportlab table, nothing else."""
    e = doc.exponent
    cells = [["Description", "Quantity", "Unit price", "Discount", "Tax", "Net"]]
    cells += [
        [ln.description, str(ln.quantity), money(ln.unit_price, e), str(ln.discount_percent), ln.tax_code,
         money(ln.net, e)]
        for ln in doc.lines
    ]  # fmt: skip
    cells += [["Net", "", "", "", "", money(doc.net_total, e)], ["Tax", "", "", "", "", money(doc.tax_total, e)]]
    cells += [["Total", "", "", "", "", money(doc.total, e)], ["Amount due", "", "", "", "", money(doc.open_amount, e)]]
    cells += [[t.code, str(t.rate), money(t.net, e), money(t.tax, e), "", ""] for t in doc.taxes]
    cells += [[doc.number, doc.date.isoformat(), doc.due_date.isoformat(), doc.customer_name, "", ""]]
    table = Table(cells)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8.5)]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([table])
    (folder / f"{doc.number}.pdf").write_bytes(out.getvalue())


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=1000, help="invoices (default 1,000)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="paksa-invoice-pdfs-"))
    try:
        started = time.perf_counter()
        company, ctx, numbers = build(root, args.count)
        say(f"generated {len(numbers):,} five-line invoices in {time.perf_counter() - started:.1f} s")
        register_fonts()
        pdfs = company.invoice_pdfs(ctx)  # type: ignore[arg-type]
        pdfs.write(numbers[:5], root / "warm", one_file=False)  # fonts parsed, modules imported

        ours = timed(lambda: pdfs.write(numbers, root / "each", one_file=False))
        batch = timed(lambda: pdfs.write(numbers, root / "batch.pdf"))
        with Session(company.engine) as s:
            ids = list(s.execute(select(Invoice.id).order_by(Invoice.id)).scalars())
            docs = load_prints(s, ids)
        (root / "bare").mkdir()
        baseline = timed(lambda: [bare(doc, root / "bare") for doc in docs])
        company.close()

        n = len(numbers)
        size = sum(p.stat().st_size for p in (root / "each").iterdir()) / n / 1024
        say(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for label, (wall, cpu) in (
            ("(a) one PDF per invoice: ", ours),
            ("(b) all in one file:     ", batch),
            ("(c) bare reportlab table:", baseline),
        ):
            say(f"{label} wall {wall:6.2f} s, CPU {cpu:6.2f} s  ({cpu / n * 1000:5.1f} ms CPU each)")
        say(f"(a) files: {size:.0f} KiB each")
        per_thousand = ours[1] / n * 1000
        say(f"ratio (a)/(c): CPU {ours[1] / baseline[1]:.2f}, wall {ours[0] / baseline[0]:.2f}; "
            f"(a) for 1,000 invoices: {per_thousand:.1f} s CPU, target {TARGET_SECONDS:.0f} s: "
            f"{'met' if per_thousand <= TARGET_SECONDS else 'MISSED'}")  # fmt: skip
        return 0 if per_thousand <= TARGET_SECONDS else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
