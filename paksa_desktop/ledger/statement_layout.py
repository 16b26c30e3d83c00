"""The shape of each financial statement: fixed groups and totals, with customisable lines inside groups.

A line is fed by the accounts its rules match ('asset/bank' = an asset account of subtype bank,
'expense/' = an expense account without subtype) or that were placed on it by hand. The groups,
their signs and the totals between them are fixed, so a statement always adds up (the balance sheet
balances, the cash flow reconciles to cash) whatever a company does to its lines. Every account a
statement covers lands on exactly one line: the first line whose rule matches its type and subtype,
else the first line of its type's catch-all rule ('asset/'), else the statement's fallback line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from paksa_desktop.ledger.models import AccountType


class StatementKind(enum.StrEnum):
    BALANCE_SHEET = "balance_sheet"
    INCOME_STATEMENT = "income_statement"
    CASH_FLOW = "cash_flow"


@dataclass(frozen=True, slots=True)
class LineSpec:
    key: str
    title: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """Lines shown under a heading with a total; `sign` turns ledger sums (debit > 0) into display."""

    key: str
    title: str
    sign: int
    lines: tuple[LineSpec, ...]
    total_title: str = ""


@dataclass(frozen=True, slots=True)
class TotalSpec:
    """A computed total: displayed group totals (and earlier totals) added with coefficients."""

    key: str
    title: str
    terms: tuple[tuple[str, int], ...]
    grand: bool = False  # ruled twice (the last line of a statement)


Block = GroupSpec | TotalSpec


@dataclass(frozen=True, slots=True)
class StatementSpec:
    kind: StatementKind
    title: str
    types: frozenset[AccountType]  # the account types whose balances the lines show
    blocks: tuple[Block, ...]

    def groups(self) -> list[GroupSpec]:
        return [b for b in self.blocks if isinstance(b, GroupSpec)]

    def group(self, key: str) -> GroupSpec:
        return next(g for g in self.groups() if g.key == key)

    def lines(self) -> list[tuple[GroupSpec, LineSpec]]:
        return [(g, line) for g in self.groups() for line in g.lines]


A, L, E, INC, EXP = (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY, AccountType.INCOME,
                     AccountType.EXPENSE)  # fmt: skip

# Special lines whose figures the engine computes rather than reads from accounts alone.
CURRENT_EARNINGS = "current_earnings"  # balance sheet: this fiscal year's result so far
RETAINED_EARNINGS = "retained_earnings"  # balance sheet: includes earlier years' results not yet closed
NET_INCOME = "net_income"  # cash flow: the income statement's result for the period
CASH_GROUP = "cash"  # cash flow: the cash and bank accounts whose change the statement explains

BALANCE_SHEET = StatementSpec(
    StatementKind.BALANCE_SHEET,
    "Balance sheet",
    frozenset({A, L, E}),
    (
        GroupSpec(
            "current_assets",
            "Current assets",
            1,
            (
                LineSpec("cash_and_bank", "Cash and cash equivalents", ("asset/bank", "asset/cash")),
                LineSpec("receivables", "Trade receivables", ("asset/receivable",)),
                LineSpec("inventories", "Inventories", ("asset/inventory",)),
                LineSpec(
                    "other_current_assets",
                    "Prepayments and other current assets",
                    ("asset/prepayment", "asset/current_asset", "asset/"),
                ),
            ),
            "Total current assets",
        ),
        GroupSpec(
            "non_current_assets",
            "Non-current assets",
            1,
            (
                LineSpec(
                    "property_plant_equipment",
                    "Property, plant and equipment",
                    ("asset/fixed_asset", "asset/accumulated_depreciation"),
                ),
                LineSpec("investments", "Investments", ("asset/investment",)),
            ),
            "Total non-current assets",
        ),
        TotalSpec("total_assets", "Total assets", (("current_assets", 1), ("non_current_assets", 1)), grand=True),
        GroupSpec(
            "current_liabilities",
            "Current liabilities",
            -1,
            (
                LineSpec("payables", "Trade payables", ("liability/payable",)),
                LineSpec("tax_payable", "Tax payable", ("liability/tax",)),
                LineSpec("accruals", "Accruals", ("liability/accrual",)),
                LineSpec("payroll_liabilities", "Payroll liabilities", ("liability/payroll_liability",)),
                LineSpec(
                    "other_current_liabilities",
                    "Other current liabilities",
                    ("liability/current_liability", "liability/"),
                ),
            ),
            "Total current liabilities",
        ),
        GroupSpec(
            "non_current_liabilities",
            "Non-current liabilities",
            -1,
            (LineSpec("borrowings", "Loans and borrowings", ("liability/loan",)),),
            "Total non-current liabilities",
        ),
        TotalSpec(
            "total_liabilities", "Total liabilities", (("current_liabilities", 1), ("non_current_liabilities", 1))
        ),
        GroupSpec(
            "equity",
            "Equity",
            -1,
            (
                LineSpec("share_capital", "Share capital", ("equity/share_capital",)),
                LineSpec("other_equity", "Other reserves", ("equity/",)),
                LineSpec(RETAINED_EARNINGS, "Retained earnings", ("equity/retained_earnings",)),
                LineSpec(CURRENT_EARNINGS, "Current-year earnings", ("equity/current_earnings",)),
            ),
            "Total equity",
        ),
        TotalSpec(
            "total_liabilities_and_equity",
            "Total liabilities and equity",
            (("total_liabilities", 1), ("equity", 1)),
            grand=True,
        ),
    ),
)

INCOME_STATEMENT = StatementSpec(
    StatementKind.INCOME_STATEMENT,
    "Income statement",
    frozenset({INC, EXP}),
    (
        GroupSpec(
            "revenue", "Revenue", -1, (LineSpec("sales", "Revenue", ("income/sales", "income/")),), "Total revenue"
        ),
        GroupSpec(
            "cost_of_sales",
            "Cost of sales",
            1,
            (LineSpec("cost_of_sales", "Cost of sales", ("expense/cost_of_sales",)),),
            "Total cost of sales",
        ),
        TotalSpec("gross_profit", "Gross profit", (("revenue", 1), ("cost_of_sales", -1))),
        GroupSpec(
            "operating_expenses",
            "Operating expenses",
            1,
            (
                LineSpec("employee_costs", "Salaries and employee costs", ("expense/payroll_expense",)),
                LineSpec("depreciation", "Depreciation and amortisation", ("expense/depreciation",)),
                LineSpec("other_operating", "Other operating expenses", ("expense/operating_expense", "expense/")),
            ),
            "Total operating expenses",
        ),
        TotalSpec("operating_profit", "Operating profit", (("gross_profit", 1), ("operating_expenses", -1))),
        GroupSpec(
            "other_income_expense",
            "Other income and expense",
            -1,
            (
                LineSpec("other_income", "Other income", ("income/other_income",)),
                LineSpec("finance_costs", "Finance costs", ("expense/finance_cost",)),
            ),
            "Net other income and expense",
        ),
        TotalSpec("profit_before_tax", "Profit before tax", (("operating_profit", 1), ("other_income_expense", 1))),
        GroupSpec(
            "income_tax", "Income tax", 1, (LineSpec("tax_expense", "Income tax expense", ("expense/tax_expense",)),)
        ),
        TotalSpec("net_income", "Net income", (("profit_before_tax", 1), ("income_tax", -1)), grand=True),
    ),
)

# Every balance-sheet account's movement, with its sign turned (an asset that grows used cash), lands
# on one line; the income statement's accounts make up the net income line. So the three sections add
# up to the change in the cash group, by construction.
CASH_FLOW = StatementSpec(
    StatementKind.CASH_FLOW,
    "Cash flow statement",
    frozenset({A, L, E}),
    (
        GroupSpec(
            "operating",
            "Operating activities",
            -1,
            (
                LineSpec(NET_INCOME, "Net income"),
                LineSpec("depreciation", "Depreciation and amortisation", ("asset/accumulated_depreciation",)),
                LineSpec("receivables", "(Increase) decrease in trade receivables", ("asset/receivable",)),
                LineSpec("inventories", "(Increase) decrease in inventories", ("asset/inventory",)),
                LineSpec(
                    "other_current_assets",
                    "(Increase) decrease in other current assets",
                    ("asset/prepayment", "asset/current_asset", "asset/"),
                ),
                LineSpec("payables", "Increase (decrease) in trade payables", ("liability/payable",)),
                LineSpec(
                    "other_current_liabilities",
                    "Increase (decrease) in other current liabilities",
                    (
                        "liability/tax",
                        "liability/accrual",
                        "liability/payroll_liability",
                        "liability/current_liability",
                        "liability/",
                    ),
                ),
            ),
            "Net cash from operating activities",
        ),
        GroupSpec(
            "investing",
            "Investing activities",
            -1,
            (
                LineSpec("capital_expenditure", "Purchase of property, plant and equipment", ("asset/fixed_asset",)),
                LineSpec("investments", "Investments made", ("asset/investment",)),
            ),
            "Net cash from investing activities",
        ),
        GroupSpec(
            "financing",
            "Financing activities",
            -1,
            (
                LineSpec("borrowings", "Borrowings raised (repaid)", ("liability/loan",)),
                LineSpec("capital", "Share capital issued", ("equity/share_capital", "equity/")),
                LineSpec(
                    "dividends",
                    "Dividends and other equity movements",
                    ("equity/retained_earnings", "equity/current_earnings"),
                ),
            ),
            "Net cash from financing activities",
        ),
        TotalSpec(
            "net_change", "Net change in cash", (("operating", 1), ("investing", 1), ("financing", 1)), grand=True
        ),
        GroupSpec(
            CASH_GROUP,
            "Cash and cash equivalents",
            1,
            (LineSpec("cash", "Cash and bank", ("asset/bank", "asset/cash")),),
        ),
    ),
)

STATEMENTS: Mapping[StatementKind, StatementSpec] = {s.kind: s for s in (BALANCE_SHEET, INCOME_STATEMENT, CASH_FLOW)}
FALLBACK_LINE = {
    StatementKind.BALANCE_SHEET: {A: "other_current_assets", L: "other_current_liabilities", E: "other_equity"},
    StatementKind.INCOME_STATEMENT: {INC: "sales", EXP: "other_operating"},
    StatementKind.CASH_FLOW: {A: "other_current_assets", L: "other_current_liabilities", E: "capital"},
}


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: int
    code: str
    name: str
    type: AccountType
    subtype: str


@dataclass(slots=True)
class Layout:
    """A statement's lines as the company has them: default or customised, plus hand-placed accounts."""

    spec: StatementSpec
    lines: dict[str, list[LineSpec]]  # group key -> lines in order
    placed: dict[int, str] = field(default_factory=dict)  # account id -> line key

    @classmethod
    def default(cls, spec: StatementSpec) -> Layout:
        return cls(spec, {g.key: list(g.lines) for g in spec.groups()})

    def all_lines(self) -> Iterable[tuple[GroupSpec, LineSpec]]:
        for group in self.spec.groups():
            for line in self.lines.get(group.key, []):
                yield group, line

    def line_keys(self) -> set[str]:
        return {line.key for _group, line in self.all_lines()}

    def assign(self, accounts: Iterable[AccountInfo]) -> dict[str, list[AccountInfo]]:
        """Each account of the statement's types on exactly one line (line key -> accounts in code order)."""
        rules: list[tuple[str, str]] = [(rule, line.key) for _g, line in self.all_lines() for rule in line.rules]
        keys = self.line_keys()
        fallback = FALLBACK_LINE[self.spec.kind]
        result: dict[str, list[AccountInfo]] = {key: [] for key in keys}
        for account in sorted(accounts, key=lambda a: a.code):
            if account.type not in self.spec.types:
                continue
            key = self.placed.get(account.id)
            if key not in keys:
                exact = f"{account.type.value}/{account.subtype}"
                catch_all = f"{account.type.value}/"
                key = next((k for r, k in rules if r == exact), None) or next(
                    (k for r, k in rules if r == catch_all), None
                )
            if key not in keys:
                key = fallback.get(account.type)
            if key not in keys:  # the company removed the fallback line: the first line of a same-sign group
                key = next(line.key for _g, line in self.all_lines() if line.key not in (NET_INCOME,))
            result[key].append(account)
        return result


