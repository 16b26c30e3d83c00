"""Live refresh in the main window: other users' changes reach the open views, a lost connection shows.

The listener (paksa_desktop.persistence.notifications) runs on its own thread; this bridge turns
its events into a queued Qt signal, so everything below runs on the GUI thread: changes go to
`Hub.broadcast` (each view reloads only what concerns it), a lost connection shows in the status bar
until the listener is back, and then every view is refreshed (what changed meanwhile was not heard).
SQLite companies have no listener and no label.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QMainWindow

from paksa_desktop.persistence.notifications import ChangeListener, LinkState, ListenerEvent
from ui.hub import Hub
from ui.style import set_state

LOST_TEXT = "Connection to the database lost since {time} — retrying…"
LOST_TIP = (
    "Paksa keeps trying to reconnect in the background. Your open windows keep what you typed; "
    "saving fails with a message until the connection is back, and nothing half-saved is ever kept."
)


class LiveRefresh(QObject):
    """Owns the listener of one main window; stopped when the window closes (or the company does)."""

    heard = Signal(object)  # ListenerEvent, emitted on the listener thread
    stateChanged = Signal(str)  # LinkState value, on the GUI thread

    def __init__(self, window: QMainWindow, hub: Hub, **listener_options: object) -> None:
        super().__init__(window)
        self.hub = hub
        self.state: LinkState | None = None
        self.lost_since: datetime | None = None
        self.label = QLabel()
        self.label.setObjectName("statusConnection")
        self.label.setToolTip(LOST_TIP)
        self.label.hide()
        window.statusBar().insertPermanentWidget(0, self.label)
        self.heard.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self.listener: ChangeListener | None = hub.session.company.listen(self.heard.emit, **listener_options)

    @property
    def connected(self) -> bool:
        return self.state is LinkState.CONNECTED

    def stop(self) -> None:
        """Called when the window closes; waits at most a second (a retry may be stuck on a dead network)."""
        if self.listener is not None:
            self.listener.stop(timeout=1.0)
            self.listener = None

    @Slot(object)
    def _on_event(self, item: ListenerEvent) -> None:
        if self.listener is None:  # stopped: a late event from the thread's last moments
            return
        if item.state is LinkState.LOST:
            self.lost_since = item.since
            when = (item.since or datetime.now()).astimezone()
            self.label.setText(LOST_TEXT.format(time=f"{when:%H:%M:%S}"))
            set_state(self.label, "bad")
            self.label.show()
        else:
            self.lost_since = None
            self.label.hide()
            self.label.clear()
            if item.resync:
                self.hub.forget()
        changed = item.state is not self.state
        self.state = item.state
        if item.changes:
            self.hub.broadcast(item.changes)
        if changed:
            self.stateChanged.emit(item.state.value)


def install_live_refresh(window: QMainWindow, hub: Hub) -> LiveRefresh | None:
    """A bridge for a PostgreSQL company; None for a SQLite file (nobody else writes to it)."""
    if hub.session.company.is_sqlite:
        return None
    return LiveRefresh(window, hub)
