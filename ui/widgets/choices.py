"""Pickers of coded records (journals, departments, projects) that refill without losing the user's choice."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QComboBox

from paksa_desktop.ledger.queries import CodeName


def code_and_name(row: CodeName) -> str:
    return f"{row.code} — {row.name}"


def fill_codes(
    combo: QComboBox,
    rows: Iterable[CodeName],
    *,
    first: str | None = None,
    active_only: bool = False,
    label: Callable[[CodeName], str] = code_and_name,
) -> None:
    """Refill `combo` (data: the code) after the list changed elsewhere.

    The current choice stays chosen, even when it is no longer offered (a draft keeps its deactivated
    journal), and no change signal fires: the user changed nothing. `first` adds a leading "All" choice
    whose data is None.
    """
    chosen, chosen_text = combo.currentData(), combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    if first is not None:
        combo.addItem(first, None)
    for row in rows:
        if row.is_active or not active_only:
            combo.addItem(label(row), row.code)
    if chosen is not None and combo.findData(chosen) < 0:
        combo.addItem(chosen_text, chosen)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    combo.blockSignals(False)
