"""Fields the receivables forms share: amounts, accounts of one type, tax codes, payment terms in words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import from_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.receivables.queries import TaxCodeView
from paksa_desktop.receivables.rules import canonical_terms
from ui.hub import Hub
from ui.models.account_choices import AccountChoices
from ui.receivables.record_dialog import FormProblem
from ui.widgets.account_picker import AccountPicker
from ui.widgets.entry_grid import amount_validator

NONE = "(none)"


class AmountEdit(QLineEdit):
    """A non-negative amount with at most `exponent` decimals (grouping commas allowed), right-aligned."""

    def __init__(self, exponent: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.set_exponent(exponent)

    def set_exponent(self, exponent: int) -> None:
        self.exponent = exponent
        self.setValidator(amount_validator(exponent, self))

    def set_amount(self, amount: Decimal | None) -> None:
        self.setText("" if amount is None else f"{amount.quantize(from_minor(1, self.exponent)):,}")

    def amount(self, what: str) -> Decimal | None:
        """The amount typed (None when empty); FormProblem names `what` if it is not one."""
        text = self.text().replace(",", "").strip()
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise FormProblem(f"{what}: '{self.text()}' is not an amount") from None


def account_picker(hub: Hub, kind: AccountType) -> AccountPicker:
    """A picker offering the active postable accounts of one type (an income account, a tax liability)."""
    accounts = [a for a in hub.account_choices().by_code.values() if a.type is kind]
    picker = AccountPicker(AccountChoices(accounts), postable_only=True)
    picker.setPlaceholderText(f"code or name of an {kind.value} account".replace("an liability", "a liability"))
    return picker


def picked_account(picker: AccountPicker, what: str) -> str | None:
    """The code of the account typed (None when empty); FormProblem when nothing of that type matches."""
    text = picker.text().strip()
    if not text:
        return None
    code = picker.code()
    if code is None:
        raise FormProblem(f"{what}: no account matches '{text}'")
    return code


def tax_code_label(tax: TaxCodeView) -> str:
    prices = ", inclusive" if tax.inclusive else ""
    return f"{tax.code} — {tax.name} ({tax.rate} %{prices})"


def fill_tax_codes(combo: QComboBox, codes: Sequence[TaxCodeView], chosen: str | None) -> None:
    """'(none)' and the active tax codes; a record's inactive code stays offered (and chosen)."""
    combo.clear()
    combo.addItem(NONE, "")
    for tax in codes:
        if tax.is_active or tax.code == chosen:
            combo.addItem(tax_code_label(tax) + ("" if tax.is_active else " — inactive"), tax.code)
    if chosen and combo.findData(chosen) < 0:
        combo.addItem(chosen, chosen)
    combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)


def fill_customers(
    combo: QComboBox, customers: Iterable[Any], chosen: str | None = None, *, first: tuple[str, object] | None = None
) -> None:
    """Each customer as 'CODE — Name' with its code as data, after an optional first choice (such as 'All
    customers'); `chosen` stays selected when it is still there. Signals are held while the list refills."""
    combo.blockSignals(True)
    combo.clear()
    if first is not None:
        combo.addItem(*first)
    for c in customers:
        combo.addItem(f"{c.code} — {c.name}", c.code)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    combo.blockSignals(False)


def refill_choices(combo: QComboBox, values: Iterable[str]) -> None:
    """A list filter's choices: 'All', then the values the rows have, sorted, with the one chosen still chosen
    (signals blocked: the caller filters once afterwards)."""
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem("All", None)
    for code in sorted(set(values) | ({chosen} if chosen else set())):
        combo.addItem(code, code)
    combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)
    combo.blockSignals(False)


def chosen_tax_code(combo: QComboBox) -> str | None:
    return combo.currentData() or None


def terms_in_words(text: str) -> tuple[str, bool]:
    """What payment terms mean ('Due 30 days after the invoice date'), or why they cannot be read; and ok."""
    if not text.strip():
        return "Write e.g. net 30, 30 EOM, due on receipt or 2/10 net 30.", False
    try:
        terms = PaymentTerms.parse(canonical_terms(text))
    except ValidationError as exc:
        return str(exc)[:1].upper() + str(exc)[1:], False
    if terms.net_days == 0 and not terms.end_of_month:
        due = "Due on receipt"
    elif terms.net_days == 0:
        due = "Due at the end of the invoice's month"
    elif terms.end_of_month:
        due = f"Due {terms.net_days} days after the end of the invoice's month"
    else:
        due = f"Due {terms.net_days} day{'s' if terms.net_days != 1 else ''} after the invoice date"
    if terms.discount_percent:
        percent = f"{terms.discount_percent.normalize():f}"
        return f"{due}; {percent} % off if paid within {terms.discount_days} days.", True
    return f"{due}.", True
