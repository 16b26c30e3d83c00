"""Reading bank statement files at scale, each reader against a baseline measured alternately in the same run.

    python tests/benchmarks/bank_formats.py [N]      # N statement lines per file, default 50,000

For each format a generated N-line file is read with `read_statement_file` (detection, decoding,
parsing, validation, building the ParsedStatement) and timed against the floor of the same file:
    csv       the csv module reading the same rows into lists
    camt.053  the C ElementTree parser building the tree of the same bytes (no field is read)
    ofx 2     the C ElementTree parser building the tree of the same bytes
(defusedxml's own parser is the pure-Python one, several times slower than that floor; the readers
check the prolog with defusedxml's rules and then use the C parser, see formats/xmlsafe.py)
    ofx 1     the SGML tag regex run over the decoded text (no tree is built)
    mt940     decoding and splitting the text into lines
Target: every reader under 2 s for N = 50,000 (the issue's "import a 50,000-line statement in under 5 s"
leaves the rest for the database import).

Not part of the test run (pyproject ignores tests/benchmarks).
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import xml.etree.ElementTree as ET  # noqa: E402

from paksa_desktop.banking.formats import AmountSign, CsvProfile, read_statement_file  # noqa: E402

TARGET_SECONDS = 2.0
RUNS = 3
START = date(2024, 1, 1)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def paired_medians(first: Callable[[], object], second: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median milliseconds of two actions run alternately, so a change in load weighs on both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for action, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(a), statistics.median(b)


def _rows(n: int) -> list[tuple[date, Decimal, str, str, str]]:
    rnd = random.Random(20240101)
    out = []
    for i in range(n):
        cents = rnd.randint(-500_000, 500_000)
        out.append(
            (
                START + timedelta(days=i * 365 // n),
                Decimal(cents).scaleb(-2),
                f"Payment {i} invoice INV-{rnd.randint(1, 99999):05d}",
                f"E2E-{i:08d}",
                f"Customer {rnd.randint(1, 5000)} Ltd",
            )
        )
    return out


def write_csv(path: Path, rows: list) -> CsvProfile:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("Account statement;DE89370400440532013000\n")
        w = csv.writer(f, delimiter=";")
        w.writerow(["Buchungstag", "Valuta", "Empfänger", "Verwendungszweck", "Referenz", "Soll", "Haben"])
        for booked, amount, text, ref, party in rows:
            value = f"{abs(amount):,.2f}".replace(",", " ").replace(".", ",")
            debit, credit = (value, "") if amount < 0 else ("", value)
            day = booked.strftime("%d.%m.%Y")
            w.writerow([day, day, party, text, ref, debit, credit])
    return CsvProfile(
        delimiter=";",
        skip_rows=1,
        date_column="Buchungstag",
        value_date_column="Valuta",
        counterparty_column="Empfänger",
        description_column="Verwendungszweck",
        reference_column="Referenz",
        debit_column="Soll",
        credit_column="Haben",
        date_formats=("%d.%m.%Y",),
        decimal_comma=True,
        thousands_separator=" ",
        sign=AmountSign.SIGNED,
    )


def write_camt(path: Path, rows: list) -> None:
    total = sum(r[1] for r in rows)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        "<BkToCstmrStmt><GrpHdr><MsgId>B</MsgId><CreDtTm>2025-01-01T00:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<Dt><Dt>2023-12-31</Dt></Dt></Bal>"
        f"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{abs(total)}</Amt>"
        f"<CdtDbtInd>{'DBIT' if total < 0 else 'CRDT'}</CdtDbtInd><Dt><Dt>2024-12-31</Dt></Dt></Bal>\n"
    ]
    for i, (booked, amount, text, ref, party) in enumerate(rows):
        side = "Dbtr" if amount > 0 else "Cdtr"
        parts.append(
            f"<Ntry><Amt Ccy='EUR'>{abs(amount)}</Amt><CdtDbtInd>{'CRDT' if amount > 0 else 'DBIT'}</CdtDbtInd>"
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt>"
            f"<AcctSvcrRef>B{i}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>"
            f"<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>{ref}</EndToEndId>"
            f"</Refs><RltdPties><{side}><Pty><Nm>{party}</Nm></Pty></{side}><{side}Acct><Id><IBAN>"
            f"DE02120300000000202051</IBAN></Id></{side}Acct></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf>"
            "</TxDtls></NtryDtls></Ntry>\n"
        )
    parts.append("</Stmt></BkToCstmrStmt></Document>\n")
    path.write_text("".join(parts), encoding="utf-8")


def _ofx_body(rows: list, close: bool) -> str:
    end = lambda tag: f"</{tag}>" if close else ""  # noqa: E731
    out = [
        "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1" + end("TRNUID") + "<STMTRS><CURDEF>EUR" + end("CURDEF"),
        "<BANKACCTFROM><BANKID>1" + end("BANKID") + "<ACCTID>4433221100" + end("ACCTID") + "</BANKACCTFROM>",
        "<BANKTRANLIST><DTSTART>20240101" + end("DTSTART") + "<DTEND>20241231" + end("DTEND") + "\n",
    ]
    for i, (booked, amount, text, ref, party) in enumerate(rows):
        out.append(
            f"<STMTTRN>\n<TRNTYPE>{'CREDIT' if amount > 0 else 'DEBIT'}{end('TRNTYPE')}\n"
            f"<DTPOSTED>{booked:%Y%m%d}120000{end('DTPOSTED')}\n<TRNAMT>{amount}{end('TRNAMT')}\n"
            f"<FITID>F{i}{end('FITID')}\n<REFNUM>{ref}{end('REFNUM')}\n<NAME>{party}{end('NAME')}\n"
            f"<MEMO>{text}{end('MEMO')}\n</STMTTRN>\n"
        )
    out.append("</BANKTRANLIST><LEDGERBAL><BALAMT>0.00" + end("BALAMT") + "<DTASOF>20241231" + end("DTASOF"))
    out.append("</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n")
    return "".join(out)


def write_ofx1(path: Path, rows: list) -> None:
    header = "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n\n"
    path.write_bytes((header + _ofx_body(rows, close=False)).encode("cp1252"))


def write_ofx2(path: Path, rows: list) -> None:
    header = '<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="220"?>\n'
    path.write_text(header + _ofx_body(rows, close=True), encoding="utf-8")


def write_mt940(path: Path, rows: list) -> None:
    total = sum(r[1] for r in rows)
    out = [":20:BENCH\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C231231EUR0,00\n"]
    for i, (booked, amount, text, ref, party) in enumerate(rows):
        mark = "C" if amount > 0 else "D"
        out.append(
            f":61:{booked:%y%m%d}{booked:%m%d}{mark}{str(abs(amount)).replace('.', ',')}NTRF{ref}//B{i}\n"
            f":86:/EREF/{ref}/IBAN/DE02120300000000202051/NAME/{party}/REMI/{text}\n"
        )
    out.append(f":62F:{'D' if total < 0 else 'C'}241231EUR{str(abs(total)).replace('.', ',')}\n-\n")
    path.write_text("".join(out), encoding="utf-8")


def _gc_paused(action: Callable[[], object]) -> Callable[[], object]:
    """The baseline under the same condition as the readers, which pause the cyclic GC while reading."""

    def run() -> object:
        gc.disable()
        try:
            return action()
        finally:
            gc.enable()

    return run


_SGML_TAG = re.compile(r"<(/?)([A-Za-z0-9_.]+)[^>]*>([^<]*)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=50_000, help="statement lines per file (default 50,000)")
    args = parser.parse_args(argv)
    n = args.n
    tmp = Path(tempfile.mkdtemp(prefix="paksa-bankbench-"))
    say(f"generating {n:,}-line files in {tmp}")
    rows = _rows(n)
    files = {name: tmp / name for name in ("statement.csv", "camt053.xml", "ofx1.ofx", "ofx2.ofx", "mt940.sta")}
    profile = write_csv(files["statement.csv"], rows)
    write_camt(files["camt053.xml"], rows)
    write_ofx1(files["ofx1.ofx"], rows)
    write_ofx2(files["ofx2.ofx"], rows)
    write_mt940(files["mt940.sta"], rows)

    def csv_floor() -> object:
        with files["statement.csv"].open(encoding="utf-8", newline="") as f:
            return list(csv.reader(f, delimiter=";"))

    cases: list[tuple[str, Path, CsvProfile | None, str, Callable[[], object]]] = [
        ("csv", files["statement.csv"], profile, "csv.reader rows", csv_floor),
        (
            "camt.053",
            files["camt053.xml"],
            None,
            "C ElementTree parse",
            lambda: ET.fromstring(files["camt053.xml"].read_bytes()),
        ),
        (
            "ofx 2 (XML)",
            files["ofx2.ofx"],
            None,
            "C ElementTree parse",
            lambda: ET.fromstring(files["ofx2.ofx"].read_bytes()),
        ),
        (
            "ofx 1 (SGML)",
            files["ofx1.ofx"],
            None,
            "tag regex only",
            lambda: _SGML_TAG.findall(files["ofx1.ofx"].read_bytes().decode("cp1252")),
        ),
        (
            "mt940",
            files["mt940.sta"],
            None,
            "decode + split lines",
            lambda: files["mt940.sta"].read_bytes().decode("utf-8").splitlines(),
        ),
    ]
    failed = False
    heading = f"{'format':<14}{'size':>9}{'lines':>9}{'read (ms)':>12}{'baseline (ms)':>15}  {'baseline':<22}"
    print(f"\n{heading}{'ratio':>7}  target")
    for name, path, prof, baseline_name, baseline in cases:
        statements = read_statement_file(path, prof)
        count = sum(len(s.lines) for s in statements)
        assert count == n, f"{name}: read {count} lines, wrote {n}"
        assert all(s.balance_problem() is None for s in statements), f"{name}: balances disagree"
        ours, floor = paired_medians(lambda path=path, prof=prof: read_statement_file(path, prof), _gc_paused(baseline))
        ok = ours / 1000 < TARGET_SECONDS
        failed |= not ok
        size = path.stat().st_size / 1048576
        print(
            f"{name:<14}{size:>7.1f}MB{count:>9,}{ours:>12,.0f}{floor:>15,.0f}  {baseline_name:<22}"
            f"{ours / floor:>6.1f}x  {'PASS' if ok else 'FAIL'} (< {TARGET_SECONDS:.0f} s)"
        )
    for path in files.values():
        path.unlink()
    tmp.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
