"""The first window: create, open or connect to a company, reopen a recent one, or try the demo."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop import __version__
from ui.settings import RecentCompanies
from ui.style import APP_NAME, icon

LOCATION_ROLE = Qt.ItemDataRole.UserRole + 1


class StartScreen(QWidget):
    """Emits what the user asked for; the application controller does it."""

    createRequested = Signal()
    openFileRequested = Signal()
    connectRequested = Signal()
    demoRequested = Signal()
    recentRequested = Signal(str)
    closedByUser = Signal()

    def __init__(self, recent: RecentCompanies, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startScreen")
        self.setWindowTitle(APP_NAME)
        self.recent = recent
        self.resize(900, 560)

        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(56, 56))
        brand = QLabel(APP_NAME)
        brand.setObjectName("brand")
        tagline = QLabel("Double-entry accounting for finance teams: exact, fast, yours.")
        tagline.setObjectName("tagline")
        tagline.setWordWrap(True)
        heading = QHBoxLayout()
        heading.addWidget(logo)
        heading.addSpacing(8)
        titles = QVBoxLayout()
        titles.addWidget(brand)
        titles.addWidget(tagline)
        heading.addLayout(titles, 1)

        self.create_button = self._action_button("add", "Create a new company…", "Start books from a chart template")
        self.open_button = self._action_button("ledger", "Open a company file…", "A .paksa file on this computer")
        self.connect_button = self._action_button(
            "accounts", "Connect to PostgreSQL…", "A company shared on your network"
        )
        self.demo_button = self._action_button(
            "trial-balance", "Open the demo company", "Two years of sample books to explore"
        )
        self.create_button.clicked.connect(self.createRequested)
        self.open_button.clicked.connect(self.openFileRequested)
        self.connect_button.clicked.connect(self.connectRequested)
        self.demo_button.clicked.connect(self.demoRequested)

        left = QVBoxLayout()
        left.addLayout(heading)
        left.addSpacing(22)
        for button in (self.create_button, self.open_button, self.connect_button, self.demo_button):
            left.addWidget(button)
        left.addStretch(1)
        version = QLabel(f"Version {__version__}")
        version.setProperty("state", "muted")
        left.addWidget(version)

        card = QFrame()
        card.setObjectName("card")
        recent_title = QLabel("<b>Recent companies</b>")
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentList")
        self.recent_list.setFrameShape(QFrame.Shape.NoFrame)
        self.recent_list.setIconSize(QSize(20, 20))
        self.recent_list.setSpacing(2)
        self.recent_list.itemActivated.connect(self._open_item)
        self.recent_empty = QLabel("Companies you open appear here.")
        self.recent_empty.setProperty("state", "muted")
        self.open_recent_button = QPushButton("Open")
        self.remove_recent_button = QPushButton("Remove from list")
        self.open_recent_button.clicked.connect(lambda: self._open_item(self.recent_list.currentItem()))
        self.remove_recent_button.clicked.connect(self._remove_current)
        recent_buttons = QHBoxLayout()
        recent_buttons.addStretch(1)
        recent_buttons.addWidget(self.remove_recent_button)
        recent_buttons.addWidget(self.open_recent_button)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(14, 12, 14, 12)
        card_layout.addWidget(recent_title)
        card_layout.addWidget(self.recent_list, 1)
        card_layout.addWidget(self.recent_empty)
        card_layout.addLayout(recent_buttons)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(28)
        layout.addLayout(left, 5)
        layout.addWidget(card, 6)
        self.refresh_recent()

    def _action_button(self, icon_name: str, text: str, hint: str) -> QPushButton:
        button = QPushButton(icon(icon_name), f"  {text}")
        button.setObjectName("startAction")
        button.setIconSize(QSize(22, 22))
        button.setToolTip(hint)
        button.setMinimumHeight(44)
        return button

    def refresh_recent(self) -> None:
        self.recent_list.clear()
        for item in self.recent.items():
            kind = "ledger" if "://" not in item.location else "accounts"
            row = QListWidgetItem(icon(kind), f"{item.name}\n{item.location}")
            row.setData(LOCATION_ROLE, item.location)
            row.setToolTip(item.location)
            self.recent_list.addItem(row)
        has_items = self.recent_list.count() > 0
        self.recent_empty.setVisible(not has_items)
        self.open_recent_button.setEnabled(has_items)
        self.remove_recent_button.setEnabled(has_items)
        if has_items:
            self.recent_list.setCurrentRow(0)

    def _open_item(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.recentRequested.emit(item.data(LOCATION_ROLE))

    def _remove_current(self) -> None:
        item = self.recent_list.currentItem()
        if item is not None:
            self.recent.remove(item.data(LOCATION_ROLE))
            self.refresh_recent()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closedByUser.emit()
