"""`paksa import accounts`: a chart of accounts from CSV or xlsx (`code,name,type,parent,subtype,currency`)."""

from __future__ import annotations

from pathlib import Path

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ImportFileError, RowError
from paksa_desktop.core.money import is_currency
from paksa_desktop.integration.tabular import open_table, unescape_text
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountSubtype, AccountType
from paksa_desktop.ledger.queries import LedgerQueries
from paksa_desktop.ledger.service import LedgerService

REQUIRED = ("code", "name", "type")
OPTIONAL = ("parent", "subtype", "currency")
COLUMNS = REQUIRED + OPTIONAL
_TYPES = {t.value for t in AccountType}
_SUBTYPES = {s.value for s in AccountSubtype}


def read_accounts_file(path: Path, existing: set[str] | None = None) -> list[AccountInput]:
    """Validate every row; return the accounts parents-first, or raise listing every problem."""
    table = open_table(Path(path), REQUIRED, OPTIONAL)
    existing = existing or set()
    col = table.columns
    errors: list[RowError] = []
    parsed: list[tuple[int, AccountInput]] = []
    seen: dict[str, int] = {}

    def cell(cells: list[str], name: str) -> str:
        i = col.get(name)
        return unescape_text(cells[i].strip()) if i is not None and i < len(cells) else ""

    for number, cells in table.rows:
        code, name, type_text = cell(cells, "code"), cell(cells, "name"), cell(cells, "type").lower()
        parent, subtype_text, currency = cell(cells, "parent"), cell(cells, "subtype").lower(), cell(cells, "currency")
        row_errors = []
        if not code:
            row_errors.append(RowError(table.source, number, "code", "required"))
        elif code in existing:
            row_errors.append(RowError(table.source, number, "code", f"account {code} already exists"))
        elif code in seen:
            row_errors.append(RowError(table.source, number, "code", f"duplicate of row {seen[code]}"))
        if not name:
            row_errors.append(RowError(table.source, number, "name", "required"))
        if type_text not in _TYPES:
            row_errors.append(
                RowError(table.source, number, "type", f"'{type_text}' is not one of {', '.join(sorted(_TYPES))}")
            )
        if subtype_text not in _SUBTYPES:
            row_errors.append(RowError(table.source, number, "subtype", f"unknown subtype '{subtype_text}'"))
        if currency and not is_currency(currency):
            row_errors.append(RowError(table.source, number, "currency", f"'{currency}' is not an ISO 4217 code"))
        if parent and parent == code:
            row_errors.append(RowError(table.source, number, "parent", "an account cannot be its own parent"))
        if code and code not in seen:
            seen[code] = number
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(
            (
                number,
                AccountInput(
                    code=code,
                    name=name,
                    type=AccountType(type_text),
                    parent=parent or None,
                    subtype=AccountSubtype(subtype_text),
                    currency=currency.upper() or None,
                ),
            )
        )
    by_code = {a.code: (n, a) for n, a in parsed}
    for number, account in parsed:
        if (
            account.parent
            and account.parent not in by_code
            and account.parent not in existing
            and account.parent not in seen
        ):
            errors.append(RowError(table.source, number, "parent", f"unknown parent account '{account.parent}'"))
        elif account.parent in by_code and by_code[account.parent][1].type != account.type:
            errors.append(
                RowError(
                    table.source,
                    number,
                    "parent",
                    f"parent {account.parent} is {by_code[account.parent][1].type.value}, "
                    f"this account is {account.type.value}",
                )
            )
    if errors:
        raise ImportFileError(errors)
    return _parents_first(parsed, existing, table.source)


def _parents_first(parsed: list[tuple[int, AccountInput]], existing: set[str], source: str) -> list[AccountInput]:
    placed = set(existing)
    ordered: list[AccountInput] = []
    pending = parsed
    while pending:
        rest = [(n, a) for n, a in pending if a.parent and a.parent not in placed]
        ready = [a for n, a in pending if not a.parent or a.parent in placed]
        if not ready:
            raise ImportFileError([RowError(source, n, "parent", "accounts form a cycle of parents") for n, _ in rest])
        ordered.extend(ready)
        placed.update(a.code for a in ready)
        pending = rest
    return ordered


def import_accounts_file(service: LedgerService, queries: LedgerQueries, path: Path) -> tuple[int, Changes]:
    existing = {a.code for a in queries.accounts()}
    accounts = read_accounts_file(path, existing)
    if not accounts:
        raise ImportFileError([RowError(Path(path).name, 0, "", "the file has no accounts")])
    return len(accounts), service.import_accounts(accounts)
