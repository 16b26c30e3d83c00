"""Vendors: the list with its filters, the vendor form, import and export of vendor files, attachments.

A receivables record list (ui/receivables/base_view.py RecordListView: search, active filter, New /
Edit / Deactivate, Export of the rows shown) over the vendor service.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QMessageBox, QPushButton, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.vendor_files import VENDOR_COLUMNS
from paksa_desktop.payables.vendors import VendorRow, VendorService
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.audit.attachments import show_attachments
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.import_export import FILE_FILTER
from ui.models.columns import Col
from ui.payables.vendor_credit_dialog import vendor_credit
from ui.payables.vendor_dialog import vendor_dialog
from ui.receivables import import_export
from ui.receivables.base_view import RecordListView, choice_filter
from ui.receivables.fields import refill_choices
from ui.style import icon
from ui.widgets.export_button import default_export_dir
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.workers import IsCancelled, Job, Progress, run_with_progress


def _withholding(row: VendorRow) -> str:
    return f"{row.withholding_rate.normalize():f} %" if row.withholding else ""


COLUMNS = (
    Col("code", "Code", lambda r: r.code, width=166),  # employee codes: EMP-MARIA.ANDERS
    Col("name", "Name", lambda r: r.name),
    Col("currency", "Currency", lambda r: r.currency, width=82),
    Col("terms", "Terms", lambda r: r.payment_terms, width=130),
    Col(
        "balance",
        "Open balance",
        lambda r: r.balance,
        ColumnKind.MONEY,
        width=140,
        places=lambda r: currency_exponent(r.currency),
    ),
    Col("bank", "Bank account", lambda r: r.bank, width=120),
    Col("withholding", "Withholding", lambda r: _withholding(r), width=100),
    Col("active", "Active", lambda r: "yes" if r.is_active else "no", width=64),
)
KINDS = (("All", None), ("Vendors", False), ("Employees", True))


def vendors_import(update: bool) -> import_export.ImportKind:
    """The receivables import flow (progress, cancel, the errors dialog) over the vendor service."""
    return import_export.ImportKind(
        "Import vendors",
        "vendor",
        "vendors",
        VENDOR_COLUMNS,
        lambda service, path, progress, cancelled: service.import_file(
            path, update=update, progress=progress, cancelled=cancelled
        ),
        service=lambda session: session.vendors,
    )


class VendorsView(RecordListView):
    title = "Vendors"
    subtitle = (
        "Open balances are posted bills less credit notes, in each vendor's currency; bank accounts show their "
        "last four characters. Enter opens the selected vendor, Ctrl+N creates one."
    )
    concerns = frozenset({Kind.VENDORS, Kind.BILLS, Kind.PAYMENTS})
    noun = "vendor"
    plural = "vendors"
    columns = COLUMNS
    stretch = "name"
    manage = Permission.AP_VENDOR_MANAGE
    search_hint = "code, name, e-mail or tax number"
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.last_import: Job | None = None
        self.last_export: Job | None = None

    def record_queries(self) -> VendorService:
        return self.session.vendors

    def record_service(self) -> VendorService:
        return self.session.vendors

    # ---- the list's own buttons and filters
    def add_actions(self) -> None:
        self.attach_button = QPushButton(icon("import"), "Attachments…")
        self.attach_button.setToolTip("Documents attached to the selected vendor (W-9, contract, bank letter)")
        self.attach_button.clicked.connect(self.show_attachments)
        self.attach_button.setVisible(self.session.can(Permission.DOCUMENT_VIEW))
        self.import_button = QPushButton(icon("import"), "Import…")
        columns = ", ".join(VENDOR_COLUMNS)
        self.import_button.setToolTip(f"Create or update vendors from a CSV or Excel file ({columns})")
        self.import_button.clicked.connect(self.choose_and_import)
        self.export_file_button = QPushButton(icon("export"), "Export file…")
        self.export_file_button.setToolTip("Every vendor in the columns Import reads (CSV or Excel)")
        self.export_file_button.clicked.connect(self.choose_and_export)
        self.credit_button = QPushButton("Vendor credit…")
        self.credit_button.setToolTip("The selected vendor's payments on account and open credit notes: apply, refund")
        self.credit_button.clicked.connect(self.open_credit)
        self.header.add(self.credit_button)
        self.header.add(self.attach_button)
        self.header.add(self.import_button)
        self.managed_buttons.append(self.import_button)
        self.header.add(self.export_file_button)

    def add_filters(self, bar: FilterBar) -> None:
        self.currency = QComboBox()
        self.currency.addItem("All", None)
        self.currency.setMinimumContentsLength(4)
        bar.add("C&urrency", self.currency)
        self.kind = choice_filter(*KINDS)
        bar.add("&Kind", self.kind)

    def update_actions(self, row: VendorRow | None) -> None:
        self.attach_button.setEnabled(row is not None)
        self.import_button.setEnabled(self.can_manage)

    # ---- rows
    def fetch(self, queries: VendorService) -> Sequence[VendorRow]:
        return queries.list()

    def show_rows(self, result: Any) -> list[VendorRow]:
        rows: list[VendorRow] = list(result)
        refill_choices(self.currency, (r.currency for r in rows))
        return rows

    def haystack(self, row: VendorRow) -> tuple[str, ...]:
        return (row.code, row.name, row.email, row.tax_number)

    def passes(self, row: VendorRow) -> bool:
        currency, employee = self.currency.currentData(), self.kind.currentData()
        return (currency is None or row.currency == currency) and (employee is None or row.is_employee == employee)

    def filter_words(self) -> list[str]:
        words = []
        if self.currency.currentData():
            words.append(f"currency {self.currency.currentData()}")
        if self.kind.currentData() is not None:
            words.append(self.kind.currentText().lower())
        return words

    def report_exponent(self, rows: Sequence[VendorRow]) -> int:
        """Exact balances in every currency shown: as many decimals as the one with the most."""
        return max([self.hub.exponent, *(currency_exponent(r.currency) for r in rows)])

    def report_currency(self) -> str:
        return ""  # each row's currency is in its own column

    # ---- actions
    def dialog(self, row: VendorRow | None) -> QDialog | None:
        code = row.code if row is not None else None
        hub, editable = self.hub, self.can_manage
        return attempt(self, lambda: vendor_dialog(hub, code, editable=editable, parent=self), title=self.title)

    def set_active(self, service: VendorService, code: str, active: bool) -> Changes:
        return service.set_active(code, active)

    def open_credit(self) -> None:
        row = self.current()
        self.last_credit = vendor_credit(self.hub, self, row.code if row else None)

    def show_attachments(self) -> None:
        row = self.current()
        if row is not None:
            self.last_attachments = show_attachments(
                self.session, "vendor", row.code, f"Vendor {row.code} — {row.name}", self
            )

    def choose_and_import(self) -> Job | None:
        """Pick a file; say whether vendors already in the company may be updated; import on a worker."""
        if not self.can_manage:
            return None
        chosen, _ = QFileDialog.getOpenFileName(
            self, f"Import vendors ({', '.join(VENDOR_COLUMNS)})", str(default_export_dir()), FILE_FILTER
        )
        if not chosen:
            return None
        answer = QMessageBox.question(
            self,
            "Import vendors",
            "Update vendors that are already in the company from the file?\n\n"
            "Yes: rows with an existing code change that vendor. No: an existing code is an error and "
            "nothing is imported.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return None
        update = answer == QMessageBox.StandardButton.Yes
        self.last_import = import_export.import_file(self, self.hub, vendors_import(update), Path(chosen))
        return self.last_import

    def choose_and_export(self) -> Job | None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export vendors", str(default_export_dir() / "vendors.xlsx"), FILE_FILTER
        )
        if not chosen:
            return None
        return self.export_file(Path(chosen))

    def export_file(self, path: Path) -> Job:
        service = self.session.vendors

        def work(_progress: Progress, _cancelled: IsCancelled) -> int:
            return service.export_file(path)

        def done(count: int) -> None:
            notify(self, f"Exported {count:,} vendor{'s' if count != 1 else ''} to {path.name}")

        self.last_export = run_with_progress(self, "Export vendors", f"Writing {path.name}…", work, done)
        return self.last_export