def validate_lines(spec: StatementSpec, lines: Mapping[str, list[LineSpec]]) -> list[str]:
    """Problems with a customised layout, each naming the line: the engine's special lines must stay."""
    problems: list[str] = []
    groups = {g.key for g in spec.groups()}
    seen: set[str] = set()
    for group_key, group_lines in lines.items():
        if group_key not in groups:
            problems.append(f"unknown group '{group_key}'")
        for line in group_lines:
            if not line.key or not line.key.replace("_", "").isalnum():
                problems.append(f"line '{line.title}': the key must be letters, digits and '_'")
            if line.key in seen:
                problems.append(f"line key '{line.key}' is used twice")
            seen.add(line.key)
            if not line.title.strip():
                problems.append(f"line '{line.key}' needs a title")
            for rule in line.rules:
                kind, _, _subtype = rule.partition("/")
                if kind not in {t.value for t in spec.types} or "/" not in rule:
                    problems.append(f"line '{line.key}': rule '{rule}' is not 'type/subtype' of this statement")
    required = {
        StatementKind.BALANCE_SHEET: {RETAINED_EARNINGS: "equity", CURRENT_EARNINGS: "equity"},
        StatementKind.CASH_FLOW: {NET_INCOME: "operating"},
        StatementKind.INCOME_STATEMENT: {},
    }[spec.kind]
    for key, group_key in sorted(required.items()):
        if key not in seen:
            problems.append(f"the line '{key}' cannot be removed: the statement computes it")
        elif key not in {line.key for line in lines.get(group_key, [])}:
            problems.append(f"the line '{key}' must stay in the group '{group_key}'")
    return problems
