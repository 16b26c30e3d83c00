"""The one-line hooks that give the entry editor and the chart of accounts their History and
Attachments actions, kept here so those views stay about the ledger."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QBoxLayout, QMenu, QPushButton

from paksa_desktop.security.permissions import Permission
from ui.audit.attachments import show_attachments
from ui.audit.history import show_history


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    return button


# ---- journal entry editor (entity "journal_entry", key: the entry id)
def add_entry_buttons(editor: Any, layout: QBoxLayout) -> None:
    session = editor.hub.session
    editor.history_button = _button("History", "Every change to this entry, from the audit trail")
    editor.attachments_button = _button("Attachments…", "Files attached to this entry, with their versions")
    editor.history_button.clicked.connect(
        lambda: show_history(session, "journal_entry", editor.entry_id, editor.windowTitle(), editor)
    )
    editor.attachments_button.clicked.connect(
        lambda: show_attachments(session, "journal_entry", editor.entry_id, editor.windowTitle(), editor)
    )
    layout.addWidget(editor.history_button)
    layout.addWidget(editor.attachments_button)


def update_entry_buttons(editor: Any) -> None:
    """Only a saved entry has a history and attachments."""
    session = editor.hub.session
    saved = editor.entry_id is not None
    editor.history_button.setVisible(saved and session.can(Permission.AUDIT_VIEW))
    editor.attachments_button.setVisible(saved and session.can(Permission.DOCUMENT_VIEW))


# ---- chart of accounts (entity "account", key: the account code)
def add_account_buttons(view: Any) -> None:
    view.history_button = _button("History", "Every change to the selected account, from the audit trail")
    view.attachments_button = _button("Attachments…", "Files attached to the selected account")
    view.history_button.clicked.connect(lambda: account_history(view))
    view.attachments_button.clicked.connect(lambda: account_attachments(view))
    view.history_button.setVisible(view.session.can(Permission.AUDIT_VIEW))
    view.attachments_button.setVisible(view.session.can(Permission.DOCUMENT_VIEW))
    view.header.add(view.history_button)
    view.header.add(view.attachments_button)


def update_account_buttons(view: Any) -> None:
    selected = view.current_account() is not None
    view.history_button.setEnabled(selected)
    view.attachments_button.setEnabled(selected)


def add_account_menu_actions(view: Any, menu: QMenu) -> None:
    menu.addSeparator()
    if view.session.can(Permission.AUDIT_VIEW):
        menu.addAction("History", lambda: account_history(view))
    if view.session.can(Permission.DOCUMENT_VIEW):
        menu.addAction("Attachments…", lambda: account_attachments(view))


def account_history(view: Any) -> Any:
    account = view.current_account()
    if account is None:
        return None
    return show_history(view.session, "account", account.code, f"Account {account.code} {account.name}", view)


def account_attachments(view: Any) -> Any:
    account = view.current_account()
    if account is None:
        return None
    return show_attachments(view.session, "account", account.code, f"Account {account.code} {account.name}", view)


# ---- main window
def add_audit_tab(window: Any) -> Any:
    """The Audit tab for users holding `audit.view`, loaded each time it is shown (None for the others)."""
    from ui.audit.audit_tab import AuditTab
    from ui.style import icon

    if not window.session.can(Permission.AUDIT_VIEW):
        return None
    tab = AuditTab(window.session)
    window.tabs.addTab(tab, icon("activity"), "Audit")

    def shown(index: int) -> None:
        if window.tabs.widget(index) is tab:
            tab.reload()

    window.tabs.currentChanged.connect(shown)
    return tab
