"""The statement layout editor: rename, add, move lines and accounts, save in one call, reset; the statement
on screen follows each change; a line the engine computes cannot be deleted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paksa_desktop.ledger.statement_layout import StatementKind
from tests.ui.conftest import handle_dialog, wait_idle
from tests.ui.test_statements_view import choose, open_statements, shot
from ui.ledger.layout_editor import LayoutEditor, new_key, rule_text
from ui.ledger.statement_request import Statement
from ui.ledger.statements_view import StatementsView


def edit_layout(qtbot: Any, view: StatementsView, handler: Callable[[LayoutEditor], None]) -> None:
    """Open the editor from the statement's Layout… button and let `handler` work in it."""
    done: list[bool] = []

    def run(editor: LayoutEditor) -> None:
        try:
            handler(editor)
        finally:
            done.append(True)

    timer = handle_dialog(LayoutEditor, run)
    view.layout_button.click()
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    timer.stop()
    wait_idle(qtbot, view)


def children(view: StatementsView, label: str) -> list[str]:
    parent = view.model.find(label)
    return [view.model.index(r, 0, parent).data() for r in range(view.model.rowCount(parent))]


def test_rename_add_move_save_and_reset(qtbot, window, sqlite_books, messages):
    view = open_statements(qtbot, window, sqlite_books)
    choose(qtbot, view, Statement.INCOME_STATEMENT)
    assert view.layout_button.isVisible()
    assert children(view, "Other operating expenses") == ["6100 Rent", "6200 Professional fees"]

    def edit(editor: LayoutEditor) -> None:
        assert editor.kind is StatementKind.INCOME_STATEMENT and not editor.customised
        editor.select_line("sales")
        assert [editor.accounts_tree.topLevelItem(i).text(0) for i in range(3)] == ["4010", "4020", "4030"]
        editor.rename_line("sales", "Sales of goods")
        editor.select_line("other_operating")
        key = editor.add_line("Professional services")
        assert key == "professional_services" and editor.current_key() == key
        assert editor.lines_tree.currentItem().text(2) == "none: accounts moved here by hand"
        editor.select_line("other_operating")
        editor.select_accounts("6200")
        editor.target.setCurrentIndex(editor.target.findData(key))
        editor.move_selected_accounts()
        editor.select_line(key)
        assert [editor.accounts_tree.topLevelItem(i).text(2) for i in range(1)] == ["placed by hand"]
        assert editor.dirty and "Unsaved changes" in editor.state_label.text()
        shot(editor, "statement-layout-editor.png")
        editor.save()
        assert not editor.isVisible()

    edit_layout(qtbot, view, edit)
    assert view.model.find("Sales of goods").isValid() and not view.model.find("Revenue").parent().isValid()
    assert children(view, "Other operating expenses") == ["6100 Rent"]
    assert children(view, "Professional services") == ["6200 Professional fees"]
    stored = sqlite_books.company.statement_layouts(sqlite_books.ctx).layout(StatementKind.INCOME_STATEMENT)
    assert stored.customised
    line = next(x for x in stored.lines if x.key == "professional_services")
    assert (line.group_key, line.placed) == ("operating_expenses", ("6200",))

    def undo_and_cancel(editor: LayoutEditor) -> None:
        assert editor.customised and "customised" in editor.state_label.text()
        editor.select_line("professional_services")
        editor.select_accounts("6200")
        assert editor.unplace_button.isEnabled()
        editor.unplace_selected_accounts()
        assert editor.accounts_tree.topLevelItemCount() == 0  # 6200 went back to the line its rule gives
        editor.reject()  # unsaved changes: the question is answered Discard

    edit_layout(qtbot, view, undo_and_cancel)
    assert messages.texts("question")[-1] == "Discard your changes to this layout?"
    assert children(view, "Professional services") == ["6200 Professional fees"]  # nothing was saved

    def reset(editor: LayoutEditor) -> None:
        editor.reset()
        assert not editor.customised and not editor.dirty
        editor.select_line("sales")
        assert editor.lines_tree.currentItem().text(0).strip() == "Revenue"
        editor.accept()

    edit_layout(qtbot, view, reset)
    assert "Put back the default lines of the income statement?" in messages.texts("question")[-1]
    assert not view.model.find("Sales of goods").isValid() and not view.model.find("Professional services").isValid()
    assert children(view, "Other operating expenses") == ["6100 Rent", "6200 Professional fees"]


def test_lines_move_and_computed_lines_cannot_be_deleted(qtbot, window, sqlite_books, messages):
    view = open_statements(qtbot, window, sqlite_books)
    choose(qtbot, view, Statement.BALANCE_SHEET)

    def edit(editor: LayoutEditor) -> None:
        assert editor.kind is StatementKind.BALANCE_SHEET
        editor.select_line("retained_earnings")
        editor.delete_line()
        assert "cannot be removed: the statement computes it" in messages.last()
        assert "retained_earnings" in {line.key for line in editor.lines["equity"]}
        editor.select_line("receivables")
        editor.move_line(-1)
        assert [line.key for line in editor.lines["current_assets"]][:2] == ["receivables", "cash_and_bank"]
        assert not editor.up_button.isEnabled()  # first of its group
        editor.select_line("inventories")
        editor.delete_line()  # an ordinary line goes; its accounts fall back to the other lines' rules
        assert "inventories" not in {line.key for line in editor.lines["current_assets"]}
        editor.save()

    edit_layout(qtbot, view, edit)
    current = children(view, "Current assets")
    assert current == ["Trade receivables", "Cash and cash equivalents"]
    assert view.status.property("state") == "ok"  # still balances


def test_helpers_name_rules_and_keys():
    assert rule_text(("asset/bank", "asset/cash")) == "Asset: bank, cash"
    assert rule_text(("income/sales", "income/")) == "Income: sales, any other"
    assert rule_text(("equity/", "liability/payroll_liability")) == "Equity: any other; Liability: payroll liability"
    assert rule_text(()) == ""
    assert new_key("Marketing & events", {"marketing_events"}) == "marketing_events_2"
    assert new_key("2025 grants", set()) == "line_2025_grants" and new_key("***", set()) == "line"
